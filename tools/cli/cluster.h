// film cluster's state folder and its Slurm calls (cmd_cluster.cpp has the commands).
//
// Everything about a run lives in a state folder beside the output (OUT.film-cluster/, or
// film-cluster/ in a frame pattern's folder), which must be on a file system every node sees:
//   job.json               what was asked (input, output, film video's options, pieces) and the jobs
//   frame-times.json       the input frames' times, read once at submission
//   piece-NNNN.<ext>       a piece's video (video file outputs), removed once joined
//   piece-NNNN.progress    a running piece's progress (film video --progress)
//   piece-NNNN.done        a finished piece: frames, seconds, start-up, host
//   result.json            the joined result; failed.json: the pieces that did not finish
//   logs/                  each task's and the join's output
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace film::cli {

using json = nlohmann::ordered_json;

struct ClusterRun {
  std::string dir;
  json job;
  int pieces() const { return job["pieces"].get<int>(); }
  bool pattern() const { return job["kind"] == "frames"; }
  std::string path(const std::string& name) const;
  std::string piece_video(int i) const;
  std::string marker(int i) const;    // piece-NNNN.done
  std::string progress(int i) const;  // piece-NNNN.progress
  std::vector<int> unfinished() const;
  void save() const;
};

// The state folder of a run writing `out` (absolute).
std::string state_dir(const std::string& out);
// film::Error naming `what` when there is no run in `dir`, or its job.json is not one.
ClusterRun load_run(const std::string& dir, const std::string& what);
// A JSON file of the state folder; film::Error naming it when it is not JSON.
json read_json(const std::string& path);
// The frames a piece has made: all of them once done, else what its progress file says.
int64_t piece_frames_done(const ClusterRun& r, int i);
int64_t frames_done(const ClusterRun& r);

// Slurm's view of the run's latest jobs: state -> tasks in it; empty when Slurm knows none of
// them; nothing when squeue could not say (`why` tells).
std::optional<std::map<std::string, int>> job_states(const ClusterRun& r, std::string* why = nullptr);
// How Slurm says array task i of the latest submission ended ("CANCELLED", ...; "" when unknown).
std::string task_end_state(const ClusterRun& r, int i);
// Submits the pieces `which` as one job array and, after it, the join; records both in job.json.
// With `dry_run`, submits nothing and returns the commands.
std::vector<std::string> submit_jobs(ClusterRun& r, const std::vector<int>& which, bool dry_run);

std::string shell_quote(const std::string& s);
std::string duration_str(double seconds);
double now_unix();

}  // namespace film::cli
