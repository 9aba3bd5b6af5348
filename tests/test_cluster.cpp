// `film cluster` on a throwaway single-node Slurm cluster (tools/slurm_local.sh: munged, slurmctld
// and slurmd from Debian's packages on loopback ports, everything in a temporary folder, stopped
// by pid at the end; skipped where the packages are not installed), and the Kubernetes manifest
// checked for its structure, its pieces run as its pods would run them.
#include <doctest/doctest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <thread>

#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;
using json = nlohmann::json;

namespace {

bool slurm_installed() {
  for (const char* p : {"/usr/sbin/munged", "/usr/sbin/slurmctld", "/usr/sbin/slurmd",
                        "/usr/bin/sbatch", "/usr/bin/squeue", "/usr/bin/scancel"})
    if (access(p, X_OK) != 0) return false;
  return true;
}
const bool kSlurm = slurm_installed();

// A cluster for one test, stopped (every daemon, by its pid file) when the test ends.
class LocalSlurm {
 public:
  explicit LocalSlurm(const std::string& dir) : dir_(dir) {
    auto r = test::run_command(test::source_dir() + "/tools/slurm_local.sh start '" + dir + "'");
    INFO(r.output);
    if (r.exit_code != 0) stop();  // (the destructor does not run when the constructor fails)
    REQUIRE(r.exit_code == 0);
    conf_ = dir + "/slurm.conf";
  }
  ~LocalSlurm() { stop(); }
  void stop() const {
    test::run_command(test::source_dir() + "/tools/slurm_local.sh stop '" + dir_ + "'");
  }
  // `film ARGS` as a user of this cluster runs it.
  test::CommandResult film(const std::string& args) const {
    return test::run_command("SLURM_CONF='" + conf_ + "' " + test::film_binary() + " " + args);
  }
  test::CommandResult film_ok(const std::string& args) const {
    auto r = film(args);
    INFO(args);
    INFO(r.output);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  test::CommandResult run(const std::string& cmdline) const {
    return test::run_command("SLURM_CONF='" + conf_ + "' " + cmdline);
  }

 private:
  std::string dir_, conf_;
};

test::CommandResult film_ok(const std::string& args) {
  auto r = test::run_command(test::film_binary() + " " + args);
  INFO(args);
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  return r;
}

// 4 s at 12 fps, 320x192, with a sine audio track.
void make_clip(const std::string& path) {
  auto r = test::run_command(
      "ffmpeg -v error -y -f lavfi -i testsrc2=s=320x192:r=12:d=4 -f lavfi -i "
      "sine=frequency=440:duration=4 -c:v libx264 -pix_fmt yuv420p -c:a aac -shortest '" +
      path + "'");
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
}

// Every video frame's checksum and time, by FFmpeg (an independent reader), and the streams.
std::string frames_of(const std::string& path) {
  auto r = test::run_command("ffmpeg -v error -i '" + path +
                             "' -map 0:v -f framemd5 - 2>/dev/null | grep -v '^#'; ffprobe -v "
                             "error -show_entries stream=codec_type -of csv=p=0 '" +
                             path + "'");
  REQUIRE(r.exit_code == 0);
  return r.output;
}

json read_json(const std::string& path) { return json::parse(io::read_file(path)); }

// Waits (up to a minute) for `done()`.
template <class F>
bool eventually(F done, double seconds = 120) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < until) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return false;
}

// The frames piece i of a run has written so far (its progress file; 0 before there is one).
int64_t written(const std::string& state, int i) {
  try {
    char name[40];
    std::snprintf(name, sizeof name, "/piece-%04d.progress", i);
    return read_json(state + name).value("frames_written", int64_t{0});
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

TEST_CASE("film cluster: 4 Slurm pieces join to the one-machine run; a cancelled piece resumes" *
          doctest::skip(!kSlurm)) {
  test::TempDir dir;
  LocalSlurm slurm(dir / "slurm");
  make_clip(dir / "clip.mp4");
  // Small chunks, so that a piece has finished some when it is cancelled. The tasks run with
  // the CPUs Slurm gives them (1 thread here), and so does the one-machine run: the cpu
  // backend's last bits depend on its thread count (docs/scale-out.md).
  const std::string opts = " --factor 2 --codec ffv1 --chunk 0.25";
  film_ok("video " + (dir / "clip.mp4") + " -o " + (dir / "one.mkv") + opts +
          " --threads 1 --quiet");
  const std::string want = frames_of(dir / "one.mkv");
  REQUIRE(want.find("audio") != std::string::npos);

  // Submitted without --wait: piece 0 is cancelled once it has made 7 of its 24 frames.
  const std::string submit = "cluster submit " + (dir / "clip.mp4") + " -o " + (dir / "c.mkv") +
                             opts + " --pieces 4 --cpus-per-task 1";
  auto r = slurm.film_ok(submit + " --json");
  const json sub = json::parse(r.output.substr(r.output.find('{')));
  const std::string state = sub["state_dir"];
  CHECK(state == dir / "c.mkv.film-cluster");
  REQUIRE(eventually([&] { return written(state, 0) >= 7; }));
  r = slurm.run("scancel " + sub["array_job"].get<std::string>() + "_0");
  REQUIRE(r.exit_code == 0);
  // The join job sees a piece missing, cancelled by a user: not retried (a failure would be),
  // said so; the other pieces finish.
  REQUIRE(eventually([&] { return std::filesystem::exists(state + "/failed.json"); }));
  CHECK(read_json(state + "/failed.json")["pieces"] == json::array({0}));
  r = slurm.film("cluster status " + (dir / "c.mkv"));
  INFO(r.output);
  CHECK(r.output.find("failed; 3 of 4 pieces done") != std::string::npos);
  CHECK(r.output.find("pieces 0 (CANCELLED) of") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "c.mkv"));
  // Its finished chunks are kept for the resubmission.
  CHECK(std::filesystem::exists(state + "/piece-0000.mkv.film-work/chunk-00000000.mkv"));

  // Submitting the same again without --resume is refused; with it, only piece 0 runs, resumed.
  r = slurm.film(submit);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("--resume continues it") != std::string::npos);
  r = slurm.film_ok(submit + " --resume --wait");
  CHECK(r.output.find("submitted 1 of 4 pieces") != std::string::npos);
  CHECK(read_json(state + "/piece-0000.done")["frames_kept"].get<int>() >= 6);
  CHECK(io::read_file(state + "/logs/task-0.log").find("(resuming)") != std::string::npos);
  CHECK(frames_of(dir / "c.mkv") == want);
  const json result = read_json(state + "/result.json");
  CHECK(result["frames"] == 96);
  CHECK_FALSE(std::filesystem::exists(state + "/piece-0001.mkv"));  // joined: removed
  r = slurm.film_ok("cluster status " + (dir / "c.mkv") + " --json");
  const json st = json::parse(r.output);
  CHECK(st["state"] == "done");
  CHECK(st["frames_done"] == 96);
  CHECK(st["pieces_done"] == 4);
}

TEST_CASE("film cluster: a failed piece is resubmitted by the join job; frame patterns too" *
          doctest::skip(!kSlurm)) {
  test::TempDir dir;
  LocalSlurm slurm(dir / "slurm");
  make_clip(dir / "clip.mp4");
  film_ok("video " + (dir / "clip.mp4") + " -o '" + (dir / "one/%04d.png") +
          "' --factor 2 --threads 1 --quiet");
  auto r =
      slurm.film_ok("cluster submit " + (dir / "clip.mp4") + " -o '" + (dir / "many/%04d.png") +
                    "' --factor 2 --pieces 4 --cpus-per-task 1 --retries 1 --json");
  const json sub = json::parse(r.output.substr(r.output.find('{')));
  const std::string state = sub["state_dir"];
  CHECK(state == dir / "many/film-cluster");
  // Piece 1's process dies (as when the kernel's OOM killer ends it): its task fails.
  REQUIRE(eventually([&] { return written(state, 1) >= 3; }));
  const auto pid = read_json(state + "/piece-0001.progress")["pid"].get<int>();
  REQUIRE(kill(pid, SIGKILL) == 0);
  REQUIRE(eventually([&] { return std::filesystem::exists(state + "/result.json"); }, 240));
  const json job = read_json(state + "/job.json");
  REQUIRE(job["jobs"].size() == 2);  // the join resubmitted piece 1
  CHECK(job["jobs"][1]["pieces"] == json::array({1}));
  for (int k = 0; k < 96; ++k) {
    char name[32];
    std::snprintf(name, sizeof name, "/%04d.png", k);
    CAPTURE(k);
    CHECK(io::read_file((dir / "many") + name) == io::read_file((dir / "one") + name));
  }
}

TEST_CASE("film cluster: clear errors, and nothing submitted, for what cannot work") {
  test::TempDir dir;
  make_clip(dir / "clip.mp4");
  auto r = test::run_command(test::film_binary() + " cluster status " + (dir / "none.mkv"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("no cluster run there") != std::string::npos);
  // No sbatch on PATH: said before anything is written.
  r = test::run_command("PATH=/nonexistent " + test::film_binary() + " cluster submit " +
                        (dir / "clip.mp4") + " -o " + (dir / "x.mkv") + " --factor 2 --pieces 2");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("sbatch") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "x.mkv.film-cluster"));
  r = test::run_command(test::film_binary() + " cluster submit " + (dir / "clip.mp4") + " -o " +
                        (dir / "x.mkv") + " --factor 2 --pieces 49");
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("48 frames cannot make 49 pieces") != std::string::npos);
  // The frame times a submission saves for its tasks are checked against every decoded frame.
  io::write_file_atomic(dir / "times.json", "[0, 0.0833333333, 0.2]");
  r = test::run_command(test::film_binary() + " video " + (dir / "clip.mp4") + " -o " +
                        (dir / "t.mkv") + " --factor 2 --frame-times " + (dir / "times.json"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("frame 2 decodes at 0.166667 s where --frame-times") != std::string::npos);
  io::write_file_atomic(dir / "times.json", "[0, \"x\"]");
  r = test::run_command(test::film_binary() + " video " + (dir / "clip.mp4") + " -o " +
                        (dir / "t.mkv") + " --factor 2 --frame-times " + (dir / "times.json"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("not a list of frame times") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "t.mkv"));
  // --dry-run prints the job array and the join depending on it.
  r = film_ok("cluster submit " + (dir / "clip.mp4") + " -o " + (dir / "x.mkv") +
              " --factor 2 --pieces 3 --partition cpu --time 1:00:00 --mem 4G --dry-run");
  CHECK(r.output.find("'--array=0,1,2'") != std::string::npos);
  CHECK(r.output.find("'--partition=cpu'") != std::string::npos);
  CHECK(r.output.find("'--time=1:00:00'") != std::string::npos);
  CHECK(r.output.find("--dependency=afterany:") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(dir / "x.mkv.film-cluster"));
}

TEST_CASE("film cluster k8s: an Indexed Job whose index picks the piece, and a join Job") {
  test::TempDir dir;  // the shared volume, mounted at the same path
  make_clip(dir / "clip.mp4");
  const std::string model = test::source_dir() + "/models/film-default";
  std::filesystem::copy(model, dir / "model", std::filesystem::copy_options::recursive);
  // Outside the volume: refused, naming the path.
  auto r = test::run_command(test::film_binary() + " cluster k8s " + (dir / "clip.mp4") + " -o " +
                             (dir / "k.mkv") + " --factor 2 --pieces 3 --image film:1 --claim " +
                             "shared --mount " + (dir / "vol") + " --model " + (dir / "model"));
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("must be on the shared volume") != std::string::npos);

  film_ok("cluster k8s " + (dir / "clip.mp4") + " -o " + (dir / "k.mkv") +
          " --factor 2 --codec ffv1 --pieces 3 --image registry.example/film:1 --claim shared "
          "--mount " +
          dir.path() + " --model " + (dir / "model") +
          " --cpus 2 --mem 4Gi --gpus amd.com/gpu=1 -O " + (dir / "job.json"));
  const json m = read_json(dir / "job.json");
  CHECK(m["kind"] == "List");
  REQUIRE(m["items"].size() == 2);
  const json& pieces = m["items"][0];
  CHECK(pieces["apiVersion"] == "batch/v1");
  CHECK(pieces["kind"] == "Job");
  CHECK(pieces["spec"]["completionMode"] == "Indexed");
  CHECK(pieces["spec"]["completions"] == 3);
  const json& pod = pieces["spec"]["template"]["spec"];
  const json& c = pod["containers"][0];
  const std::string state = dir / "k.mkv.film-cluster";
  CHECK(c["image"] == "registry.example/film:1");
  CHECK(c["command"] == json::array({"film", "cluster", "task", state}));
  CHECK(c["resources"]["requests"]["cpu"] == "2");
  CHECK(c["resources"]["requests"]["memory"] == "4Gi");
  CHECK(c["resources"]["limits"]["amd.com/gpu"] == "1");
  CHECK(c["volumeMounts"][0]["mountPath"] == dir.path());
  CHECK(pod["volumes"][0]["persistentVolumeClaim"]["claimName"] == "shared");
  const json& joiner = m["items"][1];
  CHECK(joiner["spec"]["template"]["spec"]["containers"][0]["command"] ==
        json::array({"film", "cluster", "join", state, "--wait-pieces"}));
  // The pods' commands, run here with the index Kubernetes sets: each makes its piece, and the
  // join gives the one-machine result.
  r = test::run_command(test::film_binary() + " cluster task " + state);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("JOB_COMPLETION_INDEX") != std::string::npos);
  for (int i : {2, 0, 1})
    CHECK(test::run_command("JOB_COMPLETION_INDEX=" + std::to_string(i) + " " +
                            test::film_binary() + " cluster task " + state)
              .exit_code == 0);
  film_ok("cluster join " + state + " --wait-pieces");
  // Timed from the run's creation (a Kubernetes run has no Slurm submissions to time from).
  const double took = read_json(state + "/result.json")["seconds_since_submit"].get<double>();
  CHECK(took > 0);
  CHECK(took < 3600);
  film_ok("video " + (dir / "clip.mp4") + " -o " + (dir / "one.mkv") +
          " --factor 2 --codec ffv1 --quiet --model " + (dir / "model"));
  CHECK(frames_of(dir / "k.mkv") == frames_of(dir / "one.mkv"));
}
