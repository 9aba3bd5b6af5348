// film video: a thin caller of film::retime (film/retime.h) and film::join_pieces.
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>

#include "graph/base/error.h"
#include "tools/app/memory_budget.h"
#include "tools/cli/cli.h"

namespace film::cli {
namespace {

struct Video {
  std::vector<std::string> inputs;
  RetimeOptions o;
  std::string segment, source;
  bool join = false, quiet = false, json = false;

  int run_join() const;
  int run();
};

int Video::run_join() const {
  if (inputs.empty() || o.output.empty())
    usage_fail("--join takes the pieces in order and -o OUT (and --source IN for its audio)");
  const int64_t n = join_pieces(inputs, source, o.output, o.force);
  if (json) {
    nlohmann::ordered_json j = {{"output", o.output}, {"pieces", inputs.size()}, {"frames", n}};
    std::printf("%s\n", j.dump().c_str());
  } else if (!quiet) {
    std::fprintf(stderr, "wrote %s: %lld frames from %zu pieces%s\n", o.output.c_str(),
                 static_cast<long long>(n), inputs.size(),
                 source.empty() ? "" : (", other streams from " + source).c_str());
  }
  return 0;
}

void print_summary(const RetimeOptions& o, const RetimeResult& r, bool json) {
  if (json) {
    nlohmann::ordered_json j = {
        {"input", o.input},
        {"output", o.output},
        {"frames_in", r.frames_in},
        {"frames_decoded", r.frames_decoded},
        {"frames_out", r.frames_out},
        {"frames_written", r.frames_written},
        {"frames_kept", r.frames_kept},
        {"scene_cuts", r.scene_cuts},
        {"held_frames", r.held_frames},
        {"segment", std::to_string(o.segment) + "/" + std::to_string(o.segments)},
        {"fps_in", r.fps_in},
        {"fps_out", r.fps_out},
        {"seconds", r.seconds},
        {"model_seconds", r.model_seconds},
        {"encoder_runs", r.encoder_runs},
        {"decoder_runs", r.decoder_runs},
        {"whole_runs", r.whole_runs},
        {"peak_rss_mib", static_cast<double>(peak_rss_bytes()) / (1 << 20)},
        {"codec", r.codec}};
    std::printf("%s\n", j.dump().c_str());
    return;
  }
  std::fprintf(stderr,
               "wrote %s: %lld of %lld frames at %.3f fps (%lld kept) from %lld at %.3f fps in "
               "%.1f s%s\n",
               o.output == "-" ? "standard output" : o.output.c_str(),
               static_cast<long long>(r.frames_written), static_cast<long long>(r.frames_out),
               r.fps_out, static_cast<long long>(r.frames_kept),
               static_cast<long long>(r.frames_in), r.fps_in, r.seconds,
               r.codec == "images" ? "" : (" (" + r.codec + ")").c_str());
}

int Video::run() {
  if (join) return run_join();
  if (inputs.size() != 1) usage_fail("expected one input video and -o");
  o.input = inputs[0];
  if (!segment.empty()) std::tie(o.segment, o.segments) = parse_segment(segment);
  if (o.output == "-" && json)
    usage_fail("--json writes to standard output, which -o - fills with the video");
  if (o.output == "-" && ::isatty(STDOUT_FILENO))
    usage_fail(
        "-o - writes the video to standard output, which is a terminal here; pipe it into "
        "a program (| ffmpeg -i - OUT) or name a file");
  // Progress on standard error when it is a terminal (the JSON summary goes to standard output).
  const bool progress = !quiet && stderr_is_terminal();
  RetimeCallbacks callbacks;
  callbacks.note = [](const std::string& note) { std::fprintf(stderr, "film: %s\n", note.c_str()); };
  if (progress)
    callbacks.progress = [](const RetimeProgress& p) {
      if (p.frames_written == 0) return true;
      const double per = p.seconds / static_cast<double>(p.frames_written);
      if (p.frames_expected <= 0) {  // a stream: its length is known at its end
        std::fprintf(stderr, "\r[%lld] %.1f frames/s   ", static_cast<long long>(p.frames_written),
                     1 / per);
        std::fflush(stderr);
        return true;
      }
      std::fprintf(stderr, "\r[%lld/%lld] %.1f frames/s, about %.0f s left   ",
                   static_cast<long long>(p.frames_written),
                   static_cast<long long>(p.frames_expected), 1 / per,
                   per * static_cast<double>(std::max<int64_t>(p.frames_expected - p.frames_written, 0)));
      std::fflush(stderr);
      return true;
    };
  const RetimeResult r = retime(o, callbacks);
  if (progress) std::fprintf(stderr, "\n");
  if (!quiet || json) print_summary(o, r, json);
  return 0;
}

}  // namespace

Runner video_command(CLI::App& app) {
  auto c = std::make_shared<Video>();
  app.description(
      "Raises IN's frame rate: every output frame is placed at its exact time k/RATE and made by\n"
      "interpolating the two input frames around it (variable frame rates included); the last\n"
      "input frame is held for one frame interval. Audio and subtitle streams are copied.\n"
      "IN: a video file FFmpeg reads, or a frame sequence: a folder of images or a quoted glob\n"
      "('shots/*.png'), in natural order (2 before 10). OUT: a video file (.mp4, .mkv, .mov,\n"
      ".webm, ...) or a frame pattern (frames/%06d.png, numbered by output frame).\n"
      "IN or OUT '-': a stream on standard input or output (YUV4MPEG2 or NUT; -o - writes\n"
      "YUV4MPEG2, or NUT with --pipe-format nut), made in one go as frames come.\n"
      "film video --join PIECE... -o OUT [--source IN]: joins the pieces of --segment runs.");
  app.add_option("IN", c->inputs, "the input (with --join: the pieces, in order)")
      ->type_name("IN");
  app.add_option("-o", c->o.output,
                 "the output: a video file, a frame pattern, or - (standard output)")
      ->required()
      ->type_name("OUT")
      ->group("Output");
  retime_options(app, c->o);
  force_option(app, c->o.force);
  app.add_flag("--resume", c->o.resume,
               "continue an interrupted run: keep the frames (or, for a video file, the finished "
               "chunks) already made and make the rest")
      ->group("Output");
  app.add_option("--segment", c->segment,
                 "make piece I (0-based) of N: the output frames of the I-th of N even runs of "
                 "input frames (for several processes or machines)")
      ->type_name("I/N")
      ->group("Pieces");
  app.add_flag("--join", c->join, "join the pieces given as IN, in order, into OUT")
      ->group("Pieces");
  app.add_option("--source", c->source, "with --join: the input whose audio and subtitles to add")
      ->type_name("IN")
      ->group("Pieces");
  app.add_option("--progress", c->o.progress_file,
                 "keep FILE up to date with the frames made so far (JSON)")
      ->type_name("FILE")
      ->group("Output");
  app.add_option("--frame-times", c->o.frame_times_file,
                 "IN's frame times (a JSON list of seconds, as film cluster saves them) instead "
                 "of reading all of IN's packets; each frame is checked")
      ->type_name("FILE")
      ->group("Pieces");
  app.add_option("--pipe-format", c->o.pipe_format,
                 "the stream format of -o -: y4m (YUV4MPEG2, the default) or nut (raw video in NUT)")
      ->check(CLI::IsMember({"y4m", "nut"}))
      ->type_name("y4m|nut")
      ->group("Video");
  app.add_flag("--quiet", c->quiet, "no progress line or summary")->group("Output");
  app.add_flag("--json", c->json, "a JSON summary on standard output")->group("Output");
  app.footer(
      "Times other than multiples of 1/64 of an input interval are rounded to the nearest (the\n"
      "midpoint recursion of 'film interpolate --timestamps').");
  return [c] { return c->run(); };
}

}  // namespace film::cli
