// SPDX-License-Identifier: Apache-2.0
// The (dtype, method, potential) combinations that are compiled, listed once for every launcher.
#pragma once

#include "heatbath/tempered.h"

#define HB_FOR_EACH_POTENTIAL(X, T, M) \
  X(T, M, DoubleWell<T>)               \
  X(T, M, Gaussian<T>)                 \
  X(T, M, GaussianMixture<T>)          \
  X(T, M, Rosenbrock<T>)

// The same potentials on the tempered path of parallel tempering (one β per chain, tempered.h).
#define HB_FOR_EACH_TEMPERED(X, T, M)    \
  X(T, M, Tempered<DoubleWell<T>>)       \
  X(T, M, Tempered<Gaussian<T>>)         \
  X(T, M, Tempered<GaussianMixture<T>>)  \
  X(T, M, Tempered<Rosenbrock<T>>)

#define HB_FOR_EACH_METHOD(X, T)                  \
  HB_FOR_EACH_POTENTIAL(X, T, Method::kULA)       \
  HB_FOR_EACH_POTENTIAL(X, T, Method::kMALA)      \
  HB_FOR_EACH_POTENTIAL(X, T, Method::kBAOAB)     \
  HB_FOR_EACH_TEMPERED(X, T, Method::kULA)        \
  HB_FOR_EACH_TEMPERED(X, T, Method::kMALA)       \
  HB_FOR_EACH_TEMPERED(X, T, Method::kBAOAB)

#define HB_FOR_EACH_LANGEVIN(X) \
  HB_FOR_EACH_METHOD(X, float)  \
  HB_FOR_EACH_METHOD(X, double)
