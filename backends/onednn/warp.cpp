// warp: oneDNN has no backward warp, so this is a loop written here. Same formulas and operation
// order as backends/ref/ops.cpp (TF-Addons border clamping, double arithmetic), so the results
// match ref exactly; what differs is the shape of the work: the taps and weights of a pixel are
// worked out once and reused for every channel, rows are split statically over OpenMP threads,
// and the per-channel loop is straight-line code over x. Every output value is computed the same
// way at any thread count.
//
// Where the CPU has AVX2, runs of 4 pixels whose taps are 4 consecutive source pixels (smooth
// flows) use plain vector loads, still in double with no fused multiply-add, so they give ref's
// bits (blend_row_avx2). Gathers were tried and dropped: on the development machine AVX2 and
// AVX-512 gathers were 2x slower than the scalar loop. Measured on one FILM warp (1 thread,
// 19x768x1280, smooth flow): 57.9 -> 35.9 ms.
#include <algorithm>
#include <cmath>
#include <immintrin.h>
#include <vector>

#include "backends/onednn/context.h"
#include "backends/warp_corner.h"
#include "engine/error.h"

namespace film::onednn {
namespace {

// One output row of one channel from the precomputed taps: x in [begin, W).
void blend_row(const float* __restrict img, float* __restrict row, const int32_t* __restrict at,
               const double* __restrict ax, const double* __restrict ay, int64_t begin, int64_t W,
               int32_t step_x, int32_t step_y) {
  for (int64_t x = begin; x < W; ++x) {
    const int32_t i = at[x];
    const double top = (1 - ax[x]) * img[i] + ax[x] * img[i + step_x];
    const double bottom = (1 - ax[x]) * img[i + step_y] + ax[x] * img[i + step_y + step_x];
    row[x] = static_cast<float>((1 - ay[x]) * top + ay[x] * bottom);
  }
}

using BlendRow = void (*)(const float*, float*, const int32_t*, const double*, const double*,
                          int64_t, int64_t, int32_t, int32_t);

// blend_row for AVX2, 4 pixels per step where their taps are 4 consecutive pixels (the usual
// case: flows are smooth, so neighbours share their integer offset), by plain loads instead of
// one load per tap; other steps, and the last W % 4 pixels, go through blend_row. The same double
// operations in the same order: target "avx2" without "fma" leaves the compiler no fused
// multiply-add to contract them into, so every step is rounded as in the scalar code.
#define FILM_AVX2 __attribute__((target("avx2")))

// (1 - w) * a + w * b, as two products and a sum.
FILM_AVX2 inline __m256d lerp4(__m256d w, __m256d a, __m256d b) {
  const __m256d w1 = _mm256_sub_pd(_mm256_set1_pd(1.0), w);
  return _mm256_add_pd(_mm256_mul_pd(w1, a), _mm256_mul_pd(w, b));
}

FILM_AVX2 inline __m256d load4(const float* p) { return _mm256_cvtps_pd(_mm_loadu_ps(p)); }

FILM_AVX2 void blend_row_avx2(const float* __restrict img, float* __restrict row,
                              const int32_t* __restrict at, const double* __restrict ax,
                              const double* __restrict ay, int64_t begin, int64_t W,
                              int32_t step_x, int32_t step_y) {
  const __m128i iota = _mm_setr_epi32(0, 1, 2, 3);
  int64_t x = begin;
  for (; x + 4 <= W; x += 4) {
    const __m128i taps = _mm_loadu_si128(reinterpret_cast<const __m128i*>(at + x));
    const __m128i run = _mm_add_epi32(_mm_set1_epi32(at[x]), iota);
    if (_mm_movemask_epi8(_mm_cmpeq_epi32(taps, run)) != 0xffff) {
      blend_row(img, row, at, ax, ay, x, x + 4, step_x, step_y);
      continue;
    }
    const float* p = img + at[x];
    const __m256d wx = _mm256_loadu_pd(ax + x);
    const __m256d top = lerp4(wx, load4(p), load4(p + step_x));
    const __m256d bottom = lerp4(wx, load4(p + step_y), load4(p + step_y + step_x));
    _mm_storeu_ps(row + x, _mm256_cvtpd_ps(lerp4(_mm256_loadu_pd(ay + x), top, bottom)));
  }
  blend_row(img, row, at, ax, ay, x, W, step_x, step_y);
}
#undef FILM_AVX2

BlendRow pick_blend_row() {
  return __builtin_cpu_supports("avx2") ? blend_row_avx2 : blend_row;
}

class WarpKernel : public Kernel {
 public:
  WarpKernel(int threads, const Shape& shape)
      : threads_(threads), shape_(shape), blend_row_(pick_blend_row()) {}

  void execute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    const int64_t N = shape_[0], C = shape_[1], H = shape_[2], W = shape_[3];
    const float* src = in[0]->data();
    const float* flow = in[1]->data();
    float* dst = out[0]->data();
    // A 1-pixel axis has a single tap: the "next" one is itself (its weight is 0 anyway).
    const int32_t step_x = W > 1 ? 1 : 0, step_y = H > 1 ? static_cast<int32_t>(W) : 0;
#pragma omp parallel num_threads(threads_)
    {
      std::vector<int32_t> at(W);
      std::vector<double> ax(W), ay(W);
#pragma omp for schedule(static)
      for (int64_t ny = 0; ny < N * H; ++ny) {
        const int64_t n = ny / H, y = ny % H;
        const float* fx = flow + ((n * 2 + 0) * H + y) * W;
        const float* fy = flow + ((n * 2 + 1) * H + y) * W;
        for (int64_t x = 0; x < W; ++x) {
          int64_t x0, y0;
          warp_corner(x + static_cast<double>(fx[x]), W, x0, ax[x]);
          warp_corner(y + static_cast<double>(fy[x]), H, y0, ay[x]);
          at[x] = static_cast<int32_t>(y0 * W + x0);
        }
        for (int64_t c = 0; c < C; ++c)
          blend_row_(src + (n * C + c) * H * W, dst + ((n * C + c) * H + y) * W, at.data(),
                     ax.data(), ay.data(), 0, W, step_x, step_y);
      }
    }
  }

 private:
  int threads_;
  Shape shape_;
  BlendRow blend_row_;
};

}  // namespace

std::unique_ptr<Kernel> make_warp(std::shared_ptr<Context>, int threads, const KernelDesc& d) {
  const Shape& s = d.input_shapes[0];
  if (s[2] * s[3] >= (int64_t{1} << 31))
    fail("node '", d.node_name, "': warp planes of ", s[2], "x", s[3],
         " pixels exceed the cpu backend's 32-bit offsets");
  return std::make_unique<WarpKernel>(threads, d.input_shapes[0]);
}

}  // namespace film::onednn
