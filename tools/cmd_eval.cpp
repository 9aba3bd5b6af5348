// film eval: PSNR/SSIM of a model over triplet folders, beside the repeat/average baselines.
#include <cstdio>
#include <string>

#include "backends/registry.h"
#include "engine/app/eval.h"
#include "engine/app/interpolate.h"
#include "graph/error.h"
#include "tools/commands.h"
#include "tools/model_path.h"

namespace film::cli {

int cmd_eval(const std::vector<std::string>& argv) {
  Args a(argv, {"--backend", "--device", "--precision", "--threads", "--tta", "--padding"},
         {"--help", "--json", "--quiet"}, "eval");
  if (a.flag("--help") || a.positional().size() != 2) {
    std::fputs(
        "usage: film eval MODEL_DIR DATA_DIR [--json] [--backend cpu|vulkan|ref] [--device N]\n"
        "                 [--precision fp32|bf16|fp16] [--threads N] [--tta "
        "1|2|4|8]\n"
        "DATA_DIR holds one folder per case with im0.png, gt.png, im1.png. Reports PSNR and SSIM\n"
        "(8-bit RGB, 11x11 Gaussian SSIM) per case and mean, for the model and for three\n"
        "baselines computed by the same code: 'repeat', 'average' and 'flow-warp' (the classical\n"
        "optical-flow warp: OpenCV's DIS flow both ways, each input warped halfway, averaged). "
        "--tta N: the model's frame is the mean "
        "of N\n"
        "runs on swapped/mirrored/flipped inputs (as 'interpolate --tta'). --padding "
        "replicate|zeros:\n"
        "how inputs are padded to the model's size (replicate, the default, repeats edge "
        "pixels).\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  FrameInterpolator f(
      Model::load(resolve_model_dir(a.positional()[0])),
      {.backend = backend_option(a),
       .threads = a.get_int("--threads", 0, 0, 4096),
       .padding = parse_padding(a.get_or("--padding", "replicate")) ? Padding::zeros
                                                                    : Padding::replicate});
  f.set_tta(a.get_int("--tta", 1, 1, 8));
  EvalMethod model{f.tta() == 1 ? "film" : "film-tta" + std::to_string(f.tta()),
                   [&](const Tensor& x0, const Tensor& x1) { return f.middle(x0, x1); }};
  const bool quiet = a.flag("--quiet") || a.flag("--json");
  auto results = evaluate(a.positional()[1],
                          {model, repeat_baseline(), average_baseline(), flow_warp_baseline()},
                          [&](size_t done, size_t total, const std::string& name) {
                            if (!quiet)
                              std::fprintf(stderr, "\r%zu/%zu %s   ", done, total, name.c_str());
                          });
  if (!quiet) std::fprintf(stderr, "\n");
  std::fputs((a.flag("--json") ? format_eval_json(results) : format_eval_table(results)).c_str(),
             stdout);
  return 0;
}

}  // namespace film::cli
