#include "tools/app/tiling.h"

#include <algorithm>

#include "graph/base/error.h"

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

TilePlan choose_tiles(int64_t h, int64_t w, size_t budget, int64_t unit, int64_t margin,
                      int64_t ramp, const std::function<size_t(int64_t, int64_t)>& need) {
  TilePlan t;
  t.grid = tile_grid(h, w, h, w, margin, ramp);
  t.need_bytes = need(h, w);
  if (budget == SIZE_MAX || t.need_bytes <= budget) return t;
  const size_t blend = 4 * sizeof(float) * 3 * static_cast<size_t>(h * w);  // out, weights
  std::vector<std::pair<int, int>> grids;
  for (int ny = 1; ny <= 16; ++ny)
    for (int nx = 1; nx <= 16; ++nx)
      if (ny * nx > 1) grids.push_back({ny, nx});
  auto aspect = [&](std::pair<int, int> g) {
    const double r = (double(h) / g.first) / (double(w) / g.second);
    return std::max(r, 1 / r);
  };
  std::stable_sort(grids.begin(), grids.end(), [&](auto a, auto b) {
    return a.first * a.second != b.first * b.second ? a.first * a.second < b.first * b.second
                                                    : aspect(a) < aspect(b);
  });
  const int64_t smallest = 2 * margin + ramp + unit;
  t.fits = false;
  std::vector<std::pair<int64_t, int64_t>> too_big;  // tile sizes that did not fit
  for (auto [ny, nx] : grids) {
    const int64_t th = tile_size_for(h, ny, margin, ramp, unit);
    const int64_t tw = tile_size_for(w, nx, margin, ramp, unit);
    if ((th < smallest && th < h) || (tw < smallest && tw < w)) continue;
    // A tile at least as large both ways as one that did not fit cannot fit: not planned.
    if (std::any_of(too_big.begin(), too_big.end(),
                    [&](auto f) { return th >= f.first && tw >= f.second; }))
      continue;
    const TileGrid g = tile_grid(h, w, th, tw, margin, ramp);
    if (g.count() != ny * nx) continue;  // rounding made it another grid: reached elsewhere
    t.grid = g;
    t.need_bytes = need(th, tw) + blend;
    if (t.need_bytes <= budget) {
      t.fits = true;
      return t;
    }
    too_big.push_back({th, tw});
  }
  return t;
}

}  // namespace film
