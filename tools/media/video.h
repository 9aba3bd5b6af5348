// Video files through FFmpeg's libraries (Debian's libavformat, libavcodec, libswscale): frames in
// and out as RGB tensors, one at a time, so memory does not grow with a video's length.
// VideoWriter writes video only; join_videos() puts written pieces together and copies the
// input's other streams (audio, subtitles) packet by packet beside them.
//
// Usage:
//   VideoReader in("clip.mp4");
//   VideoWriter out("slow.mkv", in.info(), {.fps = {60, 1}});  // codec, quality: VideoOptions
//   Tensor rgb; double t;
//   while (in.next(rgb, t)) out.write(rgb);
//   out.finish();                                               // atomically renamed into place
//   join_videos({"slow.mkv"}, "clip.mp4", "slow-with-audio.mkv");
#pragma once

#include <cstdint>
#include <memory>
#include <map>
#include <string>
#include <vector>

#include "engine/tensor.h"
#include "film/rational.h"

namespace film::video {

using film::Rational;

struct VideoInfo {
  int width = 0, height = 0;
  Rational frame_rate;  // the stream's average frame rate (0/1 when unknown)
  double duration = 0;  // seconds (0 when unknown)
  int64_t frames = 0;   // the container's count (0 when unknown)
  std::string codec;    // decoder name, e.g. "h264"
  std::string pixel_format;
  int bits = 8;  // bits per colour sample of the decoded frames
  // Degrees counter-clockwise that players turn the stored frames (a phone's display matrix; 0
  // when none). Frames are decoded as stored; a video output keeps the matrix (join_videos).
  double rotation = 0;
  // How the stored samples map to colour, as FFmpeg's enums (AVColorSpace, AVColorRange,
  // AVColorPrimaries, AVColorTransferCharacteristic, AVChromaLocation; 2, 0, 2, 2, 0: unspecified).
  // Frames are converted to RGB with this matrix and range (untagged: BT.601 below 720 lines,
  // BT.709 from 720, limited range), and a VideoWriter converts back with the same and tags its
  // output the same, so colours come out as they went in.
  int colour_matrix = 2, colour_range = 0, colour_primaries = 2, colour_transfer = 2,
      chroma_location = 0;
};

class VideoReader {
 public:
  // film::Error naming the file when it cannot be opened or holds no video stream. "-" is
  // standard input: a stream in any container FFmpeg recognises (YUV4MPEG2, NUT, ...), read once.
  explicit VideoReader(const std::string& path);
  ~VideoReader();
  VideoReader(const VideoReader&) = delete;
  VideoReader& operator=(const VideoReader&) = delete;

  const VideoInfo& info() const { return info_; }
  const std::string& path() const { return path_; }
  // The next frame in presentation order as [1,3,H,W] RGB in [0, 1], and its time in seconds
  // from the first frame. False at the end.
  bool next(Tensor& rgb, double& seconds);
  // Makes next() return the first frame at or after `seconds` (from the first frame): a jump to
  // the key frame before it and decoding from there, or, where the container cannot jump
  // there, reading from the start. The frames are the ones reading straight through gives.
  void seek(double seconds);

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  bool decode();
  std::string path_;
  VideoInfo info_;
  std::unique_ptr<Impl> impl_;
};

// The presentation times (seconds from the first frame, increasing) of every frame of the video
// stream, from its packets alone (no decoding: fast). What `film video` plans pieces and resumes
// with; VideoReader::next() reports the same times.
std::vector<double> video_frame_times(const std::string& path);

// How much two frames ([1,3,H,W] RGB in [0, 1]) differ, for cut and held-frame detection: the
// mean absolute difference of their luma (Rec. 601 weights) after averaging 8x8 blocks, which
// keeps compression noise and grain out of it. 0 for identical frames; docs/cli.md gives the
// values measured at cuts, held frames and ordinary motion.
double frame_change(const Tensor& a, const Tensor& b);

struct VideoOptions {
  Rational fps;              // the output's frame rate
  std::string codec;         // encoder name; "" picks (video_default_codec)
  int quality = -1;          // CRF-like quality for encoders that take one; -1: the codec's default
  std::string pixel_format;  // "" picks: the input's if the encoder takes it, else yuv420p for
                             // x264/x265/vpx/aom, the nearest to the input's for the others
  std::string container = "y4m";  // a "-" (standard output) writer's stream: "y4m" or "nut"
};

// The encoder `film video` uses for `output_path` when none is asked: the input's codec family
// where the container takes it and Debian's FFmpeg has an encoder (h264 -> libx264, hevc ->
// libx265, vp9 -> libvpx-vp9, vp8 -> libvpx, av1 -> libaom-av1, ffv1, prores -> prores_ks, mjpeg,
// png), else libx264 for MP4/MKV/MOV and libvpx-vp9 for WebM.
std::string video_default_codec(const std::string& input_codec, const std::string& output_path);

class VideoWriter {
 public:
  // Opens the encoder and a partial file beside `path` (removed if the process is interrupted);
  // finish() renames it to `path`. "-": standard output, as options.container says (raw frames,
  // written as they come; the input's pixel format where YUV4MPEG2 takes it, else 4:4:4). Frames of
  // `frame`'s size; its pixel format and codec guide the defaults.
  VideoWriter(const std::string& path, const VideoInfo& frame, const VideoOptions& options);
  ~VideoWriter();  // without finish(): the partial file is removed
  VideoWriter(const VideoWriter&) = delete;
  VideoWriter& operator=(const VideoWriter&) = delete;

  // The next output frame ([1,3,H,W] RGB, the input's size), at frame index * 1/fps.
  void write(const Tensor& rgb);
  void finish();
  // The encoder it uses (options.codec, or the one chosen for the path or stream).
  const std::string& codec() const { return codec_; }

  struct Impl;

 private:
  std::string path_, codec_;
  int64_t frames_ = 0;
  std::unique_ptr<Impl> impl_;
};

// Joins pieces made by `film video --segment I/N` with a video file output (each holding one video
// stream whose frames sit at k/fps from 0, made with the same encoder settings) into `out`: the
// pieces' video packets copied in order without re-encoding, each piece's timestamps shifted to
// follow the previous piece's frames, so the result has the pieces' total frame count at an even
// rate; the other streams (audio, subtitles) copied whole from `source` (the original input),
// timestamps shifted so that source's first video frame is at 0 (as VideoWriter::copy does).
// Written to a partial file and renamed into place; film::Error naming the piece when a piece is
// missing, unreadable, holds no video, or its codec, size, pixel format, codec configuration
// (extradata) or frame rate differs from the first's (a different time base is rescaled).
// Returns the number of video frames written. An empty `source`: video only.
// `tags` are written as the container's metadata (kept by Matroska and, with
// use_metadata_tags, by MP4/MOV): how a piece records which piece of which run it is.
// `stretch` (slow motion, above 1): the source's subtitles are retimed by it (each cue starts
// and lasts K times as long, from the video's start) and its audio is left out.
int64_t join_videos(const std::vector<std::string>& pieces, const std::string& source,
                    const std::string& out, const std::map<std::string, std::string>& tags = {},
                    Rational stretch = {1, 1});

// The container-level metadata of a video file (its tags, names in lower case), for reading back
// join_videos' tags.
std::map<std::string, std::string> container_tags(const std::string& path);

}  // namespace film::video
