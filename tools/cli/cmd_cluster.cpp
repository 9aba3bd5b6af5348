// film cluster: one `film video` run split into pieces (segment I of N) that run as a Slurm job
// array, joined by a dependent job; failed or pre-empted pieces resume where they stopped. The
// same split as a Kubernetes Indexed Job. Scheduling only: every piece is film::retime, called
// in-process by `film cluster task`, and the join is film::join_pieces. docs/scale-out.md says
// how to run it and what it costs; cluster.h describes the state folder.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include "engine/model.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "graph/base/process.h"
#include "graph/shapes.h"
#include "tools/app/padding.h"
#include "tools/app/retime_json.h"
#include "tools/app/retime_plan.h"
#include "tools/app/session_options.h"
#include "tools/cli/cli.h"
#include "tools/cli/cluster.h"

namespace film::cli {
namespace {

namespace fs = std::filesystem;

// Everything the cluster's subcommands take.
struct Cluster {
  RetimeOptions o;  // the film video options every piece runs with (input, output: the run's)
  bool resume = false, force = false, wait = false, dry_run = false, json = false;
  bool wait_pieces = false;
  int pieces = 0, retries = 2, parallel = 0, cpus = 0;
  double task_minutes = 30, frame_seconds = 0;
  std::map<std::string, std::string> slurm;  // sbatch options: partition, account, ...
  std::string film, image, claim, mount = "/data", mem, gpus, manifest, index, dir;
  io::OutputRule rule;  // what the run reads (never written over) and what this command writes
};

// film cluster status OUT: one line of progress (or the result), and the jobs' states.
void print_status(const ClusterRun& r, const std::string& state, int64_t done, double rate,
                  double since, const std::map<std::string, int>& states) {
  const int64_t total = r.job["frames_out"].get<int64_t>();
  const int left = static_cast<int>(r.unfinished().size());
  std::printf("%s: %s; %d of %d pieces done, %lld of %lld frames (%.0f%%)\n",
              r.job["output"].get<std::string>().c_str(), state.c_str(), r.pieces() - left,
              r.pieces(), static_cast<long long>(done), static_cast<long long>(total),
              total ? 100.0 * static_cast<double>(done) / static_cast<double>(total) : 100.0);
  if (state != "done" && rate > 0)
    std::printf("%.2f frames/s across the cluster over the last %s; about %s left\n", rate,
                duration_str(since).c_str(),
                duration_str(static_cast<double>(total - done) / rate).c_str());
  std::string line;
  for (auto& [k, n] : states) line += (line.empty() ? "" : ", ") + std::to_string(n) + " " + k;
  if (!line.empty()) std::printf("jobs: %s\n", line.c_str());
  if (state == "done") std::printf("result: %s\n", r.job["output"].get<std::string>().c_str());
  if (state == "failed")
    std::printf("%s\ncontinue with: film cluster submit ... --resume (the same options)\n",
                read_json(r.path("failed.json")).value("message", std::string()).c_str());
  if (state == "stopped")
    std::printf(
        "no job of this run is queued or running; film cluster submit ... --resume continues "
        "it\n");
}

int status(const Cluster& c) {
  const ClusterRun r = load_run(state_dir(c.o.output), c.o.output);
  const int64_t total = r.job["frames_out"].get<int64_t>(), done = frames_done(r);
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
  const std::string state = joined ? "done" : failed ? "failed" : slurm && !known ? "unknown"
                            : slurm && states.empty() ? "stopped" : "running";
  if (!c.json) {
    print_status(r, state, done, rate, since, states);
    if (!known) std::printf("squeue could not say what the jobs are doing: %s\n", why.c_str());
    return 0;
  }
  json j = {{"output", r.job["output"]},
            {"state", state},
            {"pieces", r.pieces()},
            {"pieces_done", r.pieces() - static_cast<int>(r.unfinished().size())},
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

// Waits for a submitted run to end: 0 once joined, 1 when it failed or its jobs vanished.
int wait_for(const std::string& dir) {
  for (int idle = 0;; std::this_thread::sleep_for(std::chrono::seconds(2))) {
    const ClusterRun r = load_run(dir, dir);
    if (fs::exists(r.path("result.json"))) {
      std::fprintf(stderr, "joined: %s\n", r.job["output"].get<std::string>().c_str());
      return 0;
    }
    if (fs::exists(r.path("failed.json"))) {
      std::fprintf(stderr, "film cluster: %s\n",
                   read_json(r.path("failed.json")).value("message", std::string()).c_str());
      return 1;
    }
    // No job of the run left in Slurm (cancelled, or lost) three times in a row: it will not end.
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

// Seconds per output frame on one task: the model's convolutions at the padded input size, at
// 50 GMAC/s per CPU (what the cpu backend reaches with the bundled model; docs/scale-out.md).
double estimate_frame_seconds(const std::string& model_dir, int64_t h, int64_t w, int cpus) {
  const auto model = Model::load(model_dir);
  const auto [ph, pw] = padded_size(model->graph, h, w);
  graph::ShapeMap in;
  for (auto& i : model->graph.inputs) in[i.name] = {1, 3, ph, pw};
  try {
    return graph::graph_macs(model->flat, graph::infer_shapes(model->flat, in, model->name)) /
           (50e9 * std::max(1, cpus));
  } catch (const Error&) {
    return 5.0;  // a graph that cannot be planned here: --frame-seconds says
  }
}

// The pieces: as asked, or enough that each takes about --task-minutes.
int choose_pieces(const Cluster& c, const VideoPlan& plan, double frame_seconds) {
  const int64_t m = static_cast<int64_t>(plan.times.size());
  int pieces = c.pieces;
  if (pieces == 0) {
    const double want =
        std::ceil(static_cast<double>(plan.total) * frame_seconds / (c.task_minutes * 60));
    pieces = static_cast<int>(
        std::clamp<double>(want, 1, std::max<int64_t>(1, std::min<int64_t>(1000, m / 2))));
  }
  if (pieces > m) fail(plan.input, ": ", m, " frames cannot make ", pieces, " pieces");
  if (pieces > 1000)
    usage_fail("--pieces ", pieces, ": Slurm's default MaxArraySize allows indices up to 1000");
  return pieces;
}

// The state folder: new, or (with --resume) the same run's, whose jobs have ended. Returns the
// earlier run's job to continue, or null.
json earlier_run(const Cluster& c, const std::string& dir, const json& settings) {
  std::error_code ec;
  if (!fs::exists(dir, ec)) return nullptr;
  if (!fs::exists(fs::path(dir) / "job.json")) {
    if (!c.force) fail(dir, ": exists and is not a film cluster run; remove it or pass --force");
    return nullptr;
  }
  const ClusterRun old = load_run(dir, c.o.output);
  std::string why;
  const auto states = job_states(old, &why);
  if (!states) fail(dir, ": cannot ask Slurm whether its run's jobs still run (squeue: ", why, ")");
  if (!states->empty())
    fail(dir, ": its run still has jobs queued or running (film cluster status ", c.o.output,
         "); cancel them (scancel) before submitting it again");
  if (c.resume) {
    if (old.job["settings"] != settings)
      fail(dir, ": holds a run with other options (", old.job["settings"].dump(),
           "); run with --force instead of --resume to start over");
    return old.job;
  }
  if (!c.force)
    fail(dir, ": holds an earlier run of this output; --resume continues it, --force starts over "
              "(film cluster status ", c.o.output, " shows it)");
  return nullptr;
}

json new_job(const Cluster& c, const std::string& scheduler, const VideoPlan& plan, int pieces,
             const json& settings, const json& video) {
  std::vector<int64_t> counts;
  for (int i = 0; i < pieces; ++i) {
    const auto piece = plan.piece(i, pieces);
    counts.push_back(piece.k_hi - piece.k_lo);
  }
  std::error_code ec;
  const fs::path self = fs::read_symlink("/proc/self/exe", ec);
  const std::string film =
      !c.film.empty() ? c.film : scheduler == "kubernetes" || ec ? "film" : self.string();
  const bool pattern = c.o.output.find('%') != std::string::npos;
  return {{"version", 2},
          {"scheduler", scheduler},
          {"settings", settings},
          {"input", c.o.input},
          {"output", c.o.output},
          {"kind", pattern ? "frames" : "video"},
          {"piece_ext", pattern ? "" : fs::path(c.o.output).extension().string()},
          {"pieces", pieces},
          {"video", video},
          {"force", c.force},
          {"film", film},
          {"frames_in", plan.times.size()},
          {"frames_out", plan.total},
          {"piece_frames", counts},
          {"jobs", json::array()}};
}

// A run as `submit` and `k8s` set it up: the input planned, the pieces chosen, the state folder
// checked, and job.json's content. Nothing is written yet.
struct Prepared {
  ClusterRun run;
  VideoPlan plan;
  double frame_seconds = 0;
};
Prepared prepare(Cluster& c, const std::string& scheduler) {
  if (c.force && c.resume) usage_fail("give one of --resume and --force");
  c.o.input = fs::absolute(c.o.input).lexically_normal().string();
  c.o.output = fs::absolute(c.o.output).lexically_normal().string();
  c.o.interpolator.model = fs::absolute(model_dir(c.o.interpolator)).lexically_normal().string();
  backend_spec(c.o.interpolator);
  const std::string dir = state_dir(c.o.output);
  if (dir.find('%') != std::string::npos)
    fail(dir, ": a '%' in the state folder's path would be read as a Slurm log pattern");
  VideoSource source;
  Prepared p{ClusterRun{dir, {}}, plan_video(c.o, &source), 0};
  // Before anything is submitted: never over the input, its folder or the model, and the state
  // folder (which --force removes) holds none of them.
  protect_inputs(c.rule, c.o, source, c.o.interpolator.model);
  std::error_code ec;
  io::check_writable(c.o.output);  // a video, or the frame pattern's folder
  io::check_removable(dir);
  if (c.o.output.find('%') == std::string::npos) {
    if (fs::exists(c.o.output, ec) && !c.force)
      fail(c.o.output, ": exists; pass --force to replace it");
    if (!fs::is_directory(fs::path(c.o.output).parent_path(), ec))
      fail(c.o.output, ": the output folder '", fs::path(c.o.output).parent_path().string(),
           "' does not exist");
    video::video_default_codec(p.plan.info.codec, c.o.output);  // an extension FFmpeg writes
  }
  const int cpus = scheduler == "slurm" && c.slurm.count("cpus-per-task")
                       ? std::stoi(c.slurm.at("cpus-per-task"))
                       : c.cpus;
  p.frame_seconds = c.frame_seconds > 0 ? c.frame_seconds
                                        : estimate_frame_seconds(c.o.interpolator.model,
                                                                 p.plan.info.height,
                                                                 p.plan.info.width, cpus ? cpus : 2);
  const int pieces = choose_pieces(c, p.plan, p.frame_seconds);
  if (scheduler == "kubernetes" && cpus && c.o.interpolator.threads == 0)
    c.o.interpolator.threads = cpus;
  const json video = retime_options_to_json(c.o);
  const json settings = {
      {"input", c.o.input}, {"output", c.o.output}, {"pieces", pieces}, {"video", video}};
  p.run.job = earlier_run(c, dir, settings);
  if (p.run.job.is_null()) p.run.job = new_job(c, scheduler, p.plan, pieces, settings, video);
  p.run.job["frame_seconds"] = p.frame_seconds;
  p.run.job["slurm"] = c.slurm;
  p.run.job["retries"] = c.retries;
  p.run.job["attempt"] = 0;
  return p;
}

// Creates the state folder (replacing an earlier run's with --force) and writes job.json.
// Returns whether the folder is new (a failed submission then removes it again).
bool write_state(ClusterRun& r, const VideoPlan& plan, bool force) {
  std::error_code ec;
  if (force) fs::remove_all(r.dir, ec);
  const bool created = !fs::exists(r.dir, ec);
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
  return created;
}

int submit(Cluster& c) {
  Prepared p = prepare(c, "slurm");
  ClusterRun& r = p.run;
  const int pieces = r.pieces();
  const std::vector<int> todo = r.unfinished();
  const double per_piece = p.frame_seconds * static_cast<double>(p.plan.total) / pieces;
  if (c.dry_run) {
    std::printf("%d pieces of %lld output frames, about %s each on one task; would run:\n", pieces,
                static_cast<long long>(p.plan.total), duration_str(per_piece).c_str());
    for (auto& line : submit_jobs(r, todo, true)) std::printf("%s\n", line.c_str());
    return 0;
  }
  if (!on_path("sbatch"))
    fail("sbatch is not on PATH: film cluster submit needs Slurm's client commands (Debian: "
         "slurm-client) on a machine of the cluster");
  const bool created = write_state(r, p.plan, c.force);
  try {  // with every piece made already, the join still runs as a job: after an instant task
    submit_jobs(r, todo.empty() ? std::vector<int>{0} : todo, false);
  } catch (const Error&) {
    std::error_code ec;
    if (created) fs::remove_all(r.dir, ec);  // a failed start leaves nothing to block a retry
    throw;
  }
  const json& last = r.job["jobs"].back();
  std::fprintf(stderr,
               "submitted %zu of %d pieces as Slurm job %s (join: job %s), about %s of work "
               "each;\nprogress: film cluster status %s\n",
               todo.size(), pieces, last["array"].get<std::string>().c_str(),
               last["join"].get<std::string>().c_str(), duration_str(per_piece).c_str(),
               shell_quote(c.o.output).c_str());
  if (c.json)
    std::printf("%s\n", json({{"state_dir", r.dir}, {"pieces", pieces}, {"submitted", todo.size()},
                              {"array_job", last["array"]}, {"join_job", last["join"]}})
                            .dump()
                            .c_str());
  return c.wait ? wait_for(r.dir) : 0;
}

// A Job of the manifest: `spec` (completions and more) running `command` in a pod of `image`.
json k8s_job(const std::string& name, const std::string& run, json spec, json container,
             const json& volumes) {
  const json labels = {{"app", "film"}, {"film-run", run}};
  spec["template"] = {{"metadata", {{"labels", labels}}},
                      {"spec",
                       {{"restartPolicy", "OnFailure"},
                        {"containers", json::array({std::move(container)})},
                        {"volumes", volumes}}}};
  return {{"apiVersion", "batch/v1"},
          {"kind", "Job"},
          {"metadata", {{"name", name}, {"labels", labels}}},
          {"spec", std::move(spec)}};
}

// The manifest: an Indexed Job whose pod i makes piece i (JOB_COMPLETION_INDEX, read by `film
// cluster task`), and a join Job that waits for every piece and joins them.
json k8s_manifest(const Cluster& c, const ClusterRun& r) {
  std::string name = "film-" + fs::path(r.job["output"].get<std::string>()).stem().string();
  for (char& ch : name) ch = std::isalnum(static_cast<unsigned char>(ch)) ? std::tolower(ch) : '-';
  name = name.substr(0, 50);
  while (!name.empty() && name.back() == '-') name.pop_back();
  json requests = json::object(), limits = json::object();
  if (c.cpus) requests["cpu"] = std::to_string(c.cpus);
  if (!c.mem.empty()) requests["memory"] = limits["memory"] = c.mem;
  if (!c.gpus.empty()) {  // RESOURCE=N, e.g. amd.com/gpu=1
    const auto eq = c.gpus.find('=');
    if (eq == std::string::npos || eq == 0)
      usage_fail("--gpus takes RESOURCE=N, e.g. amd.com/gpu=1 or gpu.intel.com/i915=1");
    limits[c.gpus.substr(0, eq)] = c.gpus.substr(eq + 1);
  }
  const json volumes =
      json::array({{{"name", "data"}, {"persistentVolumeClaim", {{"claimName", c.claim}}}}});
  const json mounts = json::array({{{"name", "data"}, {"mountPath", c.mount}}});
  const json film = r.job["film"];
  const json task = {{"name", "film"}, {"image", c.image},
                     {"command", {film, "cluster", "task", r.dir}},
                     {"resources", {{"requests", requests}, {"limits", limits}}},
                     {"volumeMounts", mounts}};
  const json joiner = {{"name", "join"}, {"image", c.image},
                       {"command", {film, "cluster", "join", r.dir, "--wait-pieces"}},
                       {"resources", {{"requests", {{"cpu", "1"}}}}}, {"volumeMounts", mounts}};
  const json pieces = {{"completionMode", "Indexed"}, {"completions", r.pieces()},
                       {"parallelism", c.parallel ? c.parallel : r.pieces()},
                       {"backoffLimit", r.pieces() * (c.retries + 1)}};
  return {{"apiVersion", "v1"},
          {"kind", "List"},
          {"items", json::array({k8s_job(name, name, pieces, task, volumes),
                                 k8s_job(name + "-join", name,
                                         {{"completions", 1}, {"backoffLimit", 3}}, joiner,
                                         volumes)})}};
}

int k8s(Cluster& c) {
  if (c.image.empty() || c.claim.empty() || c.pieces == 0)
    usage_fail("film cluster k8s needs --pieces N, --image IMAGE (holding film) and --claim PVC "
               "(the shared volume)");
  c.mount = fs::path(c.mount).lexically_normal().string();
  Prepared p = prepare(c, "kubernetes");
  ClusterRun& r = p.run;
  auto under_mount = [&](const std::string& path, const char* what) {
    const auto rel = fs::path(path).lexically_relative(c.mount).string();
    if (rel.empty() || rel.rfind("..", 0) == 0)
      fail(path, ": the ", what, " must be on the shared volume, under --mount ", c.mount,
           " (the same path here and in the containers)");
  };
  under_mount(c.o.input, "input");
  under_mount(c.o.output, "output");
  under_mount(r.dir, "state folder");
  under_mount(c.o.interpolator.model, "model folder");
  const std::string text = k8s_manifest(c, r).dump(2) + "\n";
  if (!c.manifest.empty()) c.rule.claim(c.manifest, c.force);
  write_state(r, p.plan, c.force);
  if (c.manifest.empty()) {
    std::fputs(text.c_str(), stdout);
    return 0;
  }
  io::write_file_atomic(c.manifest, text);
  std::fprintf(stderr, "wrote %s: %d pieces; kubectl apply -f %s, then film cluster status %s\n",
               c.manifest.c_str(), r.pieces(), c.manifest.c_str(), c.o.output.c_str());
  return 0;
}

// The piece a task makes: --index, else the scheduler's.
int task_index(const Cluster& c, const ClusterRun& r) {
  std::string index = c.index;
  for (const char* env : {"SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"})
    if (index.empty() && std::getenv(env)) index = std::getenv(env);
  if (index.empty())
    usage_fail("task: no piece: give --index, or run it as a Slurm array task "
               "(SLURM_ARRAY_TASK_ID) or a Kubernetes indexed Job (JOB_COMPLETION_INDEX)");
  int i = -1;
  try {
    size_t used = 0;
    i = std::stoi(index, &used);
    if (used != index.size()) i = -1;
  } catch (const std::exception&) {
  }
  if (i < 0 || i >= r.pieces())
    usage_fail("task: piece '", index, "' is not one of 0..", r.pieces() - 1);
  return i;
}

// Piece i's options: the run's, with the piece's own output, segment and progress file, and
// Slurm's allocation where the options leave it open (its CPUs and memory).
RetimeOptions piece_options(const ClusterRun& r, int i) {
  RetimeOptions o;
  o.input = r.job["input"].get<std::string>();
  o.output = r.pattern() ? r.job["output"].get<std::string>() : r.piece_video(i);
  o = retime_options_from_json(r.job["video"], o, r.path("job.json"));
  o.segment = i;
  o.segments = r.pieces();
  o.progress_file = r.progress(i);
  if (fs::exists(r.path("frame-times.json"))) o.frame_times_file = r.path("frame-times.json");
  if (o.interpolator.threads == 0)
    if (const char* cpus = std::getenv("SLURM_CPUS_PER_TASK")) o.interpolator.threads = std::atoi(cpus);
  if (o.interpolator.max_memory == 0)
    if (const char* m = std::getenv("SLURM_MEM_PER_NODE"))
      o.interpolator.max_memory = std::strtoull(m, nullptr, 10) << 20;
  std::error_code ec;
  o.resume = r.pattern() || fs::exists(o.output + ".film-work", ec);
  return o;
}

int task(const Cluster& c) {
  ClusterRun r = load_run(c.dir, c.dir);
  const int i = task_index(c, r);
  if (fs::exists(r.marker(i))) {
    std::fprintf(stderr, "piece %d: done already\n", i);
    return 0;
  }
  const double started = now_unix();
  const RetimeOptions o = piece_options(r, i);
  std::error_code ec;
  // The piece's progress file is the run's own (in its state folder): an earlier attempt's is
  // replaced, not taken as a user's file that --force must allow.
  if (!o.resume) fs::remove(o.progress_file, ec);
  // A video piece finished but not marked (the task ended right after): it is complete, since
  // retime writes it atomically.
  RetimeResult result;
  if (r.pattern() || !fs::exists(o.output, ec)) {
    std::fprintf(stderr, "piece %d of %d%s: %s -> %s\n", i, r.pieces(),
                 o.resume ? " (resuming)" : "", o.input.c_str(), o.output.c_str());
    std::fflush(stderr);
    result = retime(o, {.note = [](const std::string& n) { std::fprintf(stderr, "%s\n", n.c_str()); }});
  }
  json done = {{"piece", i}, {"frames", r.job["piece_frames"][i]}, {"started", started},
               {"finished", now_unix()}, {"frames_written", result.frames_written},
               {"frames_kept", result.frames_kept}, {"seconds", result.seconds}};
  if (result.startup_seconds >= 0) done["startup_seconds"] = result.startup_seconds;
  char host[256] = "";
  gethostname(host, sizeof host - 1);
  done["host"] = host;
  if (const char* j = std::getenv("SLURM_JOB_ID")) done["slurm_job"] = j;
  io::write_file_atomic(r.marker(i), done.dump());
  std::fprintf(stderr, "piece %d: done\n", i);
  return 0;
}

// Pieces that did not finish: resubmitted while retries are left, else the run fails.
int retry_or_fail(ClusterRun& r, const std::vector<int>& missing) {
  std::string list;
  bool cancelled = false;  // by a user (scancel): stopped for good, not retried
  for (int i : missing) {
    const std::string how = task_end_state(r, i);
    cancelled = cancelled || how == "CANCELLED";
    list += (list.empty() ? "" : ", ") + std::to_string(i) + (how.empty() ? "" : " (" + how + ")");
  }
  const int attempt = r.job["attempt"].get<int>(), retries = r.job["retries"].get<int>();
  if (attempt < retries && !cancelled && r.job.value("scheduler", std::string("slurm")) == "slurm") {
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

// film cluster join DIR: after the pieces' jobs, joins them into OUT.
int join(const Cluster& c) {
  ClusterRun r = load_run(c.dir, c.dir);
  std::vector<int> missing = r.unfinished();
  if (c.wait_pieces)
    for (; !missing.empty(); missing = r.unfinished())
      std::this_thread::sleep_for(std::chrono::seconds(5));
  if (!missing.empty()) return retry_or_fail(r, missing);
  const std::string out = r.job["output"].get<std::string>(), in = r.job["input"].get<std::string>();
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
    frames = join_pieces(pieces, is_sequence_input(in) ? "" : in, out, true);
    for (auto& p : pieces) fs::remove(p, ec);
  }
  const json result = {{"output", out}, {"frames", frames}, {"pieces", r.pieces()},
                       {"join_seconds", now_unix() - t0},
                       {"seconds_since_submit", now_unix() - r.job.value("created", now_unix())},
                       {"attempts", r.job["attempt"].get<int>() + 1}};
  io::write_file_atomic(r.path("result.json"), result.dump());
  std::fprintf(stderr, "joined %s: %lld frames from %d pieces\n", out.c_str(),
               static_cast<long long>(frames), r.pieces());
  return 0;
}

// The options submit and k8s share: the run's input and output, film video's options, the
// pieces and the state folder's handling.
void run_options(CLI::App& sub, Cluster& c) {
  sub.add_option("IN", c.o.input, "the input video or frame sequence")->required();
  sub.add_option("-o", c.o.output, "the output: a video file or a frame pattern")
      ->required()->type_name("OUT")->group("Output");
  retime_options(sub, c.o);
  sub.add_option("--pieces", c.pieces, "pieces (array tasks)")
      ->check(CLI::Range(1, 100000))->type_name("N")->group("Cluster");
  sub.add_option("--frame-seconds", c.frame_seconds,
                 "seconds per output frame on one task (default: estimated from the model's "
                 "multiply-accumulates at the input's size, 50 GMAC/s per CPU)")
      ->check(CLI::Range(1e-6, 1e6))->type_name("S")->group("Cluster");
  sub.add_option("--retries", c.retries, "resubmit failed pieces up to R times (default 2)")
      ->check(CLI::Range(0, 100))->type_name("R")->group("Cluster");
  sub.add_option("--film", c.film, "the film binary the tasks run (default: this one)")
      ->type_name("PATH")->group("Cluster");
  sub.add_flag("--resume", c.resume,
               "continue a run whose jobs ended: finished pieces are kept, unfinished ones resume")
      ->group("Output");
  force_option(sub, c.force);
}

void submit_options(CLI::App& sub, Cluster& c) {
  run_options(sub, c);
  sub.add_option("--task-minutes", c.task_minutes,
                 "target minutes per piece (default 30), from --frame-seconds")
      ->check(CLI::Range(0.1, 1e6))->type_name("M")->group("Cluster");
  for (const char* k : {"partition", "account", "time", "cpus-per-task", "mem", "gres"}) {
    auto* opt = sub.add_option_function<std::string>(
        std::string("--") + k, [&c, k](const std::string& v) { c.slurm[k] = v; },
        "passed to sbatch for each piece");
    opt->type_name("VALUE")->group("Slurm");
    if (std::string(k) == "cpus-per-task") opt->check(CLI::Range(1, 4096));
  }
  sub.add_flag("--wait", c.wait,
               "return when OUT is joined (exit 0) or a piece failed for good (1)")->group("Cluster");
  sub.add_flag("--dry-run", c.dry_run, "print the sbatch commands, submit nothing")->group("Cluster");
  sub.add_flag("--json", c.json, "the submission as JSON on standard output")->group("Output");
}

void k8s_options(CLI::App& sub, Cluster& c) {
  run_options(sub, c);
  sub.add_option("--image", c.image, "the container image holding film")
      ->type_name("IMAGE")->group("Kubernetes");
  sub.add_option("--claim", c.claim, "the PersistentVolumeClaim of the shared volume")
      ->type_name("PVC")->group("Kubernetes");
  sub.add_option("--mount", c.mount, "where the volume is mounted (default /data)")
      ->type_name("PATH")->group("Kubernetes");
  sub.add_option("--cpus", c.cpus, "CPUs each piece requests (and its threads)")
      ->check(CLI::Range(1, 4096))->type_name("C")->group("Kubernetes");
  sub.add_option("--mem", c.mem, "memory each piece requests and is limited to, e.g. 8Gi")
      ->type_name("SIZE")->group("Kubernetes");
  sub.add_option("--gpus", c.gpus, "a GPU resource limit, RESOURCE=N (e.g. amd.com/gpu=1)")
      ->type_name("RES=N")->group("Kubernetes");
  sub.add_option("--parallel", c.parallel, "pieces running at once (default: all)")
      ->check(CLI::Range(1, 100000))->type_name("N")->group("Kubernetes");
  sub.add_option("-O", c.manifest, "write the manifest to this file (default: standard output)")
      ->type_name("MANIFEST.json")->group("Output");
}

}  // namespace

Runner cluster_command(CLI::App& app) {
  auto c = std::make_shared<Cluster>();
  app.description(
      "Splits one `film video IN -o OUT` run into pieces (film video --segment I/N) that run on a\n"
      "cluster, and joins them: the result is the one machine's result, frame for frame. IN,\n"
      "OUT, the model and the film binary must be on a file system every node sees; the pieces,\n"
      "logs and progress go to OUT.film-cluster/ (for a frame pattern, film-cluster/ in its "
      "folder).");
  app.require_subcommand(1, 1);
  auto* submit_cmd = app.add_subcommand("submit", "a Slurm job array, one task per piece, joined "
                                                  "by a dependent job");
  submit_options(*submit_cmd, *c);
  auto* status_cmd = app.add_subcommand("status", "pieces done, frames/s, time left, the jobs");
  status_cmd->add_option("OUT", c->o.output, "the run's output")->required();
  status_cmd->add_flag("--json", c->json, "as JSON")->group("Output");
  auto* k8s_cmd = app.add_subcommand("k8s", "a Kubernetes manifest: an Indexed Job and a join Job");
  k8s_options(*k8s_cmd, *c);
  auto* task_cmd = app.add_subcommand("task", "internal: make one piece (what the jobs run)");
  task_cmd->add_option("DIR", c->dir, "the run's state folder")->required();
  task_cmd->add_option("--index", c->index, "the piece (default: the scheduler's index)")
      ->type_name("I");
  auto* join_cmd = app.add_subcommand("join", "internal: join the pieces (what the join job runs)");
  join_cmd->add_option("DIR", c->dir, "the run's state folder")->required();
  join_cmd->add_flag("--wait-pieces", c->wait_pieces, "wait for every piece first (Kubernetes)");
  return [c, submit_cmd, status_cmd, k8s_cmd, task_cmd, join_cmd]() -> int {
    if (submit_cmd->parsed()) return submit(*c);
    if (status_cmd->parsed()) return status(*c);
    if (k8s_cmd->parsed()) return k8s(*c);
    if (task_cmd->parsed()) return task(*c);
    if (join_cmd->parsed()) return join(*c);
    usage_fail("expected submit, status, k8s, task or join");
  };
}

}  // namespace film::cli
