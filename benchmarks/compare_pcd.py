# SPDX-License-Identifier: Apache-2.0
"""The peer comparison lives in the package (heatbath.bench.compare_pcd) so that `heatbath bench` runs it from
any install; this file keeps `python benchmarks/compare_pcd.py [options]` working from a clone."""
import sys

from heatbath.bench.compare_pcd import main

if __name__ == "__main__":
    sys.exit(main())
