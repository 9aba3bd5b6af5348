// Numbers as users write them, parsed whole: the rule every front end (the `film` program, the
// Python module) shares, so that no value passes one and fails another.
#pragma once

#include <optional>
#include <string>

namespace film::api {

// A number written whole ("0.25", "1e-4", nothing after it), finite; nullopt otherwise.
std::optional<double> whole_number(const std::string& text);
// An integer written whole, in [min, max]; nullopt otherwise.
std::optional<long long> whole_integer(const std::string& text, long long min, long long max);

}  // namespace film::api
