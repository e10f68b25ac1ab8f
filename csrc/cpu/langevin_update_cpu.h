// SPDX-License-Identifier: Apache-2.0
#pragma once
#include "heatbath/langevin_update.h"

namespace hb::cpu {

// Applies one phase of a Langevin step (langevin_update.h) to every chain, in place, with OpenMP;
// dispatches on the instruction set (isa.h).
template <class T, Phase P>
void langevin_update(const UpdateArgs<T>& a);

#define HB_DECLARE_UPDATE_VARIANT(ns)                \
  namespace ns {                                     \
  template <class T, Phase P>                        \
  void langevin_update(const UpdateArgs<T>& a);      \
  }
HB_DECLARE_UPDATE_VARIANT(baseline)
HB_DECLARE_UPDATE_VARIANT(avx2)
HB_DECLARE_UPDATE_VARIANT(avx512)
#undef HB_DECLARE_UPDATE_VARIANT

#define HB_INSTANTIATE_UPDATE(T, P) template void langevin_update<T, P>(const UpdateArgs<T>&);
#define HB_INSTANTIATE_CPU_UPDATE()                \
  HB_FOR_EACH_PHASE(HB_INSTANTIATE_UPDATE, float) \
  HB_FOR_EACH_PHASE(HB_INSTANTIATE_UPDATE, double)

}  // namespace hb::cpu
