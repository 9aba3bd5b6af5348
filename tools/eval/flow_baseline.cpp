// The classical optical-flow warp baseline of `film eval`: OpenCV's DIS dense flow (Kroeger et
// al., ECCV 2016; cv::DISOpticalFlow, "medium" preset, Debian's libopencv-video) both ways, then
//   mid(x) = 0.5 * im0(x - 0.5 * F01(x)) + 0.5 * im1(x - 0.5 * F10(x))
// with bilinear sampling and clamped edges: first-order interpolation with no occlusion
// reasoning, the bar the model must clear. The same computation as
// tools/train/classical_baseline.py --flow dis (the suite checks that they agree).
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <opencv2/video/tracking.hpp>

#include "tools/eval/eval.h"
#include "graph/base/error.h"

namespace film {
namespace {

// [1,3,H,W] in [0, 1] -> H x W x 3 float RGB, and its 8-bit gray (the values rounded to bytes).
cv::Mat to_rgb(const Tensor& t) {
  const int h = static_cast<int>(t.dim(2)), w = static_cast<int>(t.dim(3));
  cv::Mat m(h, w, CV_32FC3);
  const int64_t plane = int64_t{h} * w;
  for (int y = 0; y < h; ++y) {
    auto* row = m.ptr<cv::Vec3f>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < 3; ++c) row[x][c] = t.data()[c * plane + int64_t{y} * w + x];
  }
  return m;
}
cv::Mat to_gray(const cv::Mat& rgb) {
  cv::Mat bytes, gray;
  rgb.convertTo(bytes, CV_8UC3, 255.0);  // rounds to nearest, saturating
  cv::cvtColor(bytes, gray, cv::COLOR_RGB2GRAY);
  return gray;
}

// `im` sampled at x + scale * flow(x).
cv::Mat warp_back(const cv::Mat& im, const cv::Mat& flow, float scale) {
  cv::Mat mx(flow.size(), CV_32F), my(flow.size(), CV_32F);
  for (int y = 0; y < flow.rows; ++y) {
    const auto* f = flow.ptr<cv::Vec2f>(y);
    float* px = mx.ptr<float>(y);
    float* py = my.ptr<float>(y);
    for (int x = 0; x < flow.cols; ++x) {
      px[x] = static_cast<float>(x) + scale * f[x][0];
      py[x] = static_cast<float>(y) + scale * f[x][1];
    }
  }
  cv::Mat out;
  cv::remap(im, out, mx, my, cv::INTER_LINEAR, cv::BORDER_REPLICATE);
  return out;
}

}  // namespace

EvalMethod flow_warp_baseline() {
  return {"flow-warp", [](const Tensor& im0, const Tensor& im1) {
            if (im0.shape() != im1.shape() || im0.shape().size() != 4 || im0.dim(1) != 3)
              fail("flow-warp: input frames of ", shape_str(im0.shape()), " and ",
                   shape_str(im1.shape()), " (expected two [1,3,H,W] frames of one size)");
            cv::setNumThreads(0);  // OpenCV's own threads, as the model uses all cores too
            const cv::Mat a = to_rgb(im0), b = to_rgb(im1);
            const cv::Mat ga = to_gray(a), gb = to_gray(b);
            auto dis = cv::DISOpticalFlow::create(cv::DISOpticalFlow::PRESET_MEDIUM);
            cv::Mat f01, f10;
            dis->calc(ga, gb, f01);
            dis->calc(gb, ga, f10);
            const cv::Mat mid = 0.5 * warp_back(a, f01, -0.5f) + 0.5 * warp_back(b, f10, -0.5f);
            Tensor out = Tensor::zeros(im0.shape());
            const int64_t plane = im0.dim(2) * im0.dim(3);
            for (int y = 0; y < mid.rows; ++y) {
              const auto* row = mid.ptr<cv::Vec3f>(y);
              for (int x = 0; x < mid.cols; ++x)
                for (int c = 0; c < 3; ++c)
                  out.data()[c * plane + int64_t{y} * mid.cols + x] = row[x][c];
            }
            return out;
          }};
}

}  // namespace film
