// film cluster: one `film video` run split into pieces (--segment I/N) that run as a Slurm job
// array, joined by a dependent job; failed or pre-empted pieces resume where they stopped. The
// same split as a Kubernetes Indexed Job. docs/scale-out.md says how to run it and what it costs.
//
// Everything about a run lives in a state folder beside the output (OUT.film-cluster/, or
// film-cluster/ in a frame pattern's folder), which must be on a file system every node sees:
//   job.json               what was asked (input, output, film video options, pieces) and the jobs
//   piece-NNNN.<ext>       a piece's video (video file outputs), removed once joined
//   piece-NNNN.progress    a running piece's progress (film video --progress)
//   piece-NNNN.done        a finished piece: frames, seconds, start-up, host
//   result.json            the joined result; failed.json: the pieces that did not finish
//   logs/                  each task's and the join's output
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>
#include <thread>

#include "engine/app/interpolate.h"
#include "engine/app/video.h"
#include "engine/model.h"
#include "graph/error.h"
#include "graph/file.h"
#include "graph/shapes.h"
#include "tools/commands.h"
#include "tools/model_path.h"
#include "tools/process.h"
#include "tools/video_plan.h"

namespace film::cli {

int cmd_video(const std::vector<std::string>& argv);

namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;

const char* kHelp =
    "usage: film cluster submit IN -o OUT (--factor N | --fps RATE) [film video options]\n"
    "                           [--pieces N | --task-minutes M] [Slurm options] [--wait]\n"
    "       film cluster status OUT [--json]\n"
    "       film cluster k8s IN -o OUT (--factor N | --fps RATE) --pieces N --image IMAGE\n"
    "                        --claim PVC [--mount PATH] [--cpus C] [--mem SIZE] [--gpus G]\n"
    "                        [-O MANIFEST.json] [film video options]\n"
    "Splits one `film video IN -o OUT` run into pieces (film video --segment I/N) that run on a\n"
    "cluster, and joins them: the result is the one machine's result, frame for frame.\n"
    "submit: a Slurm job array (sbatch on PATH; SLURM_CONF honoured), one task per piece, and a\n"
    "job that waits for them, joins the pieces (with IN's audio) into OUT and resubmits pieces\n"
    "that failed (--retries times). A pre-empted or requeued piece resumes where it stopped.\n"
    "IN, OUT, the model and this film binary must be on a file system every node sees; the\n"
    "pieces, logs and progress go to OUT.film-cluster/ (for a frame pattern, film-cluster/ in its\n"
    "folder).\n"
    "  --pieces N         pieces (Slurm array tasks); default: enough for --task-minutes each\n"
    "  --task-minutes M   target minutes per piece (default 30), from --frame-seconds\n"
    "  --frame-seconds S  seconds per output frame on one task (default: estimated from the\n"
    "                     model's multiply-accumulates at the input's size, 50 GMAC/s per CPU)\n"
    "  --partition P  --account A  --time LIMIT  --cpus-per-task C  --mem SIZE  --gres GRES\n"
    "                     passed to sbatch for each piece (--gres gpu:1 with --backend vulkan)\n"
    "  --retries R        resubmit failed pieces up to R times (default 2)\n"
    "  --wait             return when OUT is joined (exit 0) or a piece failed for good (1)\n"
    "  --resume           continue a run whose jobs ended: finished pieces are kept, unfinished\n"
    "                     ones resume; --force: start over (OUT replaced)\n"
    "  --dry-run          print the sbatch commands, submit nothing\n"
    "  --film PATH        the film binary the tasks run (default: this one)\n"
    "status: pieces done, frames made, frames/s across the cluster since submission, time left,\n"
    "  the jobs' states (squeue), and where the result is.\n"
    "k8s: writes a Kubernetes manifest (JSON; kubectl apply -f): an Indexed Job of N pieces\n"
    "  (JOB_COMPLETION_INDEX picks the piece) and a join Job that waits for them. IN, OUT and\n"
    "  --model are paths inside the containers, on the volume --claim mounts at --mount (default\n"
    "  /data); --image holds film.\n"
    "Internal (what the jobs run): film cluster task DIR [--index I]; film cluster join DIR\n"
    "[--wait-pieces].\n";

// film video's options that a run passes through to every piece.
const std::vector<std::string> kVideoValued = {
    "--factor",    "--fps",     "--input-fps", "--codec",     "--quality", "--pix-fmt",
    "--model",     "--backend", "--device",    "--precision", "--threads", "--padding",
    "--scene-cut", "--held",    "--chunk",     "--max-memory"};
const std::vector<std::string> kVideoFlags = {"--reuse"};

double now_unix() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

std::string trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  return s;
}

// The state folder of a run writing OUT (absolute).
std::string state_dir(const std::string& out) {
  const fs::path o = fs::absolute(out).lexically_normal();
  if (out.find('%') != std::string::npos) return (o.parent_path() / "film-cluster").string();
  return o.string() + ".film-cluster";
}

std::string piece_name(int i, const char* suffix) {
  char name[40];
  std::snprintf(name, sizeof name, "piece-%04d%s", i, suffix);
  return name;
}

struct Run {
  std::string dir;
  json job;
  int pieces() const { return job["pieces"].get<int>(); }
  bool pattern() const { return job["kind"] == "frames"; }
  std::string path(const std::string& name) const { return (fs::path(dir) / name).string(); }
  std::string piece_video(int i) const {
    return path(piece_name(i, job["piece_ext"].get<std::string>().c_str()));
  }
  std::string marker(int i) const { return path(piece_name(i, ".done")); }
  std::string progress(int i) const { return path(piece_name(i, ".progress")); }
  std::vector<int> unfinished() const {
    std::vector<int> v;
    for (int i = 0; i < pieces(); ++i)
      if (!fs::exists(marker(i))) v.push_back(i);
    return v;
  }
  void save() const { io::write_file_atomic(path("job.json"), job.dump(1)); }
};

// A JSON file of the state folder; film::Error naming it when it is not JSON.
json read_json(const std::string& path) {
  try {
    return json::parse(io::read_file(path));
  } catch (const json::exception& e) {
    fail(path, ": not valid JSON (", e.what(), "); the run's state folder was changed by hand?");
  }
}

Run load_run(const std::string& dir, const std::string& what) {
  Run r{dir, {}};
  const std::string file = r.path("job.json");
  std::error_code ec;
  if (!fs::exists(file, ec)) fail(what, ": no cluster run there (", file, " does not exist)");
  try {
    r.job = json::parse(io::read_file(file));
    for (const char* k : {"input", "output", "kind", "piece_ext", "film"})
      (void)r.job.at(k).get<std::string>();
    for (const char* k : {"pieces", "attempt", "retries"}) (void)r.job.at(k).get<int>();
    (void)r.job.at("frames_out").get<int64_t>();
    (void)r.job.at("force").get<bool>();
    for (auto& v : r.job.at("video")) (void)v.get<std::string>();
    for (auto& j : r.job.at("jobs")) {
      (void)j.at("array").get<std::string>();
      (void)j.at("join").get<std::string>();
      (void)j.at("submitted").get<double>();
    }
    const json& counts = r.job.at("piece_frames");
    if (r.pieces() < 1 || !counts.is_array() || counts.size() != static_cast<size_t>(r.pieces()))
      throw std::invalid_argument("'piece_frames' does not hold one count per piece");
    for (auto& c : counts) (void)c.get<int64_t>();
  } catch (const std::exception& e) {
    fail(file, ": not a film cluster run (", e.what(), ")");
  }
  return r;
}

// The frames a piece has made: all of them once done, else what its progress file says.
int64_t piece_frames_done(const Run& r, int i) {
  const auto& ranges = r.job["piece_frames"];
  if (fs::exists(r.marker(i))) return ranges[i].get<int64_t>();
  try {
    const json p = json::parse(io::read_file(r.progress(i)));
    return p.value("frames_kept", int64_t{0}) + p.value("frames_written", int64_t{0});
  } catch (const std::exception&) {
    return 0;
  }
}
int64_t frames_done(const Run& r) {
  int64_t n = 0;
  for (int i = 0; i < r.pieces(); ++i) n += piece_frames_done(r, i);
  return n;
}

// Slurm's view of the run's latest jobs (the last submission's array and join: earlier ones
// ended before it was made): state -> tasks in it; empty when Slurm knows none of them (ended and
// forgotten, or never submitted); nothing when squeue could not say (`why` tells).
std::optional<std::map<std::string, int>> job_states(const Run& r, std::string* why = nullptr) {
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

// How Slurm says array task `i` of the run's latest submission ended ("CANCELLED", "FAILED",
// "TIMEOUT", ...; "" once Slurm has forgotten it).
std::string task_end_state(const Run& r, int i) {
  if (r.job["jobs"].empty()) return "";
  const Ran q =
      run_program({"scontrol", "-o", "show", "job",
                   r.job["jobs"].back()["array"].get<std::string>() + "_" + std::to_string(i)});
  const auto at = q.out.find("JobState=");
  if (q.status != 0 || at == std::string::npos) return "";
  return q.out.substr(at + 9, q.out.find_first_of(" \n", at) - at - 9);
}

std::string sbatch_id(const Ran& ran, const std::vector<std::string>& argv) {
  if (ran.status != 0) {
    std::string cmd;
    for (auto& a : argv) cmd += " " + a;
    fail("sbatch failed (exit ", ran.status, "): ", trim(ran.err), "\n  the command was:", cmd);
  }
  std::string id = trim(ran.out);
  id = id.substr(0, id.find(';'));  // --parsable: "ID" or "ID;CLUSTER"
  if (id.empty() || id.find_first_not_of("0123456789") != std::string::npos)
    fail("sbatch printed no job id (", trim(ran.out), " ", trim(ran.err), ")");
  return id;
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// Submits the pieces `which` as one job array and, after it, the join; records both in job.json.
// Returns the commands (for --dry-run).
std::vector<std::string> submit_jobs(Run& r, const std::vector<int>& which, bool dry_run) {
  const json& s = r.job["slurm"];
  std::string list;
  for (int i : which) list += (list.empty() ? "" : ",") + std::to_string(i);
  const std::string film = r.job["film"].get<std::string>();
  const std::string name = "film-" + fs::path(r.job["output"].get<std::string>()).stem().string();
  std::vector<std::string> common;
  for (const char* k : {"partition", "account"})
    if (s.contains(k)) common.push_back(std::string("--") + k + "=" + s[k].get<std::string>());
  std::vector<std::string> task = {"sbatch",
                                   "--parsable",
                                   "--job-name=" + name,
                                   "--array=" + list,
                                   "--requeue",
                                   "--open-mode=append",
                                   "--output=" + r.path("logs/task-%a.log")};
  task.insert(task.end(), common.begin(), common.end());
  for (const char* k : {"time", "cpus-per-task", "mem", "gres"})
    if (s.contains(k)) task.push_back(std::string("--") + k + "=" + s[k].get<std::string>());
  task.push_back("--wrap=exec " + shell_quote(film) + " cluster task " + shell_quote(r.dir));
  std::vector<std::string> join = {"sbatch",
                                   "--parsable",
                                   "--job-name=" + name + "-join",
                                   "--kill-on-invalid-dep=no",
                                   "--open-mode=append",
                                   "--cpus-per-task=1",
                                   "--output=" + r.path("logs/join.log")};
  join.insert(join.end(), common.begin(), common.end());
  join.push_back("--wrap=exec " + shell_quote(film) + " cluster join " + shell_quote(r.dir));
  auto line = [](const std::vector<std::string>& v) {
    std::string t;
    for (auto& a : v) t += (t.empty() ? "" : " ") + shell_quote(a);
    return t;
  };
  if (dry_run) {
    auto j = join;
    j.insert(j.begin() + 2, "--dependency=afterany:ARRAY_JOB_ID");
    return {line(task), line(j)};
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

// film cluster status OUT: one line of progress (or the result), and the jobs' states.
int status(const Args& a) {
  if (a.positional().size() != 2) usage_fail("status takes OUT (the run's output)");
  const std::string out = a.positional()[1];
  const Run r = load_run(state_dir(out), out);
  const int64_t total = r.job["frames_out"].get<int64_t>();
  const int64_t done = frames_done(r);
  const auto unfinished = r.unfinished();
  // Since the last submission (a resubmission by the join job included).
  const double since =
      now_unix() - (r.job["jobs"].empty() ? r.job.value("submitted", now_unix())
                                          : r.job["jobs"].back()["submitted"].get<double>());
  const double made = static_cast<double>(done - r.job.value("frames_at_submit", int64_t{0}));
  const double rate = since > 0 ? made / since : 0;
  std::string why;
  const auto known = job_states(r, &why);
  const std::map<std::string, int> states = known ? *known : std::map<std::string, int>{};
  const bool joined = fs::exists(r.path("result.json")), failed = fs::exists(r.path("failed.json"));
  const bool slurm = r.job.value("scheduler", std::string("slurm")) == "slurm";
  const std::string state = joined                    ? "done"
                            : failed                  ? "failed"
                            : slurm && !known         ? "unknown"
                            : slurm && states.empty() ? "stopped"
                                                      : "running";
  if (a.flag("--json")) {
    json j = {{"output", r.job["output"]},
              {"state", state},
              {"pieces", r.pieces()},
              {"pieces_done", r.pieces() - static_cast<int>(unfinished.size())},
              {"frames_out", total},
              {"frames_done", done},
              {"frames_per_second", rate},
              {"seconds_left", rate > 0 ? json(static_cast<double>(total - done) / rate) : json()},
              {"jobs", states}};
    if (joined) j["result"] = read_json(r.path("result.json"));
    if (failed) j["failed"] = read_json(r.path("failed.json"));
    std::printf("%s\n", j.dump().c_str());
    return 0;
  }
  std::printf("%s: %s; %d of %d pieces done, %lld of %lld frames (%.0f%%)\n",
              r.job["output"].get<std::string>().c_str(), state.c_str(),
              r.pieces() - static_cast<int>(unfinished.size()), r.pieces(),
              static_cast<long long>(done), static_cast<long long>(total),
              total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
  if (!joined && rate > 0)
    std::printf("%.2f frames/s across the cluster over the last %s; about %s left\n", rate,
                duration_str(since).c_str(),
                duration_str(static_cast<double>(total - done) / rate).c_str());
  if (!states.empty()) {
    std::string line;
    for (auto& [k, n] : states) line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + k;
    std::printf("jobs: %s\n", line.c_str());
  }
  if (!known) std::printf("squeue could not say what the jobs are doing: %s\n", why.c_str());
  if (joined) std::printf("result: %s\n", r.job["output"].get<std::string>().c_str());
  if (failed) {
    const json f = read_json(r.path("failed.json"));
    std::printf("%s\ncontinue with: film cluster submit ... --resume (the same options)\n",
                f.value("message", std::string()).c_str());
  }
  if (state == "stopped")
    std::printf(
        "no job of this run is queued or running; film cluster submit ... --resume "
        "continues it\n");
  return 0;
}

// Waits for a submitted run to end: 0 once joined, 1 when it failed or its jobs vanished.
int wait_for(const std::string& dir) {
  for (int idle = 0;; std::this_thread::sleep_for(std::chrono::seconds(2))) {
    const Run r = load_run(dir, dir);
    if (fs::exists(r.path("result.json"))) {
      std::fprintf(stderr, "joined: %s\n", r.job["output"].get<std::string>().c_str());
      return 0;
    }
    if (fs::exists(r.path("failed.json"))) {
      const json f = read_json(r.path("failed.json"));
      std::fprintf(stderr, "film cluster: %s\n", f.value("message", std::string()).c_str());
      return 1;
    }
    // No job of the run left in Slurm (cancelled, or lost) twice in a row: it will not end.
    const auto states = job_states(r);
    idle = states && states->empty() ? idle + 1 : 0;
    if (idle >= 3) {
      std::fprintf(stderr,
                   "film cluster: the run's jobs ended without joining it (cancelled?); see %s "
                   "and continue with film cluster submit ... --resume\n",
                   r.path("logs").c_str());
      return 1;
    }
  }
}

// The film video options of a submit or k8s command line, as argv, and the settings that must
// match for --resume.
std::vector<std::string> video_args(const Args& a) {
  std::vector<std::string> v;
  for (auto& k : kVideoValued)
    if (auto x = a.get(k)) {
      v.push_back(k);
      v.push_back(k == "--model" ? fs::absolute(*x).lexically_normal().string() : *x);
    }
  for (auto& k : kVideoFlags)
    if (a.flag(k)) v.push_back(k);
  return v;
}

// Seconds per output frame on one task: the model's convolutions at the padded input size, at
// 50 GMAC/s per CPU (what the cpu backend reaches with the bundled model; docs/scale-out.md).
double estimate_frame_seconds(const std::string& model_dir, int64_t h, int64_t w, int cpus) {
  FrameInterpolator f(Model::load(model_dir), {.backend = "ref"});
  const auto [ph, pw] = f.padded_size(h, w);
  std::map<std::string, Shape> in;
  for (auto& i : f.session().model().graph.inputs) in[i.name] = {1, 3, ph, pw};
  double macs = 0;
  try {
    macs = graph::graph_macs(f.session().model().flat, f.session().shapes(in));
  } catch (const Error&) {
    return 5.0;  // a graph that cannot be planned here: --frame-seconds says
  }
  return macs / (50e9 * std::max(1, cpus));
}

// A run as `submit` and `k8s` set it up: the input planned, the pieces chosen, the state folder
// checked (an earlier run's is refused, or with --resume continued, or with --force replaced),
// and job.json's content. Nothing is written yet.
struct Prepared {
  Run run;
  VideoPlan plan;
  double frame_seconds = 0;
};
Prepared prepare(const Args& a, const std::string& scheduler) {
  if (a.positional().size() != 2 || !a.get("-o"))
    usage_fail(a.positional()[0], " takes IN and -o OUT (and film video's options)");
  const std::string in = fs::absolute(a.positional()[1]).lexically_normal().string();
  const std::string out = fs::absolute(*a.get("-o")).lexically_normal().string();
  const bool pattern = out.find('%') != std::string::npos;
  const bool force = a.flag("--force"), resume = a.flag("--resume");
  if (force && resume) usage_fail("give one of --resume and --force");
  const std::string dir = state_dir(out);
  if (dir.find('%') != std::string::npos)
    fail(dir, ": a '%' in the state folder's path would be read as a Slurm log pattern");
  const std::string model_dir =
      fs::absolute(resolve_model_dir(a.get_or("--model", ""))).lexically_normal().string();
  Prepared p{Run{dir, {}}, plan_video(a, in), 0};
  const VideoPlan& plan = p.plan;
  const int64_t m = static_cast<int64_t>(plan.times.size());
  std::error_code ec;
  if (!pattern) {
    if (fs::exists(out, ec) && !force) fail(out, ": exists; pass --force to replace it");
    if (!fs::is_directory(fs::path(out).parent_path(), ec))
      fail(out, ": the output folder '", fs::path(out).parent_path().string(), "' does not exist");
    video::video_default_codec(plan.info.codec, out);  // an extension FFmpeg writes
  }
  // Pieces: as asked, or enough that each takes about --task-minutes.
  const int cpus = a.get_int(scheduler == "slurm" ? "--cpus-per-task" : "--cpus", 0, 0, 4096);
  int pieces = a.get_int("--pieces", 0, 0, 100000);
  p.frame_seconds =
      a.get("--frame-seconds")
          ? a.get_real("--frame-seconds", 1, 1e-6, 1e6)
          : estimate_frame_seconds(model_dir, plan.info.height, plan.info.width, cpus ? cpus : 2);
  if (pieces == 0) {
    const double minutes = a.get_real("--task-minutes", 30, 0.1, 1e6);
    const double want =
        std::ceil(static_cast<double>(plan.total) * p.frame_seconds / (minutes * 60));
    pieces = static_cast<int>(
        std::clamp<double>(want, 1, std::max<int64_t>(1, std::min<int64_t>(1000, m / 2))));
  }
  if (pieces > m) fail(in, ": ", m, " frames cannot make ", pieces, " pieces");
  if (pieces > 1000)
    usage_fail("--pieces ", pieces, ": Slurm's default MaxArraySize allows indices up to 1000");

  json slurm = json::object();
  for (const char* k : {"partition", "account", "time", "cpus-per-task", "mem", "gres"})
    if (auto v = a.get(std::string("--") + k)) slurm[k] = *v;
  std::vector<std::string> vargs = video_args(a);
  if (!a.get("--model")) vargs.insert(vargs.end(), {"--model", model_dir});
  if (scheduler == "kubernetes" && cpus && !a.get("--threads"))
    vargs.insert(vargs.end(), {"--threads", std::to_string(cpus)});
  const json settings = {{"input", in}, {"output", out}, {"pieces", pieces}, {"video", vargs}};

  // The state folder: new, or (with --resume) the same run's, whose jobs have ended.
  Run& r = p.run;
  if (fs::exists(dir, ec)) {
    if (fs::exists(r.path("job.json"))) {
      const Run old = load_run(dir, out);
      std::string why;
      const auto states = job_states(old, &why);
      if (!states)
        fail(dir, ": cannot ask Slurm whether its run's jobs still run (squeue: ", why, ")");
      if (!states->empty())
        fail(dir, ": its run still has jobs queued or running (film cluster status ", out,
             "); cancel them (scancel) before submitting it again");
      if (resume) {
        if (old.job["settings"] != settings)
          fail(dir, ": holds a run with other options (", old.job["settings"].dump(),
               "); run with --force instead of --resume to start over");
        r.job = old.job;
      } else if (!force) {
        fail(dir,
             ": holds an earlier run of this output; --resume continues it, --force starts "
             "over (film cluster status ",
             out, " shows it)");
      }
    } else if (!force) {
      fail(dir, ": exists and is not a film cluster run; remove it or pass --force");
    }
  }
  if (r.job.is_null()) {
    std::vector<int64_t> counts;
    for (int i = 0; i < pieces; ++i) {
      const auto piece = plan.piece(i, pieces);
      counts.push_back(piece.k_hi - piece.k_lo);
    }
    char self[4096];
    const ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
    const std::string film = a.get_or("--film", scheduler == "kubernetes" ? "film"
                                                : n > 0 ? std::string(self, static_cast<size_t>(n))
                                                        : "film");
    r.job = {{"version", 1},
             {"scheduler", scheduler},
             {"settings", settings},
             {"input", in},
             {"output", out},
             {"kind", pattern ? "frames" : "video"},
             {"piece_ext", pattern ? "" : fs::path(out).extension().string()},
             {"pieces", pieces},
             {"video", vargs},
             {"force", force},
             {"film", film},
             {"frames_in", m},
             {"frames_out", plan.total},
             {"piece_frames", counts},
             {"frame_seconds", p.frame_seconds},
             {"jobs", json::array()}};
  }
  r.job["slurm"] = slurm;
  r.job["retries"] = a.get_int("--retries", 2, 0, 100);
  r.job["attempt"] = 0;
  return p;
}

// Creates the state folder (replacing an earlier run's with --force) and writes job.json.
void write_state(Run& r, const VideoPlan& plan, bool force) {
  std::error_code ec;
  if (force) fs::remove_all(r.dir, ec);
  fs::create_directories(r.path("logs"), ec);
  if (ec) fail(r.dir, ": cannot create the state folder (", ec.message(), ")");
  // The input frames' times, read once here: a task need not read the whole input for them.
  if (!plan.sequence) io::write_file_atomic(r.path("frame-times.json"), json(plan.times).dump());
  fs::remove(r.path("failed.json"), ec);
  fs::remove(r.path("result.json"), ec);
  r.job["frames_at_submit"] = frames_done(r);
  r.job["submitted"] = now_unix();
  if (!r.job.contains("created")) r.job["created"] = r.job["submitted"];
  r.save();
}

int submit(const Args& a) {
  Prepared p = prepare(a, "slurm");
  Run& r = p.run;
  const int pieces = r.pieces();
  const std::vector<int> todo = r.unfinished();
  const std::string out = r.job["output"].get<std::string>();
  const double per_piece = p.frame_seconds * static_cast<double>(p.plan.total) / pieces;
  if (a.flag("--dry-run")) {
    std::printf("%d pieces of %lld output frames, about %s each on one task; would run:\n", pieces,
                static_cast<long long>(p.plan.total), duration_str(per_piece).c_str());
    for (auto& line : submit_jobs(r, todo, true)) std::printf("%s\n", line.c_str());
    return 0;
  }
  if (!on_path("sbatch"))
    fail(
        "sbatch is not on PATH: film cluster submit needs Slurm's client commands (Debian: "
        "slurm-client) on a machine of the cluster");
  write_state(r, p.plan, a.flag("--force"));
  // With every piece made already, the join still runs as a job: after an instant array task.
  submit_jobs(r, todo.empty() ? std::vector<int>{0} : todo, false);
  const json& last = r.job["jobs"].back();
  std::fprintf(stderr,
               "submitted %zu of %d pieces as Slurm job %s (join: job %s), about %s of work "
               "each;\nprogress: film cluster status %s\n",
               todo.size(), pieces, last["array"].get<std::string>().c_str(),
               last["join"].get<std::string>().c_str(), duration_str(per_piece).c_str(),
               shell_quote(out).c_str());
  if (a.flag("--json"))
    std::printf("%s\n", json({{"state_dir", r.dir},
                              {"pieces", pieces},
                              {"submitted", todo.size()},
                              {"array_job", last["array"]},
                              {"join_job", last["join"]}})
                            .dump()
                            .c_str());
  return a.flag("--wait") ? wait_for(r.dir) : 0;
}

// film cluster k8s: the state folder as `submit` makes it, and a manifest of two Jobs: an
// Indexed Job whose pod i makes piece i (JOB_COMPLETION_INDEX, read by `film cluster task`),
// and a join Job that waits for every piece and joins them.
int k8s(const Args& a) {
  const std::string image = a.get_or("--image", ""), claim = a.get_or("--claim", "");
  if (image.empty() || claim.empty() || !a.get("--pieces"))
    usage_fail(
        "film cluster k8s needs --pieces N, --image IMAGE (holding film) and --claim PVC "
        "(the shared volume)");
  const std::string mount = fs::path(a.get_or("--mount", "/data")).lexically_normal().string();
  Prepared p = prepare(a, "kubernetes");
  Run& r = p.run;
  auto under_mount = [&](const std::string& path, const char* what) {
    const auto rel = fs::path(path).lexically_relative(mount).string();
    if (rel.empty() || rel.rfind("..", 0) == 0)
      fail(path, ": the ", what, " must be on the shared volume, under --mount ", mount,
           " (the same path here and in the containers)");
  };
  under_mount(r.job["input"].get<std::string>(), "input");
  under_mount(r.job["output"].get<std::string>(), "output");
  under_mount(r.dir, "state folder");
  std::string model;
  for (size_t i = 0; i + 1 < r.job["video"].size(); ++i)
    if (r.job["video"][i] == "--model") model = r.job["video"][i + 1].get<std::string>();
  under_mount(model, "model folder");
  write_state(r, p.plan, a.flag("--force"));

  std::string name = "film-" + fs::path(r.job["output"].get<std::string>()).stem().string();
  for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? std::tolower(c) : '-';
  name = name.substr(0, 50);
  while (!name.empty() && name.back() == '-') name.pop_back();
  json requests = json::object(), limits = json::object();
  if (auto c = a.get("--cpus")) requests["cpu"] = *c;
  if (auto m = a.get("--mem")) requests["memory"] = limits["memory"] = *m;
  if (auto g = a.get("--gpus")) {  // RESOURCE=N, e.g. amd.com/gpu=1
    const auto eq = g->find('=');
    if (eq == std::string::npos || eq == 0)
      usage_fail("--gpus takes RESOURCE=N, e.g. amd.com/gpu=1 or gpu.intel.com/i915=1");
    limits[g->substr(0, eq)] = g->substr(eq + 1);
  }
  const json volumes =
      json::array({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", claim}}}}});
  const json mounts = json::array({{{"name", "data"}, {"mountPath", mount}}});
  json task = {{"name", "film"},
               {"image", image},
               {"command", {r.job["film"], "cluster", "task", r.dir}},
               {"resources", {{"requests", requests}, {"limits", limits}}},
               {"volumeMounts", mounts}};
  json pieces_job = {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", {{"name", name}, {"labels", {{"app", "film"}, {"film-run", name}}}}},
      {"spec",
       {{"completionMode", "Indexed"},
        {"completions", r.pieces()},
        {"parallelism", a.get_int("--parallel", r.pieces(), 1, 100000)},
        {"backoffLimit", r.pieces() * (r.job["retries"].get<int>() + 1)},
        {"template",
         {{"metadata", {{"labels", {{"app", "film"}, {"film-run", name}}}}},
          {"spec",
           {{"restartPolicy", "OnFailure"},
            {"containers", json::array({task})},
            {"volumes", volumes}}}}}}}};
  json join_job = {
      {"apiVersion", "batch/v1"},
      {"kind", "Job"},
      {"metadata", {{"name", name + "-join"}, {"labels", {{"app", "film"}, {"film-run", name}}}}},
      {"spec",
       {{"completions", 1},
        {"backoffLimit", 3},
        {"template",
         {{"metadata", {{"labels", {{"app", "film"}, {"film-run", name}}}}},
          {"spec",
           {{"restartPolicy", "OnFailure"},
            {"containers",
             json::array({{{"name", "join"},
                           {"image", image},
                           {"command", {r.job["film"], "cluster", "join", r.dir, "--wait-pieces"}},
                           {"resources", {{"requests", {{"cpu", "1"}}}}},
                           {"volumeMounts", mounts}}})},
            {"volumes", volumes}}}}}}}};
  const json manifest = {
      {"apiVersion", "v1"}, {"kind", "List"}, {"items", json::array({pieces_job, join_job})}};
  const std::string text = manifest.dump(2) + "\n";
  if (auto o = a.get("-O")) {
    std::error_code ec;
    if (fs::exists(*o, ec) && !a.flag("--force")) fail(*o, ": exists; pass --force to replace it");
    io::write_file_atomic(*o, text);
    std::fprintf(stderr, "wrote %s: %d pieces; kubectl apply -f %s, then film cluster status %s\n",
                 o->c_str(), r.pieces(), o->c_str(), r.job["output"].get<std::string>().c_str());
  } else {
    std::fputs(text.c_str(), stdout);
  }
  return 0;
}

// film cluster task DIR [--index I]: makes one piece (the array task's, or the indexed Job's).
int task(const Args& a) {
  if (a.positional().size() != 2) usage_fail("task takes the run's state folder");
  const std::string dir = a.positional()[1];
  std::string index = a.get_or("--index", "");
  for (const char* env : {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"})
    if (index.empty() && std::getenv(env)) index = std::getenv(env);
  if (index.empty())
    usage_fail(
        "task: no piece: give --index, or run it as a Slurm array task "
        "(SLURM_ARRAY_TASK_ID) or a Kubernetes indexed Job (JOB_COMPLETION_INDEX)");
  Run r = load_run(dir, dir);
  int i = 0;
  try {
    i = std::stoi(index);
  } catch (const std::exception&) {
    i = -1;
  }
  if (i < 0 || i >= r.pieces())
    usage_fail("task: piece '", index, "' is not one of 0..", r.pieces() - 1);
  if (fs::exists(r.marker(i))) {
    std::fprintf(stderr, "piece %d: done already\n", i);
    return 0;
  }
  const double started = now_unix();
  std::vector<std::string> argv = {
      r.job["input"].get<std::string>(),
      "-o",
      r.pattern() ? r.job["output"].get<std::string>() : r.piece_video(i),
      "--segment",
      std::to_string(i) + "/" + std::to_string(r.pieces()),
      "--progress",
      r.progress(i),
      "--quiet"};
  if (fs::exists(r.path("frame-times.json")))
    argv.insert(argv.end(), {"--frame-times", r.path("frame-times.json")});
  const json& video = r.job["video"];
  for (auto& v : video) argv.push_back(v.get<std::string>());
  auto given = [&](const char* option) {
    return std::find(video.begin(), video.end(), option) != video.end();
  };
  // Slurm's allocation, where the options leave it open: its CPUs and memory.
  if (!given("--threads"))
    if (const char* c = std::getenv("SLURM_CPUS_PER_TASK"))
      argv.insert(argv.end(), {"--threads", c});
  if (!given("--max-memory"))
    if (const char* m = std::getenv("SLURM_MEM_PER_NODE"))
      argv.insert(argv.end(), {"--max-memory", std::string(m) + "M"});
  std::error_code ec;
  // A video piece finished but not marked (the task ended right after): it is complete, since
  // film video writes it atomically.
  if (r.pattern() || !fs::exists(r.piece_video(i), ec)) {
    const bool resuming = r.pattern() || fs::exists(r.piece_video(i) + ".film-work", ec);
    if (resuming) argv.push_back("--resume");
    std::fprintf(stderr, "piece %d of %d%s: film video", i, r.pieces(),
                 resuming ? " (resuming)" : "");
    for (auto& s : argv) std::fprintf(stderr, " %s", shell_quote(s).c_str());
    std::fprintf(stderr, "\n");
    std::fflush(stderr);
    if (int rc = cmd_video(argv); rc != 0) return rc;
  }
  json done = {{"piece", i},
               {"frames", r.job["piece_frames"][i]},
               {"started", started},
               {"finished", now_unix()}};
  try {
    const json p = json::parse(io::read_file(r.progress(i)));
    done["frames_written"] = p.value("frames_written", int64_t{0});
    done["frames_kept"] = p.value("frames_kept", int64_t{0});
    done["startup_seconds"] = p.value("startup_seconds", json());
    done["seconds"] = p.value("seconds", 0.0);
  } catch (const std::exception&) {
  }
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  done["host"] = host;
  if (const char* j = std::getenv("SLURM_JOB_ID")) done["slurm_job"] = j;
  io::write_file_atomic(r.marker(i), done.dump());
  std::fprintf(stderr, "piece %d: done\n", i);
  return 0;
}

// film cluster join DIR: after the pieces' jobs, joins them into OUT; resubmits unfinished
// pieces while retries are left; --wait-pieces (Kubernetes): waits for every piece first.
int join(const Args& a) {
  if (a.positional().size() != 2) usage_fail("join takes the run's state folder");
  const std::string dir = a.positional()[1];
  Run r = load_run(dir, dir);
  std::vector<int> missing = r.unfinished();
  if (a.flag("--wait-pieces"))
    for (; !missing.empty(); missing = r.unfinished())
      std::this_thread::sleep_for(std::chrono::seconds(5));
  if (!missing.empty()) {
    std::string list;
    bool cancelled = false;  // by a user (scancel): stopped for good, not retried
    for (int i : missing) {
      const std::string how = task_end_state(r, i);
      cancelled = cancelled || how == "CANCELLED";
      list +=
          (list.empty() ? "" : ", ") + std::to_string(i) + (how.empty() ? "" : " (" + how + ")");
    }
    const int attempt = r.job["attempt"].get<int>(), retries = r.job["retries"].get<int>();
    if (attempt < retries && !cancelled) {
      r.job["attempt"] = attempt + 1;
      r.job["frames_at_submit"] = frames_done(r);
      r.save();
      std::fprintf(stderr, "pieces %s did not finish; resubmitting them (retry %d of %d)\n",
                   list.c_str(), attempt + 1, retries);
      submit_jobs(r, missing, false);
      return 0;
    }
    const std::string message =
        "pieces " + list + " of " + r.job["output"].get<std::string>() + " did not finish" +
        (cancelled ? " (cancelled: not retried)"
         : retries ? " after " + std::to_string(retries) + " retries"
                   : "") +
        "; their logs: " + r.path("logs/task-" + std::to_string(missing[0]) + ".log") +
        (missing.size() > 1 ? " ..." : "");
    io::write_file_atomic(r.path("failed.json"),
                          json({{"message", message}, {"pieces", missing}}).dump());
    fail(message);
  }
  const std::string out = r.job["output"].get<std::string>();
  const double t0 = now_unix();
  int64_t frames = 0;
  if (r.pattern()) {
    for (int i = 0; i < r.pieces(); ++i) frames += r.job["piece_frames"][i].get<int64_t>();
  } else {
    std::error_code ec;
    if (fs::exists(out, ec) && !r.job["force"].get<bool>())
      fail(out, ": exists (made after the run was submitted); not replacing it");
    std::vector<std::string> pieces;
    for (int i = 0; i < r.pieces(); ++i) pieces.push_back(r.piece_video(i));
    const std::string in = r.job["input"].get<std::string>();
    frames = video::join_videos(pieces, is_sequence_input(in) ? "" : in, out);
    for (auto& p : pieces) fs::remove(p, ec);
  }
  const json result = {{"output", out},
                       {"frames", frames},
                       {"pieces", r.pieces()},
                       {"join_seconds", now_unix() - t0},
                       {"seconds_since_submit", now_unix() - r.job.value("created", now_unix())},
                       {"attempts", r.job["attempt"].get<int>() + 1}};
  io::write_file_atomic(r.path("result.json"), result.dump());
  std::fprintf(stderr, "joined %s: %lld frames from %d pieces\n", out.c_str(),
               static_cast<long long>(frames), r.pieces());
  return 0;
}

}  // namespace

int cmd_cluster(const std::vector<std::string>& argv) {
  std::vector<std::string> valued = {
      "-o",        "--pieces", "--task-minutes",  "--frame-seconds", "--partition",
      "--account", "--time",   "--cpus-per-task", "--mem",           "--gres",
      "--retries", "--film",   "--index",         "--image",         "--claim",
      "--mount",   "--cpus",   "--gpus",          "--parallel",      "-O"};
  valued.insert(valued.end(), kVideoValued.begin(), kVideoValued.end());
  std::vector<std::string> flags = {"--help", "--wait",        "--resume", "--force",
                                    "--json", "--wait-pieces", "--dry-run"};
  flags.insert(flags.end(), kVideoFlags.begin(), kVideoFlags.end());
  Args a(argv, valued, flags, "cluster");
  if (a.flag("--help") || a.positional().empty()) {
    std::fputs(kHelp, a.flag("--help") ? stdout : stderr);
    if (!a.flag("--help")) usage_fail("expected submit, status, k8s, task or join");
    return 0;
  }
  const std::string what = a.positional()[0];
  if (what == "submit") return submit(a);
  if (what == "status") return status(a);
  if (what == "task") return task(a);
  if (what == "join") return join(a);
  if (what == "k8s") return k8s(a);
  usage_fail("unknown command '", what, "' (submit, status, k8s, task, join)");
}

}  // namespace film::cli
