// What video.cpp (VideoReader, VideoWriter) and video_join.cpp (join_videos) share over FFmpeg's
// libavformat: not part of the API in video.h, which keeps FFmpeg's headers out of its users.
#pragma once

extern "C" {
#include <libavformat/avformat.h>
}

#include <string>

namespace film::video::detail {

// FFmpeg's text for an AVERROR code.
std::string av_error(int code);

// An output file muxed into a partial file beside `path` (removed if the process is interrupted,
// or when this object dies unfinished) and renamed to `path` by finish(), so no reader ever sees
// a half-written video.
class MuxedFile {
 public:
  // The container from path's extension; film::Error naming `path` when there is none. "-" is
  // standard output, in the container `format` names (FFmpeg's muxer name): written as it is
  // made, nothing to rename.
  explicit MuxedFile(const std::string& path, const std::string& format = "");
  ~MuxedFile();
  MuxedFile(const MuxedFile&) = delete;
  MuxedFile& operator=(const MuxedFile&) = delete;

  AVFormatContext* fmt() { return fmt_; }
  // What messages call it: its path, or "standard output".
  std::string name() const { return path_ == "-" ? "standard output" : path_; }
  // Once every stream is added: creates the partial file and writes the container's header.
  void start();
  // av_interleaved_write_frame (which takes the packet's reference); film::Error on failure.
  void write(AVPacket* pkt);
  // The trailer, then the rename into place.
  void finish();

 private:
  void open_partial();  // the partial file beside path_, as pb

  std::string path_, partial_;
  AVFormatContext* fmt_ = nullptr;
  bool finished_ = false;
};

}  // namespace film::video::detail
