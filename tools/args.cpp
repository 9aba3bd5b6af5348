#include <algorithm>

#include "graph/error.h"
#include "tools/commands.h"

namespace film::cli {

Args::Args(const std::vector<std::string>& argv, const std::vector<std::string>& valued,
           const std::vector<std::string>& flags, const char* command)
    : command_(command) {
  auto has = [](const std::vector<std::string>& v, const std::string& s) {
    return std::find(v.begin(), v.end(), s) != v.end();
  };
  for (size_t i = 0; i < argv.size(); ++i) {
    const std::string& a = argv[i];
    if (a.size() > 1 && a[0] == '-' && a != "-") {
      std::string name = a, value;
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
          if (i + 1 >= argv.size()) fail("option ", name, " needs a value");
          value = argv[++i];
        }
        values_[name] = value;
      } else {
        fail("unknown option '", name, "' (see 'film ", command_, " --help')");
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
  if (!v) fail("missing required option ", name, " (see 'film ", command_, " --help')");
  return *v;
}

int Args::get_int(const std::string& name, int def) const {
  auto v = get(name);
  if (!v) return def;
  try {
    size_t used = 0;
    int x = std::stoi(*v, &used);
    if (used != v->size()) throw std::invalid_argument("trailing");
    return x;
  } catch (const std::exception&) {
    fail("option ", name, ": expected an integer, got '", *v, "'");
  }
}

std::pair<int64_t, int64_t> parse_size(const std::string& text, const char* option) {
  const auto x = text.find('x');
  try {
    if (x == std::string::npos) throw std::invalid_argument("no x");
    size_t used_h = 0, used_w = 0;
    const int64_t h = std::stoll(text.substr(0, x), &used_h),
                  w = std::stoll(text.substr(x + 1), &used_w);
    if (used_h != x || used_w != text.size() - x - 1 || h < 1 || w < 1)
      throw std::invalid_argument("bad");
    return {h, w};
  } catch (const std::exception&) {
    fail(option, " must be HEIGHTxWIDTH with positive integers (e.g. 720x1280), got '", text, "'");
  }
}

}  // namespace film::cli
