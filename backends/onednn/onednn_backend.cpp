#include "backends/onednn/onednn_backend.h"

#include <set>

#include "backends/onednn/context.h"
#include "engine/error.h"

namespace film::onednn {

std::string unavailable_reason() {
  try {
    if (dnnl::engine::get_count(dnnl::engine::kind::cpu) == 0)
      return "oneDNN reports no CPU engine";
    dnnl::engine probe(dnnl::engine::kind::cpu, 0);
    return "";
  } catch (const dnnl::error& e) {
    return std::string("oneDNN cannot create a CPU engine: ") + e.what();
  }
}

CpuBackend::CpuBackend() {
  try {
    ctx_ = std::make_shared<Context>();
  } catch (const dnnl::error& e) {
    fail("backend 'cpu': oneDNN cannot create a CPU engine: ", e.what());
  }
}

CpuBackend::~CpuBackend() = default;

std::string CpuBackend::unsupported_reason(const KernelDesc& d) const {
  static const std::set<std::string> ops = {"conv2d", "leaky_relu", "avg_pool2d", "resize", "warp",
                                            "concat", "add",        "mul",        "slice"};
  if (!ops.count(d.op)) return "the cpu backend has no kernel for op '" + d.op + "'";
  for (auto& s : d.input_shapes)
    if (s.size() > DNNL_MAX_NDIMS)
      return "oneDNN handles tensors of at most " + std::to_string(DNNL_MAX_NDIMS) + " dimensions";
  return "";
}

std::unique_ptr<Kernel> CpuBackend::create_kernel(const KernelDesc& d) {
  if (std::string why = unsupported_reason(d); !why.empty())
    fail("node '", d.node_name, "': ", why);
  const int threads = resolve_threads(d.threads);
  // oneDNN sizes its work split for the thread count it sees while creating a primitive.
  ThreadScope scope(threads);
  try {
    if (d.op == "conv2d") return make_conv2d(ctx_, threads, d);
    if (d.op == "leaky_relu" || d.op == "mul") return make_eltwise(ctx_, threads, d);
    if (d.op == "add") return make_add(ctx_, threads, d);
    if (d.op == "avg_pool2d") return make_avg_pool2d(ctx_, threads, d);
    if (d.op == "resize") return make_resize(ctx_, threads, d);
    if (d.op == "concat") return make_concat(ctx_, threads, d);
    if (d.op == "slice") return make_slice(ctx_, threads, d);
    return make_warp(ctx_, threads, d);
  } catch (const dnnl::error& e) {
    std::string shapes;
    for (auto& s : d.input_shapes) shapes += (shapes.empty() ? "" : ", ") + shape_str(s);
    fail("node '", d.node_name, "' (", d.op, ", inputs ", shapes,
         "): oneDNN could not build it: ", e.what());
  }
}

}  // namespace film::onednn
