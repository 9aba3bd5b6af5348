#include <algorithm>
#include <cstdio>
#include <map>

#include "backends/registry.h"
#include "engine/app/interpolate.h"
#include "graph/error.h"
#include "tools/commands.h"

namespace film::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& valued,
           const std::vector<std::string>& flags, const char* command)
    : command_(command) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  bool options = true;
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (options && a == "--") {
      options = false;
    } else if (options && a.size() > 1 && a[0] == '-' && a != "-") {
      std::string name = a == "-h" ? "--help" : a, value;
      bool inline_value = false;
      if (auto eq = a.find('='); eq != std::string::npos) {
        name = a.substr(0, eq);
        value = a.substr(eq + 1);
        inline_value = true;
      }
      if (has(flags, name) && !inline_value) {
        flags_[name] = true;
      } else if (has(valued, name)) {
        if (!inline_value) {
          if (i + 1 >= argv.size())
            usage_fail("option ", name, " needs a value (see 'film ", command_, " --help')");
          value = argv[++i];
        }
        values_[name] = value;
      } else if (has(flags, name)) {
        usage_fail("option ", name, " takes no value");
      } else {
        usage_fail("unknown option '", name, "' (see 'film ", command_, " --help')");
      }
    } else {
      positional_.push_back(a);
    }
  }
}

std::optional<std::string> Args::get(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end()) return std::nullopt;
  return it->second;
}

std::string Args::get_or(const std::string& name, const std::string& def) const {
  return get(name).value_or(def);
}

std::string Args::require(const std::string& name) const {
  auto v = get(name);
  if (!v) usage_fail("missing required option ", name, " (see 'film ", command_, " --help')");
  return *v;
}

int Args::get_int(const std::string& name, int def, int min, int max) const {
  auto v = get(name);
  if (!v) return def;
  long long x = 0;
  try {
    size_t used = 0;
    x = std::stoll(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
  } catch (const std::exception&) {
    usage_fail("option ", name, ": expected an integer, got '", *v, "'");
  }
  if (x < min || x > max) usage_fail("option ", name, ": expected ", min, "..", max, ", got ", x);
  return static_cast<int>(x);
}

double parse_real(const std::string& text, const std::string& what, double min, double max) {
  double x = 0;
  size_t used = 0;
  try {
    x = std::stod(text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != text.size() || !(x >= min && x <= max))
    usage_fail(what, ": expected a number in [", min, ", ", max, "], got '", text, "'");
  return x;
}

double Args::get_real(const std::string& name, double def, double min, double max) const {
  auto v = get(name);
  return v ? parse_real(*v, "option " + name, min, max) : def;
}

std::pair<int64_t, int64_t> parse_size(const std::string& text, const char* option) {
  static const std::map<std::string, std::pair<int64_t, int64_t>> named = {
      {"480p", {480, 854}},    {"720p", {720, 1280}},   {"1080p", {1080, 1920}},
      {"1440p", {1440, 2560}}, {"2160p", {2160, 3840}}, {"4k", {2160, 3840}}};
  if (auto it = named.find(text); it != named.end()) return it->second;
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    size_t used_w = 0, used_h = 0;
    const int64_t w = std::stoll(text.substr(0, x), &used_w),
                  h = std::stoll(text.substr(x + 1), &used_h);
    if (used_w != x || used_h != text.size() - x - 1 || h < 1 || w < 1)
      throw std::invalid_argument("bad");
    // Sizes were HEIGHTxWIDTH before 0.5: say how a portrait size is read, so an old habit shows.
    if (h > w)
      std::fprintf(stderr, "note: %s %s is %lld wide and %lld high (sizes are WIDTHxHEIGHT)\n",
                   option, text.c_str(), static_cast<long long>(w), static_cast<long long>(h));
    return {h, w};
  } catch (const std::exception&) {
    usage_fail(option,
               " must be WIDTHxHEIGHT with positive integers (e.g. 1280x720) or one of 480p, 720p, "
               "1080p, 1440p, 2160p, 4k; got '",
               text, "'");
  }
}

int parse_padding(const std::string& text) {
  if (text == "replicate") return 0;
  if (text == "zeros") return 1;
  usage_fail("--padding takes replicate or zeros, got '", text, "'");
}

std::string size_str(int64_t height, int64_t width) { return cat(width, "x", height); }

MemoryBudget max_memory_option(const Args& a) {
  auto m = a.get("--max-memory");
  if (!m) return available_memory();
  try {
    return {parse_bytes(*m, "--max-memory"), "--max-memory " + *m};
  } catch (const Error& e) {
    usage_fail(e.what());
  }
}

void check_frame_memory(FrameInterpolator& f, int64_t h, int64_t w, size_t frames,
                        const MemoryBudget& budget) {
  const size_t frame = sizeof(float) * 3 * static_cast<size_t>(h * w);
  const size_t kept = frames * frame;  // frames held beside the plan
  if (budget.bytes != SIZE_MAX && kept >= budget.bytes)
    fail("a ", size_str(h, w), " frame needs about ", kept >> 20, " MiB for the ", frames,
         " frames held at once alone, but ", budget.source, " leaves ", budget.bytes >> 20,
         " MiB; use a smaller size, or free memory");
  f.set_memory_budget(budget.bytes == SIZE_MAX ? SIZE_MAX : budget.bytes - kept);
  const TilePlan& t = f.tiles(h, w);
  const std::string backend = f.session().backend_name();
  if (!t.fits)
    fail("a ", size_str(h, w), " frame needs about ", (t.need_bytes + kept) >> 20,
         " MiB on backend ", backend, " even as ", t.grid.count(), " tiles of ",
         size_str(t.grid.tile_h, t.grid.tile_w), ", but ", budget.source, " leaves ",
         budget.bytes >> 20, " MiB; use a smaller size, or free memory");
  if (t.grid.count() > 1)
    std::fprintf(stderr,
                 "film: a %s frame needs more memory than %s leaves (%zu MiB): running it as %zu x "
                 "%zu overlapping tiles of %s (about %zu MiB)\n",
                 size_str(h, w).c_str(), budget.source.c_str(), budget.bytes >> 20,
                 t.grid.ys.size(), t.grid.xs.size(), size_str(t.grid.tile_h, t.grid.tile_w).c_str(),
                 (t.need_bytes + kept) >> 20);
}

std::string backend_option(const Args& a) {
  std::string backend = a.get_or("--backend", default_backend());
  if (a.get("--device")) {
    const int device = a.get_int("--device", 0, 0, 999);
    if (backend != "vulkan")
      usage_fail("--device chooses a Vulkan device: it needs --backend vulkan (got --backend ",
                 backend, ")");
    backend += ":" + std::to_string(device);
  }
  if (auto p = a.get("--precision")) {
    if (*p != "fp32" && *p != "fp16" && *p != "bf16")
      usage_fail("--precision takes fp32, bf16 (cpu) or fp16 (vulkan), got '", *p, "'");
    if (*p == "fp16" && backend.rfind("vulkan", 0) != 0)
      usage_fail("--precision fp16 runs on the vulkan backend (--backend vulkan); on the ", backend,
                 " backend use fp32", backend == "cpu" ? " or bf16" : "");
    if (*p == "bf16" && backend != "cpu")
      usage_fail("--precision bf16 runs on the cpu backend (--backend cpu); on the ", backend,
                 " backend use fp32", backend.rfind("vulkan", 0) == 0 ? " or fp16" : "");
    if (*p != "fp32") backend += ":" + *p;
  }
  return backend;
}

}  // namespace film::cli
