// film::retime (film/retime.h): a video's frame rate changed by interpolation, streamed.
//
// The run, in order: plan the input (every frame's time from its packets, so the output's frame
// count and a piece's range are known before any work), check where it writes (Destination),
// load the model and fit the frame to the memory budget, then stream: a reading stage decodes
// ahead, the calling thread pairs input frames and runs the model (Pairing), a writing stage
// encodes or writes each frame (FrameSink). A video file is made in chunks in a work folder
// beside it and joined with the input's other streams at the end.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string_view>

#include "film/retime.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "tools/app/memory_budget.h"
#include "tools/app/outputs.h"
#include "tools/app/pipeline.h"
#include "tools/app/retime_plan.h"
#include "tools/app/session_options.h"
#include "tools/media/image.h"

namespace film {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::ordered_json;
using Clock = std::chrono::steady_clock;

constexpr int kDepth = 6;  // times are rounded to multiples of 1/64 of an input interval

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Where a run's frames go, decided and checked before any work: a frame pattern gets each frame
// as it is made; a video file is made in chunks (chunk_seconds of output each, video only) in a
// work folder beside it, so that a resumed run keeps the chunks finished before.
struct Destination {
  bool pattern = false;
  OutputPlan frames;  // a frame pattern's files
  std::string out, work;
  int64_t chunk = 1;  // output frames per chunk
  json settings;      // the options that decide the chunks' content
  std::vector<bool> done;
  int64_t kept = 0;  // frames (of this piece) already made by an interrupted run

  std::string chunk_path(int64_t c) const {
    char name[40];
    std::snprintf(name, sizeof name, "chunk-%08lld", static_cast<long long>(c));
    return (fs::path(work) / name).string() + fs::path(out).extension().string();
  }
  // The options the frames were made with: in the work folder, or for a frame pattern beside its
  // frames (.PATTERN.film-settings.json, the same for every piece of a run).
  std::string settings_file() const {
    if (!pattern) return (fs::path(work) / "settings.json").string();
    const fs::path p(out);
    return (p.parent_path() / ("." + p.filename().string() + ".film-settings.json")).string();
  }
  // What the settings file holds: for a pattern, without the piece (pieces share one file).
  std::string settings_text() const {
    json s = settings;
    if (pattern) s.erase("segment");
    return s.dump();
  }
  // What a finished chunk records beside itself: its frame count, size and checksum. A resumed
  // run reuses a chunk only when the record matches the file (a chunk cut short, replaced or
  // without a record is made again, never joined).
  std::string record_path(int64_t c) const { return chunk_path(c) + ".json"; }
};

// FNV-1a 64 of `bytes`, as 16 hex digits: a checksum, not a defence against a forger.
std::string checksum(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;  // FNV-1a's offset basis and prime
  for (const unsigned char c : bytes) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return hex;
}

void record_chunk(const Destination& d, int64_t c, int64_t frames) {
  const std::string bytes = io::read_file(d.chunk_path(c));
  io::write_file_atomic(d.record_path(c),
                        json{{"frames", frames}, {"bytes", bytes.size()}, {"checksum", checksum(bytes)}}
                            .dump());
}

// Whether chunk c is there, whole, with `frames` frames, as its record says; a chunk that is not
// is removed (with its record) so that this run makes it again.
bool chunk_intact(const Destination& d, int64_t c, int64_t frames) {
  std::error_code ec;
  if (!fs::exists(d.chunk_path(c), ec)) return false;
  try {
    const json r = json::parse(io::read_file(d.record_path(c), 4096, "a chunk record"));
    const std::string bytes = io::read_file(d.chunk_path(c));
    if (r.at("frames").get<int64_t>() == frames && r.at("bytes").get<size_t>() == bytes.size() &&
        r.at("checksum").get<std::string>() == checksum(bytes))
      return true;
  } catch (const std::exception&) {
  }
  fs::remove(d.chunk_path(c), ec);
  fs::remove(d.record_path(c), ec);
  return false;
}

// The input as it is now: size, modification time and a checksum of its first and last MiB (a
// folder or glob of frames: every file's name, size and time). A resumed run whose input
// changed is refused rather than spliced onto the old input's chunks.
json input_identity(const RetimeOptions& o, const VideoSource& source) {
  std::error_code ec;
  auto stamp = [&](const std::string& f) {
    return json{{"file", f},
                {"bytes", fs::file_size(f, ec)},
                {"mtime_ns", std::chrono::duration_cast<std::chrono::nanoseconds>(
                                 fs::last_write_time(f, ec).time_since_epoch())
                                 .count()}};
  };
  if (source.images) {
    json files = json::array();
    for (const auto& f : source.images->files()) files.push_back(stamp(f));
    return json{{"checksum", checksum(files.dump())}, {"frames", files.size()}};
  }
  json id = stamp(o.input);
  std::ifstream in(o.input, std::ios::binary);
  constexpr size_t kMiB = size_t{1} << 20;
  std::string head(kMiB, '\0'), tail(kMiB, '\0');
  in.read(head.data(), static_cast<std::streamsize>(kMiB));
  head.resize(static_cast<size_t>(in.gcount()));
  in.clear();
  in.seekg(0, std::ios::end);
  const auto size = static_cast<size_t>(in.tellg());
  in.seekg(static_cast<std::streamoff>(size > kMiB ? size - kMiB : 0));
  in.read(tail.data(), static_cast<std::streamsize>(kMiB));
  tail.resize(static_cast<size_t>(in.gcount()));
  id["checksum"] = checksum(head + tail);
  return id;
}

// The progress file: a claimed output like any other, and never inside the work folder (which a
// finished run removes).
void check_progress_file(io::OutputRule& rule, const RetimeOptions& o, const Destination& d) {
  if (o.progress_file.empty()) return;
  if (!d.pattern && io::is_within(o.progress_file, d.work))
    fail(o.progress_file, ": refusing to write the progress file into the work folder '", d.work,
         "', which the run removes when it is done");
  rule.claim(o.progress_file, o.force || o.resume);
}

// A resumed run continues only what was made from the same input with the same options: the
// settings recorded by the interrupted run (`where` holds its `what`) must be these.
void check_resumed_settings(const RetimeOptions& o, const Destination& d, const std::string& where,
                            const char* what) {
  std::string before;
  try {
    before = io::read_file(d.settings_file(), std::uint64_t{1} << 20, "a settings file");
  } catch (const Error&) {
  }
  if (before == d.settings_text()) return;
  json was;
  try {
    was = json::parse(before);
  } catch (const json::exception&) {
  }
  if (was.is_object() && was.contains("input_identity") &&
      was["input_identity"] != d.settings["input_identity"])
    fail(where, ": holds ", what, " made from another version of ", o.input,
         " (its size, time or content changed since); run with --force instead of --resume "
         "to start over");
  fail(where, ": holds ", what, " made with other options (", before.empty() ? "unknown" : before,
       "); run with --force instead of --resume to start over");
}

// A frame pattern resumed: only onto frames made with these options (where the interrupted run
// recorded them; frames of an older film, with no record, are taken as they are).
void check_pattern_resume(const RetimeOptions& o, const Destination& d) {
  std::error_code ec;
  if (o.resume && fs::exists(d.settings_file(), ec))
    check_resumed_settings(o, d, d.frames.folder, "frames");
}

// A video file output: refused over an input or an existing file (without force), its folder
// must exist, and an earlier run's work folder is continued (resume), replaced (force) or refused.
void check_video_output(const RetimeOptions& o, const VideoPlan& plan, Destination& d,
                        io::OutputRule& rule) {
  std::error_code ec;
  rule.claim(d.out, o.force);   // not an input, the model's or an input folder; existing: --force
  io::check_removable(d.work);  // the run makes and removes it: never an input folder
  const auto dir = fs::path(d.out).parent_path();
  if (!dir.empty() && !fs::is_directory(dir, ec))
    fail(d.out, ": the output folder '", dir.string(), "' does not exist");
  video::video_default_codec(plan.info.codec, d.out);  // an extension FFmpeg writes, checked early
  io::remove_stale_partials(d.out);
  if (!fs::exists(d.work, ec)) return;
  if (o.resume) {
    check_resumed_settings(o, d, d.work, "chunks");
  } else if (o.force) {
    fs::remove_all(d.work, ec);
  } else {
    fail(d.work,
         ": holds the chunks of an interrupted run; --resume continues it, --force starts over");
  }
}

Destination plan_destination(const RetimeOptions& o, const VideoPlan& plan,
                             const VideoPlan::Piece& piece, const VideoSource& source,
                             const std::string& model, const std::string& backend,
                             io::OutputRule& rule) {
  Destination d;
  d.out = o.output;
  d.pattern = o.output.find('%') != std::string::npos;
  d.work = o.output + ".film-work";
  d.chunk = std::max<int64_t>(1, std::llround(o.chunk_seconds * plan.fps.value()));
  d.settings = {
      {"input", o.input},
      {"fps", std::to_string(plan.fps.num) + "/" + std::to_string(plan.fps.den)},
      {"timeline", std::to_string(plan.timeline.num) + "/" + std::to_string(plan.timeline.den)},
      {"codec", o.codec},
      {"quality", o.quality},
      {"pix_fmt", o.pixel_format},
      {"model", model},
      {"backend", backend},
      {"padding", o.interpolator.padding == Padding::zeros ? "zeros" : "replicate"},
      {"scene_cut", o.scene_cut},
      {"scene_cuts", plan.cuts},
      {"at_cut", o.at_cut == AtCut::fade ? "fade" : "repeat"},
      {"held", o.held},
      {"segment", std::to_string(o.segment) + "/" + std::to_string(o.segments)},
      {"chunk_frames", d.chunk},
      {"reuse", o.reuse_features},
      {"input_identity", input_identity(o, source)}};
  protect_inputs(rule, o, source, model);
  if (d.pattern) {
    d.frames =
        plan_outputs(o.output, static_cast<size_t>(plan.total), o.force, rule,
                     {static_cast<size_t>(piece.k_lo), static_cast<size_t>(piece.k_hi), o.resume});
    check_pattern_resume(o, d);
  } else {
    check_video_output(o, plan, d, rule);
  }
  check_progress_file(rule, o, d);
  // Resumed: the frames (or chunks) already there are complete: each is written atomically.
  d.done.assign(static_cast<size_t>(plan.total), false);
  if (!o.resume) return d;
  if (d.pattern) {
    for (int64_t k = piece.k_lo; k < piece.k_hi; ++k)
      if (fs::exists(d.frames.files[k])) d.done[k] = true, ++d.kept;
    return d;
  }
  for (int64_t c = piece.k_lo / d.chunk; c * d.chunk < piece.k_hi; ++c) {
    const int64_t lo = std::max(c * d.chunk, piece.k_lo), hi = std::min((c + 1) * d.chunk, piece.k_hi);
    if (!chunk_intact(d, c, hi - lo)) continue;
    for (int64_t k = lo; k < hi; ++k) d.done[k] = true;
    d.kept += hi - lo;
  }
  return d;
}

// Once the model is loaded (so a failed start leaves no work folder): the work folder and the
// settings a resumed run must match. True when this call created the folder.
bool start_destination(const Destination& d) {
  std::error_code ec;
  if (d.pattern) {
    io::write_file_atomic(d.settings_file(), d.settings_text());
    return false;
  }
  const bool created = !fs::exists(d.work, ec);
  fs::create_directories(d.work, ec);
  if (ec) fail(d.work, ": cannot create the work folder (", ec.message(), ")");
  io::write_file_atomic(d.settings_file(), d.settings_text());
  return created;
}

// A run that fails before it finished a chunk (an encoder the container refuses, a codec that
// will not open, a bad first frame) removes the work folder it created, so nothing it left
// makes the retry look like an interrupted run. A folder with a finished chunk stays for resume.
struct WorkFolderGuard {
  std::string work;  // "" when this run did not create it
  int uncaught = std::uncaught_exceptions();
  ~WorkFolderGuard() {
    if (work.empty() || std::uncaught_exceptions() <= uncaught) return;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(work, ec))
      if (e.path().filename().string().rfind("chunk-", 0) == 0) return;
    fs::remove_all(work, ec);
  }
};

// The progress file (--progress FILE: JSON, rewritten atomically at most twice a second and at
// the end: what `film cluster status` reads) and the caller's callback.
struct Progress {
  std::string file;
  int64_t expected = 0, kept = 0;
  Clock::time_point start = Clock::now(), entered;
  double reported = -1, startup = -1;

  void report(int64_t written, bool done) {
    if (written > 0 && startup < 0) startup = seconds_since(entered);
    if (file.empty() || (!done && seconds_since(start) - reported < 0.5)) return;
    reported = seconds_since(start);
    json j = {{"frames_expected", expected}, {"frames_kept", kept}, {"frames_written", written},
              {"seconds", reported},         {"done", done},        {"pid", ::getpid()}};
    if (startup >= 0) j["startup_seconds"] = startup;
    io::write_file_atomic(file, j.dump());
  }

  // The caller's callback (after each input frame and at the end): false from it stops the run.
  void tell(const RetimeCallbacks& callbacks, const std::string& output, int64_t written) const {
    if (callbacks.progress && !callbacks.progress({written, expected, kept, seconds_since(start)}))
      throw Cancelled(cat(output, ": stopped by the caller after ", written, " frames"));
  }
};

// The writing stage, on its own thread: frames in increasing k; a video file's chunks opened and
// finished as k crosses their bounds.
class FrameSink {
 public:
  FrameSink(const Destination& d, const VideoPlan& plan, const video::VideoOptions& encoding,
            Progress& progress)
      : d_(d), plan_(plan), encoding_(encoding), progress_(progress),
        stage_(3, [this](Output& o) { write(o); }) {}
  void push(int64_t k, const Tensor& rgb) { stage_.push({k, rgb}); }
  void finish() {
    stage_.finish();
    finish_chunk();
  }
  int64_t written() const { return written_.load(); }

 private:
  struct Output {
    int64_t k = 0;
    Tensor rgb;
  };
  void write(Output& o) {
    if (d_.pattern) {
      io::Image img;
      img.rgb = o.rgb;
      img.bits = plan_.info.bits > 8 ? 16 : 8;
      io::write_image(d_.frames.files[o.k], img);
    } else {
      if (o.k / d_.chunk != chunk_) {
        finish_chunk();
        chunk_ = o.k / d_.chunk;
        writer_ = std::make_unique<video::VideoWriter>(d_.chunk_path(chunk_), plan_.info, encoding_);
      }
      writer_->write(o.rgb);
      ++chunk_frames_;
    }
    progress_.report(++written_, false);
  }

  // The open chunk finished (renamed into place) and its record written beside it.
  void finish_chunk() {
    if (!writer_) return;
    writer_->finish();
    writer_.reset();
    record_chunk(d_, chunk_, chunk_frames_);
    chunk_frames_ = 0;
  }

  const Destination& d_;
  const VideoPlan& plan_;
  const video::VideoOptions encoding_;
  Progress& progress_;
  std::unique_ptr<video::VideoWriter> writer_;
  int64_t chunk_ = -1, chunk_frames_ = 0;
  std::atomic<int64_t> written_ = 0;
  Stage<Output> stage_;  // last: its thread starts once the members above exist
};

// A piece starts at the state a whole run has there: its first pair begins at the last input
// frame before the piece that is not held (frame i is held when it differs by less than `held`
// from frame i-1, so looking back a few frames finds it). Returns that frame's index; the source
// is left positioned there. `decoded` counts the frames decoded to find it.
int64_t find_piece_start(VideoSource& source, const VideoPlan& plan, int64_t a_in, double held,
                         const std::string& planned, int64_t& decoded) {
  if (a_in == 0) return 0;
  const auto& times = plan.times;
  int64_t first = a_in - 1;
  // Windows [from, to] further and further back (2, 4, 8, ... frames), each ending at the frame
  // before the last one's start, until a frame in one differs from the frame before.
  for (int64_t to = a_in - 1, len = 2; held > 0 && to > 0;
       to = std::max<int64_t>(0, to - len + 1), len *= 2) {
    const int64_t from = std::max<int64_t>(0, to - len + 1);
    source.seek(times[from]);
    int64_t found = from == 0 ? 0 : -1;  // frame 0 is never held
    Tensor last, cur;
    double t = 0;
    for (int64_t i = from; i <= to; ++i, ++decoded) {
      if (!source.next(cur, t) || std::abs(t - times[i]) > 1e-6)
        fail(plan.input, ": frame ", i, " is not at ", times[i], " s after a jump, where ",
             planned, " said; its timestamps cannot be trusted to split it");
      if (i > from && video::frame_change(last, cur) >= held) found = i;
      last = std::move(cur);
    }
    if (found >= 0) {
      first = found;
      break;
    }
  }
  source.seek(times[first]);
  return first;
}

// (1 - t) a + t b.
Tensor mix(const Tensor& a, const Tensor& b, double t) {
  Tensor out = Tensor::zeros(a.shape());
  const float* pa = a.data();
  const float* pb = b.data();
  float* po = out.data();
  const float w = static_cast<float>(t);
  for (int64_t i = 0, n = a.size(); i < n; ++i) po[i] = pa[i] + w * (pb[i] - pa[i]);
  return out;
}

// Pairs of input frames, in order: held frames skipped, cuts not interpolated across, and the
// output frames each pair makes computed (or repeated at a cut) and handed to `emit`.
struct Pairing {
  FrameInterpolator& f;
  const RetimeOptions& o;
  const VideoPlan& plan;
  const VideoPlan::Piece& piece;
  const Destination& d;
  std::function<void(int64_t, const Tensor&)> emit;
  Keyframe prev{};  // the last frame not held; carries its encoder outputs to the next pair
  Tensor last{};    // the frame before
  bool last_is_prev = true, started = false;
  double t_prev = 0, model_seconds = 0;
  int64_t i_prev = 0;  // the input index of prev
  int64_t k = 0, cuts = 0, held = 0;

  bool wanted(int64_t x) const {
    return x >= piece.k_lo && x < piece.k_hi &&
           (x >= static_cast<int64_t>(d.done.size()) || !d.done[x]);
  }

  // Whether a listed cut (--scene-cuts) starts a shot at an input frame in (i_prev, i_cur].
  bool listed_cut(int64_t i_cur) const {
    const auto c = std::upper_bound(plan.cuts.begin(), plan.cuts.end(), i_prev);
    return c != plan.cuts.end() && *c <= i_cur;
  }

  // The next input frame (input index i_cur); false once the piece's last pair is done.
  bool add(const Tensor& cur, double t_cur, int64_t i_cur) {
    if (!started) {
      prev = Keyframe(cur), t_prev = t_cur, i_prev = i_cur, last = cur, started = true;
      return true;
    }
    // A held frame (the same picture as the one before): the span to the next new frame is
    // interpolated as one, so that motion stays even.
    const double step = video::frame_change(last, cur);
    last = cur;
    if (o.held > 0 && step < o.held) {
      ++held;
      last_is_prev = false;
      return true;
    }
    const bool listed = listed_cut(i_cur);
    const double change = listed || o.scene_cut <= 0 ? 0
                          : last_is_prev             ? step
                                                     : video::frame_change(prev.rgb(), cur);
    last_is_prev = true;
    const bool cut = listed || (o.scene_cut > 0 && change > o.scene_cut);
    cuts += cut;
    make(cur, t_cur, cut);
    t_prev = t_cur, i_prev = i_cur;
    return t_prev < piece.t_hi - 1e-9;
  }

  // Output frame k sits at k / rate seconds; the pair (t_prev, t_cur) makes those in [t_prev,
  // t_cur).
  void make(const Tensor& cur, double t_cur, bool cut) {
    const double rate = plan.timeline.value();  // frames per second of input time
    std::vector<double> at;
    std::vector<int64_t> which;
    for (; static_cast<double>(k) / rate < t_cur - 1e-9; ++k)
      if (wanted(k)) {
        at.push_back(std::max(0.0, (static_cast<double>(k) / rate - t_prev) / (t_cur - t_prev)));
        which.push_back(k);
      }
    const Keyframe next(cur);
    if (cut && o.at_cut == AtCut::fade) {  // never across a cut: the two sides mixed
      for (size_t i = 0; i < at.size(); ++i) emit(which[i], mix(prev.rgb(), cur, at[i]));
    } else if (cut) {  // never across a cut: each frame shows the nearer side
      for (size_t i = 0; i < at.size(); ++i) emit(which[i], at[i] < 0.5 ? prev.rgb() : cur);
    } else if (!at.empty()) {
      const auto t0 = Clock::now();
      f.frames_at(prev, next, at, kDepth,
                  [&](size_t i, const Tensor& frame) { emit(which[i], frame); });
      model_seconds += seconds_since(t0);
    }
    prev = next;
  }

  // After the last input frame of the whole input: it lasts one interval.
  void hold_last() {
    if (piece.t_hi != INFINITY) return;
    for (; k < plan.total; ++k)
      if (wanted(k)) emit(k, prev.rgb());
  }
};

// What a piece of a video file records about itself (container tags), so that join_pieces takes
// the pieces in any order and refuses a missing, repeated or foreign one: its index of N, and
// the run it belongs to (a checksum of the input's content and every option that decides the
// frames).
std::map<std::string, std::string> piece_tags(const Destination& d, int segment, int segments) {
  json run = d.settings;
  run.erase("segment");
  // The input by its content, not its path or time: pieces made on machines that each copied it.
  run.erase("input");
  run["input_identity"].erase("file");
  run["input_identity"].erase("mtime_ns");
  return {{"film_piece", std::to_string(segment) + "/" + std::to_string(segments)},
          {"film_run", checksum(run.dump())}};
}

// The chunks of this run (or piece), in order, joined with the input's other streams (a piece's
// are added when the pieces are joined: join_pieces).
void join_chunks(const RetimeOptions& o, const Destination& d, const VideoPlan& plan,
                 const VideoPlan::Piece& piece) {
  std::vector<std::string> chunks;
  for (int64_t c = piece.k_lo / d.chunk; c * d.chunk < piece.k_hi; ++c) {
    chunks.push_back(d.chunk_path(c));
    if (!fs::exists(chunks.back()))
      fail(chunks.back(), ": internal: a chunk of the output was not made");
  }
  std::map<std::string, std::string> tags;
  if (o.segments > 1) tags = piece_tags(d, o.segment, o.segments);
  if (o.segments > 1 && o.slowmo.num != 0)  // so that --join adds no audio of another duration
    tags["film_slowmo"] = std::to_string(o.slowmo.num) + "/" + std::to_string(o.slowmo.den);
  // The input's audio and subtitles, in its time; with --slowmo the subtitles stretched with the
  // video's time, and no audio.
  const bool others = o.segments == 1 && !plan.sequence;
  video::join_videos(chunks, others ? o.input : "", d.out, tags,
                     o.slowmo.num != 0 ? o.slowmo : Rational{1, 1});
  std::error_code ec;
  fs::remove_all(d.work, ec);
}

// The input's rotation (a display matrix) is kept in MP4 and MOV outputs; where it cannot be
// (Debian 12's FFmpeg writes none into Matroska or WebM; frames are images as stored), say so.
std::string rotation_note(const VideoPlan& plan, const Destination& d) {
  const double r = plan.info.rotation;
  if (r == 0) return "";
  std::string ext = fs::path(d.out).extension().string();
  for (char& c : ext) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  const std::string turn = cat("the input is shown turned by ", r, " degrees (its display matrix)");
  if (d.pattern) return turn + "; the frames are written as stored, not turned";
  if (ext == ".mkv" || ext == ".webm")
    return turn + "; this FFmpeg cannot store that in " + ext +
           ", so players will show the frames "
           "as stored: write .mp4 or .mov to keep it";
  return "";
}

void check_options(const RetimeOptions& o) {
  if (o.input.empty() || o.output.empty()) usage_fail("expected one input video and -o");
  if (o.segments < 1 || o.segment < 0 || o.segment >= o.segments)
    usage_fail("--segment takes I/N with 0 <= I < N (0/4 is the first of four), got '", o.segment,
               "/", o.segments, "'");
  if (!(o.scene_cut >= 0 && o.scene_cut <= 1))
    usage_fail("--scene-cut: expected a number in [0, 1], got ", o.scene_cut);
  if (!(o.held >= 0 && o.held <= 1)) usage_fail("--held: expected a number in [0, 1], got ", o.held);
  if (!(o.chunk_seconds >= 0.01 && o.chunk_seconds <= 1e6))
    usage_fail("--chunk: expected a number in [0.01, 1e+06], got ", o.chunk_seconds);
  if (o.quality < -1 || o.quality > 63) usage_fail("--quality: expected 0..63, got ", o.quality);
  if (o.force && o.resume) usage_fail("give one of --resume and --force");
}

// What the run did, into its result.
void count(RetimeResult& r, const Pairing& pairs, int64_t written, const Progress& progress,
           const FrameInterpolator& f) {
  r.frames_written = written;
  r.scene_cuts = pairs.cuts;
  r.held_frames = pairs.held;
  r.model_seconds = pairs.model_seconds;
  r.seconds = seconds_since(progress.start);
  r.startup_seconds = progress.startup;
  r.encoder_runs = f.run_counts().encodes;
  r.decoder_runs = f.run_counts().decodes;
  r.whole_runs = f.run_counts().whole;
}

}  // namespace

// A run with standard input or output ("-"): one stream, decoded and written in order on this
// thread as the pairs make frames; the input's length is known only at its end.
static RetimeResult retime_stream(const RetimeOptions& o, const RetimeCallbacks& callbacks) {
  const auto entered = Clock::now();
  if (o.resume || o.segments > 1 || !o.progress_file.empty() || !o.frame_times_file.empty())
    usage_fail(
        "a stream (- as input or output) is made in one go: --resume, --segment, "
        "--progress and --frame-times need files");
  if (o.output.find('%') != std::string::npos)
    usage_fail("a stream goes to - or a video file, not a frame pattern");
  if (o.input == "-" && !o.scene_cuts.empty())
    usage_fail("--scene-cuts needs a file input (its frames are counted before any work)");
  if (o.pipe_format != "y4m" && o.pipe_format != "nut")
    usage_fail("--pipe-format: expected y4m or nut, got '", o.pipe_format, "'");
  const std::string model = model_dir(o.interpolator);
  VideoSource source;
  VideoPlan plan = o.input == "-" ? plan_stream(o, source) : plan_video(o, &source);
  io::OutputRule rule;
  protect_inputs(rule, o, source, model);
  if (o.output != "-") {
    rule.claim(o.output, o.force);
    io::remove_stale_partials(o.output);
  }
  InterpolatorOptions io = o.interpolator;
  io.model = model;
  auto f = make_interpolator(io);
  f->set_reuse_features(o.reuse_features);
  const std::string note = fit_frame_memory(*f, plan.info.height, plan.info.width, kDepth + 9,
                                            memory_budget(o.interpolator));
  if (!note.empty() && callbacks.note) callbacks.note(note);
  video::VideoWriter writer(o.output, plan.info,
                            {.fps = plan.fps,
                             .codec = o.codec,
                             .quality = o.quality,
                             .pixel_format = o.pixel_format,
                             .container = o.pipe_format});
  RetimeResult r;
  r.fps_in = plan.info.frame_rate.value();
  r.fps_out = plan.fps.value();
  r.codec = writer.codec();
  Progress progress{
      .file = "", .expected = plan.total == INT64_MAX ? 0 : plan.total, .entered = entered};
  const Destination d;
  const VideoPlan::Piece piece{.a_in = 0, .k_lo = 0, .k_hi = INT64_MAX, .t_hi = INFINITY};
  int64_t written = 0;
  Pairing pairs{*f,    o, plan,
                piece, d, [&](int64_t, const Tensor& rgb) { writer.write(rgb), ++written; }};
  struct Input {
    Tensor rgb;
    double t = 0;
  };
  Prefetch<Input> read_stage(2, [&](Input& in) { return source.next(in.rgb, in.t); });
  double t_last = 0, t_before = NAN;
  for (Input in; read_stage.next(in);) {
    pairs.add(in.rgb, in.t, r.frames_decoded);
    if (r.frames_decoded++ > 0) t_before = t_last;
    t_last = in.t;
    progress.report(written, false);  // (startup time; no file)
    progress.tell(callbacks, o.output, written);
  }
  if (r.frames_decoded == 0)
    fail(plan.input == "-" ? "standard input" : o.input, ": holds no video frame");
  plan.total = plan.total_through(t_last, t_before);  // known now, at the stream's end
  pairs.hold_last();
  writer.finish();
  r.frames_in = r.frames_decoded;
  r.frames_out = written;
  count(r, pairs, written, progress, *f);
  progress.expected = written;
  progress.tell(callbacks, o.output, written);
  return r;
}

RetimeResult retime(const RetimeOptions& o, const RetimeCallbacks& callbacks) {
  const auto entered = Clock::now();
  check_options(o);
  if (o.input == "-" || o.output == "-") return retime_stream(o, callbacks);
  const std::string backend = backend_spec(o.interpolator);
  const std::string model = model_dir(o.interpolator);
  VideoSource source;
  const VideoPlan plan = plan_video(o, &source);
  const VideoPlan::Piece piece = plan.piece(o.segment, o.segments);
  io::OutputRule rule;  // what this run must never write over, and what it writes
  Destination d = plan_destination(o, plan, piece, source, model, backend, rule);
  const MemoryBudget budget = memory_budget(o.interpolator);

  InterpolatorOptions io = o.interpolator;
  io.model = model;
  auto f = make_interpolator(io);
  f->set_reuse_features(o.reuse_features);
  // Memory, against the real limit, before any frame: the frames in flight (the recursion's
  // path, the pair, the stages' queues) come on top of the plan.
  const std::string note = fit_frame_memory(*f, plan.info.height, plan.info.width, kDepth + 9, budget);
  if (!note.empty() && callbacks.note) callbacks.note(note);
  if (const std::string r = rotation_note(plan, d); !r.empty() && callbacks.note) callbacks.note(r);
  if (o.slowmo.num != 0 && !plan.sequence && !d.pattern && callbacks.note)
    callbacks.note(
        "--slowmo: the input's audio is left out (its time is stretched); subtitles are retimed");
  const WorkFolderGuard guard{start_destination(d) ? d.work : std::string()};

  RetimeResult r;
  r.frames_in = static_cast<int64_t>(plan.times.size());
  r.frames_out = plan.total;
  r.frames_kept = d.kept;
  r.fps_in = plan.info.frame_rate.value();
  r.fps_out = plan.fps.value();
  const video::VideoOptions encoding{
      .fps = plan.fps, .codec = o.codec, .quality = o.quality, .pixel_format = o.pixel_format};
  r.codec = d.pattern ? "images"
                      : (o.codec.empty() ? video::video_default_codec(plan.info.codec, d.out) : o.codec);
  Progress progress{.file = o.progress_file,
                    .expected = piece.k_hi - piece.k_lo - d.kept,
                    .kept = d.kept,
                    .entered = entered};
  progress.report(0, false);
  FrameSink sink(d, plan, encoding, progress);
  const std::string planned =
      o.frame_times_file.empty() ? "its packets" : "--frame-times " + o.frame_times_file;
  int64_t inputs = find_piece_start(source, plan, piece.a_in, o.held, planned, r.frames_decoded);
  auto tell = [&] { progress.tell(callbacks, o.output, sink.written()); };
  Pairing pairs{*f, o, plan, piece, d, [&](int64_t k, const Tensor& rgb) { sink.push(k, rgb); }};
  struct Input {
    Tensor rgb;
    double t = 0;
  };
  Prefetch<Input> read_stage(2, [&](Input& in) { return source.next(in.rgb, in.t); });
  for (Input in; read_stage.next(in);) {
    if (inputs >= r.frames_in)
      fail(o.input, ": holds more than the ", r.frames_in, " frames ", planned, " said");
    if (std::abs(in.t - plan.times[inputs]) > 1e-6)
      fail(o.input, ": frame ", inputs, " decodes at ", in.t, " s where ", planned, " said ",
           plan.times[inputs], " s; the timestamps cannot be trusted to plan the output");
    ++inputs, ++r.frames_decoded;
    const bool more = pairs.add(in.rgb, in.t, inputs - 1);
    tell();
    if (!more) break;
  }
  if (r.frames_decoded == 0) fail(o.input, ": holds no video frame");
  pairs.hold_last();
  sink.finish();
  if (!d.pattern) join_chunks(o, d, plan, piece);
  progress.report(sink.written(), true);
  count(r, pairs, sink.written(), progress, *f);
  tell();
  return r;
}

// The pieces sorted by the index each records (piece_tags), after checking that they are all N
// pieces of one run, each once. Pieces that record nothing (made elsewhere, or by an older film)
// are taken in the order given.
std::vector<std::string> pieces_in_order(const std::vector<std::string>& pieces) {
  std::vector<std::string> by_index(pieces.size());
  std::string run, first, untagged;
  for (const std::string& p : pieces) {
    const auto tags = video::container_tags(p);
    const auto piece = tags.find("film_piece"), id = tags.find("film_run");
    if (piece == tags.end() || id == tags.end()) {
      if (untagged.empty()) untagged = p;
      continue;
    }
    long long i = -1, n = -1;
    if (std::sscanf(piece->second.c_str(), "%lld/%lld", &i, &n) != 2 || i < 0 || i >= n)
      fail(p, ": records itself as piece '", piece->second, "', which is not I/N");
    if (run.empty()) run = id->second, first = p;
    if (id->second != run)
      fail(p, ": a piece of another run than ", first, " (another input or other options)");
    if (n != static_cast<long long>(pieces.size()))
      fail(p, ": is piece ", i, " of ", n, ", but ", pieces.size(), " pieces were given");
    if (!by_index[i].empty()) fail(p, ": is piece ", i, " of ", n, ", as is ", by_index[i]);
    by_index[i] = p;
  }
  if (first.empty()) return pieces;
  if (!untagged.empty())
    fail(untagged, ": records no piece index, unlike ", first, "; give only the pieces of one run");
  return by_index;
}

int64_t join_pieces(const std::vector<std::string>& pieces, const std::string& source,
                    const std::string& output, bool force) {
  if (pieces.empty() || output.empty())
    usage_fail("--join takes the pieces in order and -o OUT (and --source IN for its audio)");
  io::OutputRule rule;
  for (const std::string& p : pieces) rule.protect(p, "input");
  rule.protect(source, "input");
  rule.claim(output, force);
  if (!source.empty())
    if (const auto tags = video::container_tags(pieces.front()); tags.count("film_slowmo"))
      usage_fail(pieces.front(), ": a piece of a --slowmo ", tags.at("film_slowmo"),
                 " run: the audio of --source ", source,
                 " would not match its stretched time; join without --source");
  io::remove_stale_partials(output);
  return video::join_videos(pieces_in_order(pieces), source, output);
}

}  // namespace film
