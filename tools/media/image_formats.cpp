// read_image()/write_image(): every image format, kept in kind. PNG goes through this project's
// libpng code (image.cpp: fuzzed, with its size limits and messages); everything else through
// OpenImageIO, the post-production standard library (Debian's libopenimageio-dev): JPEG, WebP,
// TIFF, OpenEXR, DPX, BMP, TGA, HEIF, ... (docs/cli.md, "Image formats", says why this one).
#include <OpenImageIO/imageio.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <vector>

#include "tools/media/image.h"
#include "graph/base/error.h"
#include "graph/base/file.h"

namespace film::io {
namespace {

bool is_png(const std::string& head) {
  return head.size() >= 8 && std::memcmp(head.data(), "\x89PNG\r\n\x1a\n", 8) == 0;
}

std::string lower_extension(const std::string& path) {
  std::string ext = std::filesystem::path(path).extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return ext.empty() ? ext : ext.substr(1);
}

Image read_with_oiio(const std::string& path) {
  auto in = OIIO::ImageInput::open(path);
  if (!in) {
    std::string why = OIIO::geterror();
    if (why.empty()) why = "not an image file any reader knows";
    fail(path, ": cannot read it as an image (", why, ")");
  }
  const OIIO::ImageSpec& spec = in->spec();
  const int64_t width = spec.width, height = spec.height;
  const int channels = spec.nchannels;
  if (width < 1 || height < 1 || width > kMaxImageSide || height > kMaxImageSide)
    fail(path, ": image is ", width, "x", height, ", expected 1..", kMaxImageSide,
         " pixels per side");
  if (width * height > kMaxImagePixels)
    fail(path, ": image is ", width, "x", height, ", expected at most ", kMaxImagePixels,
         " pixels");
  if (channels < 1 || channels > 64) fail(path, ": ", channels, " channels, expected 1 to 4");
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
    if (std::rename(path_.c_str(), to.c_str()) != 0)
      fail(to, ": cannot move the written file into place (", std::strerror(errno), ")");
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
