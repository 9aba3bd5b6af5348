#include "engine/app/tiling.h"

#include <algorithm>

#include "graph/error.h"

namespace film {

std::vector<int64_t> tile_origins(int64_t size, int64_t tile, int64_t margin, int64_t ramp) {
  if (tile >= size) return {0};
  const int64_t step = tile - 2 * margin - ramp;  // the most a tile may advance
  if (step <= 0)
    fail("tiles of ", tile, " pixels cannot advance with a margin of ", margin, " and a ramp of ",
         ramp);
  const int64_t n = (size - tile + step - 1) / step + 1;
  std::vector<int64_t> o(n);
  for (int64_t i = 0; i < n; ++i) o[i] = i * (size - tile) / (n - 1);  // spread evenly
  return o;
}

TileGrid tile_grid(int64_t h, int64_t w, int64_t tile_h, int64_t tile_w, int64_t margin,
                   int64_t ramp) {
  TileGrid g;
  g.tile_h = std::min(tile_h, h);
  g.tile_w = std::min(tile_w, w);
  g.margin = margin;
  g.ramp = ramp;
  g.ys = tile_origins(h, g.tile_h, margin, ramp);
  g.xs = tile_origins(w, g.tile_w, margin, ramp);
  return g;
}

float tile_weight(int64_t u, int64_t origin, int64_t tile, int64_t size, int64_t margin,
                  int64_t ramp) {
  auto rise = [&](int64_t d) {  // d: pixels from an interior edge
    const double x = (static_cast<double>(d - margin) + 0.5) / static_cast<double>(ramp);
    return static_cast<float>(std::clamp(x, 0.0, 1.0));
  };
  float weight = 1.0f;
  if (origin > 0) weight = std::min(weight, rise(u));
  if (origin + tile < size) weight = std::min(weight, rise(tile - 1 - u));
  return weight;
}

int64_t tile_size_for(int64_t size, int n, int64_t margin, int64_t ramp, int64_t unit) {
  if (n <= 1) return size;
  const int64_t overlap = 2 * margin + ramp;
  int64_t t = (size + (n - 1) * overlap + n - 1) / n;
  t = (t + unit - 1) / unit * unit;
  return std::min(t, size);
}

}  // namespace film
