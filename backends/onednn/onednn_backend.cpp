#include "backends/onednn/onednn_backend.h"

#include "backends/onednn/context.h"

#include <algorithm>
#include <array>
#include "graph/base/error.h"

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

std::string bf16_unavailable_reason() {
  using dnnl::cpu_isa;
  const cpu_isa isa = dnnl::get_effective_cpu_isa();
  if (isa == cpu_isa::avx512_core_bf16 || isa == cpu_isa::avx512_core_amx ||
      isa == cpu_isa::avx512_core || isa == cpu_isa::avx512_core_vnni)
    return "";
  return "oneDNN 2.6 runs bf16 convolutions only on CPUs with AVX-512 (AVX512_BF16 or AMX for "
         "speed), and this one has less; use --precision fp32";
}

CpuBackend::CpuBackend(const CpuOptions& options) {
  const Precision precision = options.precision;
  if (precision == Precision::bf16)
    if (std::string why = bf16_unavailable_reason(); !why.empty())
      fail("backend 'cpu' cannot run --precision bf16: ", why);
  try {
    ctx_ = std::make_shared<Context>();
  } catch (const dnnl::error& e) {
    fail("backend 'cpu': oneDNN cannot create a CPU engine: ", e.what());
  }
  ctx_->bf16 = precision == Precision::bf16;
  ctx_->winograd_max_scratch = options.winograd_max_scratch;
}

CpuBackend::~CpuBackend() = default;

namespace {

// Op kind -> what this backend does for it: every op of graph/op_list.h.
const std::array<OpImpl, graph::kPrimitiveOps>& ops() {
  static const std::array<OpImpl, graph::kPrimitiveOps> table = {
#define FILM_CPU_OP(name, Type) op_impl<graph::OpKind::name>(),
      FILM_OPS(FILM_CPU_OP)
#undef FILM_CPU_OP
  };
  return table;
}

const OpImpl* impl_of(graph::OpKind k) {
  return graph::op_index(k) < graph::kPrimitiveOps ? &ops()[graph::op_index(k)] : nullptr;
}

}  // namespace

std::string CpuBackend::unsupported_reason(const KernelDesc& d) const {
  for (auto& s : d.input_shapes)
    if (s.size() > DNNL_MAX_NDIMS)
      return "oneDNN handles tensors of at most " + std::to_string(DNNL_MAX_NDIMS) + " dimensions";
  const OpImpl* impl = impl_of(d.op);
  return impl && impl->make ? "" : cat("the cpu backend has no kernel for op ", graph::op_name(d.op));
}

NodePlan plan_channels_last(const KernelDesc& d, const std::vector<Layout>& offered,
                            std::optional<DType> dtype) {
  const DType t = dtype ? *dtype
                  : !offered.empty() && offered[0].dtype == DType::bf16 ? DType::bf16
                                                                        : DType::f32;
  const auto& f32 = graph::op_schema(d.op).float32_inputs;
  NodePlan p;
  for (size_t k = 0; k < d.input_shapes.size(); ++k) {
    const bool keep = std::find(f32.begin(), f32.end(), static_cast<int>(k)) != f32.end();
    p.input_layouts.push_back(d.input_shapes[k].size() == 4
                                  ? Layout{Order::nhwc, keep ? DType::f32 : t}
                                  : Layout::nchw);
  }
  for (auto& s : d.output_shapes)
    p.output_layouts.push_back(s.size() == 4 ? Layout{Order::nhwc, t} : Layout::nchw);
  return p;
}

NodePlan CpuBackend::plan_node(const KernelDesc& d, const std::vector<Layout>& offered) const {
  const OpImpl* impl = impl_of(d.op);
  NodePlan p;
  try {
    p = impl && impl->plan ? impl->plan(*ctx_, d, offered) : plan_channels_last(d, offered);
  } catch (const dnnl::error& e) {
    fail("node '", d.node_name, "' (", graph::op_name(d.op), ", input ",
         shape_str(d.input_shapes[0]), "): oneDNN cannot plan it: ", e.what());
  }
  if (impl && impl->writes_strided_output && d.output_shapes[0].size() == 4)
    p.writes_strided_output = true;
  return p;
}

std::unique_ptr<Kernel> CpuBackend::compile(const KernelDesc& d) {
  if (std::string why = unsupported_reason(d); !why.empty())
    fail("node '", d.node_name, "': ", why);
  const int threads = resolve_threads(d.threads);
  // oneDNN sizes its work split for the thread count it sees while creating a primitive.
  ThreadScope scope(threads);
  try {
    return impl_of(d.op)->make(ctx_, threads, d);
  } catch (const dnnl::error& e) {
    std::string shapes;
    for (auto& s : d.input_shapes) shapes += (shapes.empty() ? "" : ", ") + shape_str(s);
    fail("node '", d.node_name, "' (", graph::op_name(d.op), ", inputs ", shapes,
         "): oneDNN could not build it: ", e.what());
  }
}

std::unique_ptr<Kernel> CpuBackend::compile_reorder(const Shape& shape, Layout from, Layout to,
                                                    int threads) {
  try {
    return make_reorder(ctx_, resolve_threads(threads), shape, from, to);
  } catch (const dnnl::error& e) {
    fail("reorder of a ", shape_str(shape), " value from ", layout_name(from), " to ",
         layout_name(to), ": oneDNN could not build it: ", e.what());
  }
}

}  // namespace film::onednn
