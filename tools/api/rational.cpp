// film/rational.h: rates as users write them, and the whole-number parsers of tools/api/parse.h.
#include "film/rational.h"

#include <cmath>
#include <exception>

#include "graph/base/error.h"
#include "tools/api/parse.h"

namespace film {
namespace api {

std::optional<double> whole_number(const std::string& text) {
  size_t used = 0;
  try {
    const double v = std::stod(text, &used);
    if (used == text.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

std::optional<long long> whole_integer(const std::string& text, long long min, long long max) {
  size_t used = 0;
  try {
    const long long v = std::stoll(text, &used);
    if (used == text.size() && v >= min && v <= max) return v;
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

}  // namespace api

Rational parse_rate(const std::string& text, const std::string& what) {
  auto bad = [&]() -> Rational {
    usage_fail(what,
               " takes a rate from 0.01 to 10000 frames per second, such as 60, 59.94 or "
               "60000/1001; got '",
               text, "'");
  };
  Rational r;
  if (const auto slash = text.find('/'); slash != std::string::npos) {
    const auto num = api::whole_integer(text.substr(0, slash), 1, 1 << 30);
    const auto den = api::whole_integer(text.substr(slash + 1), 1, 1 << 30);
    if (!num || !den) return bad();
    r = {static_cast<int>(*num), static_cast<int>(*den)};
  } else {
    const auto v = api::whole_number(text);
    if (!v || !(*v > 0) || *v > 10000) return bad();
    if (std::abs(*v - 59.94) < 1e-9) return {60000, 1001};
    if (std::abs(*v - 29.97) < 1e-9) return {30000, 1001};
    if (std::abs(*v - 23.976) < 1e-9) return {24000, 1001};
    r = {static_cast<int>(std::lround(*v * 1000)), 1000};
  }
  if (!(r.value() >= 0.01 && r.value() <= 10000)) return bad();
  return r;
}

}  // namespace film
