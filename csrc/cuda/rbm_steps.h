// SPDX-License-Identifier: Apache-2.0
// Between rbm_cuda.cu and rbm_graph.cu: the cuBLAS path's Gibbs steps with their Philox keys read on the
// device, for a CUDA graph that replays them from whatever step a call starts at.
#pragma once
#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/cublas.h"
#include "heatbath/rbm_args.h"

namespace hb::cuda {

// Queues steps *step0 .. *step0 + a.n_steps − 1 of every chain (a.step0 is not read; the keys are those of
// rbm_gibbs's steps of the same numbers), the products through `blas`, then *step0 += a.n_steps, so that
// the next replay of the same work continues the run. workspace: rbm_gibbs's. No trace.
template <class T>
void queue_counted_gibbs(const GibbsArgs<T>& a, T* workspace, int64_t* step0, const OwnedCublasHandle& blas,
                         cudaStream_t s);

// Queues *step0 = value.
void queue_set_step(int64_t* step0, int64_t value, cudaStream_t s);

}  // namespace hb::cuda
