// film interpolate: the main job — in-between frames for two photos.
#include <chrono>
#include <cstdio>
#include <filesystem>

#include "backends/registry.h"
#include "engine/app/image.h"
#include "engine/app/interpolate.h"
#include "graph/error.h"
#include "graph/file.h"
#include "tools/commands.h"
#include "tools/model_path.h"

namespace film::cli {

int cmd_interpolate(const std::vector<std::string>& argv) {
  Args a(argv, {"-o", "--model", "--backend", "--threads", "--times", "--tta"}, {"--help"},
         "interpolate");
  if (a.flag("--help") || a.positional().size() != 2 || !a.get("-o")) {
    std::fputs(
        "usage: film interpolate A.png B.png -o MID.png [--model MODEL_DIR] [--backend cpu|ref] "
        "[--threads N] [--tta 1|2|4|8]\n"
        "       film interpolate A.png B.png --times K -o OUT_DIR   (2^K-1 in-betweens, "
        "frame_000.png ...)\n"
        "Images of any size (both the same); they are padded to what the model takes and cropped "
        "back.\n"
        "Without --model: $FILM_MODEL, else the bundled models/film-default.\n"
        "--tta N: each frame is the mean of N runs on swapped/mirrored/flipped inputs (N times "
        "slower).\n",
        a.flag("--help") ? stdout : stderr);
    return a.flag("--help") ? 0 : 2;
  }
  const std::string pa = a.positional()[0], pb = a.positional()[1], out = *a.get("-o");
  io::check_not_an_input(out, {pa, pb});
  Tensor ia = io::read_png(pa), ib = io::read_png(pb);
  if (ia.shape() != ib.shape())
    fail(pb, ": size ", ib.dim(3), "x", ib.dim(2), " differs from ", pa, " (", ia.dim(3), "x",
         ia.dim(2), ")");
  const std::string model_dir = resolve_model_dir(a.get_or("--model", ""));
  FrameInterpolator f(Model::load(model_dir), {.backend = a.get_or("--backend", default_backend()),
                                               .threads = a.get_int("--threads", 0)});
  f.set_tta(a.get_int("--tta", 1));
  auto start = std::chrono::steady_clock::now();
  if (!a.get("--times")) {
    io::write_png(out, f.middle(ia, ib));
    std::fprintf(stderr, "wrote %s (%lldx%lld) in %.2f s\n", out.c_str(),
                 static_cast<long long>(ia.dim(3)), static_cast<long long>(ia.dim(2)),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    return 0;
  }
  const int times = a.get_int("--times", 1);
  std::error_code ec;
  std::filesystem::create_directories(out, ec);
  if (ec) fail(out, ": cannot create the output folder (", ec.message(), ")");
  auto frames = f.sequence(ia, ib, times);
  for (size_t i = 0; i < frames.size(); ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "frame_%03zu.png", i);
    io::write_png(out + "/" + name, frames[i]);
  }
  std::fprintf(stderr, "wrote %zu frames to %s in %.2f s\n", frames.size(), out.c_str(),
               std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  return 0;
}

}  // namespace film::cli
