// film::Error — the one exception type library code throws for bad input or failed I/O.
//
// Contract: library code never aborts the process on bad input; it throws film::Error whose
// message names the place (file, node, tensor) and says what was expected versus what was found.
// Usage:
//   if (c != 3) film::fail("input '", name, "': expected 3 channels, got ", c);
#pragma once

#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace film {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

template <class... Args>
std::string cat(Args&&... args) {
  std::ostringstream os;
  (os << ... << std::forward<Args>(args));
  return os.str();
}

template <class... Args>
[[noreturn]] void fail(Args&&... args) {
  throw Error(cat(std::forward<Args>(args)...));
}

}  // namespace film
