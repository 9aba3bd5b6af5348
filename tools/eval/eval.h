// Evaluation of frame interpolators on ground-truth triplets, with the paper-style metrics
// (metrics.h) and the classical baselines computed by the same code path.
//
// A data folder holds one sub-folder per case, each with im0.png, gt.png and im1.png; cases are
// taken in sorted folder-name order (plain files in the data folder are ignored). A case folder
// missing one of the three files, or an empty data folder, is an error naming the path.
// A method maps (im0, im1), each [1, 3, H, W] in [0, 1], to the middle frame [1, 3, H, W]; its
// output must match gt's shape. Methods are called one at a time on the calling thread, case by
// case, so a method may itself use all cores. Errors from a method are rethrown as film::Error
// prefixed with the case and method names.
// Usage:
//   auto results = film::evaluate("data/ucf101-dev",
//       {{"film", [&](const Tensor& a, const Tensor& b) { return interpolator.middle(a, b); }},
//        film::repeat_baseline(), film::average_baseline()});
//   std::cout << film::format_eval_table(results);     // or format_eval_json(results)
#pragma once

#include <cstddef>
#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace film {

struct EvalCase {
  std::string name;  // the case folder's name
  double psnr;
  double ssim;
};

using MiddleFrameFn = std::function<Tensor(const Tensor& im0, const Tensor& im1)>;

struct EvalMethod {
  std::string name;
  MiddleFrameFn run;
};

struct EvalResult {
  std::string method;
  std::vector<EvalCase> cases;  // in case order
  double mean_psnr = 0;
  double mean_ssim = 0;
};

struct Triplet {
  std::string name;
  std::string im0, gt, im1;  // file paths
};

// Called after each case with the number of cases done, the total and the case just finished.
using EvalProgress = std::function<void(size_t done, size_t total, const std::string& name)>;

// The cases of `data_dir`, validated as described above.
std::vector<Triplet> list_triplets(const std::string& data_dir);

// "repeat": returns im0. "average": returns (im0 + im1) / 2.
EvalMethod repeat_baseline();
EvalMethod average_baseline();
// "flow-warp": the classical optical-flow warp (OpenCV's DIS flow both ways, each input warped
// halfway and averaged; tools/eval/flow_baseline.cpp): the bar a learned model must clear.
EvalMethod flow_warp_baseline();
// "mci": FFmpeg's motion-compensated interpolation, `minterpolate=mi_mode=mci` with its defaults,
// run through the `ffmpeg` program (tools/eval/mci_baseline.cpp): what a user would otherwise run.
// mci_available() says whether that program is on PATH; without it the method fails per case.
bool mci_available(const std::string& ffmpeg = "ffmpeg");
EvalMethod mci_baseline(const std::string& ffmpeg = "ffmpeg");

// One result per method, in the order given. Each triplet is loaded once for all methods.
std::vector<EvalResult> evaluate(const std::string& data_dir,
                                 const std::vector<EvalMethod>& methods,
                                 const EvalProgress& progress = {});
// The same on an explicit list of cases (e.g. a subset of list_triplets()).
std::vector<EvalResult> evaluate_triplets(const std::vector<Triplet>& triplets,
                                          const std::vector<EvalMethod>& methods,
                                          const EvalProgress& progress = {});

// A text table: one row per case (if `per_case`) and a final "mean" row, with PSNR (dB) and SSIM
// columns for each method.
std::string format_eval_table(const std::vector<EvalResult>& results, bool per_case = true);
// {"methods": [{"name", "mean": {"psnr", "ssim"}, "cases": [{"name", "psnr", "ssim"}, ...]}, ...]}
std::string format_eval_json(const std::vector<EvalResult>& results);

}  // namespace film
