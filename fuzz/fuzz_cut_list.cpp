// libFuzzer target for the cut lists of film video --scene-cuts (tools/app/cut_list.h): plain
// lists of frame numbers, times and timecodes, and PySceneDetect's scene list CSV. Any
// film::Error is a correct rejection; any other exception or a crash is a bug. A list that parses
// must map onto a 100-frame input's times without anything but film::Error, and every frame it
// gives must lie inside the input, once, in order.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "graph/base/error.h"
#include "tools/app/cut_list.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  std::vector<double> times;
  for (int i = 0; i < 100; ++i) times.push_back(i / 24.0);
  try {
    const film::CutList cuts = film::parse_cut_list(text, "fuzz-cuts.txt");
    const std::vector<int64_t> frames = film::cut_frames(cuts, times, "fuzz-cuts.txt");
    for (size_t i = 0; i < frames.size(); ++i)
      if (frames[i] < 1 || frames[i] >= 100 || (i > 0 && frames[i] <= frames[i - 1]))
        __builtin_trap();
  } catch (const film::Error&) {
  }
  return 0;
}
