// slice: a oneDNN reorder from a sub-memory view of src (the range [begin, end) of one axis, in
// the layout src is in) into the dense dst. The planner's layout reorders are oneDNN reorders too.
#include "backends/onednn/context.h"

namespace film::onednn {
namespace {

class ReorderKernel : public CpuKernel {
 public:
  ReorderKernel(std::shared_ptr<Context> ctx, int threads, const dnnl::memory::desc& from,
                const dnnl::memory::desc& to)
      : CpuKernel(threads), ctx_(std::move(ctx)) {
    ThreadScope scope(threads);
    reorder_ = dnnl::reorder(dnnl::reorder::primitive_desc(ctx_->engine, from, ctx_->engine, to));
    src_ = dnnl::memory(from, ctx_->engine, nullptr);
    dst_ = dnnl::memory(to, ctx_->engine, nullptr);
  }
  void execute(const KernelArgs& a) override {
    src_.set_data_handle(handle(a.inputs[0]));
    dst_.set_data_handle(handle(a.outputs[0]));
    reorder_.execute(ctx_->stream, src_, dst_);
    ctx_->stream.wait();
  }

 private:
  std::shared_ptr<Context> ctx_;
  dnnl::reorder reorder_;
  dnnl::memory src_, dst_;
};

}  // namespace

namespace {
std::unique_ptr<Kernel> make_slice(const std::shared_ptr<Context>& ctx, int threads, const KernelDesc& d) {
  const auto& p = std::get<graph::SliceParams>(d.params);
  const Shape& out = d.output_shapes[0];
  dnnl::memory::dims dims(out.begin(), out.end()), offsets(out.size(), 0);
  offsets[p.axis] = p.begin;
  const auto src = desc_of(d.input_shapes[0], d.input_layouts[0]).submemory_desc(dims, offsets);
  return std::make_unique<ReorderKernel>(std::move(ctx), threads, src,
                                         desc_of(out, d.output_layouts[0]));
}
}  // namespace

template <>
OpImpl op_impl<graph::OpKind::slice>() {
  return {.make = make_slice};
}

std::unique_ptr<Kernel> make_reorder(std::shared_ptr<Context> ctx, int threads, const Shape& shape,
                                     Layout from, Layout to) {
  return std::make_unique<ReorderKernel>(std::move(ctx), threads, desc_of(shape, from),
                                         desc_of(shape, to));
}

}  // namespace film::onednn
