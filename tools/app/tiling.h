// Overlapping tiles for frames too large for the memory budget: every backend gets them, because
// they live above the Session (FrameInterpolator runs the model once per tile and blends).
//
// Along each axis, tiles of one size `tile` start at origins spread evenly from 0 to size - tile.
// Where a tile meets a neighbour (an interior edge), its first `margin` pixels are context only
// (weight 0: a pixel near a tile's edge lacks the motion's other end and the coarse pyramid
// levels' surroundings), and its weight then rises linearly over `ramp` pixels to 1. At the
// frame's own edges the weight is 1 to the border. Neighbours overlap by at least
// 2 * margin + ramp, so every pixel has a tile at full weight or two crossing ramps, and the
// result is sum(w * tile) / sum(w): no seam, however the tiles' results differ. (The official FILM
// tool tiles with no overlap and users see seams: docs/quality.md measures this one against the
// untiled result.)
// Usage:
//   film::TileGrid g = film::tile_grid(2160, 3840, 1280, 1344, 128, 64);
//   for (int64_t y : g.ys) for (int64_t x : g.xs) ... run the tile at (y, x), weights by
//   tile_weight(u, y, g.tile_h, 2160, g.margin, g.ramp) * tile_weight(v, x, ...)
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <vector>

namespace film {

struct TileGrid {
  int64_t tile_h = 0, tile_w = 0;  // every tile's size (the frame's, for one tile)
  int64_t margin = 0, ramp = 0;
  std::vector<int64_t> ys, xs;  // tile origins
  int64_t count() const { return static_cast<int64_t>(ys.size() * xs.size()); }
};

// Origins of tiles of `tile` pixels covering `size` with neighbours overlapping by at least
// 2 * margin + ramp; {0} when one tile covers it. film::Error when tile <= 2 * margin + ramp
// (tiles that cannot advance).
std::vector<int64_t> tile_origins(int64_t size, int64_t tile, int64_t margin, int64_t ramp);

TileGrid tile_grid(int64_t h, int64_t w, int64_t tile_h, int64_t tile_w, int64_t margin,
                   int64_t ramp);

// The blend weight (0..1) along one axis of pixel `u` (0 <= u < tile) of the tile at `origin` in a
// frame of `size` pixels.
float tile_weight(int64_t u, int64_t origin, int64_t tile, int64_t size, int64_t margin,
                  int64_t ramp);

// The tile size (height or width) that covers `size` in `n` tiles with the given overlap, rounded
// up to a multiple of `unit` (the graph's size rule) and at most `size`.
int64_t tile_size_for(int64_t size, int n, int64_t margin, int64_t ramp, int64_t unit);

// How frames of one size are run: one tile (the whole frame) or several, and the memory the
// chosen plan needs (the plan's peak less the weights, plus the blend's frame-sized buffers).
struct TilePlan {
  TileGrid grid;
  size_t need_bytes = 0;
  bool fits = true;  // false: not even the smallest tiles fit the budget (grid: those tiles)
};

// The tiling of an h x w frame under `budget` bytes, where need(th, tw) is the memory a tile of
// th x tw needs (a plan, not an allocation): the whole frame when it fits, else the fewest tiles
// (then the squarest) whose plan fits, up to 16 x 16; tile sides are multiples of `unit`. A query:
// `need` is its only effect.
TilePlan choose_tiles(int64_t h, int64_t w, size_t budget, int64_t unit, int64_t margin,
                      int64_t ramp, const std::function<size_t(int64_t, int64_t)>& need);

}  // namespace film
