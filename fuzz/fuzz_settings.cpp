// libFuzzer target for the settings and state files film reads back: the bounded JSON reader
// every JSON file goes through (64 MiB, 64 levels deep: a deeply nested file is refused while
// parsing, not a stack overflow), FILM's options (--options, --config, convert), and film video's
// options as `film cluster` records them in job.json and each piece reads them back. Any
// film::Error is a correct rejection; any other exception or a crash is a bug. A record that
// parses must also survive its own round trip (written back and read again, it is the same).
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "graph/base/error.h"
#include "graph/json_text.h"
#include "models/film/options.h"
#include "tools/app/retime_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  try {
    const auto o = film::model::parse_options(text, "fuzz-options.json");
    const auto json = film::model::options_to_json(o);
    if (film::model::options_to_json(film::model::parse_options(json.dump(), "again")) != json)
      __builtin_trap();
  } catch (const film::Error&) {
  }
  try {
    const auto j = film::graph::parse_json<nlohmann::json>(text, "fuzz-job.json");
    const film::RetimeOptions r = film::retime_options_from_json(j, {}, "fuzz-job.json");
    const auto back = film::retime_options_to_json(r);
    if (film::retime_options_to_json(film::retime_options_from_json(back, {}, "again")) != back)
      __builtin_trap();
  } catch (const film::Error&) {
  }
  return 0;
}
