// The memory and layout model every backend shares (docs/architecture.md, "Memory and layouts").
//
// - Layout: how a 4-D value's elements are ordered in memory (Order: plain NCHW and NHWC, the
//   channel-blocked nChw8c / nChw16c of oneDNN-style convolutions, channels padded to the block)
//   and what they are (DType: float32, IEEE half floats for the vulkan backend's fp16 precision,
//   bfloat16 for the cpu backend's bf16 precision), two separate properties; a change of either
//   is a reorder like any other. Values of other ranks are row-major (Order::nchw). Graph inputs
//   and outputs are NCHW float32.
// - Buffer: bytes a backend owns. Host memory has an address (host()); device memory has none,
//   and only the backend's kernels and its upload/download touch it.
// - TensorView: what a kernel sees of a value: buffer + byte offset + shape + layout + strides.
//   Strides differ from the dense ones only for a view into a wider value (a slot of a
//   channels-last concatenation), which only kernels that say they can write them ever get.
// - Region: the bytes a view covers, for the planner's hazard analysis (barriers, dependencies).
// Usage:
//   TensorView v{buffer, offset, {1, 64, 96, 160}, Layout::nhwc, dense_strides(shape,
//   Layout::nhwc)}; float* p = v.data();  // host buffers only
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/shape.h"

namespace film {

// How a value's elements are ordered in memory ...
enum class Order : uint8_t {
  nchw,     // row-major (any rank)
  nhwc,     // channels last (rank 4)
  nChw8c,   // channels in blocks of 8, padded to the block (rank 4)
  nChw16c,  // ... of 16
};
// ... and what each element is.
enum class DType : uint8_t { f32, f16, bf16 };

// A value's layout: its order and its element type, two separate properties. The layouts the
// backends use have names below; a change of either is a reorder like any other.
struct Layout {
  Order order = Order::nchw;
  DType dtype = DType::f32;
  constexpr bool operator==(const Layout&) const = default;
  constexpr bool operator<(const Layout& o) const {
    return order != o.order ? order < o.order : dtype < o.dtype;
  }
  static const Layout nchw, nhwc, nChw8c, nChw16c, nchw_f16, nhwc_bf16;
};
inline constexpr Layout Layout::nchw{Order::nchw, DType::f32};
inline constexpr Layout Layout::nhwc{Order::nhwc, DType::f32};
inline constexpr Layout Layout::nChw8c{Order::nChw8c, DType::f32};
inline constexpr Layout Layout::nChw16c{Order::nChw16c, DType::f32};
inline constexpr Layout Layout::nchw_f16{Order::nchw, DType::f16};
inline constexpr Layout Layout::nhwc_bf16{Order::nhwc, DType::bf16};

// "nchw", "nhwc-bf16", ...: the order, and the element type when it is not float32.
std::string layout_name(Layout l);
// Bytes per element: 2 for f16 and bf16, 4 for f32.
size_t dtype_bytes(DType t);
inline size_t layout_element_bytes(Layout l) { return dtype_bytes(l.dtype); }
// The layouts a value of any rank may have (row-major ones), of any element type.
inline bool layout_is_row_major(Layout l) { return l.order == Order::nchw; }
// Channels-last (NHWC order), of any element type.
inline bool layout_is_channels_last(Layout l) { return l.order == Order::nhwc; }
// Channels per block: 1 for the plain orders.
int64_t layout_block(Layout l);
inline bool layout_is_plain(Layout l) { return layout_block(l) == 1; }
// Elements a value of `shape` occupies in layout `l` (blocked layouts pad channels to the block).
int64_t layout_elements(const Shape& shape, Layout l);
inline size_t layout_bytes(const Shape& shape, Layout l) {
  return layout_element_bytes(l) * static_cast<size_t>(layout_elements(shape, l));
}
// Element strides of a dense value, per logical dimension (N, C, H, W order for rank 4);
// plain layouts only (blocked layouts have no per-dimension strides).
std::vector<int64_t> dense_strides(const Shape& shape, Layout l);
// Whether `strides` lay a value of `shape` out densely in `l` (strides of size-1 dimensions do not
// matter: a one-image slot of an NCHW value is as dense as the value).
bool strides_are_dense(const Shape& shape, Layout l, const std::vector<int64_t>& strides);

// Bytes owned by a backend.
class Buffer {
 public:
  explicit Buffer(size_t bytes) : bytes_(bytes) {}
  virtual ~Buffer() = default;
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  size_t size() const { return bytes_; }
  // Address of byte 0 for host memory; nullptr for device memory.
  virtual void* host() const = 0;

 protected:
  size_t bytes_;
};

// Host memory: owned (aligned allocation) or borrowed (a caller's tensor; rebind() points it at
// another one of the same size, so a recording made once can run on each call's inputs).
class HostBuffer : public Buffer {
 public:
  static std::unique_ptr<HostBuffer> allocate(size_t bytes, size_t alignment);
  static std::unique_ptr<HostBuffer> borrow(void* data, size_t bytes);
  ~HostBuffer() override;
  void* host() const override { return data_; }
  void rebind(void* data);

 private:
  HostBuffer(void* data, size_t bytes, bool owned) : Buffer(bytes), data_(data), owned_(owned) {}
  void* data_;
  bool owned_;
};

// What a backend's memory is like; the Session sizes and places values through it.
struct BufferType {
  std::string name;       // "host", ...
  size_t alignment = 64;  // of every buffer and every value's offset
  bool host = true;       // host-addressable: views give pointers, no uploads or downloads
};

// The bytes of one buffer a view covers: [begin, end), or, when period > 0, only the bytes
// [lo, hi) of each period-long stride starting at begin (a channel slot of a channels-last view).
struct Region {
  int buffer = -1;
  size_t begin = 0, end = 0;
  size_t period = 0, lo = 0, hi = 0;
};
bool overlap(const Region& a, const Region& b);

struct TensorView {
  Buffer* buffer = nullptr;
  size_t offset = 0;  // bytes from the start of the buffer
  Shape shape;
  Layout layout = Layout::nchw;
  std::vector<int64_t> strides;  // elements, per logical dimension; empty for blocked layouts

  // The first element's address; film::Error for device memory. data() is for float32 layouts;
  // address() for any.
  float* data() const { return static_cast<float*>(address()); }
  void* address() const;
  // True when the strides are the dense ones for the shape and layout.
  bool dense() const;
  size_t bytes() const { return layout_bytes(shape, layout); }
  // Element index (from data()) of the element at logical position (n, c, h, w); rank-4 views.
  int64_t index(int64_t n, int64_t c, int64_t h, int64_t w) const;
};

// The bytes `v` covers in its buffer (buffer id `buffer_id`).
Region region_of(const TensorView& v, int buffer_id);

}  // namespace film
