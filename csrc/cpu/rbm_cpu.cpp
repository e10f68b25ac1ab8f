// SPDX-License-Identifier: Apache-2.0
// OpenMP launchers of the RBM samplers. Chains are cut into tiles; each thread takes whole tiles and runs
// all the steps of a chunk on a tile before moving on, so the tile's states and activations stay in its
// cache. Each chain's activations, hence its samples, must not depend on the thread count or on how the
// batch is split (chain_start): see tile_rows for why the tile's row count may vary while the bits do not.
#include "cpu/rbm_cpu.h"

#include <algorithm>
#include <atomic>
#include <memory>
#include <new>
#include <vector>

#include "cpu/isa.h"
#include "cpu/panel_gemm.h"
#include "cpu/small_gemm.h"
#include "cpu/threads.h"
#include "heatbath/rbm.h"

namespace hb::cpu {

template <class T, Unit U>
void layer_rows(const LayerRows<T>& a) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::layer_rows<T, U>(a);
    case Isa::kAvx2: return avx2::layer_rows<T, U>(a);
    default: break;
  }
#endif
  baseline::layer_rows<T, U>(a);
}

template <class T>
void small_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, T* out, int64_t out_stride) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::small_gemm<T>(rows, n, k, x, w, out, out_stride);
    case Isa::kAvx2: return avx2::small_gemm<T>(rows, n, k, x, w, out, out_stride);
    default: break;
  }
#endif
  baseline::small_gemm<T>(rows, n, k, x, w, out, out_stride);
}

template <class T>
void panel_gemm(int64_t rows, int64_t n, int64_t k, const T* x, const T* panels, T* out) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::panel_gemm<T>(rows, n, k, x, panels, out);
    case Isa::kAvx2: return avx2::panel_gemm<T>(rows, n, k, x, panels, out);
    default: break;
  }
#endif
  baseline::panel_gemm<T>(rows, n, k, x, panels, out);
}

template <class T>
void panel_gemm_direct(int64_t rows, int64_t n, int64_t k, const T* x, const T* w, bool transposed, T* out) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::panel_gemm_direct<T>(rows, n, k, x, w, transposed, out);
    case Isa::kAvx2: return avx2::panel_gemm_direct<T>(rows, n, k, x, w, transposed, out);
    default: break;
  }
#endif
  baseline::panel_gemm_direct<T>(rows, n, k, x, w, transposed, out);
}

template <class T>
void softplus_rows(const SoftplusRows<T>& a) {
#if defined(HEATBATH_ISA_VARIANTS)
  switch (active_isa()) {
    case Isa::kAvx512: return avx512::softplus_rows<T>(a);
    case Isa::kAvx2: return avx2::softplus_rows<T>(a);
    default: break;
  }
#endif
  baseline::softplus_rows<T>(a);
}

HB_INSTANTIATE_RBM_PASSES()

// Every product sums each element on its own, as one FMA chain in a fixed order (small_gemm.h for small
// models, panel_gemm.h for the others, the same bits): a chain's activations depend on its own row only,
// so tiles may have any row count, and only a tile's valid rows are multiplied. A small model gets one
// fixed tile shape, whatever the batch: the fewest rows (64, 128 or 256) that give a product of
// kSmallTileWork multiply-adds (a 64 x 64 model: 64 rows, so that 100 chains make two tiles for two
// threads; a 64 x 32 model: 128). A larger model's batch is cut into the fewest tiles of at most
// kMaxPanelTileRows rows that give every thread the same number, of equal size (1,000 chains on two
// threads: two of 500; 1,100: four of 275), so that no thread waits for another's larger share.
// tests/test_rbm_tiles.py pins the invariance of the results across tile sizes, thread counts and splits.
namespace {
constexpr int64_t kMaxTileRows = 256;        // small models
constexpr int64_t kMaxPanelTileRows = 512;   // larger models: a tile's x (512 × V) stays in the L2 cache
constexpr int64_t kMinTileRows = 64;
// Multiply-adds of one product of a 256-row tile from which a model counts as large (and the CUDA
// launcher uses cuBLAS rather than its one-kernel small-model path).
constexpr int64_t kBlockedWork = int64_t{1} << 24;
constexpr int64_t kSmallTileWork = int64_t{1} << 18;
}  // namespace

bool small_model(int64_t V, int64_t H) { return kMaxTileRows * V * H < kBlockedWork; }
// The CUDA launcher sums the same models in the same order (heatbath/rbm.h): one rule for both.
static_assert(kMaxTileRows * kSmallRbmWeights == kBlockedWork, "small models must be the same on CPU and CUDA");

int64_t tile_rows(int64_t chains, int64_t V, int64_t H, int64_t threads) {
  if (small_model(V, H)) {  // one fixed shape
    int64_t fixed = kMinTileRows;
    while (fixed < kMaxTileRows && fixed * V * H < kSmallTileWork) fixed *= 2;
    return fixed;
  }
  const int64_t t = std::max<int64_t>(1, threads);
  const int64_t at_most = std::max<int64_t>(1, (chains + kMaxPanelTileRows - 1) / kMaxPanelTileRows);
  const int64_t tiles = (at_most + t - 1) / t * t;
  return std::max<int64_t>(1, (chains + tiles - 1) / tiles);
}

namespace {

// One thread's tile: states, activations and per-row scratch. Rows past `valid` are padding.
template <class T>
struct Tile {
  const RbmParams<T>& p;
  const PaddedWeights<T>* packed;                // a small model's operands for small_gemm; or null
  const PanelWeights<T>* panels;                 // a larger model's, for panel_gemm; or null (then W itself)
  int64_t R;                                     // rows of this call's tiles (tile_rows)
  std::vector<T> v, h, pre_h, pre_v;             // [R, V], [R, H], [R, H], [R, V]
  std::vector<T> pre_v_t;                        // [V, R] (W itself: pre_vᵀ = W·hᵀ); else empty
  std::vector<UnitCoef<T>> hid, vis;             // [R]
  std::vector<double> beta, scratch, sums;       // [R], [max(V, H)], [R]
  int64_t row0 = 0, valid = 0;

  Tile(const RbmParams<T>& params, const PaddedWeights<T>* padded, const PanelWeights<T>* panel, int64_t rows)
      : p(params), packed(padded), panels(panel), R(rows), v(R * p.V, T(0)),
        h(R * p.H, T(0)), pre_h(R * p.H, T(0)), pre_v(R * p.V, T(0)),
        pre_v_t(padded == nullptr && panel == nullptr ? R * p.V : 0), hid(R), vis(R), beta(R),
        scratch(std::max<int64_t>(p.V, p.H)), sums(R) {}

  // Without panels, h·Wᵀ of `rows` rows is made as (W·hᵀ)ᵀ when that packs and transposes fewer values
  // (rows·(V + H)) than packing Wᵀ's blocks (V·H).
  bool transposes_visible(int64_t rows) const { return rows * (p.V + p.H) < p.V * p.H; }
  void select(int64_t tile, int64_t chains) {
    row0 = tile * R;
    valid = std::min(R, chains - row0);
  }
  static void load(std::vector<T>& dst, const T* src, int64_t row0, int64_t valid, int64_t n) {
    std::copy(src + row0 * n, src + (row0 + valid) * n, dst.begin());
  }
  static void store(const std::vector<T>& src, T* dst, int64_t row0, int64_t valid, int64_t n) {
    std::copy(src.begin(), src.begin() + valid * n, dst + row0 * n);
  }
  // pre_h = v·W and pre_v = h·Wᵀ for the valid rows (the rows past them are not read); a large model's
  // from the call's panels, or from W itself when the call packed none (PackedRbm).
  void to_hidden_pre() {
    if (packed != nullptr) {
      small_gemm<T>(valid, p.H, p.V, v.data(), packed->forward.get(), pre_h.data(), p.H);
    } else if (panels != nullptr) {
      panel_gemm<T>(valid, p.H, p.V, v.data(), panels->forward, pre_h.data());
    } else {
      panel_gemm_direct<T>(valid, p.H, p.V, v.data(), p.w, false, pre_h.data());
    }
  }
  void to_visible_pre() {
    if (packed != nullptr) {
      small_gemm<T>(valid, p.V, p.H, h.data(), packed->backward.get(), pre_v.data(), p.V);
    } else if (panels != nullptr) {
      panel_gemm<T>(valid, p.V, p.H, h.data(), panels->backward, pre_v.data());
    } else if (transposes_visible(valid)) {
      // As pre_vᵀ = W·hᵀ: W's rows are read in place and broadcast, and only the tile's h is packed and
      // the result transposed (each element is the same FMA chain: a·b + c is exact before its one
      // rounding, whichever factor comes first). A 3000 × 3000
      // model, 256 chains, one step: 37.3 ms, where packing Wᵀ's blocks took 42.9 (OpenBLAS: 37.3).
      panel_gemm_direct<T>(p.V, valid, p.H, p.w, h.data(), true, pre_v_t.data());
      transpose_blocks(pre_v_t.data(), valid, p.V, valid, pre_v.data(), p.V);
    } else {
      panel_gemm_direct<T>(valid, p.V, p.H, h.data(), p.w, true, pre_v.data());
    }
  }

  template <Unit U>
  void layer(const T* pre, int64_t n, const T* bias, const T* base, const UnitCoef<T>* coef, int64_t coef_stride,
             StreamKey key, uint64_t chain_start, T* out, bool probs) {
    layer_rows<T, U>(LayerRows<T>{pre, n, bias, base, coef, coef_stride, key,
                                  chain_start + static_cast<uint64_t>(row0), valid, out, probs});
  }
  void sample_hidden(const UnitCoef<T>* coef, int64_t stride, StreamKey key, uint64_t chain_start, bool probs) {
    layer<Unit::kBernoulli>(pre_h.data(), p.H, p.c, nullptr, coef, stride, key, chain_start, h.data(), probs);
  }
  void sample_visible(const T* base, const UnitCoef<T>* coef, int64_t stride, StreamKey key, uint64_t chain_start,
                      bool probs) {
    if (p.visible == Unit::kGaussian) {
      layer<Unit::kGaussian>(pre_v.data(), p.V, p.b, base, coef, stride, key, chain_start, v.data(), probs);
    } else {
      layer<Unit::kBernoulli>(pre_v.data(), p.V, p.b, base, coef, stride, key, chain_start, v.data(), probs);
    }
  }
  // sums[r] = Σ_j softplus(hi · a_j) − softplus(lo · a_j) over the hidden units (lo optional).
  void hidden_softplus(const double* hi, const double* lo, int64_t stride) {
    const double inv_sigma = 1.0 / static_cast<double>(p.sigma);
    softplus_rows<T>(SoftplusRows<T>{pre_h.data(), p.H, p.c, inv_sigma, hi, lo, stride, valid, scratch.data(),
                                     sums.data()});
  }
  // Σ_i visible_log_factor(v_i, bias_i) − (base ? visible_log_factor(v_i, base_i) : 0) for row r.
  double visible_factor(int64_t r, const T* bias, const T* base) const {
    const double s = static_cast<double>(p.sigma);
    const double inv_two_var = 1.0 / (2.0 * s * s);
    const T* row = v.data() + r * p.V;
    double sum = 0.0;
    for (int64_t i = 0; i < p.V; ++i) {
      double f = visible_log_factor(row[i], bias[i], inv_two_var, p.visible);
      if (base != nullptr) f -= visible_log_factor(row[i], base[i], inv_two_var, p.visible);
      sum += f;
    }
    return sum;
  }
};

// Weights up to this size stay in the caches while they are packed and used (two cores' L2 here).
constexpr int64_t kCachedWeightBytes = int64_t{4} << 20;

// Storage for a large model's panels, kept by the calling thread from one call to the next (about twice
// kCachedWeightBytes at most, since larger weights get no panels): a fresh allocation is mapped anew,
// and its page faults cost a short PCD call (784 × 500, 100 chains) about a fifth of its time. It is
// lent to one call at a time: a call made from inside another's progress callback, on the same thread,
// gets storage of its own, so that it cannot move the panels that the first call is still reading.
template <class T>
struct KeptPanelStorage {
  CacheLineArray<T> storage;
  int64_t capacity = 0;
  bool lent = false;
};

template <class T>
KeptPanelStorage<T>& kept_panel_storage() {
  thread_local KeptPanelStorage<T> kept;
  return kept;
}

}  // namespace

template <class T>
struct PackedRbm<T>::Copies {
  std::unique_ptr<PaddedWeights<T>> padded;  // a small model's
  std::unique_ptr<PanelWeights<T>> panels;   // a larger one's, in the thread's kept storage or in own
  CacheLineArray<T> own;
  bool borrowed = false;
  ~Copies() {
    if (borrowed) kept_panel_storage<T>().lent = false;
  }
  T* storage(int64_t elements) {
    KeptPanelStorage<T>& kept = kept_panel_storage<T>();
    if (kept.lent) {
      own = cache_line_array<T>(elements);
      return own.get();
    }
    if (elements > kept.capacity) {
      kept.storage.reset();
      kept.capacity = 0;
      kept.storage = cache_line_array<T>(elements);
      kept.capacity = elements;
    }
    kept.lent = borrowed = true;
    return kept.storage.get();
  }
};

template <class T>
PackedRbm<T>::PackedRbm(const RbmParams<T>& p, int64_t chains, int64_t passes) : copies_(std::make_unique<Copies>()) {
  if (small_model(p.V, p.H)) {
    copies_->padded = std::make_unique<PaddedWeights<T>>(p.w, p.V, p.H);
    return;
  }
  // Panels of the whole of W pay for a W that stays in the caches, when a thread runs each product three
  // times or more in the call (784 × 500, 1,000 chains: 5.7 ms a step, against 5.9 packing as they go;
  // a five-step PCD call of 100 chains 3.6 ms). Otherwise the products pack each block of W as they use
  // it (panel_gemm_direct), with the same bits: a larger W's panels are written to memory and read back
  // every step (3000 × 3000, 256 chains, 20 steps: 722 ms with panels, 615 without, 667 with OpenBLAS).
  const int64_t threads = std::max<int64_t>(1, num_threads());
  const int64_t rows = tile_rows(chains, p.V, p.H, threads);
  const int64_t tiles = (chains + rows - 1) / std::max<int64_t>(1, rows);
  const bool cached = p.V * p.H * static_cast<int64_t>(sizeof(T)) <= kCachedWeightBytes;
  if (!cached || passes * ((tiles + threads - 1) / threads) < 3) return;
  T* const storage = copies_->storage(PanelWeights<T>::elements(p.V, p.H));
  copies_->panels = std::make_unique<PanelWeights<T>>(p.V, p.H, storage);
  PanelWeights<T>& panels = *copies_->panels;
  const int64_t n = panels.panels();
  const int packers = static_cast<int>(std::min(threads, n));
#pragma omp parallel for schedule(static) num_threads(packers)
  for (int64_t q = 0; q < n; ++q) panels.pack(p.w, q);
}

template <class T>
PackedRbm<T>::~PackedRbm() = default;

namespace {

template <class T, class Fn>
void for_each_tile(const RbmParams<T>& p, const PackedRbm<T>& w, int64_t chains, Fn&& fn) {
  const int64_t threads = num_threads();
  const int64_t rows = tile_rows(chains, p.V, p.H, threads);
  const int64_t tiles = (chains + rows - 1) / rows;
  if (tiles == 0) return;
  const PaddedWeights<T>* const padded = w.copies().padded.get();
  const PanelWeights<T>* const panels = w.copies().panels.get();
  // Each thread makes its tile in the region (its buffers first touched there), but an exception must not
  // leave an OpenMP region (std::terminate): a tile that cannot be allocated is noted, its thread still
  // takes part in the loop without work, and std::bad_alloc (Python's MemoryError) is thrown after it.
  std::atomic<bool> failed{false};
#pragma omp parallel num_threads(static_cast<int>(std::min<int64_t>(threads, tiles)))
  {
    std::unique_ptr<Tile<T>> tile;
    try {
      tile = std::make_unique<Tile<T>>(p, padded, panels, rows);
    } catch (const std::bad_alloc&) {
      failed = true;
    }
#pragma omp for schedule(static)
    for (int64_t t = 0; t < tiles; ++t) {
      if (!tile) continue;
      tile->select(t, chains);
      fn(*tile);
    }
  }
  if (failed) throw std::bad_alloc();
}

}  // namespace

template <class T>
void gibbs_run(const GibbsArgs<T>& a, const PackedRbm<T>& w, int64_t t_begin, int64_t t_end) {
  const RbmParams<T>& p = a.rbm;
  for_each_tile(p, w, a.chains, [&](Tile<T>& tile) {
    for (int64_t r = 0; r < tile.valid; ++r) {
      const LayerCoefs<T> k = gibbs_coefs<T>(a.beta[tile.row0 + r], p.sigma, p.visible);
      tile.hid[r] = k.hidden;
      tile.vis[r] = k.visible;
    }
    Tile<T>::load(tile.v, a.v, tile.row0, tile.valid, p.V);
    for (int64_t t = t_begin; t < t_end; ++t) {
      tile.to_hidden_pre();
      const auto key_h = make_stream_key(a.seed, static_cast<uint32_t>(Purpose::kGibbs), layer_half_step(t, false));
      tile.sample_hidden(tile.hid.data(), 1, key_h, a.chain_start, false);
      tile.to_visible_pre();
      const auto key_v = make_stream_key(a.seed, static_cast<uint32_t>(Purpose::kGibbs), layer_half_step(t, true));
      tile.sample_visible(nullptr, tile.vis.data(), 1, key_v, a.chain_start, false);
      const int64_t done = t - a.step0 + 1;
      if (a.thin > 0 && done % a.thin == 0) {
        const int64_t s = done / a.thin - 1;
        Tile<T>::store(tile.v, a.trace_v + s * a.chains * p.V, tile.row0, tile.valid, p.V);
        if (a.trace_h != nullptr) Tile<T>::store(tile.h, a.trace_h + s * a.chains * p.H, tile.row0, tile.valid, p.H);
      }
    }
    Tile<T>::store(tile.v, a.v, tile.row0, tile.valid, p.V);
    if (t_end > t_begin) Tile<T>::store(tile.h, a.h, tile.row0, tile.valid, p.H);
    if (a.energy != nullptr && t_end > t_begin) {  // pre_v still holds W h of the final h
      for (int64_t r = 0; r < tile.valid; ++r) {
        a.energy[tile.row0 + r] =
            joint_energy(p, tile.v.data() + r * p.V, tile.h.data() + r * p.H, tile.pre_v.data() + r * p.V);
      }
    }
  });
}

template <class T>
void ais_run(const AisArgs<T>& a, const PackedRbm<T>& w, int64_t k_begin, int64_t k_end) {
  const RbmParams<T>& p = a.rbm;
  const auto purpose = static_cast<uint32_t>(Purpose::kAis);
  for_each_tile(p, w, a.chains, [&](Tile<T>& tile) {
    Tile<T>::load(tile.v, a.v, tile.row0, tile.valid, p.V);
    for (int64_t k = k_begin; k < k_end; ++k) {
      if (k == 0) {  // v ~ the base model: x = base, from the β = 0 coefficients and zero activations
        const UnitCoef<T> k0 = ais_coefs<T>(T(0), p.sigma, p.visible).visible;
        std::fill(tile.pre_v.begin(), tile.pre_v.end(), T(0));
        tile.sample_visible(a.base, &k0, 0, make_stream_key(a.seed, purpose, layer_half_step(0, true)),
                            a.chain_start, false);
        continue;
      }
      const double hi = a.betas[k], lo = a.betas[k - 1];
      tile.to_hidden_pre();
      tile.hidden_softplus(&hi, &lo, 0);
      for (int64_t r = 0; r < tile.valid; ++r) {
        a.log_w[tile.row0 + r] += (hi - lo) * tile.visible_factor(r, p.b, a.base) + tile.sums[r];
      }
      if (k + 1 == a.n_betas) continue;  // the last weight needs no transition after it
      const LayerCoefs<T> coefs = ais_coefs<T>(static_cast<T>(hi), p.sigma, p.visible);
      tile.sample_hidden(&coefs.hidden, 0, make_stream_key(a.seed, purpose, layer_half_step(k, false)),
                         a.chain_start, false);
      tile.to_visible_pre();
      tile.sample_visible(a.base, &coefs.visible, 0, make_stream_key(a.seed, purpose, layer_half_step(k, true)),
                          a.chain_start, false);
    }
    Tile<T>::store(tile.v, a.v, tile.row0, tile.valid, p.V);
  });
}

template <class T>
void conditional_run(const ConditionalArgs<T>& a, const PackedRbm<T>& w) {
  const RbmParams<T>& p = a.rbm;
  const StreamKey unused{};
  for_each_tile(p, w, a.chains, [&](Tile<T>& tile) {
    for (int64_t r = 0; r < tile.valid; ++r) {
      const LayerCoefs<T> k = gibbs_coefs<T>(a.beta[tile.row0 + r], p.sigma, p.visible);
      tile.hid[r] = k.hidden;
      tile.vis[r] = k.visible;
    }
    if (a.to_hidden) {
      Tile<T>::load(tile.v, a.x, tile.row0, tile.valid, p.V);
      tile.to_hidden_pre();
      tile.sample_hidden(tile.hid.data(), 1, unused, 0, true);
      Tile<T>::store(tile.h, a.out, tile.row0, tile.valid, p.H);
    } else {
      Tile<T>::load(tile.h, a.x, tile.row0, tile.valid, p.H);
      tile.to_visible_pre();
      tile.sample_visible(nullptr, tile.vis.data(), 1, unused, 0, true);
      Tile<T>::store(tile.v, a.out, tile.row0, tile.valid, p.V);
    }
  });
}

template <class T>
void free_energy_run(const FreeEnergyArgs<T>& a, const PackedRbm<T>& w) {
  const RbmParams<T>& p = a.rbm;
  for_each_tile(p, w, a.chains, [&](Tile<T>& tile) {
    for (int64_t r = 0; r < tile.valid; ++r) tile.beta[r] = static_cast<double>(a.beta[tile.row0 + r]);
    Tile<T>::load(tile.v, a.v, tile.row0, tile.valid, p.V);
    tile.to_hidden_pre();
    tile.hidden_softplus(tile.beta.data(), nullptr, 1);
    for (int64_t r = 0; r < tile.valid; ++r) {
      a.out[tile.row0 + r] = static_cast<T>(-tile.beta[r] * tile.visible_factor(r, p.b, nullptr) - tile.sums[r]);
    }
  });
}

#define HB_INSTANTIATE(T)                                                                     \
  template class PackedRbm<T>;                                                              \
  template void gibbs_run<T>(const GibbsArgs<T>&, const PackedRbm<T>&, int64_t, int64_t);  \
  template void ais_run<T>(const AisArgs<T>&, const PackedRbm<T>&, int64_t, int64_t);      \
  template void conditional_run<T>(const ConditionalArgs<T>&, const PackedRbm<T>&);        \
  template void free_energy_run<T>(const FreeEnergyArgs<T>&, const PackedRbm<T>&);
HB_INSTANTIATE(float)
HB_INSTANTIATE(double)
#undef HB_INSTANTIATE

}  // namespace hb::cpu
