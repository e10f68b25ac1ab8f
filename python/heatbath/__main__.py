# SPDX-License-Identifier: Apache-2.0
import sys

from heatbath.cli import main

sys.exit(main())
