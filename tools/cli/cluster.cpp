#include "graph/json_text.h"
#include "tools/cli/cluster.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <sstream>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/process.h"

namespace film::cli {

namespace fs = std::filesystem;

namespace {

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

std::string piece_name(int i, const char* suffix) {
  char name[40];
  std::snprintf(name, sizeof name, "piece-%04d%s", i, suffix);
  return name;
}

// The job ids a successful `sbatch --parsable` printed ("ID" or "ID;CLUSTER").
std::string sbatch_id(const Ran& ran, const std::vector<std::string>& argv) {
  if (ran.status != 0) {
    std::string cmd;
    for (auto& a : argv) cmd += " " + a;
    fail("sbatch failed (exit ", ran.status, "): ", trim(ran.err), "\n  the command was:", cmd);
  }
  std::string id = trim(ran.out);
  id = id.substr(0, id.find(';'));
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    fail("sbatch printed no job id (", trim(ran.out), " ", trim(ran.err), ")");
  return id;
}

void validate_job(const json& job) {
  for (const char* k : {"input", "output", "kind", "piece_ext", "film"})
    (void)job.at(k).get<std::string>();
  for (const char* k : {"pieces", "attempt", "retries"}) (void)job.at(k).get<int>();
  (void)job.at("frames_out").get<int64_t>();
  (void)job.at("force").get<bool>();
  if (!job.at("video").is_object()) throw std::invalid_argument("'video' is not an object");
  for (auto& j : job.at("jobs")) {
    (void)j.at("array").get<std::string>();
    (void)j.at("join").get<std::string>();
    (void)j.at("submitted").get<double>();
  }
  const json& counts = job.at("piece_frames");
  if (job["pieces"].get<int>() < 1 || !counts.is_array() ||
      counts.size() != static_cast<size_t>(job["pieces"].get<int>()))
    throw std::invalid_argument("'piece_frames' does not hold one count per piece");
  for (auto& c : counts) (void)c.get<int64_t>();
}

}  // namespace

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string ClusterRun::path(const std::string& name) const {
  return (fs::path(dir) / name).string();
}
std::string ClusterRun::piece_video(int i) const {
  return path(piece_name(i, job["piece_ext"].get<std::string>().c_str()));
}
std::string ClusterRun::marker(int i) const { return path(piece_name(i, ".done")); }
std::string ClusterRun::progress(int i) const { return path(piece_name(i, ".progress")); }
std::vector<int> ClusterRun::unfinished() const {
  std::vector<int> v;
  for (int i = 0; i < pieces(); ++i)
    if (!fs::exists(marker(i))) v.push_back(i);
  return v;
}
void ClusterRun::save() const { io::write_file_atomic(path("job.json"), job.dump(1)); }

std::string state_dir(const std::string& out) {
  const fs::path o = fs::absolute(out).lexically_normal();
  if (out.find('%') != std::string::npos) return (o.parent_path() / "film-cluster").string();
  return o.string() + ".film-cluster";
}

json read_json(const std::string& path) {
  try {
    return graph::read_json<json>(path, "a cluster state file");
  } catch (const json::exception& e) {
    fail(path, ": not valid JSON (", e.what(), "); the run's state folder was changed by hand?");
  }
}

ClusterRun load_run(const std::string& dir, const std::string& what) {
  ClusterRun r{dir, {}};
  const std::string file = r.path("job.json");
  std::error_code ec;
  if (!fs::exists(file, ec)) fail(what, ": no cluster run there (", file, " does not exist)");
  try {
    r.job = graph::read_json<json>(file, "a cluster job file");
    validate_job(r.job);
  } catch (const std::exception& e) {
    fail(file, ": not a film cluster run (", e.what(), ")");
  }
  return r;
}

int64_t piece_frames_done(const ClusterRun& r, int i) {
  const auto& ranges = r.job["piece_frames"];
  if (fs::exists(r.marker(i))) return ranges[i].get<int64_t>();
  try {
    const json p = graph::read_json<json>(r.progress(i), "a progress file");
    return p.value("frames_kept", int64_t{0}) + p.value("frames_written", int64_t{0});
  } catch (const std::exception&) {
    return 0;
  }
}

int64_t frames_done(const ClusterRun& r) {
  int64_t n = 0;
  for (int i = 0; i < r.pieces(); ++i) n += piece_frames_done(r, i);
  return n;
}

std::optional<std::map<std::string, int>> job_states(const ClusterRun& r, std::string* why) {
  std::map<std::string, int> states;
  if (r.job["jobs"].empty()) return states;
  const json& last = r.job["jobs"].back();
  const std::string ids = last["array"].get<std::string>() + "," + last["join"].get<std::string>();
  const Ran q = run_program({"squeue", "-h", "-r", "-o", "%i %T", "--jobs=" + ids});
  if (q.status != 0) {
    if (q.err.find("Invalid job id") != std::string::npos) return states;  // all forgotten
    if (why) *why = trim(q.err.empty() ? q.out : q.err);
    return std::nullopt;
  }
  std::istringstream s(q.out);
  for (std::string id, state; s >> id >> state;) ++states[state];
  return states;
}

std::string task_end_state(const ClusterRun& r, int i) {
  if (r.job["jobs"].empty()) return "";
  const Ran q =
      run_program({"scontrol", "-o", "show", "job",
                   r.job["jobs"].back()["array"].get<std::string>() + "_" + std::to_string(i)});
  const auto at = q.out.find("JobState=");
  if (q.status != 0 || at == std::string::npos) return "";
  return q.out.substr(at + 9, q.out.find_first_of(" \n", at) - at - 9);
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

namespace {

std::string command_line(const std::vector<std::string>& v) {
  std::string t;
  for (auto& a : v) t += (t.empty() ? "" : " ") + shell_quote(a);
  return t;
}

// The two sbatch command lines of a submission: the pieces' array and the join.
std::pair<std::vector<std::string>, std::vector<std::string>> sbatch_lines(
    const ClusterRun& r, const std::vector<int>& which) {
  const json& s = r.job["slurm"];
  std::string list;
  for (int i : which) list += (list.empty() ? "" : ",") + std::to_string(i);
  const std::string film = r.job["film"].get<std::string>();
  const std::string name = "film-" + fs::path(r.job["output"].get<std::string>()).stem().string();
  std::vector<std::string> common;
  for (const char* k : {"partition", "account"})
    if (s.contains(k)) common.push_back(std::string("--") + k + "=" + s[k].get<std::string>());
  std::vector<std::string> task = {"sbatch",      "--parsable", "--job-name=" + name,
                                   "--array=" + list, "--requeue", "--open-mode=append",
                                   "--output=" + r.path("logs/task-%a.log")};
  task.insert(task.end(), common.begin(), common.end());
  for (const char* k : {"time", "cpus-per-task", "mem", "gres"})
    if (s.contains(k)) task.push_back(std::string("--") + k + "=" + s[k].get<std::string>());
  task.push_back("--wrap=exec " + shell_quote(film) + " cluster task " + shell_quote(r.dir));
  std::vector<std::string> join = {"sbatch", "--parsable", "--job-name=" + name + "-join",
                                   "--kill-on-invalid-dep=no", "--open-mode=append",
                                   "--cpus-per-task=1", "--output=" + r.path("logs/join.log")};
  join.insert(join.end(), common.begin(), common.end());
  join.push_back("--wrap=exec " + shell_quote(film) + " cluster join " + shell_quote(r.dir));
  return {task, join};
}

}  // namespace

std::vector<std::string> submit_jobs(ClusterRun& r, const std::vector<int>& which, bool dry_run) {
  auto [task, join] = sbatch_lines(r, which);
  if (dry_run) {
    join.insert(join.begin() + 2, "--dependency=afterany:ARRAY_JOB_ID");
    return {command_line(task), command_line(join)};
  }
  const std::string array = sbatch_id(run_program(task), task);
  join.insert(join.begin() + 2, "--dependency=afterany:" + array);
  const Ran jr = run_program(join);
  if (jr.status != 0) run_program({"scancel", array});  // no half-submitted run
  const std::string joiner = sbatch_id(jr, join);
  r.job["jobs"].push_back(
      {{"array", array}, {"join", joiner}, {"pieces", which}, {"submitted", now_unix()}});
  r.save();
  return {};
}

std::string duration_str(double s) {
  char buf[64];
  if (s < 120)
    std::snprintf(buf, sizeof buf, "%.0f s", s);
  else if (s < 7200)
    std::snprintf(buf, sizeof buf, "%.0f min", s / 60);
  else
    std::snprintf(buf, sizeof buf, "%.1f h", s / 3600);
  return buf;
}

}  // namespace film::cli
