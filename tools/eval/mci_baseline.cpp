// The `mci` baseline of `film eval`: what a user without a learned model would run, FFmpeg's
// motion-compensated interpolation (`ffmpeg -vf minterpolate=mi_mode=mci`, its other settings at
// their defaults: bilateral block matching with EPZS, 16x16 blocks, overlapped-block motion
// compensation, scene-change detection on). It runs the ffmpeg program (Debian's ffmpeg package,
// which tools/setup.sh installs) rather than libavfilter, which nothing else here links.
//
// The filter needs frames after the one it interpolates towards, so the input is im0, im1, im1 at
// 1 frame/s, converted to 4:4:4 YUV (minterpolate works on YUV; 4:4:4 keeps the colour resolution
// of the RGB triplet), interpolated to 2 frames/s; the output's second frame is the one at t = 0.5.
// (Feeding im0 twice as well gives the same frame: measured on 14 ucf101-dev cases.)
#include <stdlib.h>

#include <filesystem>

#include "graph/base/error.h"
#include "graph/base/process.h"
#include "tools/eval/eval.h"
#include "tools/media/image.h"

namespace film {
namespace fs = std::filesystem;
namespace {

// A fresh private folder in the temporary directory, removed with this object.
struct TempFolder {
  fs::path path;
  TempFolder() {
    std::error_code ec;
    std::string pattern = (fs::temp_directory_path(ec) / "film-mci-XXXXXX").string();
    if (ec || !mkdtemp(pattern.data()))
      fail("mci: cannot create a temporary folder in ", fs::temp_directory_path(ec).string());
    path = pattern;
  }
  ~TempFolder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  TempFolder(const TempFolder&) = delete;
  TempFolder& operator=(const TempFolder&) = delete;
};

}  // namespace

bool mci_available(const std::string& ffmpeg) { return on_path(ffmpeg); }

EvalMethod mci_baseline(const std::string& ffmpeg) {
  return {"mci", [ffmpeg](const Tensor& im0, const Tensor& im1) {
            if (im0.shape() != im1.shape())
              fail("mci: input frames differ in shape, ", shape_str(im0.shape()), " vs ",
                   shape_str(im1.shape()));
            TempFolder dir;
            io::write_png((dir.path / "1.png").string(), im0);
            io::write_png((dir.path / "2.png").string(), im1);
            io::write_png((dir.path / "3.png").string(), im1);
            const Ran ran = run_program(
                {ffmpeg, "-nostdin", "-v", "error", "-framerate", "1", "-i",
                 (dir.path / "%d.png").string(), "-vf",
                 "format=yuv444p,minterpolate=fps=2:mi_mode=mci,format=rgb24", "-frames:v", "2",
                 (dir.path / "o%d.png").string()});
            const fs::path mid = dir.path / "o2.png";
            std::error_code ec;
            if (ran.status != 0 || !fs::is_regular_file(mid, ec))
              fail("mci: ", ffmpeg, " (minterpolate) ",
                   ran.status < 0 ? "could not start" : "failed (exit " + std::to_string(ran.status) + ")",
                   ran.err.empty() ? std::string() : ": " + ran.err);
            return io::read_png(mid.string());
          }};
}

}  // namespace film
