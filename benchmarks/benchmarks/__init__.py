# SPDX-License-Identifier: Apache-2.0
"""heatbath's asv suite; see ../asv.conf.json for how to run it against the installed package."""
