# SPDX-License-Identifier: Apache-2.0
"""heatbath.bench: the side-by-side comparisons against the tools users would pick instead.

Each ``compare_*`` module runs heatbath and its peers (heatbath/bench/peers/: numpy, torch, Numba, JAX,
BlackJAX, scikit-learn loops written the way a competent user writes them) on the same work in one
process and prints rates and ratios. ``heatbath bench`` runs them; ``python -m
heatbath.bench.compare_langevin --help`` shows each one's options. Peers that are not installed are
reported as such, not failed.
"""
