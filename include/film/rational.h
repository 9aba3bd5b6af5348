// film::Rational: a frame rate or a time base as a fraction (60000/1001 for 59.94 fps).
#pragma once

#include <string>

namespace film {

struct Rational {
  int num = 0, den = 1;
  double value() const { return den ? static_cast<double>(num) / den : 0.0; }
  bool operator==(const Rational&) const = default;
};

// A rate as users write it: "60", "59.94" (59.94, 29.97 and 23.976 are the NTSC fractions
// 60000/1001, 30000/1001, 24000/1001; other decimals are kept to 1/1000), or "60000/1001".
// film::UsageError naming `what` (e.g. "--fps") unless it is 0.01 to 10000 per second.
Rational parse_rate(const std::string& text, const std::string& what = "a rate");

}  // namespace film
