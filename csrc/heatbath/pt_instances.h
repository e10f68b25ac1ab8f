// SPDX-License-Identifier: Apache-2.0
// The (dtype, method, potential) combinations of parallel tempering with Langevin local moves, listed
// once for both launchers; each runs on Tempered<potential> (tempered.h).
#pragma once

#include "heatbath/langevin_instances.h"
#include "heatbath/tempered.h"

#define HB_FOR_EACH_PT(X) HB_FOR_EACH_LANGEVIN(X)
