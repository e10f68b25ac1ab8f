// SPDX-License-Identifier: Apache-2.0
// Arrays on 64-byte boundaries for the GEMMs' packed weights: their rows are whole cache lines, so that
// no vector load straddles two. With malloc's 16-byte alignment every AVX-512 load of them did, and the
// products of a 784 × 500 model ran about 9 % slower.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>

namespace hb::cpu {

template <class T>
struct CacheLineDelete {
  void operator()(T* p) const { ::operator delete[](p, std::align_val_t(64)); }
};
template <class T>
using CacheLineArray = std::unique_ptr<T[], CacheLineDelete<T>>;

// n elements, uninitialised.
template <class T>
CacheLineArray<T> cache_line_array(int64_t n) {
  void* const p = ::operator new[](static_cast<size_t>(n) * sizeof(T), std::align_val_t(64));
  return CacheLineArray<T>(static_cast<T*>(p));
}

}  // namespace hb::cpu
