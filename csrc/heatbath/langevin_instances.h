// SPDX-License-Identifier: Apache-2.0
// The (dtype, method, potential) combinations that are compiled, listed once for every launcher.
#pragma once

#define HB_FOR_EACH_POTENTIAL(X, T, M) \
  X(T, M, DoubleWell<T>)               \
  X(T, M, Gaussian<T>)                 \
  X(T, M, GaussianMixture<T>)          \
  X(T, M, Rosenbrock<T>)

#define HB_FOR_EACH_METHOD(X, T)                  \
  HB_FOR_EACH_POTENTIAL(X, T, Method::kULA)       \
  HB_FOR_EACH_POTENTIAL(X, T, Method::kMALA)      \
  HB_FOR_EACH_POTENTIAL(X, T, Method::kBAOAB)

#define HB_FOR_EACH_LANGEVIN(X) \
  HB_FOR_EACH_METHOD(X, float)  \
  HB_FOR_EACH_METHOD(X, double)
