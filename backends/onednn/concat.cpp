// concat, written here as parallel memcpy rather than with oneDNN's concat primitive: oneDNN 2.6's
// "simple:any" concat is several times slower than memcpy on FILM's shapes (docs/benchmarks.md,
// "Why the code is as it is"), and FILM concatenates large feature maps at every level. Inputs whose producers already wrote them into their slot of the output (the planner's
// views pass) are skipped; when every input did, the plan has no concat step at all.
// NHWC, channel axis: pixel by pixel, one memcpy per input; the output may itself be a slot of a
// wider value. Other cases: contiguous pieces (dense outputs) or element by element.
// A copy has no arithmetic, so the result is the same at any thread count. Copies are of bytes, so
// float32 and bfloat16 values (all inputs in the output's layout) take the same code.
#include <algorithm>
#include <cstring>
#include <vector>

#include "backends/onednn/context.h"

namespace film::onednn {
namespace {

class ConcatKernel : public CpuKernel {
 public:
  ConcatKernel(int threads, const KernelDesc& d)
      : CpuKernel(threads),
        axis_(std::get<graph::ConcatParams>(d.params).axis),
        in_place_(d.input_in_place) {}

  void execute(const KernelArgs& a) override {
    const TensorView& out = a.outputs[0];
    if (layout_is_channels_last(out.layout) && axis_ == 1) return nhwc_channels(a);
    if (out.dense()) return pieces(a);
    elements(a);
  }

 private:
  bool skip(size_t k) const { return k < in_place_.size() && in_place_[k]; }

  void nhwc_channels(const KernelArgs& a) const {
    const TensorView& out = a.outputs[0];
    const int64_t pixels = out.shape[0] * out.shape[2] * out.shape[3];
    const int64_t P = out.strides[3], H = out.shape[2], W = out.shape[3];
    const int64_t e = static_cast<int64_t>(layout_element_bytes(out.layout));
    char* dst = static_cast<char*>(out.address());
    struct Part {
      const char* src;
      int64_t bytes, at;  // per pixel; at: bytes into the output pixel
    };
    std::vector<Part> parts;
    int64_t at = 0;
    for (size_t k = 0; k < a.inputs.size(); ++k) {
      const int64_t c = a.inputs[k].shape[1];
      if (!skip(k))
        parts.push_back({static_cast<const char*>(a.inputs[k].address()), e * c, e * at});
      at += c;
    }
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t p = 0; p < pixels; ++p) {
      const int64_t n = p / (H * W), yx = p % (H * W);
      char* o = dst + e * (n * out.strides[0] + (yx / W) * out.strides[2] + (yx % W) * P);
      for (const Part& part : parts)
        std::memcpy(o + part.at, part.src + p * part.bytes, part.bytes);
    }
  }

  // Dense output in any plain layout along any axis: the output is `outer` runs of the inputs'
  // contiguous blocks, copied in pieces of at most 256 Ki floats so that one large input still
  // spreads over the threads.
  void pieces(const KernelArgs& a) const {
    const TensorView& out = a.outputs[0];
    // The memory order of the dimensions, outermost first.
    std::vector<size_t> order(out.shape.size());
    for (size_t i = 0; i < order.size(); ++i) order[i] = i;
    if (layout_is_channels_last(out.layout) && out.shape.size() == 4) order = {0, 2, 3, 1};
    int64_t outer = 1, inner = 1;
    size_t pos = 0;
    while (order[pos] != static_cast<size_t>(axis_)) outer *= out.shape[order[pos++]];
    for (size_t i = pos + 1; i < order.size(); ++i) inner *= out.shape[order[i]];
    const int64_t out_len = out.shape[axis_] * inner;
    struct Piece {
      char* dst;
      const char* src;
      int64_t bytes;
    };
    const int64_t e = static_cast<int64_t>(layout_element_bytes(out.layout));
    const int64_t piece = e * (int64_t{1} << 18);
    std::vector<Piece> list;
    char* dst = static_cast<char*>(out.address());
    for (int64_t o = 0; o < outer; ++o) {
      int64_t at = e * o * out_len;
      for (size_t k = 0; k < a.inputs.size(); ++k) {
        const int64_t len = e * a.inputs[k].shape[axis_] * inner;
        const char* src = static_cast<const char*>(a.inputs[k].address()) + o * len;
        if (!skip(k))
          for (int64_t i = 0; i < len; i += piece)
            list.push_back({dst + at + i, src + i, std::min(piece, len - i)});
        at += len;
      }
    }
    const int64_t n = static_cast<int64_t>(list.size());
#pragma omp parallel for schedule(static) num_threads(threads_)
    for (int64_t i = 0; i < n; ++i) std::memcpy(list[i].dst, list[i].src, list[i].bytes);
  }

  // Anything else (a strided output in NCHW, say): element by element.
  void elements(const KernelArgs& a) const {
    const TensorView& out = a.outputs[0];
    const size_t e = layout_element_bytes(out.layout);
    char* dst = static_cast<char*>(out.address());
    int64_t at = 0;
    for (size_t k = 0; k < a.inputs.size(); ++k) {
      const TensorView& in = a.inputs[k];
      if (!skip(k)) {
        const char* src = static_cast<const char*>(in.address());
        const Shape& s = in.shape;
        for (int64_t n = 0; n < s[0]; ++n)
          for (int64_t c = 0; c < s[1]; ++c)
            for (int64_t h = 0; h < s[2]; ++h)
              for (int64_t w = 0; w < s[3]; ++w) {
                int64_t idx[4] = {n, c, h, w};
                idx[axis_] += at;
                std::memcpy(dst + e * out.index(idx[0], idx[1], idx[2], idx[3]),
                            src + e * in.index(n, c, h, w), e);
              }
      }
      at += in.shape[axis_];
    }
  }

  int axis_;
  std::vector<bool> in_place_;
};

}  // namespace

namespace {
std::unique_ptr<Kernel> make_concat(const std::shared_ptr<Context>&, int threads, const KernelDesc& d) {
  return std::make_unique<ConcatKernel>(threads, d);
}
}  // namespace

template <>
OpImpl op_impl<graph::OpKind::concat>() {
  // One element type for all inputs: bfloat16 if any is offered in it.
  auto plan = [](Context&, const KernelDesc& d, const std::vector<Layout>& offered) {
    const bool any_bf16 = std::any_of(offered.begin(), offered.end(),
                                      [](Layout l) { return l.dtype == DType::bf16; });
    return plan_channels_last(d, offered, any_bf16 ? DType::bf16 : DType::f32);
  };
  return {.make = make_concat, .plan = plan, .writes_strided_output = true};
}

}  // namespace film::onednn
