#include "engine/backend.h"

#include <cstring>

#include "engine/host_encoder.h"
#include "graph/base/error.h"

namespace film {
namespace {

// Any layout to any other, one element at a time: the fallback for host backends that have no
// faster reorder. Blocked destinations get their padding channels zeroed.
class HostReorder : public HostKernel {
 public:
  void run(const KernelArgs& a) override {
    const TensorView &src = a.inputs[0], &dst = a.outputs[0];
    const float* s = src.data();
    float* d = dst.data();
    if (src.shape.size() != 4) {  // other ranks have only one layout: a plain copy
      std::memcpy(d, s, src.bytes());
      return;
    }
    if (!layout_is_plain(dst.layout)) std::memset(d, 0, dst.bytes());
    const int64_t N = src.shape[0], C = src.shape[1], H = src.shape[2], W = src.shape[3];
    for (int64_t n = 0; n < N; ++n)
      for (int64_t c = 0; c < C; ++c)
        for (int64_t h = 0; h < H; ++h)
          for (int64_t w = 0; w < W; ++w) d[dst.index(n, c, h, w)] = s[src.index(n, c, h, w)];
  }
};

}  // namespace

std::unique_ptr<Buffer> Backend::allocate(size_t bytes) {
  return HostBuffer::allocate(bytes, buffer_type().alignment);
}

void Backend::upload(const void* src, Buffer& dst, size_t offset, size_t bytes) {
  if (!dst.host()) fail("backend '", name(), "' has device memory but no upload");
  std::memcpy(static_cast<char*>(dst.host()) + offset, src, bytes);
}

void Backend::download(const Buffer& src, size_t offset, size_t bytes, void* dst) {
  if (!src.host()) fail("backend '", name(), "' has device memory but no download");
  std::memcpy(dst, static_cast<const char*>(src.host()) + offset, bytes);
}

NodePlan Backend::plan_node(const KernelDesc& d, const std::vector<Layout>&) const {
  NodePlan p;
  p.input_layouts.assign(d.input_shapes.size(), Layout::nchw);
  p.output_layouts.assign(d.output_shapes.size(), Layout::nchw);
  return p;
}

std::unique_ptr<Kernel> Backend::compile_reorder(const Shape&, Layout, Layout, int) {
  return std::make_unique<HostReorder>();
}

std::unique_ptr<Encoder> Backend::make_encoder(bool concurrent, int threads, bool profile) {
  return std::make_unique<HostEncoder>(concurrent, threads, profile);
}

}  // namespace film
