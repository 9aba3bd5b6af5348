#include "backends/ref/ref_backend.h"

#include <array>
#include <functional>

#include "backends/ref/kernels.h"
#include "engine/host_encoder.h"
#include "graph/base/error.h"

namespace film::ref {
namespace {

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

// Op kind -> kernel factory: every op of graph/op_list.h.
using Factory = Fn (*)(const KernelDesc&);
constexpr std::array<Factory, graph::kPrimitiveOps> kKernels = {
#define FILM_REF_KERNEL(name, Type) &kernel<graph::OpKind::name>,
    FILM_OPS(FILM_REF_KERNEL)
#undef FILM_REF_KERNEL
};

}  // namespace

std::string RefBackend::unsupported_reason(const KernelDesc&) const { return ""; }  // every op

std::unique_ptr<Kernel> RefBackend::compile(const KernelDesc& d) {
  if (graph::op_index(d.op) >= kKernels.size())
    fail("node '", d.node_name, "': the ref backend has no kernel for op ", graph::op_name(d.op));
  return std::make_unique<RefKernel>(kKernels[graph::op_index(d.op)](d));
}

}  // namespace film::ref
