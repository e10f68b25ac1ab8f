// SPDX-License-Identifier: Apache-2.0
// The thread count of every OpenMP launcher. Kept here, not in OpenMP's per-thread ICV, because the
// compiled loops run on whichever Python thread called them.
#pragma once

namespace hb::cpu {

void set_num_threads(int n);  // n >= 1
int num_threads();            // what the next launch uses
bool openmp_enabled();

}  // namespace hb::cpu
