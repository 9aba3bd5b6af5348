// Inputs padded to the size a graph takes, and results cropped back (FrameInterpolator).
// Usage:
//   auto [ph, pw] = film::padded_size(model.graph, 720, 1280);     // 768 x 1280 for FILM
//   film::Tensor in = film::recentre(frame, ph, pw, film::Padding::replicate);
//   film::Tensor out = film::recentre(result, 720, 1280, film::Padding::zeros);   // cropped back
#pragma once

#include <cstdint>
#include <utility>

#include "engine/tensor.h"
#include "film/interpolator.h"
#include "graph/graph.h"

namespace film {

// `src` ([N,C,H,W]) placed in the centre of an h x w frame (or its centre cropped, where smaller).
// Padding pixels are zero (Padding::zeros, what the official FILM tool does), or copies of the
// nearest edge pixel (Padding::replicate: a flat or tiny image stays flat; docs/quality.md
// measures the choice).
Tensor recentre(const Tensor& src, int64_t h, int64_t w, Padding mode);

// The size a graph runs at for an input of h x w: each of H and W rounded up to its dims rule
// (FILM: a multiple of 64). What FrameInterpolator pads to; `film inspect` and `bench` plan at it.
std::pair<int64_t, int64_t> padded_size(const graph::Graph& g, int64_t h, int64_t w);

}  // namespace film
