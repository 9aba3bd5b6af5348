#include "backends/ref/ref_backend.h"

#include <functional>

#include "engine/host_encoder.h"
#include "graph/error.h"

namespace film::ref {
namespace {

using Fn = std::function<void(const std::vector<const Tensor*>&, const std::vector<Tensor*>&)>;

// The ref kernels work on dense NCHW tensors: exactly what the default plan gives them.
class RefKernel : public HostKernel {
 public:
  explicit RefKernel(Fn fn) : fn_(std::move(fn)) {}
  void run(const KernelArgs& a) override {
    std::vector<Tensor> in, out;
    for (auto& v : a.inputs) in.push_back(Tensor::view(v.data(), v.shape));
    for (auto& v : a.outputs) out.push_back(Tensor::view(v.data(), v.shape));
    std::vector<const Tensor*> ip;
    std::vector<Tensor*> op;
    for (auto& t : in) ip.push_back(&t);
    for (auto& t : out) op.push_back(&t);
    fn_(ip, op);
  }

 private:
  Fn fn_;
};

}  // namespace

std::string RefBackend::unsupported_reason(const KernelDesc&) const { return ""; }  // every op

std::unique_ptr<Kernel> RefBackend::compile(const KernelDesc& d) {
  using graph::OpKind;
  Fn fn;
  switch (d.op) {
    case OpKind::conv2d: {
      const auto p = std::get<graph::Conv2dParams>(d.params);
      fn = [p](auto& in, auto& out) {
        conv2d(*in[0], *in[1], *in[2], *out[0], static_cast<int>(p.pad[0]),
               static_cast<int>(p.pad[1]), static_cast<int>(p.stride[0]),
               static_cast<int>(p.stride[1]), p.leaky_relu);
      };
      break;
    }
    case OpKind::leaky_relu: {
      const float alpha = std::get<graph::LeakyReluParams>(d.params).alpha;
      fn = [alpha](auto& in, auto& out) { leaky_relu(*in[0], *out[0], alpha); };
      break;
    }
    case OpKind::avg_pool2d: {
      const auto p = std::get<graph::AvgPool2dParams>(d.params);
      fn = [p](auto& in, auto& out) {
        avg_pool2d(*in[0], *out[0], static_cast<int>(p.kernel[0]), static_cast<int>(p.kernel[1]),
                   static_cast<int>(p.stride[0]), static_cast<int>(p.stride[1]));
      };
      break;
    }
    case OpKind::resize:
      if (std::get<graph::ResizeParams>(d.params).bilinear) {
        fn = [](auto& in, auto& out) { resize_bilinear(*in[0], *out[0]); };
      } else {
        fn = [](auto& in, auto& out) { resize_nearest(*in[0], *out[0]); };
      }
      break;
    case OpKind::warp:
      fn = [](auto& in, auto& out) { warp(*in[0], *in[1], *out[0]); };
      break;
    case OpKind::concat: {
      const int axis = std::get<graph::ConcatParams>(d.params).axis;
      const std::vector<bool> in_place = d.input_in_place;
      fn = [axis, in_place](auto& in, auto& out) { concat(in, *out[0], axis, in_place); };
      break;
    }
    case OpKind::add:
      fn = [](auto& in, auto& out) { add(*in[0], *in[1], *out[0]); };
      break;
    case OpKind::mul: {
      const float s = std::get<graph::MulParams>(d.params).scalar;
      fn = [s](auto& in, auto& out) { mul(*in[0], *out[0], s); };
      break;
    }
    case OpKind::slice: {
      const auto p = std::get<graph::SliceParams>(d.params);
      fn = [p](auto& in, auto& out) { slice(*in[0], *out[0], p.axis, p.begin); };
      break;
    }
  }
  if (!fn)
    fail("node '", d.node_name, "': the ref backend has no kernel for op ", graph::op_name(d.op));
  return std::make_unique<RefKernel>(std::move(fn));
}

}  // namespace film::ref
