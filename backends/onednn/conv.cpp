// conv2d on oneDNN. Weights are reordered once, at creation, into the layout the chosen
// implementation wants (format_tag::any). Activations arrive and leave as plain NCHW, but oneDNN
// picks their layout too (on AVX-512: NHWC, for its brgconv), and the kernel reorders src in and
// dst out through the backend's shared scratch. Measured on FILM (one thread, 768x1280, filters
// 16), that makes the convs 1.9x faster than oneDNN on NCHW directly (gemm), reorders included.
// NCHW does win, by 1.5-4x, on the convs with very few channels (the 1x1 convs to 2 and 3
// outputs, the first conv on RGB), but those are about 1.5% of the time: not worth a second path.
// A fused leaky ReLU (the conv2d "leaky_relu" attribute, see engine/fuse.h) is an eltwise
// post-op, applied while the result is still in registers.
#include "backends/onednn/context.h"
#include "engine/error.h"

namespace film::onednn {
namespace {

using dnnl::memory;
using Args = std::unordered_map<int, memory>;

class Conv2dKernel : public Kernel {
 public:
  Conv2dKernel(std::shared_ptr<Context> ctx, int threads, const KernelDesc& d)
      : ctx_(std::move(ctx)), threads_(threads) {
    const auto pad = d.attrs.at("pad").get<std::vector<int64_t>>();
    const auto stride = d.attrs.at("stride").get<std::vector<int64_t>>();
    const Shape &src_shape = d.input_shapes[0], &w_shape = d.input_shapes[1],
                &dst_shape = d.output_shapes[0];
    const memory::desc user_src = plain_desc(src_shape), user_w = plain_desc(w_shape),
                       bias = plain_desc(d.input_shapes[2]), user_dst = plain_desc(dst_shape);
    // A constant without data is a planning-only placeholder (film inspect): treat as a runtime
    // input.
    const bool const_weights = const_weights_ = d.constants[1] && d.constants[1]->data();
    const memory::dims dims_src(src_shape.begin(), src_shape.end()),
        dims_w(w_shape.begin(), w_shape.end()), dims_dst(dst_shape.begin(), dst_shape.end());
    const auto any = memory::format_tag::any;
    const auto f32 = memory::data_type::f32;
    dnnl::convolution_forward::desc desc(
        dnnl::prop_kind::forward_inference, dnnl::algorithm::convolution_direct,
        memory::desc(dims_src, f32, any),
        // Weights that are not constants come as they are, each run; constants get repacked.
        const_weights ? memory::desc(dims_w, f32, any) : user_w, bias,
        memory::desc(dims_dst, f32, any), {stride[0], stride[1]}, {pad[0], pad[1]},
        {pad[2], pad[3]});
    dnnl::primitive_attr attr = scratchpad_attr();
    if (d.attrs.contains("leaky_relu") && !d.attrs.at("leaky_relu").is_null()) {
      dnnl::post_ops ops;
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, d.attrs.at("leaky_relu").get<float>(),
                         0.0f);
      attr.set_post_ops(ops);
    }
    dnnl::convolution_forward::primitive_desc pd(desc, attr, ctx_->engine);
    conv_ = dnnl::convolution_forward(pd);

    if (const_weights) {
      weights_ = ctx_->weights.get(*d.constants[1], pd.weights_desc(), ctx_->engine, ctx_->stream);
    } else {
      weights_ = memory(user_w, ctx_->engine, nullptr);
    }
    bias_ = memory(bias, ctx_->engine, nullptr);
    user_src_ = memory(user_src, ctx_->engine, nullptr);
    user_dst_ = memory(user_dst, ctx_->engine, nullptr);

    // Shared scratch: [blocked src][blocked dst][oneDNN's scratchpad], each part aligned.
    size_t at = 0;
    if (pd.src_desc() != user_src) {
      src_ = memory(pd.src_desc(), ctx_->engine, nullptr);
      src_reorder_ = dnnl::reorder(user_src_, src_);
      src_at_ = at;
      at += align_up(pd.src_desc().get_size());
    }
    if (pd.dst_desc() != user_dst) {
      dst_ = memory(pd.dst_desc(), ctx_->engine, nullptr);
      dst_reorder_ = dnnl::reorder(dst_, user_dst_);
      dst_at_ = at;
      at += align_up(pd.dst_desc().get_size());
    }
    if (pd.scratchpad_desc().get_size() > 0) {
      scratchpad_ = memory(pd.scratchpad_desc(), ctx_->engine, nullptr);
      scratchpad_at_ = at;
      at += align_up(pd.scratchpad_desc().get_size());
    }
    ctx_->scratch.reserve(at);
  }

  void execute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override {
    ThreadScope threads(threads_);
    uint8_t* scratch = ctx_->scratch.get();
    dnnl::stream& s = ctx_->stream;
    user_src_.set_data_handle(handle(in[0]));
    user_dst_.set_data_handle(out[0]->data());
    bias_.set_data_handle(handle(in[2]));
    if (!const_weights_) weights_.set_data_handle(handle(in[1]));
    memory src = user_src_, dst = user_dst_;
    if (src_) {
      src_.set_data_handle(scratch + src_at_);
      src_reorder_.execute(s, user_src_, src_);
      src = src_;
    }
    if (dst_) {
      dst_.set_data_handle(scratch + dst_at_);
      dst = dst_;
    }
    Args args{{DNNL_ARG_SRC, src},
              {DNNL_ARG_WEIGHTS, weights_},
              {DNNL_ARG_BIAS, bias_},
              {DNNL_ARG_DST, dst}};
    if (scratchpad_) {
      scratchpad_.set_data_handle(scratch + scratchpad_at_);
      args.emplace(DNNL_ARG_SCRATCHPAD, scratchpad_);
    }
    conv_.execute(s, args);
    if (dst_) dst_reorder_.execute(s, dst_, user_dst_);
    s.wait();
  }

 private:
  std::shared_ptr<Context> ctx_;
  int threads_;
  bool const_weights_ = false;
  dnnl::convolution_forward conv_;
  memory weights_, bias_, user_src_, user_dst_, src_, dst_, scratchpad_;
  dnnl::reorder src_reorder_, dst_reorder_;
  size_t src_at_ = 0, dst_at_ = 0, scratchpad_at_ = 0;
};

}  // namespace

std::unique_ptr<Kernel> make_conv2d(std::shared_ptr<Context> ctx, int threads,
                                    const KernelDesc& d) {
  return std::make_unique<Conv2dKernel>(std::move(ctx), threads, d);
}

}  // namespace film::onednn
