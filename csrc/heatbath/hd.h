// SPDX-License-Identifier: Apache-2.0
// Host/device qualifiers: every update rule is written once and compiled for both launchers.
#pragma once

#if defined(__CUDACC__)
#define HB_HD __host__ __device__ __forceinline__
#define HB_DEVICE_CODE 1
#else
#define HB_HD inline __attribute__((always_inline))
#define HB_DEVICE_CODE 0
#endif

// Fully unroll a short fixed-count loop: inner loops left rolled stop GCC's `omp simd` vectorisation.
#if defined(__CUDACC__)
#define HB_UNROLL _Pragma("unroll")
#elif defined(__clang__)
#define HB_UNROLL _Pragma("clang loop unroll(full)")
#else
#define HB_UNROLL _Pragma("GCC unroll 16")
#endif

// Vectorise the loop over the lanes of a tile of chains (CPU); a no-op in device code, where a tile
// is one chain per thread.
#if defined(__CUDA_ARCH__)
#define HB_SIMD
#define HB_SIMD_SUM(...)
#else
#define HB_SIMD _Pragma("omp simd")
// A vectorised loop that sums into the listed variables (use for exact integer sums only: a
// floating-point reduction would depend on the vector width).
#define HB_PRAGMA(x) _Pragma(#x)
#define HB_SIMD_SUM(...) HB_PRAGMA(omp simd reduction(+ : __VA_ARGS__))
#endif
