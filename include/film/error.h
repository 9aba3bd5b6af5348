// film::Error and its kinds: what every function of the film library throws for bad input, a
// failed run or failed I/O. The message names the place (file, node, tensor, option) and says what
// was expected and what was found; it is the message the `film` program prints.
//
// Contract: the library never aborts the process on bad input and never writes to stdout; it
// throws one of these. UsageError: the request itself is malformed (an option out of range, two
// options that exclude each other). Cancelled: a progress callback asked to stop.
#pragma once

#include <stdexcept>
#include <string>

namespace film {

class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class UsageError : public Error {
 public:
  using Error::Error;
};

class Cancelled : public Error {
 public:
  using Error::Error;
};

}  // namespace film
