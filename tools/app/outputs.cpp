#include "tools/app/outputs.h"

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <regex>

#include "tools/media/image.h"
#include "graph/base/file.h"
#include "graph/base/error.h"

namespace film {
namespace fs = std::filesystem;

namespace {

constexpr int kMaxPatternWidth = 20;

// A printf-style frame pattern: text, one %d or %0Nd, text. {prefix, width, suffix}; width 0
// for plain %d. False when `s` holds no conversion.
bool parse_pattern(const std::string& s, std::string& prefix, int& width, std::string& suffix) {
  const auto at = s.find('%');
  if (at == std::string::npos) return false;
  static const std::regex conversion("%(0?([1-9][0-9]?))?d");
  std::smatch m;
  const std::string rest = s.substr(at);
  if (!std::regex_search(rest, m, conversion) || m.position(0) != 0)
    usage_fail("-o ", s, ": a frame pattern takes one %d or %0Nd (as in frames/%05d.png)");
  prefix = s.substr(0, at);
  width = m[2].matched ? std::stoi(m[2].str()) : 0;
  // A frame number has at most 20 digits (2^64); a wider field would only pad, and names are
  // made in a fixed buffer: refused rather than truncated into one name for every frame.
  if (width > kMaxPatternWidth)
    usage_fail("-o ", s, ": a frame pattern's width is at most ", kMaxPatternWidth, " digits (%0",
               kMaxPatternWidth, "d), got ", width);
  suffix = rest.substr(m.length(0));
  if (suffix.find('%') != std::string::npos || prefix.find('%') != std::string::npos)
    usage_fail("-o ", s, ": a frame pattern takes exactly one %d or %0Nd");
  return true;
}

std::string numbered(const std::string& prefix, int width, const std::string& suffix, size_t i) {
  char digits[kMaxPatternWidth + 2];
  std::snprintf(digits, sizeof digits, "%0*zu", width, i);
  return prefix + digits + suffix;
}

void check_folder_writable(const fs::path& dir, const std::string& for_path) {
  std::error_code ec;
  if (!fs::is_directory(dir, ec))
    fail(for_path, ": the output folder '", dir.string(), "' does not exist");
  if (::access(dir.c_str(), W_OK | X_OK) != 0)
    fail(for_path, ": the output folder '", dir.string(), "' is not writable");
}

}  // namespace

namespace {

// A sequence's files (a folder: frame_000.png ...; or the pattern's), its folder created; the
// frames of the pattern already there that this command would not write are refused (without
// `force`) or counted.
void plan_sequence(const std::string& target, size_t count, bool force, bool pattern,
                   std::string prefix, int width, std::string suffix, OutputPlan& plan) {
  std::error_code ec;
  if (!pattern) {  // a folder: frame_000.png ...
    const size_t digits = std::to_string(count - 1).size();
    prefix = (fs::path(target) / "frame_").string();
    width = static_cast<int>(std::max<size_t>(3, digits));
    suffix = ".png";
    if (fs::exists(target, ec) && !fs::is_directory(target, ec))
      fail(target, ": is a file; a sequence of ", count,
           " frames needs a folder or a pattern such as ", target, "_%03d.png");
  }
  const fs::path dir =
      fs::path(prefix).parent_path().empty() ? fs::path(".") : fs::path(prefix).parent_path();
  io::check_writable(numbered(prefix, width, suffix, 0));  // not into an input or model folder
  fs::create_directories(dir, ec);
  if (ec) fail(target, ": cannot create the output folder '", dir.string(), "' (", ec.message(), ")");
  plan.folder = dir.string();
  for (size_t i = 0; i < count; ++i) plan.files.push_back(numbered(prefix, width, suffix, i));
  // Frames of this pattern already in the folder that this command would not write.
  const std::string base_prefix = fs::path(prefix).filename().string();
  std::vector<std::string> others;
  for (const auto& e : fs::directory_iterator(dir, ec)) {
    const std::string name = e.path().filename().string();
    if (name.size() <= base_prefix.size() + suffix.size() || name.rfind(base_prefix, 0) != 0 ||
        !name.ends_with(suffix))
      continue;
    const std::string middle =
        name.substr(base_prefix.size(), name.size() - base_prefix.size() - suffix.size());
    if (middle.empty() || !std::all_of(middle.begin(), middle.end(), ::isdigit)) continue;
    if (std::find(plan.files.begin(), plan.files.end(), (dir / name).string()) == plan.files.end() &&
        std::find(plan.files.begin(), plan.files.end(), e.path().string()) == plan.files.end())
      others.push_back(name);
  }
  std::sort(others.begin(), others.end());
  if (!others.empty() && !force)
    fail(plan.folder, ": already holds ", others.size(), " other frame",
         others.size() > 1 ? "s" : "", " of this pattern (", others.front(),
         others.size() > 1 ? ", ..." : "",
         ") that would mix with this sequence; remove them, choose another folder, or pass "
         "--force (which replaces only the files this command writes)");
  plan.existing_others = others.size();
}

}  // namespace

OutputPlan plan_outputs(const std::string& target, size_t count, bool force, io::OutputRule& rule,
                        const OutputRange& mine) {
  OutputPlan plan;
  if (target.empty()) usage_fail("-o needs a file, a folder or - (standard output)");
  if (target == "-") {
    if (count != 1)
      usage_fail("-o -: standard output takes one frame; give a folder or a pattern for ", count);
    if (::isatty(STDOUT_FILENO))
      usage_fail(
          "-o -: standard output is a terminal; redirect it (film ... -o - > mid.png) or name a "
          "file");
    plan.to_stdout = true;
    return plan;
  }
  std::string prefix, suffix;
  int width = 0;
  const bool pattern = parse_pattern(target, prefix, width, suffix);
  if (count == 1 && !pattern)
    plan.files = {target};
  else
    plan_sequence(target, count, force, pattern, prefix, width, suffix, plan);
  std::error_code ec;
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const std::string& f = plan.files[i];
    const bool own = i >= mine.first && i < mine.last;
    io::check_writable(f);
    io::output_format(f);  // an extension some writer knows
    const fs::path dir =
        fs::path(f).parent_path().empty() ? fs::path(".") : fs::path(f).parent_path();
    check_folder_writable(dir, f);
    if (fs::is_directory(f, ec)) fail(f, ": is a folder, expected an image file");
    if (!own) continue;  // another piece's frame
    if (fs::exists(f, ec) && !force && !mine.resume)
      fail(f,
           ": exists; pass --force to replace it (and any other existing output of this command)",
           mine.last != SIZE_MAX || mine.first != 0 ? ", or --resume to keep what is there" : "");
    rule.claim(f, force || mine.resume);
    io::remove_stale_partials(f);
  }
  return plan;
}

}  // namespace film
