// conv2d on oneDNN, in the layout oneDNN picks for it. While planning, the descriptor is made with
// `any` for src and dst: the implementation oneDNN would choose says which layout it wants (on
// AVX-512 machines brgconv, channels-last NHWC), and the plan gives the conv exactly that layout
// in and out — the other ops of this backend work in NHWC too, so the reorders that used to wrap
// every convolution (a quarter of its time) are gone; where a conv wants a blocked layout the plan
// places one reorder per value instead. Its scratchpad is planned memory (NodePlan::scratch_bytes).
// Weights are reordered once, at compile, into the layout the implementation wants
// (format_tag::any) and shared between kernels (PackedWeights).
// A fused leaky ReLU (the conv2d "leaky_relu" parameter, see engine/fuse.h) is an eltwise
// post-op, applied while the result is still in registers.
// bf16 precision (Context::bf16): a conv with constant weights reads NHWC bfloat16 and weights
// repacked to bfloat16, accumulates in float32 (oneDNN's bf16 convolutions do), adds the float32
// bias and writes NHWC bfloat16 — or float32 when the model marks the node keep_fp32 (FILM's flow
// and image heads: flows, warp coordinates and the final image stay float32).
// A conv whose weights arrive at run time stays float32.
// Winograd (fp32): a 3x3 stride-1 conv with at least 64 channels in and out runs oneDNN's Winograd
// F(4x4, 3x3) convolution (jit_wino_4x3), faster than its direct one on FILM's shapes
// (docs/benchmarks.md, "The cpu backend at the hardware's limit"), when its scratchpad (the
// transformed image, which grows with the frame) stays within Context::winograd_max_scratch. It reads and writes nChw16c, so the plan reorders at the edges of
// a chain of such convs. It takes no leaky ReLU post-op: the kernel runs oneDNN's eltwise in place
// right after it. bf16 has no Winograd convolution in oneDNN 2.6.
#include "backends/onednn/context.h"
#include "graph/base/error.h"

namespace film::onednn {
namespace {

using dnnl::memory;

std::string key_of(const KernelDesc& d, bool const_weights) {
  const auto& p = std::get<graph::Conv2dParams>(d.params);
  return cat(shape_str(d.input_shapes[0]), shape_str(d.input_shapes[1]), p.pad[0], ",", p.pad[1],
             ",", p.pad[2], ",", p.pad[3], "/", p.stride[0], ",", p.stride[1], "/",
             p.leaky_relu ? *p.leaky_relu : -1.0f, "/", const_weights, "/", d.threads, "/",
             d.keep_fp32);
}

// src and dst in the layouts given, or `any` (oneDNN's choice) where `force` is false.
dnnl::convolution_forward::primitive_desc make_desc(
    Context& ctx, const KernelDesc& d, bool const_weights, bool force, Layout src_l, Layout dst_l,
    dnnl::algorithm algorithm = dnnl::algorithm::convolution_direct) {
  const auto& p = std::get<graph::Conv2dParams>(d.params);
  const Shape &src_shape = d.input_shapes[0], &w_shape = d.input_shapes[1],
              &dst_shape = d.output_shapes[0];
  const memory::dims dims_src(src_shape.begin(), src_shape.end()),
      dims_w(w_shape.begin(), w_shape.end()), dims_dst(dst_shape.begin(), dst_shape.end());
  const auto any = memory::format_tag::any;
  const auto f32 = memory::data_type::f32;
  const memory::desc src = force ? desc_of(src_shape, src_l) : memory::desc(dims_src, f32, any);
  const memory::desc dst = force ? desc_of(dst_shape, dst_l) : memory::desc(dims_dst, f32, any);
  const auto w_type = src_l.dtype == DType::bf16 ? memory::data_type::bf16 : f32;
  dnnl::convolution_forward::desc desc(
      dnnl::prop_kind::forward_inference, algorithm, src,
      // Weights that are not constants come as they are, each run; constants get repacked.
      const_weights ? memory::desc(dims_w, w_type, any) : desc_of(w_shape, Layout::nchw),
      desc_of(d.input_shapes[2], Layout::nchw), dst, {p.stride[0], p.stride[1]},
      {p.pad[0], p.pad[1]}, {p.pad[2], p.pad[3]});
  dnnl::primitive_attr attr;
  attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
  // oneDNN 2.6's Winograd convolution takes no leaky ReLU post-op: the kernel applies it after.
  if (p.leaky_relu && algorithm != dnnl::algorithm::convolution_winograd) {
    dnnl::post_ops ops;
    ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, *p.leaky_relu, 0.0f);
    attr.set_post_ops(ops);
  }
  ThreadScope scope(
      resolve_threads(d.threads));  // oneDNN sizes its work split for the threads it sees
  return dnnl::convolution_forward::primitive_desc(desc, attr, ctx.engine);
}

// 3x3, stride 1, padding 1, constant weights: what oneDNN's Winograd F(4x4, 3x3) convolution takes
// (channel-blocked nChw16c in and out); and at least 64 channels in and out, where it pays: with
// fewer, the weight transforms cost the first frame more than later frames gain
// (docs/benchmarks.md, "Why the code is as it is").
bool winograd_candidate(const Context& ctx, const KernelDesc& d, bool const_weights) {
  const auto& p = std::get<graph::Conv2dParams>(d.params);
  const Shape& w = d.input_shapes[1];
  return ctx.winograd_max_scratch > 0 && const_weights && w[2] == 3 && w[3] == 3 && w[1] >= 64 &&
         w[0] >= 64 && p.stride[0] == 1 && p.stride[1] == 1 && p.pad[0] == 1 && p.pad[1] == 1 &&
         p.pad[2] == 1 && p.pad[3] == 1;
}

// Weights that are a graph weight are constants: repacked once. Others come as they are, each run.
bool weights_are_constant(const KernelDesc& d) {
  return d.input_is_weight.size() > 1 && d.input_is_weight[1];
}

class Conv2dKernel : public CpuKernel {
 public:
  Conv2dKernel(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d)
      : CpuKernel(threads), ctx_(std::move(ctx)) {
    const_weights_ = weights_are_constant(d);
    if (const_weights_ && !(d.constants.size() > 1 && d.constants[1] && d.constants[1]->data()))
      fail("node '", d.node_name, "': compiled without its weights");
    const auto pd = conv_desc(*ctx_, d);
    conv_ = dnnl::convolution_forward(pd);
    if (const_weights_) {
      weights_ = ctx_->weights.get(*d.constants[1], pd.weights_desc(), ctx_->engine, ctx_->stream);
    } else {
      weights_ = memory(pd.weights_desc(), ctx_->engine, nullptr);
    }
    src_ = memory(pd.src_desc(), ctx_->engine, nullptr);
    dst_ = memory(pd.dst_desc(), ctx_->engine, nullptr);
    bias_ = memory(pd.bias_desc(), ctx_->engine, nullptr);
    if (pd.scratchpad_desc().get_size() > d.scratch_bytes)
      fail("node '", d.node_name, "': oneDNN wants ", pd.scratchpad_desc().get_size(),
           " bytes of scratch, ", d.scratch_bytes, " were planned");
    if (pd.scratchpad_desc().get_size() > 0)
      scratchpad_ = memory(pd.scratchpad_desc(), ctx_->engine, nullptr);
    const auto& p = std::get<graph::Conv2dParams>(d.params);
    if (p.leaky_relu && pd.get_primitive_attr().get_post_ops().len() == 0) {
      // The activation the primitive could not take: in place on the result, right after it.
      activation_ = dnnl::eltwise_forward(dnnl::eltwise_forward::primitive_desc(
          {dnnl::prop_kind::forward_inference, dnnl::algorithm::eltwise_relu, pd.dst_desc(),
           *p.leaky_relu},
          ctx_->engine));
      has_activation_ = true;
    }
  }

  void execute(const KernelArgs& a) override {
    src_.set_data_handle(handle(a.inputs[0]));
    if (!const_weights_) weights_.set_data_handle(handle(a.inputs[1]));
    bias_.set_data_handle(handle(a.inputs[2]));
    dst_.set_data_handle(handle(a.outputs[0]));
    std::unordered_map<int, memory> args{{DNNL_ARG_SRC, src_},
                                         {DNNL_ARG_WEIGHTS, weights_},
                                         {DNNL_ARG_BIAS, bias_},
                                         {DNNL_ARG_DST, dst_}};
    if (scratchpad_) {
      scratchpad_.set_data_handle(a.scratch.data());
      args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad_);
    }
    conv_.execute(ctx_->stream, args);
    if (has_activation_)
      activation_.execute(ctx_->stream, {{DNNL_ARG_SRC, dst_}, {DNNL_ARG_DST, dst_}});
    ctx_->stream.wait();
  }

 private:
  std::shared_ptr<Context> ctx_;
  bool const_weights_ = false;
  dnnl::convolution_forward conv_;
  dnnl::eltwise_forward activation_;
  bool has_activation_ = false;
  memory weights_, bias_, src_, dst_, scratchpad_;
};

}  // namespace

dnnl::convolution_forward::primitive_desc conv_desc(Context& ctx, const KernelDesc& d) {
  const bool const_weights = weights_are_constant(d);
  const std::string key = key_of(d, const_weights);
  std::lock_guard<std::mutex> lock(ctx.mutex);
  if (auto it = ctx.convs.find(key); it != ctx.convs.end()) return it->second;
  dnnl::convolution_forward::primitive_desc pd;
  // Whether `pd` reads and writes one layout the rest of the backend knows.
  auto known = [&](const dnnl::convolution_forward::primitive_desc& c) {
    Layout l;
    return layout_of(c.src_desc(), l) && c.dst_desc() == desc_of(d.output_shapes[0], l);
  };
  if (ctx.bf16 && const_weights) {
    const Layout out = d.keep_fp32 ? Layout::nhwc : Layout::nhwc_bf16;
    pd = make_desc(ctx, d, const_weights, true, Layout::nhwc_bf16, out);
  } else {
    bool done = false;
    if (winograd_candidate(ctx, d, const_weights)) {
      try {  // not every CPU has it: then the direct convolution
        pd = make_desc(ctx, d, const_weights, false, Layout::nchw, Layout::nchw,
                       dnnl::algorithm::convolution_winograd);
        done = known(pd) && pd.scratchpad_desc().get_size() <= ctx.winograd_max_scratch;
      } catch (const dnnl::error&) {
      }
    }
    if (!done) {
      pd = make_desc(ctx, d, const_weights, false, Layout::nchw, Layout::nchw);
      // Not a layout the rest of the backend knows: ask for NHWC explicitly.
      if (!known(pd)) pd = make_desc(ctx, d, const_weights, true, Layout::nhwc, Layout::nhwc);
    }
  }
  ctx.convs.emplace(key, pd);
  return pd;
}

NodePlan plan_conv2d(Context& ctx, const KernelDesc& d, const std::vector<Layout>&) {
  const auto pd = conv_desc(ctx, d);
  Layout in = Layout::nhwc, out = Layout::nhwc;
  layout_of(pd.src_desc(), in);
  layout_of(pd.dst_desc(), out);
  NodePlan p;
  p.input_layouts = {in, Layout::nchw, Layout::nchw};
  p.output_layouts = {out};
  p.scratch_bytes = pd.scratchpad_desc().get_size();
  p.prepared_weight_bytes = pd.weights_desc().get_size();
  return p;
}

template <>
OpImpl op_impl<graph::OpKind::conv2d>() {
  return {.make = [](const std::shared_ptr<Context>& ctx, int threads,
                     const KernelDesc& d) -> std::unique_ptr<Kernel> {
            return std::make_unique<Conv2dKernel>(ctx, threads, d);
          },
          .plan = plan_conv2d};
}

}  // namespace film::onednn
