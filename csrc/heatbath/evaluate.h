// SPDX-License-Identifier: Apache-2.0
// Arguments of heatbath.energy / heatbath.grad: E(x) and ∇E(x) for a batch of states.
#pragma once
#include <cstdint>

namespace hb {

template <class T>
struct EvaluateArgs {
  int64_t chains, dim;
  const T* x;  // [chains, dim]
  T* grad;     // [chains, dim]
  T* energy;   // [chains]
};

}  // namespace hb
