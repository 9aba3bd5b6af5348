// Between the public API's pixel views (film/image.h) and the media layer's images (engine
// tensors): the only place the two meet. Samples convert exactly as the image readers do
// (8-bit v -> v / 255, 16-bit v -> v / 65535) and back as the writers do (rounded, clamped).
#pragma once

#include <string>

#include "film/image.h"
#include "tools/media/image.h"

namespace film::api {

// film::Error naming `what` for a view the library cannot read: no data, a size or channel count
// out of range, a row stride shorter than a row.
void check_view(const ImageView& v, const std::string& what);
// The same for a size, channel count and sample type alone.
void check_shape(int width, int height, int channels, SampleType type, const std::string& what);
io::Image from_view(const ImageView& v, const std::string& what);
// `img` into `out` (its size; channels and sample type are out's).
void to_view(const io::Image& img, const ImageView& out);
Image to_image(const io::Image& img, int channels, SampleType type);
// The channels and sample type an io::Image has as stored.
int stored_channels(const io::Image& img);
SampleType stored_type(const io::Image& img);

}  // namespace film::api
