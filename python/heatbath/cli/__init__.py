# SPDX-License-Identifier: Apache-2.0
"""The `heatbath` command line: `demo`, `sample` and `bench`.

User errors (unknown models, bad options, unwritable folders, missing optional extras) end with one
line on standard error that says what to do and exit status 2, never a traceback.
"""
from __future__ import annotations

import argparse
import sys

from heatbath.cli import bench, demo, sample
from heatbath.cli.errors import UserError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="heatbath", description="Fast, reproducible sampling from Boltzmann "
                                     "distributions p(x) ∝ exp(−β E(x)).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (demo, sample, bench):
        module.add_parser(sub)
    return parser


def main(argv=None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except UserError as exc:
        print(f"heatbath {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except MemoryError as exc:
        detail = f" ({exc})" if str(exc) else ""
        print(f"heatbath {args.command}: error: not enough memory{detail}: ask for less (fewer chains, a smaller "
              f"lattice, a sparser trace)", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"heatbath {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
