// read_image()/write_image(): every image format, kept in kind. PNG goes through this project's
// libpng code (image.cpp: fuzzed, with its size limits and messages); everything else through
// OpenImageIO, the post-production standard library (Debian's libopenimageio-dev): JPEG, WebP,
// TIFF, OpenEXR, DPX, BMP, TGA, HEIF, ... (docs/cli.md, "Image formats", says why this one).
#include <OpenImageIO/filesystem.h>
#include <OpenImageIO/imageio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <memory>
#include <string_view>
#include <vector>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/base/output_rule.h"
#include "tools/media/image.h"

namespace film::io {
namespace {

// The most an image read from a pipe may take: the largest image allowed (kMaxImagePixels) as
// uncompressed 16-bit RGBA, 1 GiB, with room for headers.
constexpr std::uint64_t kMaxStreamBytes = std::uint64_t{1100} << 20;

bool is_png(const std::string& head) {
  return head.size() >= 8 && std::memcmp(head.data(), "\x89PNG\r\n\x1a\n", 8) == 0;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext.empty() ? ext : ext.substr(1);
}

// The format a stream's first bytes name, as a file name OpenImageIO picks its reader by ("" when
// none of these).
std::string name_for_stream(std::string_view head) {
  auto starts = [&](std::string_view magic, size_t at = 0) {
    return head.size() >= at + magic.size() && head.substr(at, magic.size()) == magic;
  };
  if (starts("\xFF\xD8\xFF")) return "stream.jpg";
  if (starts("II*\0") || starts("MM\0*")) return "stream.tif";
  if (starts("\x76\x2F\x31\x01")) return "stream.exr";
  if (starts("RIFF") && starts("WEBP", 8)) return "stream.webp";
  if (starts("BM")) return "stream.bmp";
  return "";
}

// An image opened by OpenImageIO with its header checked against the limits, before any pixel is
// decoded. `path` is what messages name; `memory` the bytes of a stream read from a pipe (its
// format sniffed from them). The proxy outlives the reader that reads through it.
struct OpenedImage {
  std::unique_ptr<OIIO::Filesystem::IOMemReader> proxy;
  std::unique_ptr<OIIO::ImageInput> in;
};

OpenedImage open_checked(const std::string& path, std::string_view* memory) {
  OpenedImage o;
  std::string name = path;
  if (memory) {
    name = name_for_stream(*memory);
    if (name.empty())
      fail(path,
           ": not an image format film reads from a pipe (PNG, JPEG, TIFF, OpenEXR, WebP, "
           "BMP); save it to a file first");
    o.proxy = std::make_unique<OIIO::Filesystem::IOMemReader>(memory->data(), memory->size());
  }
  o.in = OIIO::ImageInput::open(name, nullptr, o.proxy.get());
  if (!o.in) {
    std::string why = OIIO::geterror();
    if (why.empty()) why = "not an image file any reader knows";
    fail(path, ": cannot read it as an image (", why, ")");
  }
  const OIIO::ImageSpec& spec = o.in->spec();
  const int64_t width = spec.width, height = spec.height;
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide)
    fail(path, ": image is ", width, "x", height, ", expected 1..", kMaxImageSide,
         " pixels per side");
  if (width * height > max_image_pixels())
    fail(path, ": image is ", width, "x", height, ", expected at most ", max_image_pixels(),
         " pixels (FILM_MAX_IMAGE_PIXELS=N raises the limit)");
  if (spec.nchannels < 1 || spec.nchannels > 64)
    fail(path, ": ", spec.nchannels, " channels, expected 1 to 4");
  return o;
}

Image read_with_oiio(const std::string& path, std::string_view* memory = nullptr) {
  const OpenedImage opened = open_checked(path, memory);
  OIIO::ImageInput* in = opened.in.get();
  const OIIO::ImageSpec& spec = in->spec();
  const int64_t width = spec.width, height = spec.height;
  const int channels = spec.nchannels;
  Image img;
  img.format = in->format_name();
  const int alpha =
      spec.alpha_channel >= 0 && spec.alpha_channel < channels ? spec.alpha_channel : -1;
  const int colours = channels - (alpha >= 0 ? 1 : 0);
  img.gray = colours < 3;
  switch (spec.format.basetype) {
    case OIIO::TypeDesc::UINT8:
    case OIIO::TypeDesc::INT8:
      img.bits = 8;
      break;
    case OIIO::TypeDesc::HALF:
    case OIIO::TypeDesc::FLOAT:
    case OIIO::TypeDesc::DOUBLE:
      img.bits = 32;
      break;
    default:
      img.bits = 16;
      break;
  }
  std::vector<float> data(static_cast<size_t>(width * height * channels));
  if (!in->read_image(0, 0, 0, channels, OIIO::TypeDesc::FLOAT, data.data()))
    fail(path, ": cannot read its pixels (", in->geterror(), ")");
  // A decoder that ran out of data (a truncated JPEG) fills the rest in grey and only reports it:
  // refused, not taken as a picture with half of it missing.
  if (const std::string damage = in->geterror(); !damage.empty())
    fail(path, ": damaged or truncated (", damage, ")");
  in->close();
  img.rgb = Tensor::zeros({1, 3, height, width});
  if (alpha >= 0) img.alpha = Tensor::zeros({1, 1, height, width});
  // The colour channels are the first ones that are not alpha.
  std::vector<int> colour;
  for (int c = 0; c < channels && colour.size() < 3; ++c)
    if (c != alpha) colour.push_back(c);
  const int64_t plane = width * height;
  for (int64_t i = 0; i < plane; ++i) {
    const float* px = data.data() + i * channels;
    for (int c = 0; c < 3; ++c) img.rgb.data()[c * plane + i] = px[colour[img.gray ? 0 : c]];
    if (alpha >= 0) img.alpha.data()[i] = px[alpha];
  }
  return img;
}

// A temporary file beside `path` with its extension (OpenImageIO picks the format by extension),
// removed unless release()d after the final rename.
class TempBeside {
 public:
  explicit TempBeside(const std::string& path) {
    const std::filesystem::path p(path);
    const std::string ext = p.extension().string();
    std::string tmpl = (p.parent_path().empty() ? std::filesystem::path(".") : p.parent_path()) /
                       ("." + p.stem().string() + ".film-partial-XXXXXX" + ext);
    const int fd = mkstemps(tmpl.data(), static_cast<int>(ext.size()));
    if (fd < 0) fail(path, ": cannot create a file in its folder (", std::strerror(errno), ")");
    close(fd);
    path_ = tmpl;
    register_partial_file(path_);
  }
  ~TempBeside() {
    if (!path_.empty()) std::remove(path_.c_str());
    unregister_partial_file(path_);
  }
  const std::string& path() const { return path_; }
  void commit(const std::string& to) {
    commit_file(path_,
                to);  // the output rule's last check; the destructor removes path_ on failure
    unregister_partial_file(path_);
    path_.clear();
  }

 private:
  std::string path_;
};

void write_with_oiio(const std::string& path, const Image& img) {
  auto probe = OIIO::ImageOutput::create(path);
  if (!probe) fail(path, ": no writer for this extension (", OIIO::geterror(), ")");
  const bool alpha = !img.alpha.empty() && probe->supports("alpha");
  const int colours = img.gray ? 1 : 3, channels = colours + (alpha ? 1 : 0);
  const int64_t height = img.height(), width = img.width();
  OIIO::TypeDesc type = img.bits > 16  ? OIIO::TypeDesc::FLOAT
                        : img.bits > 8 ? OIIO::TypeDesc::UINT16
                                       : OIIO::TypeDesc::UINT8;
  OIIO::ImageSpec spec(static_cast<int>(width), static_cast<int>(height), channels, type);
  spec.channelnames.clear();
  if (img.gray) {
    spec.channelnames.push_back("Y");
  } else {
    for (const char* n : {"R", "G", "B"}) spec.channelnames.push_back(n);
  }
  if (alpha) {
    spec.channelnames.push_back("A");
    spec.alpha_channel = channels - 1;
  }
  // Lossy formats: visually lossless quality, as video tools default to for intermediates.
  spec.attribute("CompressionQuality", 95);
  if (lower_extension(path) == "jpg" || lower_extension(path) == "jpeg")
    spec.attribute("Compression", "jpeg:95");
  const int64_t plane = width * height;
  std::vector<float> data(static_cast<size_t>(plane * channels));
  const float* rgb = img.rgb.data();
  for (int64_t i = 0; i < plane; ++i) {
    float* px = data.data() + i * channels;
    if (img.gray) {
      px[0] = (rgb[i] + rgb[plane + i] + rgb[2 * plane + i]) / 3.0f;
    } else {
      for (int c = 0; c < 3; ++c) px[c] = rgb[c * plane + i];
    }
    if (alpha) px[colours] = img.alpha.data()[i];
    if (img.bits <= 16)  // integer formats: clamp here, not in the library, so NaN becomes 0
      for (int c = 0; c < channels; ++c)
        px[c] = std::isnan(px[c]) ? 0.0f : std::clamp(px[c], 0.0f, 1.0f);
  }
  TempBeside tmp(path);
  auto out = OIIO::ImageOutput::create(tmp.path());
  if (!out || !out->open(tmp.path(), spec) ||
      !out->write_image(OIIO::TypeDesc::FLOAT, data.data()) || !out->close()) {
    std::string why = out ? out->geterror() : OIIO::geterror();
    fail(path, ": cannot write the image (", why, ")");
  }
  tmp.commit(path);
}

}  // namespace

std::string output_format(const std::string& path) {
  const std::string ext = lower_extension(path);
  if (ext.empty())
    fail(path,
         ": no file extension to tell the image format; name one (.png, .jpg, .webp, .tif, .exr, "
         "...)");
  if (ext == "png") return "png";
  auto out = OIIO::ImageOutput::create(path);
  if (!out)
    fail(path, ": no image writer for '.", ext,
         "' (known: .png, .jpg/.jpeg, .webp, .tif/.tiff, .exr, .dpx, .bmp, .tga, .hdr, .jp2, ...)");
  return out->format_name();
}

Image read_image(const std::string& path) {
  require_file(path);  // never /dev/zero or a terminal to a decoder
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec)) {
    // A pipe (/dev/stdin, a FIFO): read once, whole and bounded, then decoded from memory (a
    // sniff of its first bytes would have consumed them).
    const std::string bytes = read_file(path, kMaxStreamBytes, "an image from a pipe");
    if (is_png(bytes)) return read_png_image(bytes, path);
    std::string_view view(bytes);
    return read_with_oiio(path, &view);
  }
  std::string head;
  if (FILE* f = std::fopen(path.c_str(), "rb")) {
    char buf[8];
    head.assign(buf, std::fread(buf, 1, sizeof buf, f));
    std::fclose(f);
  }
  if (is_png(head) || lower_extension(path) == "png") return read_png_image(read_file(path), path);
  if (!std::filesystem::exists(path)) read_file(path);  // the same "cannot open" message as for PNG
  return read_with_oiio(path);
}

ImageHeader image_header(std::string_view bytes, const std::string& name) {
  const OpenedImage opened = open_checked(name, &bytes);
  const OIIO::ImageSpec& spec = opened.in->spec();
  return {spec.width, spec.height, spec.nchannels, opened.in->format_name()};
}

void write_image(const std::string& path, const Image& img) {
  const std::string format = output_format(path);
  if (format == "png") {
    write_file_atomic(path, encode_png_image(img, path));
  } else {
    write_with_oiio(path, img);
  }
}

std::string encode_image_png(const Image& img) { return encode_png_image(img, "PNG encoder"); }

}  // namespace film::io
