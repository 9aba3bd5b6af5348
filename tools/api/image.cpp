// film/image.h: images in memory and on disk.
#include "film/image.h"

#include <filesystem>

#include "graph/base/error.h"
#include "tools/api/convert.h"

namespace film {

std::size_t sample_bytes(SampleType type) {
  return type == SampleType::u8 ? 1 : type == SampleType::u16 ? 2 : 4;
}

Image::Image(int width, int height, int channels, SampleType type)
    : width_(width), height_(height), channels_(channels), type_(type) {
  api::check_shape(width, height, channels, type, "film::Image");
  bytes_.assign(static_cast<std::size_t>(width) * height * channels * sample_bytes(type), 0);
}

ImageView Image::view() const {
  return {const_cast<unsigned char*>(bytes_.data()), width_, height_, channels_, type_, 0};
}

Image read_image(const std::string& path) {
  const io::Image img = io::read_image(path);
  return api::to_image(img, api::stored_channels(img), api::stored_type(img));
}

void write_image(const std::string& path, const ImageView& image, bool overwrite) {
  const io::Image img = api::from_view(image, path);
  std::error_code ec;
  if (!overwrite && std::filesystem::exists(path, ec))
    fail(path, ": exists; pass overwrite to replace it");
  io::write_image(path, img);
}

}  // namespace film
