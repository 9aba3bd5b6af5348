// film eval: PSNR/SSIM of a model over triplet folders, beside the baselines.
#include <cstdio>
#include <memory>
#include <vector>

#include "tools/app/session_options.h"
#include "tools/cli/cli.h"
#include "tools/eval/eval.h"

namespace film::cli {
namespace {

struct Eval {
  std::string model_dir, data;
  InterpolatorOptions model;
  bool json = false, quiet = false;

  int run() {
    model.model = model_dir;
    auto f = make_interpolator(model);
    EvalMethod film{f->tta() == 1 ? "film" : "film-tta" + std::to_string(f->tta()),
                    [&](const Tensor& x0, const Tensor& x1) { return f->middle(x0, x1); }};
    const bool silent = quiet || json;
    std::vector<EvalMethod> methods{film, repeat_baseline(), average_baseline(), flow_warp_baseline()};
    if (mci_available())
      methods.push_back(mci_baseline());
    else
      std::fprintf(stderr, "film eval: note: no 'mci' row: the ffmpeg program is not on PATH\n");
    auto results = evaluate(data, methods,
                            [&](size_t done, size_t total, const std::string& name) {
                              if (!silent) std::fprintf(stderr, "\r%zu/%zu %s   ", done, total, name.c_str());
                            });
    if (!silent) std::fprintf(stderr, "\n");
    std::fputs((json ? format_eval_json(results) : format_eval_table(results)).c_str(), stdout);
    return 0;
  }
};

}  // namespace

Runner eval_command(CLI::App& app) {
  auto c = std::make_shared<Eval>();
  app.description(
      "PSNR and SSIM (8-bit RGB, 11x11 Gaussian SSIM) per case and mean, for the model and for\n"
      "the baselines, scored by the same code: 'repeat', 'average', 'flow-warp' (the classical\n"
      "optical-flow warp: OpenCV's DIS flow both ways, each input warped halfway, averaged) and\n"
      "'mci' (FFmpeg's minterpolate=mi_mode=mci, where the ffmpeg program is on PATH).\n"
      "DATA_DIR holds one folder per case with im0.png, gt.png, im1.png.");
  app.add_option("MODEL_DIR", c->model_dir, "the model folder")->required();
  app.add_option("DATA_DIR", c->data, "the triplet folders")->required();
  tta_option(app, c->model.tta);
  padding_option(app, c->model.padding);
  backend_options(app, c->model);
  app.add_flag("--json", c->json, "the results as JSON on standard output")->group("Output");
  app.add_flag("--quiet", c->quiet, "no progress line")->group("Output");
  return [c] { return c->run(); };
}

}  // namespace film::cli
