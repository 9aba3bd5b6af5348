// join_videos (video.h): the pieces of `film video --segment` stream-copied into one file.
//
// Two passes over the pieces: the first opens each one, checks it against the first piece and
// reads its packets' timestamps (no decoding), so that every error is found before the output
// exists and each piece's shift is known before its first packet is written; the second copies
// the packets, merged by time with the source's audio and subtitle packets.
#include "tools/media/video.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
}

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "tools/media/video_internal.h"

namespace film::video {
namespace {

using detail::av_error;
using detail::MuxedFile;

// An input's other streams (audio, subtitles) copied packet by packet into an output, their
// timestamps shifted so that the input's video stream starts at 0.
struct StreamCopy {
  std::vector<int> stream_map;    // input stream -> output stream, -1: not copied
  std::vector<AVRational> in_tb;  // per input stream: its time base
  std::vector<int64_t> offset;    // per input stream: the video's start time (subtracted: the
                                  // video starts at 0; encoder priming before it stays negative)
  AVRational stretch{1, 1};       // slow motion: times (from the video's start) multiplied by it;
                                  // audio is then left out (it would need resampling)

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

void StreamCopy::add_streams(MuxedFile& out, const AVFormatContext* in, int video_stream,
                             const std::string& out_path) {
  const AVStream* ivs = in->streams[video_stream];
  const int64_t vstart = ivs->start_time != AV_NOPTS_VALUE ? ivs->start_time : 0;
  stream_map.assign(in->nb_streams, -1);
  offset.assign(in->nb_streams, 0);
  in_tb.assign(in->nb_streams, AVRational{1, 1});
  const AVOutputFormat* of = out.fmt()->oformat;
  for (unsigned i = 0; i < in->nb_streams; ++i) {
    if (static_cast<int>(i) == video_stream) continue;
    const AVStream* is = in->streams[i];
    const AVMediaType t = is->codecpar->codec_type;
    if (t != AVMEDIA_TYPE_AUDIO && t != AVMEDIA_TYPE_SUBTITLE) continue;
    if (t == AVMEDIA_TYPE_AUDIO && av_cmp_q(stretch, AVRational{1, 1}) != 0) continue;
    if (avformat_query_codec(of, is->codecpar->codec_id, FF_COMPLIANCE_NORMAL) != 1) {
      std::fprintf(stderr,
                   "note: %s: stream %u (%s) is left out: the %s container cannot hold it\n",
                   out_path.c_str(), i, avcodec_get_name(is->codecpar->codec_id), of->name);
      continue;
    }
    AVStream* os = avformat_new_stream(out.fmt(), nullptr);
    avcodec_parameters_copy(os->codecpar, is->codecpar);
    os->codecpar->codec_tag = 0;
    os->time_base = is->time_base;
    av_dict_copy(&os->metadata, is->metadata, 0);
    stream_map[i] = os->index;
    offset[i] = av_rescale_q(vstart, ivs->time_base, is->time_base);
    in_tb[i] = is->time_base;
  }
}

int64_t StreamCopy::shifted_time(const AVPacket* p, int s) const {
  const int64_t t = p->dts != AV_NOPTS_VALUE ? p->dts : p->pts;
  return t == AV_NOPTS_VALUE ? t : av_rescale(t - offset[s], stretch.num, stretch.den);
}

void StreamCopy::copy(MuxedFile& out, const AVPacket* p, int s) const {
  if (s < 0 || s >= static_cast<int>(stream_map.size()) || stream_map[s] < 0) return;
  const int os = stream_map[s];
  AVPacket* c = av_packet_clone(p);
  if (!c) fail("out of memory for a packet");
  if (c->pts != AV_NOPTS_VALUE) c->pts = av_rescale(c->pts - offset[s], stretch.num, stretch.den);
  if (c->dts != AV_NOPTS_VALUE) c->dts = av_rescale(c->dts - offset[s], stretch.num, stretch.den);
  c->duration = av_rescale(c->duration, stretch.num, stretch.den);
  // The muxer may have chosen another time base for the stream (Matroska: 1 ms).
  av_packet_rescale_ts(c, in_tb[s], out.fmt()->streams[os]->time_base);
  c->stream_index = os;
  c->pos = -1;
  struct Free {
    AVPacket*& c;
    ~Free() { av_packet_free(&c); }
  } free_c{c};
  out.write(c);
}

struct Input {
  AVFormatContext* fmt = nullptr;
  int stream = -1;  // the best video stream
  Input() = default;
  Input(const Input&) = delete;
  Input& operator=(const Input&) = delete;
  ~Input() { close(); }
  void close() {
    avformat_close_input(&fmt);
    stream = -1;
  }
};

struct OwnedPacket {
  AVPacket* p = av_packet_alloc();
  OwnedPacket() {
    if (!p) fail("out of memory for a packet");
  }
  OwnedPacket(const OwnedPacket&) = delete;
  OwnedPacket& operator=(const OwnedPacket&) = delete;
  ~OwnedPacket() { av_packet_free(&p); }
};

// Opens `path` and finds its video stream; `name` is what messages call it.
void open_input(Input& in, const std::string& path, const std::string& name) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(name, ": does not exist");
  if (int r = avformat_open_input(&in.fmt, path.c_str(), nullptr, nullptr); r < 0)
    fail(name, ": cannot open it as a video (", av_error(r), ")");
  if (int r = avformat_find_stream_info(in.fmt, nullptr); r < 0)
    fail(name, ": cannot read its streams (", av_error(r), ")");
  in.stream = av_find_best_stream(in.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, nullptr, 0);
  if (in.stream < 0) fail(name, ": holds no video stream");
}

// A packet's presentation time, its decoding time when it has none (AV_NOPTS_VALUE: neither).
int64_t presentation(const AVPacket* p) { return p->pts != AV_NOPTS_VALUE ? p->pts : p->dts; }

std::string rational(AVRational q) { return cat(q.num, "/", q.den); }

// What the first pass learns of a piece.
struct Piece {
  std::string name;  // for messages: "PATH (piece I of N)"
  AVRational tb{1, 1};
  int64_t first = 0, last = 0;  // its smallest and largest presentation time, in tb
  int64_t frames = 0;
  // Its first packets without a decoding time: Matroska stores none, and FFmpeg's demuxer infers
  // one only after the reordering delay (x264's B-frames: two packets).
  int64_t no_dts = 0;
};

// The first difference between a piece's video stream and the first piece's that would make the
// joined stream wrong to decode or to time; "" when none.
std::string difference(const AVStream* st, const AVStream* first) {
  const AVCodecParameters *a = st->codecpar, *b = first->codecpar;
  if (a->codec_id != b->codec_id)
    return cat("its codec is ", avcodec_get_name(a->codec_id), ", the first piece's ",
               avcodec_get_name(b->codec_id));
  if (a->width != b->width || a->height != b->height)
    return cat("its size is ", a->width, "x", a->height, ", the first piece's ", b->width, "x",
               b->height);
  if (a->format != b->format) {
    const char* fa = av_get_pix_fmt_name(static_cast<AVPixelFormat>(a->format));
    const char* fb = av_get_pix_fmt_name(static_cast<AVPixelFormat>(b->format));
    return cat("its pixel format is ", fa ? fa : "?", ", the first piece's ", fb ? fb : "?");
  }
  // One header (SPS/PPS, codec private data) serves the whole output: a piece encoded with
  // other settings would decode wrongly behind it.
  if (a->extradata_size != b->extradata_size ||
      (a->extradata_size > 0 && std::memcmp(a->extradata, b->extradata, a->extradata_size) != 0))
    return "its codec configuration (extradata) differs from the first piece's: encoded with "
           "other settings";
  const AVRational ra = st->avg_frame_rate, rb = first->avg_frame_rate;
  if (ra.num > 0 && ra.den > 0 && rb.num > 0 && rb.den > 0 && av_cmp_q(ra, rb) != 0)
    return cat("its frame rate is ", rational(ra), ", the first piece's ", rational(rb));
  return "";
}

// One frame's duration in seconds: the first piece's declared rate, else its packets' spacing.
AVRational frame_duration(const AVStream* st, const Piece& p) {
  for (AVRational rate : {st->avg_frame_rate, st->r_frame_rate})
    if (rate.num > 0 && rate.den > 0) return av_inv_q(rate);
  AVRational d{0, 1};
  if (p.frames > 1 && p.last > p.first)
    av_reduce(&d.num, &d.den, (p.last - p.first) * p.tb.num, (p.frames - 1) * int64_t{p.tb.den},
              INT32_MAX);
  if (d.num <= 0) fail(p.name, ": has no frame rate and too few frames to measure one");
  return d;
}

// Whether the output container keeps the codec tag as it is (FFmpeg's own rule when copying a
// stream): no tag table, a tag the table maps to this codec, or a codec the table does not list.
// Otherwise the muxer picks its own (e.g. an MP4 'avc1' means nothing to Matroska).
bool keeps_codec_tag(const AVOutputFormat* of, const AVCodecParameters* par) {
  unsigned tag = 0;
  return !par->codec_tag || !of->codec_tag ||
         av_codec_get_id(of->codec_tag, par->codec_tag) == par->codec_id ||
         !av_codec_get_tag2(of->codec_tag, par->codec_id, &tag);
}

}  // namespace

namespace {

// First pass: every piece checked against the first (which `first` keeps open: its stream is the
// reference) and measured.
std::vector<Piece> scan_pieces(const std::vector<std::string>& pieces, Input& first) {
  const int n = static_cast<int>(pieces.size());
  std::vector<Piece> scan(n);
  OwnedPacket pkt;
  for (int i = 0; i < n; ++i) {
    Piece& p = scan[i];
    p.name = cat(pieces[i], " (piece ", i + 1, " of ", n, ")");
    Input other;
    Input& in = i == 0 ? first : other;
    open_input(in, pieces[i], p.name);
    const AVStream* st = in.fmt->streams[in.stream];
    if (i > 0)
      if (const std::string d = difference(st, first.fmt->streams[first.stream]); !d.empty())
        fail(p.name, ": ", d);
    p.tb = st->time_base;
    int64_t lo = INT64_MAX, hi = INT64_MIN;
    for (int r; (r = av_read_frame(in.fmt, pkt.p)) != AVERROR_EOF; av_packet_unref(pkt.p)) {
      if (r < 0) fail(p.name, ": reading failed (", av_error(r), ")");
      if (pkt.p->stream_index != in.stream) continue;
      const int64_t t = presentation(pkt.p);
      if (t == AV_NOPTS_VALUE) fail(p.name, ": a video packet without timestamps");
      lo = std::min(lo, t);
      hi = std::max(hi, t);
      if (pkt.p->dts == AV_NOPTS_VALUE && p.no_dts == p.frames) ++p.no_dts;
      ++p.frames;
    }
    if (p.frames == 0) fail(p.name, ": its video stream holds no frames");
    p.first = lo;
    p.last = hi;
  }
  return scan;
}

// Where each piece starts, in tb. Counted in frames from the last irregular piece (normally from
// 0), so that rounding to tb (Matroska's 1 ms) is done once, not accumulated per piece; a piece
// whose span does not match its frame count at the rate follows its last frame.
std::vector<int64_t> piece_starts(const std::vector<Piece>& scan, AVRational frame,
                                  AVRational tb) {
  const int64_t frame_tb = std::max<int64_t>(1, av_rescale_q(1, frame, tb));
  std::vector<int64_t> start(scan.size());
  int64_t base = 0, since = 0;
  for (size_t i = 0; i < scan.size(); ++i) {
    const Piece& p = scan[i];
    start[i] = base + av_rescale_q(since, frame, tb);
    const int64_t span = av_rescale_q(p.last, p.tb, tb) - av_rescale_q(p.first, p.tb, tb);
    const int64_t expected = av_rescale_q(p.frames - 1, frame, tb);
    if (2 * std::llabs(span - expected) <= frame_tb) {
      since += p.frames;
    } else {
      base = start[i] + span + frame_tb;
      since = 0;
    }
  }
  return start;
}

// Second pass: the pieces' video packets, in order, their timestamps in tb and shifted.
class PieceReader {
 public:
  PieceReader(const std::vector<std::string>& paths, const std::vector<Piece>& scan,
              std::vector<int64_t> start, AVRational frame, AVRational tb)
      : paths_(paths), scan_(scan), start_(std::move(start)), tb_(tb),
        frame_tb_(std::max<int64_t>(1, av_rescale_q(1, frame, tb))) {}
  const Piece& current() const { return scan_[current_]; }
  bool next(AVPacket* v) {
    for (;;) {
      if (current_ >= 0) {
        const int r = av_read_frame(in_.fmt, v);
        if (r >= 0 && v->stream_index != in_.stream) {
          av_packet_unref(v);
          continue;
        }
        if (r >= 0) return place(v), true;
        if (r != AVERROR_EOF) fail(scan_[current_].name, ": reading failed (", av_error(r), ")");
      }
      if (current_ + 1 == static_cast<int>(paths_.size())) return false;
      in_.close();
      ++current_;
      index_ = 0;
      open_input(in_, paths_[current_], scan_[current_].name);
    }
  }

 private:
  void place(AVPacket* v) {
    const Piece& p = scan_[current_];
    const int64_t shift = start_[current_] - av_rescale_q(p.first, p.tb, tb_);
    for (int64_t* t : {&v->pts, &v->dts})
      if (*t != AV_NOPTS_VALUE) *t = av_rescale_q(*t, p.tb, tb_) + shift;
    v->duration = av_rescale_q(v->duration, p.tb, tb_);
    // The missing decoding times: one frame apart, ending a frame before the piece's first
    // presentation time, where the demuxer's own (the reordered presentation times) begin.
    if (index_ < p.no_dts && v->dts == AV_NOPTS_VALUE)
      v->dts = start_[current_] - (p.no_dts - index_) * frame_tb_;
    ++index_;
  }
  const std::vector<std::string>& paths_;
  const std::vector<Piece>& scan_;
  const std::vector<int64_t> start_;
  const AVRational tb_;
  const int64_t frame_tb_;
  int current_ = -1;
  int64_t index_ = 0;  // of the packet in the current piece
  Input in_;
};

// The output's video stream: the first piece's codec parameters, at the joined rate.
AVStream* add_video_stream(MuxedFile& file, const AVStream* vin, AVRational frame,
                           const std::string& out) {
  AVFormatContext* ofmt = file.fmt();
  if (avformat_query_codec(ofmt->oformat, vin->codecpar->codec_id, FF_COMPLIANCE_NORMAL) == 0)
    fail(out, ": the ", ofmt->oformat->name, " container cannot hold ",
         avcodec_get_name(vin->codecpar->codec_id), " video");
  AVStream* vout = avformat_new_stream(ofmt, nullptr);
  if (!vout || avcodec_parameters_copy(vout->codecpar, vin->codecpar) < 0)
    fail(out, ": out of memory for a stream");
  if (!keeps_codec_tag(ofmt->oformat, vout->codecpar)) vout->codecpar->codec_tag = 0;
  vout->time_base = vin->time_base;
  vout->avg_frame_rate = av_inv_q(frame);
  return vout;
}

// The source video's display matrix (a phone's rotation: the frames are stored sideways and
// players turn them), put on the output's video stream so that it plays the same way up.
void keep_display_matrix(const AVStream* vin, AVStream* vout, const std::string& out) {
  size_t size = 0;
  const uint8_t* m = av_stream_get_side_data(vin, AV_PKT_DATA_DISPLAYMATRIX, &size);
  if (!m || size == 0) return;
  uint8_t* copy = av_stream_new_side_data(vout, AV_PKT_DATA_DISPLAYMATRIX, size);
  if (!copy) fail(out, ": out of memory for the display matrix");
  std::memcpy(copy, m, size);
}

// The source's next packet of a stream that is copied; false at its end.
bool next_other(Input& src, StreamCopy& other, AVPacket* o, const std::string& source) {
  if (!src.fmt) return false;
  for (int r; (r = av_read_frame(src.fmt, o)) != AVERROR_EOF; av_packet_unref(o)) {
    if (r < 0) fail(source, ": reading failed (", av_error(r), ")");
    const int s = o->stream_index;
    if (s >= 0 && s < static_cast<int>(other.stream_map.size()) && other.stream_map[s] >= 0)
      return true;
  }
  return false;
}

}  // namespace

std::map<std::string, std::string> container_tags(const std::string& path) {
  av_log_set_level(AV_LOG_ERROR);
  Input in;
  open_input(in, path, path);
  std::map<std::string, std::string> tags;
  const AVDictionaryEntry* e = nullptr;
  while ((e = av_dict_get(in.fmt->metadata, "", e, AV_DICT_IGNORE_SUFFIX))) {
    std::string key = e->key;  // Matroska writes tag names in capitals
    std::transform(key.begin(), key.end(), key.begin(), [](unsigned char c) { return std::tolower(c); });
    tags[key] = e->value;
  }
  return tags;
}

int64_t join_videos(const std::vector<std::string>& pieces, const std::string& source,
                    const std::string& out, const std::map<std::string, std::string>& tags,
                    Rational stretch) {
  av_log_set_level(AV_LOG_ERROR);
  if (pieces.empty()) fail(out, ": no pieces to join");
  std::vector<std::string> inputs = pieces;
  if (!source.empty()) inputs.push_back(source);
  io::OutputRule rule;  // the pieces and the source are never written over
  for (const std::string& in : inputs) rule.protect(in, "input");
  Input first, src;
  const std::vector<Piece> scan = scan_pieces(pieces, first);
  const AVStream* vin = first.fmt->streams[first.stream];
  const AVRational tb = vin->time_base;  // the joined stream's, before the muxer's choice
  const AVRational frame = frame_duration(vin, scan[0]);
  PieceReader video(pieces, scan, piece_starts(scan, frame, tb), frame, tb);
  if (!source.empty()) open_input(src, source, source);
  MuxedFile file(out);
  AVStream* vout = add_video_stream(file, vin, frame, out);
  StreamCopy other;
  if (stretch.num > 0 && stretch.den > 0) other.stretch = AVRational{stretch.num, stretch.den};
  if (src.fmt) {
    other.add_streams(file, src.fmt, src.stream, out);
    av_dict_copy(&file.fmt()->metadata, src.fmt->metadata, 0);
    keep_display_matrix(src.fmt->streams[src.stream], vout, out);
  }
  for (const auto& [k, v] : tags) av_dict_set(&file.fmt()->metadata, k.c_str(), v.c_str(), 0);
  if (!tags.empty() && file.fmt()->oformat->priv_class &&
      av_opt_find(file.fmt()->priv_data, "movflags", nullptr, 0, 0))
    av_opt_set(file.fmt()->priv_data, "movflags", "+use_metadata_tags", 0);
  file.start();
  first.close();  // the second pass opens every piece again
  // Merged by decoding time so that the muxer's interleaving buffers stay short.
  OwnedPacket v, o;
  bool have_v = video.next(v.p), have_o = next_other(src, other, o.p, source);
  int64_t written = 0, last_dts = AV_NOPTS_VALUE;
  while (have_v || have_o) {
    bool take_v = have_v;
    if (have_v && have_o) {
      const int64_t tv = v.p->dts != AV_NOPTS_VALUE ? v.p->dts : v.p->pts;
      const int64_t to = other.shifted_time(o.p, o.p->stream_index);
      if (tv != AV_NOPTS_VALUE && to != AV_NOPTS_VALUE)
        take_v = av_compare_ts(tv, tb, to, other.in_tb[o.p->stream_index]) <= 0;
    }
    if (!take_v) {
      other.copy(file, o.p, o.p->stream_index);
      av_packet_unref(o.p);
      have_o = next_other(src, other, o.p, source);
      continue;
    }
    // Pieces made with the same settings continue each other's decoding order; a piece whose
    // reordering delay is larger would need its timestamps rewritten, not shifted.
    if (v.p->dts != AV_NOPTS_VALUE && last_dts != AV_NOPTS_VALUE && v.p->dts <= last_dts)
      fail(video.current().name, ": internal: its decoding times would not increase after the ",
           "previous packet's (", last_dts, " then ", v.p->dts, " in ", rational(tb),
           " s); made with other encoder settings?");
    if (v.p->dts != AV_NOPTS_VALUE) last_dts = v.p->dts;
    av_packet_rescale_ts(v.p, tb, vout->time_base);
    v.p->stream_index = vout->index;
    v.p->pos = -1;
    file.write(v.p);
    ++written;
    have_v = video.next(v.p);
  }
  file.finish();
  return written;
}

}  // namespace film::video
