#include "engine/memory.h"

#include <algorithm>
#include <cstdlib>
#include <numeric>

#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "graph/base/error.h"

namespace film {

std::string layout_name(Layout l) {
  const char* order = "?";
  switch (l.order) {
    case Order::nchw:
      order = "nchw";
      break;
    case Order::nhwc:
      order = "nhwc";
      break;
    case Order::nChw8c:
      order = "nChw8c";
      break;
    case Order::nChw16c:
      order = "nChw16c";
      break;
  }
  switch (l.dtype) {
    case DType::f32:
      return order;
    case DType::f16:
      return std::string(order) + "-f16";
    case DType::bf16:
      return std::string(order) + "-bf16";
  }
  return order;
}

size_t dtype_bytes(DType t) { return t == DType::f32 ? sizeof(float) : 2; }

int64_t layout_block(Layout l) {
  switch (l.order) {
    case Order::nchw:
    case Order::nhwc:
      return 1;
    case Order::nChw8c:
      return 8;
    case Order::nChw16c:
      return 16;
  }
  return 1;
}

int64_t layout_elements(const Shape& shape, Layout l) {
  const int64_t block = layout_block(l);
  if (block == 1 || shape.size() != 4) return num_elements(shape);
  return shape[0] * ((shape[1] + block - 1) / block * block) * shape[2] * shape[3];
}

std::vector<int64_t> dense_strides(const Shape& shape, Layout l) {
  std::vector<int64_t> s(shape.size());
  if (layout_is_channels_last(l) && shape.size() == 4) {
    const int64_t C = shape[1], H = shape[2], W = shape[3];
    s = {H * W * C, 1, W * C, C};
    return s;
  }
  if (!layout_is_plain(l))
    fail("internal: dense_strides of a blocked layout (", layout_name(l), ")");
  int64_t stride = 1;
  for (size_t i = shape.size(); i-- > 0;) {
    s[i] = stride;
    stride *= shape[i];
  }
  return s;
}

std::unique_ptr<HostBuffer> HostBuffer::allocate(size_t bytes, size_t alignment) {
  // Large buffers (a plan's arena: gigabytes at 1280x768) go on 2 MiB pages where the kernel
  // offers them on request (transparent huge pages in "madvise" mode, Debian's default): one
  // fault per 2 MiB instead of per 4 KiB on the first run, and fewer TLB misses in every
  // convolution after it.
  constexpr size_t kHuge = size_t{2} << 20;
  const bool huge = bytes >= 2 * kHuge;
  if (huge) alignment = std::max(alignment, kHuge);
  const size_t rounded =
      std::max<size_t>((bytes + alignment - 1) / alignment * alignment, alignment);
  void* p = std::aligned_alloc(alignment, rounded);
  if (!p) fail("out of memory: cannot allocate ", bytes >> 20, " MiB");
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  if (huge) madvise(p, rounded, MADV_HUGEPAGE);  // advice only: ignored where unsupported
#endif
  return std::unique_ptr<HostBuffer>(new HostBuffer(p, bytes, true));
}

std::unique_ptr<HostBuffer> HostBuffer::borrow(void* data, size_t bytes) {
  return std::unique_ptr<HostBuffer>(new HostBuffer(data, bytes, false));
}

HostBuffer::~HostBuffer() {
  if (owned_) std::free(data_);
}

void HostBuffer::rebind(void* data) {
  if (owned_) fail("internal: rebind of an owned host buffer");
  data_ = data;
}

void* TensorView::address() const {
  if (!buffer) fail("internal: a tensor view without a buffer");
  auto* base = static_cast<char*>(buffer->host());
  if (!base) fail("internal: host access to device memory");
  return base + offset;
}

bool strides_are_dense(const Shape& shape, Layout l, const std::vector<int64_t>& strides) {
  if (!layout_is_plain(l) || strides.empty()) return true;
  const std::vector<int64_t> d = dense_strides(shape, l);
  for (size_t i = 0; i < shape.size(); ++i)
    if (shape[i] != 1 && strides[i] != d[i]) return false;
  return true;
}

bool TensorView::dense() const { return strides_are_dense(shape, layout, strides); }

int64_t TensorView::index(int64_t n, int64_t c, int64_t h, int64_t w) const {
  const int64_t b = layout_block(layout);
  if (b == 1) return n * strides[0] + c * strides[1] + h * strides[2] + w * strides[3];
  const int64_t C = (shape[1] + b - 1) / b * b, H = shape[2], W = shape[3];
  return (((n * (C / b) + c / b) * H + h) * W + w) * b + c % b;
}

Region region_of(const TensorView& v, int buffer_id) {
  Region r;
  r.buffer = buffer_id;
  r.begin = v.offset;
  r.end = v.offset + v.bytes();
  if (v.dense() || num_elements(v.shape) == 0) return r;
  // Strided: find the dense run of the innermost dimensions, then check that the remaining
  // dimensions step by a whole number of periods (a channel slot of a wider value does).
  std::vector<size_t> order(v.shape.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return v.strides[a] > v.strides[b]; });
  int64_t run = 1;
  size_t k = order.size();
  while (k > 0 && (v.shape[order[k - 1]] == 1 || v.strides[order[k - 1]] == run))
    run *= v.shape[order[--k]];
  int64_t last = 0;  // element index of the last element
  for (size_t d = 0; d < v.shape.size(); ++d) last += (v.shape[d] - 1) * v.strides[d];
  const size_t e = layout_element_bytes(v.layout);
  r.end = v.offset + e * (last + 1);
  if (k == 0) return r;
  const int64_t period = v.strides[order[k - 1]];
  int64_t expect = period;
  for (size_t j = k; j-- > 0;) {
    if (v.shape[order[j]] == 1) continue;
    if (v.strides[order[j]] != expect) return r;  // irregular: the bounding range, conservatively
    expect *= v.shape[order[j]];
  }
  r.period = e * period;
  r.lo = 0;
  r.hi = e * run;
  return r;
}

namespace {

// Floor division for a possibly negative numerator.
int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }

// Whether the periodic stripes of `s` meet the plain range [x, y).
bool stripes_meet_range(const Region& s, size_t x, size_t y) {
  const int64_t P = static_cast<int64_t>(s.period);
  const int64_t rx = static_cast<int64_t>(x) - static_cast<int64_t>(s.begin);
  const int64_t ry = static_cast<int64_t>(y) - static_cast<int64_t>(s.begin);
  const int64_t last = (static_cast<int64_t>(s.end - s.begin) - static_cast<int64_t>(s.hi)) / P;
  // The first stripe that ends after x.
  const int64_t k = std::max<int64_t>(0, floor_div(rx - static_cast<int64_t>(s.hi), P) + 1);
  return k <= last && k * P + static_cast<int64_t>(s.lo) < ry;
}

}  // namespace

bool overlap(const Region& a, const Region& b) {
  if (a.buffer != b.buffer || a.begin >= b.end || b.begin >= a.end) return false;
  if (a.period == 0 && b.period == 0) return true;
  if (a.period == 0) return stripes_meet_range(b, a.begin, a.end);
  if (b.period == 0) return stripes_meet_range(a, b.begin, b.end);
  if (a.period != b.period) return true;  // not a case the planner makes; stay conservative
  const size_t P = a.period;
  const size_t pa = (a.begin + a.lo) % P, la = a.hi - a.lo;
  const size_t pb = (b.begin + b.lo) % P, lb = b.hi - b.lo;
  return (pb + P - pa) % P < la || (pa + P - pb) % P < lb;
}

}  // namespace film
