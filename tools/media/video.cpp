#include "tools/media/video.h"

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/display.h>
#include <libavutil/opt.h>
#include <libavutil/pixdesc.h>
#include <libswscale/swscale.h>
}

#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "tools/media/image.h"
#include "tools/media/video_internal.h"

namespace film::video {
namespace detail {

std::string av_error(int code) {
  char buf[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, buf, sizeof buf);
  return buf;
}

MuxedFile::MuxedFile(const std::string& path, const std::string& format) : path_(path) {
  if (path == "-") {
    if (avformat_alloc_output_context2(&fmt_, nullptr, format.c_str(), nullptr) < 0 || !fmt_)
      fail("standard output: no container named '", format, "'");
  } else if (avformat_alloc_output_context2(&fmt_, nullptr, nullptr, path.c_str()) < 0 || !fmt_) {
    fail(path, ": no video container for this extension (try .mp4, .mkv, .mov or .webm)");
  }
  // The same input and options make the same bytes: no random Matroska segment UID, no creation
  // time, no library version string (what resumed runs and joined pieces are compared by).
  fmt_->flags |= AVFMT_FLAG_BITEXACT;
}

MuxedFile::~MuxedFile() {
  if (fmt_) {
    if (fmt_->pb) avio_closep(&fmt_->pb);
    avformat_free_context(fmt_);
  }
  if (!finished_ && !partial_.empty()) {
    ::unlink(partial_.c_str());
    io::unregister_partial_file(partial_);
  }
}

void MuxedFile::start() {
  if (path_ == "-") {
    // FFmpeg writes 9- to 16-bit YUV4MPEG2 (vspipe's and ffmpeg's own) only when told that a
    // non-standard stream is fine: these are the streams the tools on either side exchange.
    fmt_->strict_std_compliance = FF_COMPLIANCE_UNOFFICIAL;
    if (int r = avio_open(&fmt_->pb, "pipe:1", AVIO_FLAG_WRITE); r < 0)
      fail(name(), ": cannot write (", av_error(r), ")");
  } else {
    open_partial();
  }
  if (int r = avformat_write_header(fmt_, nullptr); r < 0)
    fail(name(), ": cannot start the ", fmt_->oformat->name, " file (", av_error(r), ")");
}

void MuxedFile::open_partial() {
  std::string tmpl = io::partial_prefix(path_) + "XXXXXX";
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) fail(path_, ": cannot create a file in its folder");
  // mkstemp makes the file private (0600); the output is an ordinary user file: the umask's mode.
  const mode_t mask = ::umask(0);
  ::umask(mask);
  ::fchmod(fd, 0666 & ~mask);
  ::close(fd);
  partial_ = tmpl;
  io::register_partial_file(partial_);
  if (int r = avio_open(&fmt_->pb, partial_.c_str(), AVIO_FLAG_WRITE); r < 0)
    fail(path_, ": cannot write (", av_error(r), ")");
}

void MuxedFile::write(AVPacket* pkt) {
  if (int r = av_interleaved_write_frame(fmt_, pkt); r < 0)
    fail(name(), ": writing failed (", av_error(r), ")");
}

void MuxedFile::finish() {
  if (int r = av_write_trailer(fmt_); r < 0) fail(name(), ": finishing failed (", av_error(r), ")");
  avio_closep(&fmt_->pb);
  if (path_ == "-") {
    finished_ = true;
    return;
  }
  io::commit_file(partial_, path_);  // the output rule's last check, and no replacing unasked
  io::unregister_partial_file(partial_);
  finished_ = true;
}

}  // namespace detail

namespace {

using detail::av_error;

// swscale's coefficients for a stream's YUV matrix; untagged, the convention players follow:
// BT.601 below 720 lines, BT.709 from 720.
int sws_matrix(int colour_matrix, int height) {
  switch (colour_matrix) {
    case AVCOL_SPC_BT709:
      return SWS_CS_ITU709;
    case AVCOL_SPC_FCC:
      return SWS_CS_FCC;
    case AVCOL_SPC_SMPTE240M:
      return SWS_CS_SMPTE240M;
    case AVCOL_SPC_BT2020_NCL:
    case AVCOL_SPC_BT2020_CL:
      return SWS_CS_BT2020;
    case AVCOL_SPC_BT470BG:
    case AVCOL_SPC_SMPTE170M:
      return SWS_CS_ITU601;
    default:
      return height >= 720 ? SWS_CS_ITU709 : SWS_CS_ITU601;
  }
}

// Tells `sws`, converting between `yuv` (a YUV or gray format) and RGB, the matrix and range of
// the YUV side: full range when tagged so (or a yuvj format), limited otherwise. RGB is full.
void set_colour_details(SwsContext* sws, AVPixelFormat yuv, bool yuv_is_source, int colour_matrix,
                        int colour_range, int height) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(yuv);
  if (!d || (d->flags & (AV_PIX_FMT_FLAG_RGB | AV_PIX_FMT_FLAG_PAL))) return;
  const bool full = colour_range == AVCOL_RANGE_JPEG || yuv == AV_PIX_FMT_YUVJ420P ||
                    yuv == AV_PIX_FMT_YUVJ422P || yuv == AV_PIX_FMT_YUVJ444P;
  const int* coefficients = sws_getCoefficients(sws_matrix(colour_matrix, height));
  sws_setColorspaceDetails(sws, coefficients, yuv_is_source ? full : 1, coefficients,
                           yuv_is_source ? 1 : full, 0, 1 << 16, 1 << 16);
}

int colour_bits(AVPixelFormat f) {
  const AVPixFmtDescriptor* d = av_pix_fmt_desc_get(f);
  return d && d->nb_components > 0 ? d->comp[0].depth : 8;
}

std::string lower_extension(const std::string& path) {
  std::string e = std::filesystem::path(path).extension().string();
  std::transform(e.begin(), e.end(), e.begin(), [](unsigned char c) { return std::tolower(c); });
  return e;
}

}  // namespace

struct VideoReader::Impl {
  AVFormatContext* fmt = nullptr;
  AVCodecContext* dec = nullptr;
  SwsContext* sws = nullptr;
  AVPacket* pkt = nullptr;
  AVFrame* frame = nullptr;
  int stream = -1;
  AVRational tb{1, 1};
  int64_t first_pts = AV_NOPTS_VALUE;
  int64_t decoded = 0;
  bool flushed = false;
  bool counted = false;  // frames without timestamps, timed by counting
  bool pipe = false;     // standard input: read once, no seeking
  bool pending = false;  // m.frame holds a decoded frame next() has not returned yet
  double seconds = 0;    // its time
  std::vector<uint8_t> rgb;
  // The RGB rows in `rgb` into `frame`, by swscale (every pixel format but GIF's palette).
  static void convert_rgb(Impl& m, const std::string& path_, int stride, bool deep);
  ~Impl() {
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&dec);
    avformat_close_input(&fmt);
  }
};

VideoReader::VideoReader(const std::string& path)
    : path_(path == "-" ? "standard input" : path), impl_(std::make_unique<Impl>()) {
  Impl& m = *impl_;
  av_log_set_level(AV_LOG_ERROR);
  // "-": standard input, a stream (YUV4MPEG2, NUT, ...: what FFmpeg finds in it) read once.
  m.pipe = path == "-";
  if (int r = avformat_open_input(&m.fmt, m.pipe ? "pipe:0" : path.c_str(), nullptr, nullptr);
      r < 0)
    fail(path_, ": cannot open it as a video (", av_error(r), ")");
  if (int r = avformat_find_stream_info(m.fmt, nullptr); r < 0)
    fail(path_, ": cannot read its streams (", av_error(r), ")");
  const AVCodec* codec = nullptr;
  m.stream = av_find_best_stream(m.fmt, AVMEDIA_TYPE_VIDEO, -1, -1, &codec, 0);
  if (m.stream < 0 || !codec) fail(path, ": holds no video stream that FFmpeg can decode");
  AVStream* st = m.fmt->streams[m.stream];
  m.dec = avcodec_alloc_context3(codec);
  avcodec_parameters_to_context(m.dec, st->codecpar);
  m.dec->thread_count = 0;
  if (int r = avcodec_open2(m.dec, codec, nullptr); r < 0)
    fail(path, ": cannot open its ", codec->name, " decoder (", av_error(r), ")");
  if (m.dec->width <= 0 || m.dec->height <= 0) fail(path, ": its video stream has no size");
  m.tb = st->time_base;
  m.pkt = av_packet_alloc();
  m.frame = av_frame_alloc();
  info_.width = m.dec->width;
  info_.height = m.dec->height;
  const AVRational rate = st->avg_frame_rate.num ? st->avg_frame_rate : st->r_frame_rate;
  info_.frame_rate = {rate.num, rate.den};
  info_.duration = m.fmt->duration > 0 ? static_cast<double>(m.fmt->duration) / AV_TIME_BASE : 0;
  info_.frames = st->nb_frames;
  info_.codec = codec->name;
  info_.pixel_format =
      av_get_pix_fmt_name(m.dec->pix_fmt) ? av_get_pix_fmt_name(m.dec->pix_fmt) : "?";
  info_.bits = colour_bits(m.dec->pix_fmt);
  info_.colour_matrix = st->codecpar->color_space;
  info_.colour_range = st->codecpar->color_range;
  info_.colour_primaries = st->codecpar->color_primaries;
  info_.colour_transfer = st->codecpar->color_trc;
  info_.chroma_location = st->codecpar->chroma_location;
  size_t size = 0;
  if (const uint8_t* matrix = av_stream_get_side_data(st, AV_PKT_DATA_DISPLAYMATRIX, &size);
      matrix && size >= 9 * sizeof(int32_t)) {
    const double degrees = av_display_rotation_get(reinterpret_cast<const int32_t*>(matrix));
    if (std::isfinite(degrees)) info_.rotation = degrees;
  }
}

VideoReader::~VideoReader() = default;

// Decodes the next frame into m.frame (its time in m.seconds); false at the end.
bool VideoReader::decode() {
  Impl& m = *impl_;
  for (;;) {
    int r = avcodec_receive_frame(m.dec, m.frame);
    if (r == 0) {
      int64_t pts = m.frame->best_effort_timestamp;
      if (pts == AV_NOPTS_VALUE) {  // no timestamps: the nominal rate
        const double rate = info_.frame_rate.value() > 0 ? info_.frame_rate.value() : 25.0;
        pts = av_rescale_q(static_cast<int64_t>(m.decoded * AV_TIME_BASE / rate), AV_TIME_BASE_Q,
                           m.tb);
        m.counted = true;
      }
      if (m.first_pts == AV_NOPTS_VALUE) m.first_pts = pts;
      m.seconds = static_cast<double>(pts - m.first_pts) * av_q2d(m.tb);
      ++m.decoded;
      return true;
    }
    if (r == AVERROR_EOF) return false;
    if (r != AVERROR(EAGAIN)) fail(path_, ": decoding failed (", av_error(r), ")");
    if (m.flushed) return false;
    r = av_read_frame(m.fmt, m.pkt);
    if (r < 0) {
      if (r != AVERROR_EOF) fail(path_, ": reading failed (", av_error(r), ")");
      avcodec_send_packet(m.dec, nullptr);  // drain
      m.flushed = true;
      continue;
    }
    if (m.pkt->stream_index == m.stream) {
      r = avcodec_send_packet(m.dec, m.pkt);
      if (r < 0 && r != AVERROR(EAGAIN) && r != AVERROR_INVALIDDATA) {
        av_packet_unref(m.pkt);
        fail(path_, ": decoding failed (", av_error(r), ")");
      }
    }
    av_packet_unref(m.pkt);
  }
}

bool VideoReader::next(Tensor& out, double& seconds) {
  Impl& m = *impl_;
  if (m.pending) {
    m.pending = false;
  } else if (!decode()) {
    return false;
  }
  seconds = m.seconds;
  const int w = m.frame->width, h = m.frame->height;
  if (w != info_.width || h != info_.height)
    fail(path_, ": frame ", m.decoded, " is ", w, "x", h, ", the stream began at ", info_.width,
         "x", info_.height, " (a size change inside a video is not supported)");
  const bool deep = info_.bits > 8;
  const AVPixelFormat to = deep ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24;
  SwsContext* was = m.sws;
  const auto from = static_cast<AVPixelFormat>(m.frame->format);
  m.sws = sws_getCachedContext(m.sws, w, h, from, w, h, to,
                               SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT, nullptr,
                               nullptr, nullptr);
  if (!m.sws) fail(path_, ": cannot convert its pixel format to RGB");
  if (m.sws != was) {  // a new context: the stream's matrix and range (a frame's own, if tagged)
    const int matrix =
        m.frame->colorspace != AVCOL_SPC_UNSPECIFIED ? m.frame->colorspace : info_.colour_matrix;
    const int range =
        m.frame->color_range != AVCOL_RANGE_UNSPECIFIED ? m.frame->color_range : info_.colour_range;
    set_colour_details(m.sws, from, true, matrix, range, h);
  }
  const int bytes = deep ? 2 : 1, stride = w * 3 * bytes;
  m.rgb.resize(static_cast<size_t>(stride) * h);
  uint8_t* dst[4] = {m.rgb.data(), nullptr, nullptr, nullptr};
  int dst_stride[4] = {stride, 0, 0, 0};
  sws_scale(m.sws, m.frame->data, m.frame->linesize, 0, h, dst, dst_stride);
  out = Tensor::zeros({1, 3, h, w});
  float* o = out.data();
  const int64_t plane = int64_t{w} * h;
  for (int64_t i = 0; i < plane; ++i)
    for (int c = 0; c < 3; ++c) {
      if (deep) {
        const uint8_t* p = m.rgb.data() + (i * 3 + c) * 2;
        o[c * plane + i] = static_cast<float>(p[0] | (p[1] << 8)) / 65535.0f;
      } else {
        o[c * plane + i] = m.rgb[i * 3 + c] / 255.0f;
      }
    }
  av_frame_unref(m.frame);
  return true;
}

void VideoReader::seek(double seconds) {
  constexpr double eps = 1e-6;
  if (impl_->pipe) fail(path_, ": a stream cannot be sought (it is read once, from its start)");
  // Times count from the first frame: decode it first if no frame was read yet.
  if (impl_->decoded == 0) {
    if (!decode()) return;
    impl_->pending = true;
  }
  Impl& m = *impl_;
  if (!(m.pending && m.decoded == 1 && m.seconds >= seconds - eps)) {
    // Jump to the key frame at or before the time, then decode up to it. Frames timed by
    // counting, a container whose index lands after the time, or one that cannot seek: read
    // again from the start instead.
    const int64_t ts = m.first_pts + static_cast<int64_t>(std::floor(seconds / av_q2d(m.tb))) - 1;
    bool jumped = !m.counted && av_seek_frame(m.fmt, m.stream, ts, AVSEEK_FLAG_BACKWARD) >= 0;
    if (jumped) {
      avcodec_flush_buffers(m.dec);
      av_frame_unref(m.frame);
      m.flushed = m.pending = false;
      jumped = decode() && m.seconds <= seconds + eps;
      m.pending = jumped;
    }
    if (!jumped) {
      VideoReader again(path_);
      std::swap(impl_, again.impl_);
    }
  }
  Impl& n = *impl_;
  for (;;) {
    if (!n.pending && !decode()) return;  // past the end: next() says so
    n.pending = true;
    if (n.seconds >= seconds - eps) return;
    av_frame_unref(n.frame);
    n.pending = false;
  }
}

std::vector<double> video_frame_times(const std::string& path) {
  VideoReader probe(path);
  VideoReader::Impl& m = probe.impl();
  std::vector<int64_t> pts;
  int64_t missing = 0;
  while (av_read_frame(m.fmt, m.pkt) >= 0) {
    // Packets the demuxer marks for discarding (before an edit list's start) give no frame.
    if (m.pkt->stream_index == m.stream && !(m.pkt->flags & AV_PKT_FLAG_DISCARD)) {
      if (m.pkt->pts != AV_NOPTS_VALUE)
        pts.push_back(m.pkt->pts);
      else
        ++missing;
    }
    av_packet_unref(m.pkt);
  }
  std::vector<double> t;
  if (missing > 0 || pts.empty()) {  // no timestamps: the nominal rate, as next() does
    const double rate =
        probe.info().frame_rate.value() > 0 ? probe.info().frame_rate.value() : 25.0;
    for (int64_t i = 0; i < missing + static_cast<int64_t>(pts.size()); ++i) t.push_back(i / rate);
    return t;
  }
  std::sort(pts.begin(), pts.end());
  pts.erase(std::unique(pts.begin(), pts.end()), pts.end());
  for (int64_t p : pts) t.push_back(static_cast<double>(p - pts.front()) * av_q2d(m.tb));
  return t;
}

double frame_change(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape() || a.shape().size() != 4 || a.dim(1) != 3)
    fail("frame_change: frames of ", shape_str(a.shape()), " and ", shape_str(b.shape()));
  const int64_t h = a.dim(2), w = a.dim(3), plane = h * w, bh = (h + 7) / 8, bw = (w + 7) / 8;
  std::vector<double> la(static_cast<size_t>(bh * bw)), lb(la.size()), n(la.size());
  for (int64_t y = 0; y < h; ++y)
    for (int64_t x = 0; x < w; ++x) {
      const int64_t i = y * w + x, blk = (y / 8) * bw + x / 8;
      auto luma = [&](const float* p) {
        return 0.299 * p[i] + 0.587 * p[plane + i] + 0.114 * p[2 * plane + i];
      };
      la[blk] += luma(a.data());
      lb[blk] += luma(b.data());
      n[blk] += 1;
    }
  double sum = 0;
  for (size_t i = 0; i < la.size(); ++i) sum += std::abs(la[i] - lb[i]) / n[i];
  return sum / static_cast<double>(la.size());
}

std::string video_default_codec(const std::string& input_codec, const std::string& output_path) {
  const std::string ext = lower_extension(output_path);
  const AVOutputFormat* of = av_guess_format(nullptr, output_path.c_str(), nullptr);
  static const std::pair<const char*, const char*> family[] = {
      {"h264", "libx264"},     {"hevc", "libx265"},   {"vp9", "libvpx-vp9"},
      {"vp8", "libvpx"},       {"av1", "libaom-av1"}, {"ffv1", "ffv1"},
      {"prores", "prores_ks"}, {"mjpeg", "mjpeg"},    {"png", "png"}};
  for (auto [dec, enc] : family) {
    if (input_codec != dec) continue;
    const AVCodec* c = avcodec_find_encoder_by_name(enc);
    if (c && of && avformat_query_codec(of, c->id, FF_COMPLIANCE_NORMAL) == 1) return enc;
  }
  if (ext == ".webm") return "libvpx-vp9";
  // A container that cannot hold H.264 (GIF, ...) gets its own default video encoder.
  const AVCodec* x264 = avcodec_find_encoder_by_name("libx264");
  if (of && of->video_codec != AV_CODEC_ID_NONE &&
      (!x264 || avformat_query_codec(of, x264->id, FF_COMPLIANCE_NORMAL) != 1))
    if (const AVCodec* own = avcodec_find_encoder(of->video_codec)) return own->name;
  return "libx264";
}

namespace {

// GIF's 256 colours: a fixed 6 x 7 x 6 colour cube (252 entries; green, which the eye resolves
// best, gets 7 levels) with 4x4 ordered dithering. A fixed palette keeps every frame, chunk and
// piece of a run on the same colours, so chunks join by stream copy and a resumed run is the same.
constexpr int kLevelsR = 6, kLevelsG = 7, kLevelsB = 6;
constexpr float kBayer4[4][4] = {{0, 8, 2, 10}, {12, 4, 14, 6}, {3, 11, 1, 9}, {15, 7, 13, 5}};

void fill_palette(uint32_t* pal) {
  for (int i = 0; i < 256; ++i) pal[i] = 0xff000000u;
  for (int r = 0; r < kLevelsR; ++r)
    for (int g = 0; g < kLevelsG; ++g)
      for (int b = 0; b < kLevelsB; ++b) {
        const auto level = [](int q, int n) { return static_cast<uint32_t>(q * 255 / (n - 1)); };
        pal[(r * kLevelsG + g) * kLevelsB + b] =
            0xff000000u | level(r, kLevelsR) << 16 | level(g, kLevelsG) << 8 | level(b, kLevelsB);
      }
}

// RGB24 rows -> palette indices of fill_palette's cube, ordered-dithered.
void dither_to_palette(const uint8_t* rgb, int w, int h, uint8_t* out, int out_stride) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      const float d = (kBayer4[y & 3][x & 3] + 0.5f) / 16.0f;
      const uint8_t* p = rgb + (static_cast<size_t>(y) * w + x) * 3;
      const auto q = [&](uint8_t v, int n) {
        const int i = static_cast<int>(v * (n - 1) / 255.0f + d);
        return i < n - 1 ? i : n - 1;
      };
      out[static_cast<size_t>(y) * out_stride + x] = static_cast<uint8_t>(
          (q(p[0], kLevelsR) * kLevelsG + q(p[1], kLevelsG)) * kLevelsB + q(p[2], kLevelsB));
    }
}

// The encoder's pixel format: asked, else the input's where the encoder takes it, else the
// encoder's first.
AVPixelFormat output_pixel_format(const AVCodec* codec, const std::string& name,
                                  const VideoInfo& in, const VideoOptions& o,
                                  const std::string& path) {
  AVPixelFormat pf = AV_PIX_FMT_NONE;
  const AVPixelFormat input_pf = av_get_pix_fmt(in.pixel_format.c_str());
  if (!o.pixel_format.empty()) {
    pf = av_get_pix_fmt(o.pixel_format.c_str());
    if (pf == AV_PIX_FMT_NONE) fail(path, ": unknown pixel format '", o.pixel_format, "'");
  } else if (codec->id == AV_CODEC_ID_GIF) {
    pf = AV_PIX_FMT_PAL8;  // a dithered colour cube (dither_to_palette), not 3-3-2 bits
  } else if (codec->pix_fmts) {
    for (const AVPixelFormat* p = codec->pix_fmts; *p != AV_PIX_FMT_NONE; ++p)
      if (*p == input_pf) pf = input_pf;
    // Otherwise delivery codecs take their first (yuv420p for x264: what players play); the
    // others (ffv1, png, prores, ...) the nearest to the input's, so RGB frames stay lossless.
    const bool delivery = name == "libx264" || name == "libx265" || name == "libvpx" ||
                          name == "libvpx-vp9" || name == "libaom-av1";
    if (pf == AV_PIX_FMT_NONE)
      pf = delivery || input_pf == AV_PIX_FMT_NONE
               ? codec->pix_fmts[0]
               : avcodec_find_best_pix_fmt_of_list(codec->pix_fmts, input_pf, 0, nullptr);
  } else {
    pf = input_pf != AV_PIX_FMT_NONE ? input_pf : AV_PIX_FMT_YUV420P;
  }
  return pf;
}

// The pixel formats FFmpeg's YUV4MPEG2 muxer writes.
bool y4m_takes(AVPixelFormat pf) {
  static const AVPixelFormat y4m[] = {
      AV_PIX_FMT_GRAY8,     AV_PIX_FMT_GRAY9,     AV_PIX_FMT_GRAY10,    AV_PIX_FMT_GRAY12,
      AV_PIX_FMT_GRAY16,    AV_PIX_FMT_YUV411P,   AV_PIX_FMT_YUV420P,   AV_PIX_FMT_YUV422P,
      AV_PIX_FMT_YUV444P,   AV_PIX_FMT_YUV420P9,  AV_PIX_FMT_YUV422P9,  AV_PIX_FMT_YUV444P9,
      AV_PIX_FMT_YUV420P10, AV_PIX_FMT_YUV422P10, AV_PIX_FMT_YUV444P10, AV_PIX_FMT_YUV420P12,
      AV_PIX_FMT_YUV422P12, AV_PIX_FMT_YUV444P12, AV_PIX_FMT_YUV420P14, AV_PIX_FMT_YUV422P14,
      AV_PIX_FMT_YUV444P14, AV_PIX_FMT_YUV420P16, AV_PIX_FMT_YUV422P16, AV_PIX_FMT_YUV444P16};
  return std::find(std::begin(y4m), std::end(y4m), pf) != std::end(y4m);
}

}  // namespace

struct VideoWriter::Impl {
  std::unique_ptr<detail::MuxedFile> file;
  AVFormatContext* out = nullptr;  // file's
  AVCodecContext* enc = nullptr;
  AVStream* vst = nullptr;
  SwsContext* sws = nullptr;
  AVFrame* frame = nullptr;
  AVPacket* pkt = nullptr;
  std::vector<uint8_t> rgb;
  int bits = 8;
  int colour_matrix = 2, colour_range = 0;  // the input's (VideoInfo): how RGB goes back to YUV

  void drain() {
    for (;;) {
      const int r = avcodec_receive_packet(enc, pkt);
      if (r == AVERROR(EAGAIN) || r == AVERROR_EOF) return;
      if (r < 0) fail("encoding failed (", av_error(r), ")");
      av_packet_rescale_ts(pkt, enc->time_base, vst->time_base);
      pkt->stream_index = vst->index;
      file->write(pkt);
    }
  }
  // The RGB rows in `rgb` into `frame`, by swscale (every pixel format but GIF's palette).
  static void convert_rgb(Impl& m, const std::string& path_, int stride, bool deep);
  ~Impl() {
    sws_freeContext(sws);
    av_frame_free(&frame);
    av_packet_free(&pkt);
    avcodec_free_context(&enc);
  }
};

VideoWriter::VideoWriter(const std::string& path, const VideoInfo& in, const VideoOptions& o)
    : path_(path), impl_(std::make_unique<Impl>()) {
  av_log_set_level(AV_LOG_ERROR);
  Impl& m = *impl_;
  if (o.fps.num <= 0 || o.fps.den <= 0) fail(path, ": the output frame rate must be positive");
  // Standard output: YUV4MPEG2 (raw frames, what vspipe and ffmpeg's -f yuv4mpegpipe exchange)
  // or NUT (raw video; any pixel format).
  const bool pipe = path == "-";
  if (pipe && o.container != "y4m" && o.container != "nut")
    fail("standard output: expected the stream format y4m or nut, got '", o.container, "'");
  m.file = std::make_unique<detail::MuxedFile>(path, o.container == "nut" ? "nut" : "yuv4mpegpipe");
  m.out = m.file->fmt();
  codec_ = !o.codec.empty() ? o.codec
           : pipe           ? (o.container == "nut" ? "rawvideo" : "wrapped_avframe")
                            : video_default_codec(in.codec, path);
  const AVCodec* codec = avcodec_find_encoder_by_name(codec_.c_str());
  if (!codec || codec->type != AVMEDIA_TYPE_VIDEO)
    fail(path, ": no video encoder named '", codec_,
         "' in this FFmpeg (ffmpeg -encoders lists them)");
  const AVOutputFormat* of = m.out->oformat;
  const int holds = avformat_query_codec(of, codec->id, FF_COMPLIANCE_NORMAL);
  // A muxer that cannot say (no query function) and has no codec tag table holds only its own
  // codec (GIF, APNG): anything else would fail later with libav's "Invalid argument".
  if (holds == 0 || (holds < 0 && !of->codec_tag && of->video_codec != AV_CODEC_ID_NONE &&
                     of->video_codec != codec->id))
    fail(path, ": the ", of->name, " container cannot hold ", codec_, " video",
         of->video_codec != AV_CODEC_ID_NONE && holds != 0
             ? cat(" (it takes ", avcodec_get_name(of->video_codec), "; leave --codec out)")
             : std::string());
  m.enc = avcodec_alloc_context3(codec);
  m.enc->width = in.width;
  m.enc->height = in.height;
  m.enc->time_base = AVRational{o.fps.den, o.fps.num};
  m.enc->framerate = AVRational{o.fps.num, o.fps.den};
  m.enc->thread_count = 0;
  AVPixelFormat pf = output_pixel_format(codec, codec_, in, o, path);
  if (pipe && o.container == "y4m" && o.pixel_format.empty() && !y4m_takes(pf))
    pf = colour_bits(pf) > 8 ? AV_PIX_FMT_YUV444P16 : AV_PIX_FMT_YUV444P;  // e.g. RGB frames
  m.enc->pix_fmt = pf;
  m.bits = colour_bits(pf);
  // The input's colour, converted back with its matrix and range (convert_rgb) and tagged so.
  m.enc->colorspace = static_cast<AVColorSpace>(in.colour_matrix);
  m.enc->color_range = static_cast<AVColorRange>(in.colour_range);
  m.enc->color_primaries = static_cast<AVColorPrimaries>(in.colour_primaries);
  m.enc->color_trc = static_cast<AVColorTransferCharacteristic>(in.colour_transfer);
  m.enc->chroma_sample_location = static_cast<AVChromaLocation>(in.chroma_location);
  m.colour_matrix = in.colour_matrix;
  m.colour_range = in.colour_range;
  // Visually lossless by default: what video tools use for intermediates.
  const std::string name = codec_;
  if (name == "libx264" || name == "libx265") {
    av_opt_set(m.enc->priv_data, "crf", std::to_string(o.quality >= 0 ? o.quality : 17).c_str(), 0);
    av_opt_set(m.enc->priv_data, "preset", "medium", 0);
  } else if (name == "libvpx-vp9" || name == "libvpx" || name == "libaom-av1") {
    av_opt_set(m.enc->priv_data, "crf", std::to_string(o.quality >= 0 ? o.quality : 20).c_str(), 0);
    m.enc->bit_rate = 0;
  } else if (o.quality >= 0) {
    m.enc->flags |= AV_CODEC_FLAG_QSCALE;
    m.enc->global_quality = FF_QP2LAMBDA * o.quality;
  }
  if (m.out->oformat->flags & AVFMT_GLOBALHEADER) m.enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if (int r = avcodec_open2(m.enc, codec, nullptr); r < 0)
    fail(path, ": cannot open the ", codec_, " encoder (", av_error(r), ")");
  m.vst = avformat_new_stream(m.out, nullptr);
  avcodec_parameters_from_context(m.vst->codecpar, m.enc);
  m.vst->time_base = m.enc->time_base;
  m.vst->avg_frame_rate = m.enc->framerate;

  m.file->start();
  m.frame = av_frame_alloc();
  m.frame->format = m.enc->pix_fmt;
  m.frame->width = in.width;
  m.frame->height = in.height;
  if (av_frame_get_buffer(m.frame, 0) < 0) fail(path, ": out of memory for a frame");
  m.pkt = av_packet_alloc();
}

VideoWriter::~VideoWriter() = default;

void VideoWriter::write(const Tensor& rgb) {
  Impl& m = *impl_;
  const int w = m.enc->width, h = m.enc->height;
  if (rgb.shape() != Shape{1, 3, h, w})
    fail(path_, ": a frame of ", shape_str(rgb.shape()), " for a ", w, "x", h, " video");
  const bool deep = m.bits > 8;
  const int bytes = deep ? 2 : 1, stride = w * 3 * bytes;
  m.rgb.resize(static_cast<size_t>(stride) * h);
  const int64_t plane = int64_t{w} * h;
  const float* s = rgb.data();
  for (int64_t i = 0; i < plane; ++i)
    for (int c = 0; c < 3; ++c) {
      const float v = s[c * plane + i];  // clamped and rounded as every image writer does
      if (deep) {
        const uint16_t q = io::to_word(v);
        m.rgb[(i * 3 + c) * 2] = static_cast<uint8_t>(q & 0xff);
        m.rgb[(i * 3 + c) * 2 + 1] = static_cast<uint8_t>(q >> 8);
      } else {
        m.rgb[i * 3 + c] = io::to_byte(v);
      }
    }
  if (av_frame_make_writable(m.frame) < 0) fail(path_, ": out of memory for a frame");
  if (m.enc->pix_fmt == AV_PIX_FMT_PAL8) {
    dither_to_palette(m.rgb.data(), w, h, m.frame->data[0], m.frame->linesize[0]);
    fill_palette(reinterpret_cast<uint32_t*>(m.frame->data[1]));
  } else {
    Impl::convert_rgb(m, path_, stride, deep);
  }
  m.frame->pts = frames_++;
  if (int r = avcodec_send_frame(m.enc, m.frame); r < 0)
    fail(path_, ": encoding failed (", av_error(r), ")");
  m.drain();
}

void VideoWriter::Impl::convert_rgb(Impl& m, const std::string& path_, int stride, bool deep) {
  const int w = m.enc->width, h = m.enc->height;
  SwsContext* was = m.sws;
  m.sws = sws_getCachedContext(m.sws, w, h, deep ? AV_PIX_FMT_RGB48LE : AV_PIX_FMT_RGB24, w, h,
                               m.enc->pix_fmt, SWS_BICUBIC | SWS_ACCURATE_RND | SWS_FULL_CHR_H_INT,
                               nullptr, nullptr, nullptr);
  if (!m.sws) fail(path_, ": cannot convert RGB to ", av_get_pix_fmt_name(m.enc->pix_fmt));
  if (m.sws != was)
    set_colour_details(m.sws, m.enc->pix_fmt, false, m.colour_matrix, m.colour_range, h);
  const uint8_t* src[4] = {m.rgb.data(), nullptr, nullptr, nullptr};
  const int src_stride[4] = {stride, 0, 0, 0};
  sws_scale(m.sws, src, src_stride, 0, h, m.frame->data, m.frame->linesize);
}

void VideoWriter::finish() {
  Impl& m = *impl_;
  avcodec_send_frame(m.enc, nullptr);
  m.drain();
  m.file->finish();
}

}  // namespace film::video
