#include "tools/commands.h"

namespace film::cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> list = {};
  return list;
}

}  // namespace film::cli
