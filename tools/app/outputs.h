// Where a command will write, decided and checked before any work starts, so that a run never
// ends in a failed write after minutes of computing, never writes over an input (the model's
// files included), never replaces an existing file unless --force, and never mixes a numbered
// sequence with frames already in its folder.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "graph/base/output_rule.h"

namespace film {

struct OutputPlan {
  std::vector<std::string> files;  // in output order; empty when writing to stdout
  bool to_stdout = false;          // `-o -`: one PNG on standard output
  std::string folder;              // a sequence's folder
  size_t existing_others = 0;      // other frames of the pattern left in place (with --force)
};

// `target` is what `-o` said: FILE, `-`, or for a sequence (count > 1 frames) a FOLDER (frames
// frame_000.png ...) or a PATTERN with one %d / %0Nd (`frames/%05d.jpg`). `rule` holds what
// is never to be written over (inputs, the model: graph/base/output_rule.h) and receives this
// command's claim on each file it writes. Creates a sequence's folder if needed; removes partial
// files an interrupted earlier write left for these outputs. film::Error (usage errors as
// UsageError) naming the path otherwise. `mine` (for pieces of one sequence made by several
// commands, and resumed runs): the indices [first, last) this command writes; the sequence's other
// frames may exist (they are its own, not "other frames"). `resume`: existing files among this
// command's own are kept, not refused.
struct OutputRange {
  size_t first = 0, last = SIZE_MAX;
  bool resume = false;
};
OutputPlan plan_outputs(const std::string& target, size_t count, bool force, io::OutputRule& rule,
                        const OutputRange& mine = {});

}  // namespace film
