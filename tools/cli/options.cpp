// The option groups several commands share, and the parsers of values users write.
#include <unistd.h>

#include <cmath>
#include <map>
#include <optional>

#include "graph/base/error.h"
#include "tools/api/parse.h"
#include "tools/cli/cli.h"

namespace film::cli {

using api::whole_integer;
using api::whole_number;

namespace {

// A CLI11 check that runs a parser of ours: its film::UsageError becomes CLI11's message.
template <class F>
CLI::Validator parsed_by(F parse, const char* what) {
  return CLI::Validator(
      [parse](std::string& text) {
        try {
          parse(text);
          return std::string();
        } catch (const Error& e) {
          return std::string(e.what());
        }
      },
      what);
}

}  // namespace

std::pair<int64_t, int64_t> parse_size(const std::string& text, const std::string& option) {
  static const std::map<std::string, std::pair<int64_t, int64_t>> named = {
      {"480p", {480, 854}},    {"720p", {720, 1280}},   {"1080p", {1080, 1920}},
      {"1440p", {1440, 2560}}, {"2160p", {2160, 3840}}, {"4k", {2160, 3840}}};
  if (auto it = named.find(text); it != named.end()) return it->second;
  const auto x = text.find('x');
  const auto w = x == std::string::npos ? std::nullopt : whole_integer(text.substr(0, x), 1, 32768);
  const auto h = x == std::string::npos ? std::nullopt : whole_integer(text.substr(x + 1), 1, 32768);
  if (!w || !h)
    usage_fail(option,
               " must be WIDTHxHEIGHT with whole numbers from 1 to 32768 (e.g. 1280x720) or one "
               "of 480p, 720p, 1080p, 1440p, 2160p, 4k; got '",
               text, "'");
  // Sizes were HEIGHTxWIDTH before 0.5: say how a portrait size is read, so an old habit shows.
  if (*h > *w)
    std::fprintf(stderr, "note: %s %s is %lld wide and %lld high (sizes are WIDTHxHEIGHT)\n",
                 option.c_str(), text.c_str(), *w, *h);
  return {*h, *w};
}

std::uint64_t parse_bytes(const std::string& text, const std::string& option) {
  size_t used = 0;
  double v = 0;
  try {
    v = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  static const std::map<std::string, double> units = {
      {"", 1}, {"B", 1}, {"k", 1024.0}, {"K", 1024.0}, {"KiB", 1024.0}, {"M", 1048576.0},
      {"MiB", 1048576.0}, {"G", 1073741824.0}, {"GiB", 1073741824.0}, {"T", 1099511627776.0},
      {"TiB", 1099511627776.0}};
  const auto unit = units.find(text.substr(used));
  // At most 1 PiB: beyond it a size is a typo, and it would overflow in byte counts.
  if (used == 0 || unit == units.end() || !(v >= 1) || !(v * unit->second <= 1125899906842624.0))
    usage_fail(option, " takes a size from 1 byte to 1P, such as 512M or 4G; got '", text, "'");
  return static_cast<std::uint64_t>(v * unit->second);
}

std::pair<int, int> parse_segment(const std::string& text) {
  const auto slash = text.find('/');
  const auto i = slash == std::string::npos ? std::nullopt : whole_integer(text.substr(0, slash), 0, 99999);
  const auto n = slash == std::string::npos ? std::nullopt : whole_integer(text.substr(slash + 1), 1, 100000);
  if (!i || !n || *i >= *n)
    usage_fail("--segment takes I/N with 0 <= I < N (0/4 is the first of four), got '", text, "'");
  return {static_cast<int>(*i), static_cast<int>(*n)};
}

bool stderr_is_terminal() { return ::isatty(STDERR_FILENO); }

void model_option(CLI::App& app, std::string& model) {
  app.add_option("--model", model,
                 "the model folder (default: $FILM_MODEL, else the bundled models/film-default)")
      ->type_name("DIR")
      ->group("Model");
}

void backend_options(CLI::App& app, InterpolatorOptions& o) {
  const char* group = "Backend";
  app.add_option("--backend", o.backend, "cpu (oneDNN; the default where it runs), vulkan, ref")
      ->check(CLI::IsMember({"cpu", "vulkan", "ref"}))
      ->type_name("NAME")
      ->group(group);
  app.add_option("--device", o.device, "the Vulkan device (film devices lists them)")
      ->check(CLI::Range(0, 999))
      ->type_name("N")
      ->group(group);
  app.add_option("--precision", o.precision, "fp32; bf16 (cpu); fp16 (vulkan)")
      ->check(CLI::IsMember({"fp32", "bf16", "fp16"}))
      ->type_name("P")
      ->group(group);
  app.add_option("--threads", o.threads, "threads (0: every core)")
      ->check(CLI::Range(0, 4096))
      ->type_name("N")
      ->group(group);
}

void padding_option(CLI::App& app, Padding& padding) {
  app.add_option_function<std::string>(
         "--padding",
         [&padding](const std::string& p) {
           padding = p == "zeros" ? Padding::zeros : Padding::replicate;
         },
         "how inputs are padded to the model's size: replicate (repeat the edge pixels; the "
         "default) or zeros (black, as the official FILM tool)")
      ->check(CLI::IsMember({"replicate", "zeros"}))
      ->type_name("MODE")
      ->group("Model");
}

void tta_option(CLI::App& app, int& tta) {
  app.add_option("--tta", tta,
                 "each frame the mean of N runs on swapped/mirrored/flipped inputs (N times "
                 "slower)")
      ->check(CLI::IsMember({1, 2, 4, 8}))
      ->type_name("1|2|4|8")
      ->group("Model");
}

void memory_option(CLI::App& app, std::uint64_t& bytes) {
  app.add_option_function<std::string>(
         "--max-memory", [&bytes](const std::string& s) { bytes = parse_bytes(s, "--max-memory"); },
         "memory to stay within, e.g. 2G (default: what the machine and its container limit "
         "leave); a frame that needs more runs as overlapping tiles")
      ->check(parsed_by([](const std::string& s) { parse_bytes(s, "--max-memory"); }, "SIZE"))
      ->type_name("SIZE")
      ->group("Memory");
}

void force_option(CLI::App& app, bool& force) {
  app.add_flag("--force", force,
               "replace existing outputs (only the files this command writes; never an input)")
      ->group("Output");
}

// Scene cuts: the detector's threshold, cut lists from other tools, and what goes between.
void scene_cut_options(CLI::App& app, RetimeOptions& o, const char* g) {
  auto threshold = [](const std::string& s) {
    if (s == "off") return 0.0;
    const auto v = whole_number(s);
    if (!v || !(*v >= 0 && *v <= 1))
      usage_fail("--scene-cut takes a threshold from 0 to 1 (default 0.08) or off; got '", s, "'");
    return *v;
  };
  app.add_option_function<std::string>(
         "--scene-cut", [&o, threshold](const std::string& s) { o.scene_cut = threshold(s); },
         "a pair whose frames differ by more than T (0-1; default 0.08) is a cut: never "
         "interpolated across (--at-cut); off (or 0): no detection")
      ->check(parsed_by([threshold](const std::string& s) { threshold(s); }, "T|off"))
      ->type_name("T|off")
      ->group(g);
  app.add_option("--scene-cuts", o.scene_cuts,
                 "cuts from a file (other tools' cut lists): frame numbers from 0 or times (12.5s, "
                 "00:01:02.5), one per line, or PySceneDetect's scene list CSV; with the detected "
                 "ones unless --scene-cut off")
      ->type_name("FILE")
      ->group(g);
  app.add_option_function<std::string>(
         "--at-cut",
         [&o](const std::string& s) { o.at_cut = s == "fade" ? AtCut::fade : AtCut::repeat; },
         "the frames between the two sides of a cut: repeat (the nearer side's frame; the "
         "default) or fade (the two mixed by time)")
      ->check(CLI::IsMember({"repeat", "fade"}))
      ->type_name("repeat|fade")
      ->group(g);
}

void retime_options(CLI::App& app, RetimeOptions& o) {
  auto rate = [](const char* option, Rational& to) {
    return std::function<void(const std::string&)>(
        [option, &to](const std::string& s) { to = parse_rate(s, option); });
  };
  const char* g = "Video";
  app.add_option("--factor", o.factor, "N times the input's frame rate (2: 12 -> 24 fps)")
      ->check(CLI::Range(1, 64))->type_name("N")->group(g);
  app.add_option_function<std::string>("--fps", rate("--fps", o.fps),
                                       "this output rate: 60, 59.94, 60000/1001")
      ->check(parsed_by([](const std::string& s) { parse_rate(s, "--fps"); }, "RATE"))
      ->type_name("RATE")->group(g);
  // A stretch is written as a rate is (2, 2.5, 5/2), but named as what it is in errors.
  auto stretch = [](const std::string& s) {
    try {
      return parse_rate(s, "--slowmo");
    } catch (const UsageError&) {
      usage_fail("--slowmo takes a stretch above 1, such as 2, 2.5 or 4; got '", s, "'");
    }
  };
  app.add_option_function<std::string>(
         "--slowmo", [&o, stretch](const std::string& s) { o.slowmo = stretch(s); },
         "slow motion: time stretched K times (2, 2.5, 4) at the output rate (default: the "
         "input's); subtitles retimed, audio left out")
      ->check(parsed_by([stretch](const std::string& s) { stretch(s); }, "K"))
      ->type_name("K")
      ->group(g);
  app.add_option_function<std::string>("--input-fps", rate("--input-fps", o.input_fps),
                                       "a frame sequence's rate (default 24; video files carry "
                                       "their own)")
      ->check(parsed_by([](const std::string& s) { parse_rate(s, "--input-fps"); }, "RATE"))
      ->type_name("RATE")->group(g);
  app.add_option("--codec", o.codec,
                 "encoder (default: the input's codec family where the container takes it, else "
                 "libx264; libvpx-vp9 for .webm)")
      ->type_name("NAME")->group(g);
  app.add_option("--quality", o.quality, "CRF for x264/x265/vpx/aom (default 17; 20 for vpx/aom)")
      ->check(CLI::Range(0, 63))->type_name("Q")->group(g);
  app.add_option("--pix-fmt", o.pixel_format,
                 "pixel format (default: the input's where the encoder takes it)")
      ->type_name("NAME")->group(g);
  scene_cut_options(app, o, g);
  app.add_option("--held", o.held,
                 "a frame differing by less than T (default 0.0005) from the one before is held: "
                 "skipped, so motion stays even; 0: off")
      ->check(CLI::Range(0.0, 1.0))->type_name("T")->group(g);
  app.add_option("--chunk", o.chunk_seconds,
                 "a video file is made in chunks of this much output (default 4), the unit "
                 "--resume keeps; each starts with a key frame")
      ->check(CLI::Range(0.01, 1e6))->type_name("SECONDS")->group(g);
  app.add_flag("--reuse", o.reuse_features,
               "encode each input frame once for both its pairs (the same frames; more memory)")
      ->group(g);
  model_option(app, o.interpolator.model);
  padding_option(app, o.interpolator.padding);
  backend_options(app, o.interpolator);
  memory_option(app, o.interpolator.max_memory);
}

}  // namespace film::cli
