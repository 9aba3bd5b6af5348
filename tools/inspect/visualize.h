// Pictures of intermediate values, for `film inspect --dump` (docs/inspect.md):
// - flow fields ([1,2,H,W], x then y displacement in pixels) in the Middlebury colour coding
//   (Baker et al., "A Database and Evaluation Methodology for Optical Flow", 2007/2011): hue is
//   the direction, saturation the magnitude relative to a scale, white is no motion; right is
//   red, down yellow, left cyan, up blue-violet. Beyond the scale, colours darken to 75%.
// - a legend: the colour wheel as a disc whose rim is the scale;
// - feature maps ([1,C,H,W]) as a mosaic of their channels, each stretched to its own range;
// - three-channel values as images (clamped to [0, 1]).
#pragma once

#include <array>

#include "tools/media/image.h"
#include "engine/tensor.h"

namespace film::viz {

// The colour of displacement (u, v) with `scale` the magnitude drawn fully saturated; 0-255.
std::array<uint8_t, 3> flow_colour(double u, double v, double scale);

// `flow` [1,2,H,W] as an 8-bit RGB image; `scale` <= 0: the field's largest magnitude (at least
// 1e-6). The scale used is returned in *used_scale.
io::Image flow_image(const Tensor& flow, double scale, double* used_scale);

// The colour wheel: a `size` x `size` disc (white outside).
io::Image flow_legend(int size);

// The channels of `t` [1,C,H,W] side by side, `columns` per row (0: about square), each channel
// stretched from its own min to max (constant channels are mid-grey); one pixel of black between.
io::Image feature_mosaic(const Tensor& t, int columns = 0);

}  // namespace film::viz
