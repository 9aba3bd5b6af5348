// Internal to backends/onednn: the element types the loops written here read and write. float32,
// and bfloat16 (the upper half of a float32: Layout::nhwc_bf16, the bf16 precision's activations).
// Every loop computes in float (or double, where ref does) and converts once on load and store,
// rounding to nearest even like oneDNN's own conversions (so a value the loops write and one a
// convolution writes are rounded the same way). A kernel picks its instantiation from the layout
// of its output with with_element().
#pragma once

#include <cstdint>
#include <cstring>
#include <type_traits>

#include "backends/onednn/context.h"
#include "engine/memory.h"

namespace film::onednn {

struct bf16 {
  uint16_t bits;
};

inline float to_float(float x) { return x; }
inline float to_float(bf16 x) {
  const uint32_t u = static_cast<uint32_t>(x.bits) << 16;
  float f;
  std::memcpy(&f, &u, 4);
  return f;
}

template <class T>
T from_float(float f);
template <>
inline float from_float<float>(float f) {
  return f;
}
template <>
inline bf16 from_float<bf16>(float f) {
  uint32_t u;
  std::memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u)  // NaN stays a (quiet) NaN
    return {static_cast<uint16_t>((u >> 16) | 0x40)};
  u += 0x7fffu + ((u >> 16) & 1u);  // round to nearest even; overflow rounds to inf
  return {static_cast<uint16_t>(u >> 16)};
}

// What a loop that interpolates T values computes in: double for float32 (ref's arithmetic, so
// results match it exactly), float for bfloat16 (8 bits of mantissa stored; float vectorises).
template <class T>
using Accumulator = std::conditional_t<std::is_same_v<T, float>, double, float>;

// Calls f(T{}) with T the element type of `l` (bf16 for nhwc_bf16, else float).
template <class F>
decltype(auto) with_element(Layout l, F&& f) {
  if (l.dtype == DType::bf16) return f(bf16{});
  return f(float{});
}

template <class T>
T* elements_of(const TensorView& v) {
  return static_cast<T*>(v.address());
}

// A CpuKernel that runs Derived::compute<T>(args) with T the element type of its output.
template <class Derived>
class ElementKernel : public CpuKernel {
 public:
  using CpuKernel::CpuKernel;
  void execute(const KernelArgs& a) final {
    with_element(a.outputs[0].layout, [&](auto t) {
      static_cast<const Derived*>(this)->template compute<decltype(t)>(a);
    });
  }
};

}  // namespace film::onednn
