// What video.cpp (VideoReader, VideoWriter) and video_join.cpp (join_videos) share over FFmpeg's
// libavformat: not part of the API in video.h, which keeps FFmpeg's headers out of its users.
#pragma once

extern "C" {
#include <libavformat/avformat.h>
}

#include <string>
#include <vector>

namespace film::video::detail {

// FFmpeg's text for an AVERROR code.
std::string av_error(int code);

// An output file muxed into a partial file beside `path` (removed if the process is interrupted,
// or when this object dies unfinished) and renamed to `path` by finish(), so no reader ever sees
// a half-written video.
class MuxedFile {
 public:
  // The container from path's extension; film::Error naming `path` when there is none.
  explicit MuxedFile(const std::string& path);
  ~MuxedFile();
  MuxedFile(const MuxedFile&) = delete;
  MuxedFile& operator=(const MuxedFile&) = delete;

  AVFormatContext* fmt() { return fmt_; }
  // Once every stream is added: creates the partial file and writes the container's header.
  void start();
  // av_interleaved_write_frame (which takes the packet's reference); film::Error on failure.
  void write(AVPacket* pkt);
  // The trailer, then the rename into place.
  void finish();

 private:
  std::string path_, partial_;
  AVFormatContext* fmt_ = nullptr;
  bool finished_ = false;
};

// An input's other streams (audio, subtitles) copied packet by packet into an output, their
// timestamps shifted so that the input's video stream starts at 0.
struct StreamCopy {
  std::vector<int> stream_map;    // input stream -> output stream, -1: not copied
  std::vector<AVRational> in_tb;  // per input stream: its time base
  std::vector<int64_t> offset;    // per input stream: the video's start time (subtracted: the
                                  // video starts at 0; encoder priming before it stays negative)

  // Adds an output stream for each of in's audio and subtitle streams that out's container can
  // hold (the others are left out with a note on stderr naming `out_path`).
  void add_streams(MuxedFile& out, const AVFormatContext* in, int video_stream,
                   const std::string& out_path);
  // The decoding time (the presentation time when it has none) of `p`, a packet of the input's
  // stream `stream` (copied), after the shift, in in_tb[stream]; AV_NOPTS_VALUE when it has
  // neither.
  int64_t shifted_time(const AVPacket* p, int stream) const;
  // Writes a copy of `p`, a packet of the input's stream `stream`; nothing when that stream is
  // not copied.
  void copy(MuxedFile& out, const AVPacket* p, int stream) const;
};

}  // namespace film::video::detail
