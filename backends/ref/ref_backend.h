// The reference backend: every op in plain, readable C++ with double accumulation, exactly the
// conventions of docs/FILM.md. It is the oracle every other backend is tested against.
// Work is split over output planes/rows with TBB; each output element is computed by one fixed
// sequence of operations, so results do not depend on the thread count.
#pragma once

#include <optional>

#include "engine/backend.h"

namespace film::ref {

// Host memory, NCHW everywhere (the Backend defaults), every node of a step concurrently with the
// independent ones (engine/host_encoder.h).
class RefBackend : public Backend {
 public:
  std::string name() const override { return "ref"; }
  std::string unsupported_reason(const KernelDesc& desc) const override;
  std::unique_ptr<Kernel> compile(const KernelDesc& desc) override;
};

// The kernels, one file per op (backends/ref/ops/NAME.cpp). All tensors NCHW float32.
// leaky_alpha: when set, the result goes through leaky_relu(alpha) exactly as the separate op does.
void conv2d(const Tensor& src, const Tensor& w, const Tensor& b, Tensor& dst, int pad_top,
            int pad_left, int stride_y, int stride_x,
            std::optional<float> leaky_alpha = std::nullopt);
void leaky_relu(const Tensor& src, Tensor& dst, float alpha);
void avg_pool2d(const Tensor& src, Tensor& dst, int ky, int kx, int sy, int sx);
void resize_bilinear(const Tensor& src, Tensor& dst);  // half-pixel centres
void resize_nearest(const Tensor& src, Tensor& dst);
void warp(const Tensor& src, const Tensor& flow, Tensor& dst);
// in_place[k]: input k is already in its place in dst (its producer wrote it there).
void concat(const std::vector<const Tensor*>& srcs, Tensor& dst, int axis,
            const std::vector<bool>& in_place = {});
void add(const Tensor& a, const Tensor& b, Tensor& dst);
void mul(const Tensor& src, Tensor& dst, float scalar);
void slice(const Tensor& src, Tensor& dst, int axis, int64_t begin);
// dst[n] = src[n] * (multiplier * factor[n] + offset), in float.
void scale(const Tensor& src, const Tensor& factor, Tensor& dst, float multiplier, float offset);

}  // namespace film::ref
