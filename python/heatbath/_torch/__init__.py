# SPDX-License-Identifier: Apache-2.0
"""The step loop of heatbath.TorchPotential (torch energies, the core's update phases). Needs torch."""
