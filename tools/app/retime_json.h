// film::RetimeOptions as JSON and back: how `film cluster` records a run's options in its state
// folder (job.json) and hands them to every piece, and what --resume compares.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "film/retime.h"

namespace film {

// Every option that decides a piece's frames or where they go; not the per-piece ones (input,
// output, segment, progress_file, frame_times_file, resume, force), which the caller sets.
nlohmann::ordered_json retime_options_to_json(const RetimeOptions& o);
// The same back over `base` (its per-piece fields kept); film::Error naming `where` for JSON that
// is not such a record.
RetimeOptions retime_options_from_json(const nlohmann::json& j, RetimeOptions base,
                                       const std::string& where);

}  // namespace film
