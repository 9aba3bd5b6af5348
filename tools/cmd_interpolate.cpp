// film interpolate: the main job — in-between frames for two images.
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "backends/registry.h"
#include "engine/app/image.h"
#include "engine/app/interpolate.h"
#include "engine/app/memory_budget.h"
#include "graph/error.h"
#include "graph/file.h"
#include "models/film/options.h"
#include "tools/commands.h"
#include "tools/model_path.h"
#include "tools/outputs.h"

namespace film::cli {
namespace {

const char* kHelp =
    "usage: film interpolate A B -o MID [options]          the frame halfway between images A and "
    "B\n"
    "       film interpolate A B --times K -o OUT [options]  2^K-1 in-betweens, A and B included\n"
    "       film interpolate A B --frames N -o OUT           N evenly spaced in-betweens, A and B "
    "included\n"
    "       film interpolate A B --timestamps 0.25,0.8 -o OUT  frames at these times (0 = A, 1 = "
    "B)\n"
    "A, B: images of one size, in any format (PNG 8/16-bit, JPEG, WebP, TIFF, EXR, ...); they are\n"
    "padded to what the model takes (repeating edge pixels) and cropped back.\n"
    "MID: an image file, its format from its extension (.png, .jpg, .webp, .tif, .exr, ...), or -\n"
    "for a PNG on standard output. Gray stays gray, alpha is blended, 16-bit stays 16-bit where "
    "the\n"
    "format allows. OUT: a folder (frame_000.png, ...) or a pattern such as frames/%05d.jpg.\n"
    "Frames are written as they are made. Other times than 2^-K multiples are reached by the "
    "nearest\n"
    "midpoint recursion: rounded to a multiple of 1/64.\n"
    "options:\n"
    "  --model DIR        default $FILM_MODEL, else the bundled models/film-default\n"
    "  --backend cpu|vulkan|ref  --device N (a Vulkan device: film devices)\n"
    "  --precision fp32|bf16 (cpu)|fp16 (vulkan)  --threads N (0: all cores)\n"
    "  --tta 1|2|4|8      each frame the mean of N runs on swapped/mirrored/flipped inputs\n"
    "  --padding replicate|zeros  how inputs are padded to the model's size (replicate: repeat\n"
    "                     the edge pixels; zeros: black, as the official FILM tool)\n"
    "  --direct-time      predict other times directly (flows scaled by t) instead of by\n"
    "                     recursion: exact times, but outside what the released models learnt\n"
    "  --force            replace existing outputs (only the files this command writes)\n"
    "  --max-memory SIZE  memory to stay within (default: what the machine and its container\n"
    "                     limit leave free), e.g. 2G; a frame that needs more runs as overlapping\n"
    "                     tiles (said on stderr), and one that cannot fit even so is refused\n"
    "  --quiet            no progress line\n";

constexpr int kMaxDepth = 6;  // arbitrary times are rounded to multiples of 1/2^kMaxDepth

std::vector<double> parse_times(const std::string& text) {
  std::vector<double> t;
  std::stringstream ss(text);
  for (std::string item; std::getline(ss, item, ',');)
    t.push_back(parse_real(item, "--timestamps (times in [0, 1], separated by commas)", 0, 1));
  if (t.empty()) usage_fail("--timestamps: no times given");
  return t;
}

// The output keeps the inputs' kind: gray only if both are, alpha if either has it, the deeper
// of their sample depths.
io::Image frame_like(const io::Image& a, const io::Image& b, const Tensor& rgb, double t) {
  io::Image out;
  out.rgb = rgb;
  out.gray = a.gray && b.gray;
  out.bits = std::max(a.bits, b.bits);
  if (!a.alpha.empty() || !b.alpha.empty()) {
    // Alpha is blended linearly at the frame's time (the model sees colour only); an input
    // without alpha counts as opaque.
    out.alpha = Tensor::zeros({1, 1, rgb.dim(2), rgb.dim(3)});
    for (int64_t i = 0; i < out.alpha.size(); ++i) {
      const float x = a.alpha.empty() ? 1.0f : a.alpha.data()[i],
                  y = b.alpha.empty() ? 1.0f : b.alpha.data()[i];
      out.alpha.data()[i] = static_cast<float>((1 - t) * x + t * y);
    }
  }
  return out;
}

}  // namespace

int cmd_interpolate(const std::vector<std::string>& argv) {
  Args a(argv,
         {"-o", "--model", "--backend", "--device", "--precision", "--threads", "--times",
          "--frames", "--timestamps", "--tta", "--max-memory", "--padding"},
         {"--help", "--force", "--direct-time", "--quiet"}, "interpolate");
  if (a.flag("--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (a.positional().size() != 2 || !a.get("-o")) {
    std::fputs(kHelp, stderr);
    usage_fail("expected two images and -o");
  }
  // Every option is read before any file is touched.
  const int threads = a.get_int("--threads", 0, 0, 4096), tta = a.get_int("--tta", 1, 1, 8);
  const int modes = !!a.get("--times") + !!a.get("--frames") + !!a.get("--timestamps");
  if (modes > 1) usage_fail("--times, --frames and --timestamps exclude each other");
  std::vector<double> times = {0.5};
  int depth = 1;
  bool sequence = false;
  if (a.get("--times")) {
    depth = a.get_int("--times", 1, 0, 10);
    const int64_t n = int64_t{1} << depth;
    times.clear();
    for (int64_t i = 0; i <= n; ++i) times.push_back(static_cast<double>(i) / n);
    sequence = true;
  } else if (a.get("--frames")) {
    const int n = a.get_int("--frames", 1, 1, 1023);
    times.clear();
    for (int i = 0; i <= n + 1; ++i) times.push_back(static_cast<double>(i) / (n + 1));
    depth = kMaxDepth;
    sequence = true;
  } else if (auto ts = a.get("--timestamps")) {
    times = parse_times(*ts);
    depth = kMaxDepth;
    sequence = true;
  }
  const bool direct = a.flag("--direct-time");
  const Padding padding =
      parse_padding(a.get_or("--padding", "replicate")) ? Padding::zeros : Padding::replicate;
  const MemoryBudget budget = max_memory_option(a);

  const std::string pa = a.positional()[0], pb = a.positional()[1];
  const std::string model_dir = resolve_model_dir(a.get_or("--model", ""));
  const io::Image ia = io::read_image(pa), ib = io::read_image(pb);
  if (ia.rgb.shape() != ib.rgb.shape())
    fail(pb, ": size ", size_str(ib.height(), ib.width()), " differs from ", pa, " (",
         size_str(ia.height(), ia.width()), ")");
  const OutputPlan out = plan_outputs(*a.get("-o"), sequence ? times.size() : 1, a.flag("--force"),
                                      {{pa, "input"}, {pb, "input"}, {model_dir, "model folder"}});

  auto model = Model::load(model_dir);
  const InterpolatorOptions options{
      .backend = backend_option(a), .threads = threads, .padding = padding};
  FrameInterpolator f(model, options);
  f.set_tta(tta);
  // Memory, against the real limit, before the first frame: frames kept along the recursion
  // come on top of the plan.
  check_frame_memory(f, ia.height(), ia.width(), depth + 4, budget);
  io::install_interrupt_cleanup();

  const bool progress = sequence && !a.flag("--quiet") && ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  size_t written = 0;
  auto emit = [&](size_t i, double t, const Tensor& rgb) {
    const io::Image img = frame_like(ia, ib, rgb, t);
    if (out.to_stdout) {
      const std::string png = io::encode_image_png(img);
      if (std::fwrite(png.data(), 1, png.size(), stdout) != png.size() || std::fflush(stdout) != 0)
        fail("standard output: write failed");
    } else {
      io::write_image(out.files[i], img);
    }
    ++written;
    if (progress) {
      const double per = seconds() / static_cast<double>(written);
      std::fprintf(stderr, "\r[%zu/%zu] %s  %.1f s elapsed, about %.0f s left   ", written,
                   times.size(), out.files[i].c_str(), seconds(),
                   per * static_cast<double>(times.size() - written));
      std::fflush(stderr);
    }
  };
  if (direct) {
    // One model per time, each predicting its frame in one run; the inputs stand for 0 and 1.
    for (size_t i = 0; i < times.size(); ++i) {
      const double t = times[i];
      if (t == 0.0 || t == 1.0) {
        emit(i, t, t == 0.0 ? ia.rgb : ib.rgb);
        continue;
      }
      auto at_t = Model::from_parts(model::film_graph_at_time(model->graph, t, model_dir),
                                    model->weights, model->name);
      FrameInterpolator ft(at_t, options);
      ft.set_tta(tta);
      emit(i, t, ft.middle(ia.rgb, ib.rgb));
    }
  } else {
    f.frames_at(ia.rgb, ib.rgb, times, depth, [&](size_t i, const Tensor& rgb) {
      emit(i, FrameInterpolator::reachable_time(times[i], depth), rgb);
    });
  }
  if (progress) std::fprintf(stderr, "\n");
  if (out.to_stdout) {
    std::fprintf(stderr, "wrote a %s PNG to standard output in %.2f s\n",
                 size_str(ia.height(), ia.width()).c_str(), seconds());
  } else if (!sequence) {
    std::fprintf(stderr, "wrote %s (%s) in %.2f s\n", out.files[0].c_str(),
                 size_str(ia.height(), ia.width()).c_str(), seconds());
  } else {
    std::fprintf(stderr, "wrote %zu frames to %s in %.2f s\n", written, out.folder.c_str(),
                 seconds());
    if (out.existing_others > 0)
      std::fprintf(
          stderr,
          "note: %zu other frames of the pattern were already in %s and are left as they were\n",
          out.existing_others, out.folder.c_str());
  }
  return 0;
}

}  // namespace film::cli
