// film video: a video's frame rate raised by interpolation, streamed (a few frames in memory
// whatever the length), with the other streams (audio, subtitles) copied.
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "backends/registry.h"
#include "engine/app/image.h"
#include "engine/app/interpolate.h"
#include "engine/app/memory_budget.h"
#include "engine/app/pipeline.h"
#include "engine/app/sequence.h"
#include "engine/app/video.h"
#include "graph/error.h"
#include "graph/file.h"
#include "tools/commands.h"
#include "tools/model_path.h"
#include "tools/outputs.h"
#include "tools/video_plan.h"

namespace film::cli {
namespace {

const char* kHelp =
    "usage: film video IN -o OUT (--factor N | --fps RATE) [options]\n"
    "Raises IN's frame rate: every output frame is placed at its exact time k/RATE and made by\n"
    "interpolating the two input frames around it (variable frame rates included); the last\n"
    "input frame is held for one frame interval. Audio and subtitle streams are copied.\n"
    "IN: a video file FFmpeg reads, or a frame sequence: a folder of images or a quoted glob\n"
    "('shots/*.png'), in natural order (2 before 10). OUT: a video file (.mp4, .mkv, .mov,\n"
    ".webm, ...) or a frame pattern (frames/%06d.png, numbered by output frame).\n"
    "  --factor N         N times the input's frame rate (2: 12 -> 24 fps)\n"
    "  --fps RATE         this rate: 60, 59.94, 60000/1001\n"
    "  --input-fps RATE   a sequence's frame rate (default 24; video files carry their own)\n"
    "  --codec NAME       encoder (default: the input's codec family where the container takes\n"
    "                     it, else libx264; libvpx-vp9 for .webm)\n"
    "  --quality Q        CRF for x264/x265/vpx/aom (default 17, 20: visually lossless)\n"
    "  --pix-fmt NAME     pixel format (default: the input's where the encoder takes it)\n"
    "  --model DIR  --backend cpu|vulkan|ref  --device N (film devices)  --precision "
    "fp32|bf16|fp16\n"
    "  --threads N  --padding replicate|zeros\n"
    "  --force            replace an existing OUT\n"
    "  --segment I/N      make piece I (0-based) of N: the output frames of the I-th of N even\n"
    "                     runs of input frames; N pieces into one frame pattern give exactly\n"
    "                     the frames of one whole run (for several processes or machines); with\n"
    "                     a video file, each piece is its own file (video only), joined by:\n"
    "film video --join PIECE... -o OUT [--source IN] [--force]\n"
    "                     the pieces in order, their timing continued, IN's audio and subtitles\n"
    "                     added: the whole run's frame count and timing\n"
    "  --resume           continue an interrupted run: keep the frames (or, for a video file, the\n"
    "                     finished chunks) already made and make the rest; the result is the\n"
    "                     same as an uninterrupted run's\n"
    "  --chunk SECONDS    a video file is made in chunks of this much output (default 4), the\n"
    "                     unit --resume keeps; each starts with a key frame\n"
    "  --scene-cut T      a pair whose frames differ by more than T (0-1; default 0.08) is a cut:\n"
    "                     never interpolated across, each frame shows the nearer side; 0: off\n"
    "  --held T           a frame differing by less than T (default 0.0005) from the one before\n"
    "                     is held: skipped, so motion stays even; 0: off\n"
    "  --quiet            no progress line; --json: a JSON summary on standard output\n"
    "  --progress FILE    keep FILE up to date with the frames made so far (JSON)\n"
    "  --frame-times FILE IN's frame times (a JSON list of seconds, as film cluster saves them)\n"
    "                     instead of reading all of IN's packets; each frame is checked\n"
    "  --reuse            encode each input frame once for both its pairs (the same frames;\n"
    "                     measured 0.6-14% faster at 1280x720 on 2 cores, 45% more memory)\n"
    "  --max-memory SIZE  memory to stay within (default: what the machine or cgroup has\n"
    "                     available); encoder reuse keeps frames' features only as far as it fits,\n"
    "                     and frames that need more run as overlapping tiles\n"
    "Times other than multiples of 1/64 of an input interval are rounded to the nearest (the\n"
    "midpoint recursion of 'film interpolate --timestamps').\n";

constexpr int kDepth = 6;
// frame_change() thresholds (docs/cli.md has the measurements behind them).
constexpr double kSceneCut = 0.08, kHeld = 0.0005;

// film video --join PIECE... -o OUT [--source IN]: the pieces' video, one after the other, with
// IN's other streams (audio, subtitles).
int join(const Args& a) {
  if (a.positional().empty() || !a.get("-o"))
    usage_fail("--join takes the pieces in order and -o OUT (and --source IN for its audio)");
  const std::string out = *a.get("-o"), source = a.get_or("--source", "");
  std::error_code ec;
  if (std::filesystem::exists(out, ec) && !a.flag("--force"))
    fail(out, ": exists; pass --force to replace it");
  io::install_interrupt_cleanup();
  io::remove_stale_partials(out);
  const int64_t n = video::join_videos(a.positional(), source, out);
  if (a.flag("--json")) {
    nlohmann::ordered_json j = {{"output", out}, {"pieces", a.positional().size()}, {"frames", n}};
    std::printf("%s\n", j.dump().c_str());
  } else if (!a.flag("--quiet")) {
    std::fprintf(stderr, "wrote %s: %lld frames from %zu pieces%s\n", out.c_str(),
                 static_cast<long long>(n), a.positional().size(),
                 source.empty() ? "" : (", other streams from " + source).c_str());
  }
  return 0;
}

}  // namespace

int cmd_video(const std::vector<std::string>& argv) {
  const auto entered = std::chrono::steady_clock::now();
  Args a(argv,
         {"-o",           "--factor",   "--fps",        "--input-fps", "--codec",     "--quality",
          "--pix-fmt",    "--model",    "--backend",    "--device",    "--precision", "--threads",
          "--padding",    "--segment",  "--scene-cut",  "--held",      "--chunk",     "--source",
          "--max-memory", "--progress", "--frame-times"},
         {"--help", "--force", "--quiet", "--json", "--resume", "--reuse", "--join"}, "video");
  if (a.flag("--help")) {
    std::fputs(kHelp, stdout);
    return 0;
  }
  if (a.flag("--join")) return join(a);
  if (a.positional().size() != 1 || !a.get("-o")) {
    std::fputs(kHelp, stderr);
    usage_fail("expected one input video and -o");
  }
  const int threads = a.get_int("--threads", 0, 0, 4096);
  const int quality = a.get_int("--quality", -1, 0, 63);
  const Padding padding =
      parse_padding(a.get_or("--padding", "replicate")) ? Padding::zeros : Padding::replicate;
  const std::string in_path = a.positional()[0], out = *a.get("-o");
  const bool pattern = out.find('%') != std::string::npos;
  const std::string model_dir = resolve_model_dir(a.get_or("--model", ""));

  // The input (a video file, or a sequence of image files) and the plan: every input frame's
  // time (from the packets, no decoding), so the output's frame count, and a piece's range of
  // output frames, are known before any work.
  std::unique_ptr<video::VideoReader> reader;
  std::unique_ptr<ImageSequence> images;
  const VideoPlan plan = plan_video(a, in_path, &reader, &images);
  const video::VideoInfo& info = plan.info;
  const video::Rational fps = plan.fps;
  const std::vector<double>& times = plan.times;
  const double rate = fps.value();
  const double eps = 1e-9;
  const int64_t m_in = static_cast<int64_t>(times.size()), total = plan.total;
  std::vector<Protected> protect = {{model_dir, "model folder"}};
  std::error_code ec;
  if (!images) {
    protect.push_back({in_path, "input"});
  } else if (std::filesystem::is_directory(in_path, ec)) {
    protect.push_back({in_path, "input folder"});
  } else {
    for (auto& f : images->files()) protect.push_back({f, "input"});
  }
  int seg_i = 0, seg_n = 1;
  if (auto seg = a.get("--segment")) std::tie(seg_i, seg_n) = parse_segment(*seg);
  const VideoPlan::Piece piece = plan.piece(seg_i, seg_n);
  const int64_t k_lo = piece.k_lo, k_hi = piece.k_hi;
  const double t_hi = piece.t_hi;  // decoding stops at the piece's end
  const bool resume = a.flag("--resume"), force = a.flag("--force");
  const double cut_above = a.get_real("--scene-cut", kSceneCut, 0, 1),
               held_below = a.get_real("--held", kHeld, 0, 1);
  const double chunk_seconds = a.get_real("--chunk", 4, 0.01, 1e6);
  const MemoryBudget budget = max_memory_option(a);

  // Where it writes, checked before any work. A frame pattern gets each frame as it is made. A
  // video file is made in chunks (chunk_seconds of output each, video only) in a work folder
  // beside it, joined with the input's other streams at the end: a resumed run keeps the
  // chunks finished before, and the result is the same however often the run was interrupted.
  OutputPlan frames;
  const std::string work = out + ".film-work";
  const int64_t chunk = std::max<int64_t>(1, std::llround(chunk_seconds * rate));
  const video::VideoOptions encoding{.fps = fps,
                                     .codec = a.get_or("--codec", ""),
                                     .quality = quality,
                                     .pixel_format = a.get_or("--pix-fmt", "")};
  auto chunk_path = [&](int64_t c) {
    char name[40];
    std::snprintf(name, sizeof name, "chunk-%08lld", static_cast<long long>(c));
    return (std::filesystem::path(work) / name).string() +
           std::filesystem::path(out).extension().string();
  };
  // The options that decide the chunks' content: a resumed run must have the same.
  nlohmann::ordered_json settings = {
      {"input", in_path},
      {"fps", std::to_string(fps.num) + "/" + std::to_string(fps.den)},
      {"codec", encoding.codec},
      {"quality", quality},
      {"pix_fmt", encoding.pixel_format},
      {"model", model_dir},
      {"backend", backend_option(a)},
      {"padding", a.get_or("--padding", "replicate")},
      {"scene_cut", cut_above},
      {"held", held_below},
      {"segment", std::to_string(seg_i) + "/" + std::to_string(seg_n)},
      {"chunk_frames", chunk},
      {"reuse", a.flag("--reuse")}};
  if (pattern) {
    frames = plan_outputs(out, static_cast<size_t>(total), force, protect,
                          {static_cast<size_t>(k_lo), static_cast<size_t>(k_hi), resume});
  } else {
    std::error_code ec;
    for (auto& p : protect)
      if (std::filesystem::exists(out, ec) && std::filesystem::equivalent(out, p.path, ec))
        fail(out, ": refusing to write the output over the ", p.role, " '", p.path, "'");
    if (std::filesystem::exists(out, ec) && !force)
      fail(out, ": exists; pass --force to replace it");
    const auto dir = std::filesystem::path(out).parent_path();
    if (!dir.empty() && !std::filesystem::is_directory(dir, ec))
      fail(out, ": the output folder '", dir.string(), "' does not exist");
    video::video_default_codec(info.codec, out);  // an extension FFmpeg writes, checked early
    io::remove_stale_partials(out);
    const std::string settings_file = (std::filesystem::path(work) / "settings.json").string();
    if (std::filesystem::exists(work, ec)) {
      if (resume) {
        std::string before;
        try {
          before = io::read_file(settings_file);
        } catch (const Error&) {
        }
        if (before != settings.dump())
          fail(work, ": holds chunks made with other options (",
               before.empty() ? "unknown" : before,
               "); run with --force instead of --resume to start over");
      } else if (force) {
        std::filesystem::remove_all(work, ec);
      } else {
        fail(work,
             ": holds the chunks of an interrupted run; --resume continues it, --force "
             "starts over");
      }
    }
  }
  // Resumed: the frames (or chunks) already there are complete: each is written atomically.
  std::vector<bool> done(static_cast<size_t>(total), false);
  int64_t kept = 0;
  if (resume)
    for (int64_t k = k_lo; k < k_hi; ++k)
      if (std::filesystem::exists(pattern ? frames.files[k] : chunk_path(k / chunk)))
        done[k] = true, ++kept;
  auto wanted = [&](int64_t k) { return k >= k_lo && k < k_hi && !done[k]; };
  const int64_t expected = k_hi - k_lo - kept;

  auto model = Model::load(model_dir);
  FrameInterpolator f(model, {.backend = backend_option(a),
                              .threads = threads,
                              .padding = padding,
                              .reuse_features = a.flag("--reuse"),
                              .memory_budget = budget.bytes});
  // Memory, against the real limit, before any frame: the frames in flight (the recursion's
  // path, the pair, the stages' queues) come on top of the plan.
  check_frame_memory(f, info.height, info.width, kDepth + 9, budget);
  io::install_interrupt_cleanup();
  if (!pattern) {  // once the model is loaded: a failed start leaves no work folder
    std::error_code ec;
    std::filesystem::create_directories(work, ec);
    if (ec) fail(work, ": cannot create the work folder (", ec.message(), ")");
    io::write_file_atomic((std::filesystem::path(work) / "settings.json").string(),
                          settings.dump());
  }

  const bool progress = !a.flag("--quiet") && !a.flag("--json") && ::isatty(STDERR_FILENO);
  const auto start = std::chrono::steady_clock::now();
  auto seconds = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  std::atomic<int64_t> written = 0;
  int64_t inputs = 0;
  double model_seconds = 0;
  const std::string codec =
      pattern
          ? "images"
          : (encoding.codec.empty() ? video::video_default_codec(info.codec, out) : encoding.codec);

  // The writing stage, on its own thread: frames in increasing k; a video file's chunks opened
  // and finished as k crosses their bounds.
  // --progress FILE: how far the run is, as JSON, rewritten (atomically) at most twice a second
  // and at the end: what `film cluster status` reads.
  const std::string progress_file = a.get_or("--progress", "");
  double reported = -1, startup = -1;
  auto report = [&](int64_t n, bool done) {
    // startup_seconds: from the command's start (model loading, planning, seeking) to the
    // first frame made.
    if (n > 0 && startup < 0)
      startup = std::chrono::duration<double>(std::chrono::steady_clock::now() - entered).count();
    if (progress_file.empty() || (!done && seconds() - reported < 0.5)) return;
    reported = seconds();
    nlohmann::ordered_json j = {
        {"frames_expected", expected}, {"frames_kept", kept}, {"frames_written", n},
        {"seconds", reported},         {"done", done},        {"pid", ::getpid()}};
    if (startup >= 0) j["startup_seconds"] = startup;
    io::write_file_atomic(progress_file, j.dump());
  };
  report(0, false);
  std::unique_ptr<video::VideoWriter> writer;
  int64_t writer_chunk = -1;
  struct Output {
    int64_t k = 0;
    Tensor rgb;
  };
  Stage<Output> write_stage(3, [&](Output& o) {
    if (pattern) {
      io::Image img;
      img.rgb = o.rgb;
      img.bits = info.bits > 8 ? 16 : 8;
      io::write_image(frames.files[o.k], img);
    } else {
      if (o.k / chunk != writer_chunk) {
        if (writer) writer->finish();
        writer_chunk = o.k / chunk;
        writer = std::make_unique<video::VideoWriter>(chunk_path(writer_chunk), info, encoding);
      }
      writer->write(o.rgb);
    }
    const int64_t n = ++written;
    report(n, false);
    if (progress) {
      const double sec = seconds();
      std::fprintf(stderr, "\r[%lld/%lld] %.1f frames/s, about %.0f s left   ",
                   static_cast<long long>(n), static_cast<long long>(expected), n / sec,
                   sec / n * static_cast<double>(std::max<int64_t>(expected - n, 0)));
      std::fflush(stderr);
    }
  });
  auto emit = [&](int64_t k, const Tensor& rgb) { write_stage.push({k, rgb}); };
  // The reading stage: the next input frames decoded while the model runs.
  struct Input {
    Tensor rgb;
    double t = 0;
  };
  const std::string planned =
      a.get("--frame-times") ? "--frame-times " + *a.get("--frame-times") : "its packets";
  auto read = [&](Tensor& rgb, double& t) {
    return images ? images->next(rgb, t) : reader->next(rgb, t);
  };
  // A piece starts at the state a whole run has there: its first pair begins at the last input
  // frame before the piece that is not held (frame i is held when it differs by less than
  // --held from frame i-1, so looking back a few frames finds it). The reader jumps there
  // instead of decoding everything before the piece.
  int64_t first = 0, decoded = 0;
  const int64_t a_in = piece.a_in;
  if (a_in > 0) {
    first = a_in - 1;
    // Windows [from, to] further and further back (2, 4, 8, ... frames), each ending at the
    // frame before the last one's start, until a frame in one differs from the frame before.
    for (int64_t to = a_in - 1, len = 2; held_below > 0 && to > 0;
         to = std::max<int64_t>(0, to - len + 1), len *= 2) {
      const int64_t from = std::max<int64_t>(0, to - len + 1);
      images ? images->seek(times[from]) : reader->seek(times[from]);
      int64_t found = from == 0 ? 0 : -1;  // frame 0 is never held
      Tensor last, cur;
      double t = 0;
      for (int64_t i = from; i <= to; ++i, ++decoded) {
        if (!read(cur, t) || std::abs(t - times[i]) > 1e-6)
          fail(in_path, ": frame ", i, " is not at ", times[i], " s after a jump, where ", planned,
               " said; its timestamps cannot be trusted to split it");
        if (i > from && video::frame_change(last, cur) >= held_below) found = i;
        last = std::move(cur);
      }
      if (found >= 0) {
        first = found;
        break;
      }
    }
    images ? images->seek(times[first]) : reader->seek(times[first]);
  }
  inputs = first;
  Prefetch<Input> read_stage(2, [&](Input& in) { return read(in.rgb, in.t); });

  // Output frame k sits at k / rate seconds; the pair (t0, t1) makes those in [t0, t1).
  Keyframe prev;  // the last frame not held; carries its encoder outputs to the next pair
  Tensor last;    // the frame before
  bool last_is_prev = true;
  double t_prev = 0;
  int64_t k = 0, cuts = 0, held = 0;
  for (Input in; read_stage.next(in);) {
    const Tensor& cur = in.rgb;
    const double t_cur = in.t;
    if (inputs >= m_in) fail(in_path, ": holds more than the ", m_in, " frames ", planned, " said");
    if (std::abs(t_cur - times[inputs]) > 1e-6)
      fail(in_path, ": frame ", inputs, " decodes at ", t_cur, " s where ", planned, " said ",
           times[inputs], " s; the timestamps cannot be trusted to plan the output");
    ++inputs, ++decoded;
    if (inputs == first + 1) {
      prev = Keyframe(cur);
      t_prev = t_cur;
      last = cur;
      last_is_prev = true;
      continue;
    }
    // A held frame (the same picture as the one before): the span to the next new frame is
    // interpolated as one, so that motion stays even.
    const double step = video::frame_change(last, cur);
    last = cur;
    if (held_below > 0 && step < held_below) {
      ++held;
      last_is_prev = false;
      continue;
    }
    const double change = last_is_prev ? step : video::frame_change(prev.rgb(), cur);
    last_is_prev = true;
    const bool cut = cut_above > 0 && change > cut_above;
    cuts += cut;
    std::vector<double> at;
    std::vector<int64_t> which;
    for (; static_cast<double>(k) / rate < t_cur - eps; ++k)
      if (wanted(k)) {
        at.push_back(std::max(0.0, (static_cast<double>(k) / rate - t_prev) / (t_cur - t_prev)));
        which.push_back(k);
      }
    if (cut) {  // never across a cut: each frame shows the nearer side
      for (size_t i = 0; i < at.size(); ++i) emit(which[i], at[i] < 0.5 ? prev.rgb() : cur);
    }
    const Keyframe next(cur);
    if (!cut && !at.empty()) {
      // The model's share of the time (handing frames to the writing stage is all else).
      const double t0 = seconds();
      f.frames_at(prev, next, at, kDepth,
                  [&](size_t i, const Tensor& frame) { emit(which[i], frame); });
      model_seconds += seconds() - t0;
    }
    prev = next;
    t_prev = t_cur;
    if (t_prev >= t_hi - eps) break;  // the piece's last pair is done
  }
  if (decoded == 0) fail(in_path, ": holds no video frame");
  if (t_hi == INFINITY)  // the last input frame lasts one interval
    for (; k < total; ++k)
      if (wanted(k)) emit(k, prev.rgb());
  write_stage.finish();
  if (writer) writer->finish();
  if (!pattern) {
    // The chunks of this run (or piece), in order, joined with the input's other streams (a
    // piece's are added when the pieces are joined: film video --join).
    std::vector<std::string> chunks;
    for (int64_t c = k_lo / chunk; c * chunk < k_hi; ++c) {
      chunks.push_back(chunk_path(c));
      if (!std::filesystem::exists(chunks.back()))
        fail(chunks.back(), ": internal: a chunk of the output was not made");
    }
    video::join_videos(chunks, seg_n > 1 || images ? "" : in_path, out);
    std::error_code ec;
    std::filesystem::remove_all(work, ec);
  }
  report(written, true);
  if (progress) std::fprintf(stderr, "\n");
  const double took = seconds();
  if (a.flag("--json")) {
    nlohmann::ordered_json j = {{"input", in_path},
                                {"output", out},
                                {"frames_in", m_in},
                                {"frames_decoded", decoded},
                                {"frames_out", total},
                                {"frames_written", written.load()},
                                {"frames_kept", kept},
                                {"scene_cuts", cuts},
                                {"held_frames", held},
                                {"segment", std::to_string(seg_i) + "/" + std::to_string(seg_n)},
                                {"fps_in", info.frame_rate.value()},
                                {"fps_out", rate},
                                {"seconds", took},
                                {"model_seconds", model_seconds},
                                {"encoder_runs", f.run_counts().encodes},
                                {"decoder_runs", f.run_counts().decodes},
                                {"whole_runs", f.run_counts().whole},
                                {"peak_rss_mib", static_cast<double>(peak_rss_bytes()) / (1 << 20)},
                                {"codec", codec}};
    std::printf("%s\n", j.dump().c_str());
  } else {
    std::fprintf(stderr,
                 "wrote %s: %lld of %lld frames at %.3f fps (%lld kept) from %lld at %.3f fps in "
                 "%.1f s%s\n",
                 out.c_str(), static_cast<long long>(written.load()), static_cast<long long>(total),
                 rate, static_cast<long long>(kept), static_cast<long long>(m_in),
                 info.frame_rate.value(), took, pattern ? "" : (" (" + codec + ")").c_str());
  }
  return 0;
}

}  // namespace film::cli
