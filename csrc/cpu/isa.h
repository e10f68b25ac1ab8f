// SPDX-License-Identifier: Apache-2.0
// Instruction-set variants of the CPU kernels, chosen at run time. The kernels are compiled once per
// variant (CMakeLists.txt) from the same source. Every random number and update is plain IEEE
// arithmetic with contraction off, so all variants produce the same bits: the choice changes speed
// only, which tests/test_random_invariance.py checks by forcing each variant in turn.
#pragma once

namespace hb::cpu {

enum class Isa : int { kBaseline = 0, kAvx2 = 1, kAvx512 = 2 };

Isa best_supported_isa();       // what this CPU and this build allow
Isa active_isa();               // what the kernels use now (the best, unless limited)
void limit_isa(Isa ceiling);    // use at most `ceiling` (for tests and benchmarks)
const char* isa_name(Isa isa);

}  // namespace hb::cpu
