// film::Rational: a frame rate or a time base as a fraction (60000/1001 for 59.94 fps).
#pragma once

namespace film {

struct Rational {
  int num = 0, den = 1;
  double value() const { return den ? static_cast<double>(num) / den : 0.0; }
  bool operator==(const Rational&) const = default;
};

}  // namespace film
