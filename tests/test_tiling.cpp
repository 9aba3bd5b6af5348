// Overlapping tiles for frames over the memory budget (tools/app/tiling.h): the grid's geometry
// and weights, then a real frame tiled against the same frame untiled, through the CLI.
#include <doctest/doctest.h>

#include <cmath>

#include "tools/media/image.h"
#include "tools/app/interpolate.h"
#include "tools/eval/metrics.h"
#include "tools/app/tiling.h"
#include "graph/base/error.h"
#include "tests/test_util.h"

using namespace film;

TEST_CASE(
    "tile origins cover the frame, neighbours overlap by the margins and ramp, weights blend") {
  const int64_t margin = 128, ramp = 64;
  for (int64_t size : {300, 448, 768, 1000, 2160, 3840})
    for (int64_t tile : {384, 448, 512, 1280}) {
      CAPTURE(size);
      CAPTURE(tile);
      const auto o = tile_origins(size, tile, margin, ramp);
      REQUIRE(!o.empty());
      CHECK(o.front() == 0);
      if (tile >= size) {
        CHECK(o.size() == 1);
        continue;
      }
      CHECK(o.back() + tile == size);  // the last tile ends at the border
      for (size_t i = 1; i < o.size(); ++i) {
        CHECK(o[i] > o[i - 1]);
        CHECK(o[i - 1] + tile - o[i] >= 2 * margin + ramp);  // the overlap
      }
      // Every pixel has weight; the frame's borders and each tile's core have full weight; an
      // interior edge's margin has none.
      for (int64_t p = 0; p < size; ++p) {
        double sum = 0;
        for (int64_t t : o)
          if (p >= t && p < t + tile) sum += tile_weight(p - t, t, tile, size, margin, ramp);
        REQUIRE(sum > 0.01);
      }
      CHECK(tile_weight(0, 0, tile, size, margin, ramp) == 1.0f);
      CHECK(tile_weight(tile - 1, size - tile, tile, size, margin, ramp) == 1.0f);
      if (o.size() > 2) {
        const int64_t t = o[1];
        CHECK(tile_weight(margin - 1, t, tile, size, margin, ramp) == 0.0f);
        if (tile > 2 * (margin + ramp))
          CHECK(tile_weight(tile / 2, t, tile, size, margin, ramp) == 1.0f);
        CHECK(tile_weight(tile - margin, t, tile, size, margin, ramp) == 0.0f);
        const float mid = tile_weight(margin + ramp / 2, t, tile, size, margin, ramp);
        CHECK(mid > 0.4f);
        CHECK(mid < 0.6f);
      }
    }
  CHECK_THROWS_AS(tile_origins(1000, 320, margin, ramp), Error);  // cannot advance
  CHECK(tile_size_for(2160, 2, margin, ramp, 64) == 1280);        // (2160 + 320) / 2, up to 64
  CHECK(tile_size_for(2160, 1, margin, ramp, 64) == 2160);
  CHECK(tile_size_for(500, 2, margin, ramp, 64) == 448);
  const TileGrid g = tile_grid(2160, 3840, 1280, 1344, margin, ramp);
  CHECK(g.ys.size() == 2);
  CHECK(g.xs.size() == 4);
  CHECK(g.count() == 8);
}

TEST_CASE(
    "a frame over --max-memory runs as overlapping tiles: within 40 dB of the untiled frame, "
    "no seam" *
    doctest::skip(!test::backend_available("cpu"))) {
  test::TempDir dir;
  const std::string one = test::fixture("film-official-output/one.png"),
                    two = test::fixture("film-official-output/two.png");
  const std::string whole = dir.path() + "/whole.png", tiled = dir.path() + "/tiled.png";
  const std::string cmd = test::film_binary() + " interpolate " + one + " " + two + " --threads 2";
  auto r = test::run_command(cmd + " -o " + whole);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("tiles") == std::string::npos);
  // The bundled model's plan at 1024x768 peaks near 600 MiB: 300 MiB needs tiles.
  r = test::run_command(cmd + " --max-memory 300M -o " + tiled);
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  CHECK(r.output.find("running it as") != std::string::npos);
  CHECK(r.output.find("overlapping tiles") != std::string::npos);
  const Tensor a = io::read_png(whole), b = io::read_png(tiled);
  const double db = psnr(a, b);
  MESSAGE("1024x768 demo photos, bundled model, tiled under 300 MiB against untiled: ", db, " dB");
  CHECK(db >= 40.0);
  // A process limit is a budget too, each named in the note: an address-space limit (ulimit -v,
  // as batch schedulers set; about 0.5 GiB is mapped before the plan) and a data-size limit
  // (ulimit -d: private writable memory, about 0.1 GiB before the plan). Under them the frame
  // tiles instead of failing in an allocation (issue 26).
  for (const auto& [ulimit, named] : std::vector<std::pair<std::string, std::string>>{
           {"-v 1500000", "the address-space limit (ulimit -v) of 1464 MiB"},
           {"-d 1000000", "the data-size limit (ulimit -d) of 976 MiB"}}) {
    const std::string limited = dir.path() + "/limited.png";
    r = test::run_command("bash -c 'ulimit " + ulimit + "; exec " + cmd + " -o " + limited +
                          " --force'");
    CAPTURE(r.output);
    REQUIRE(r.exit_code == 0);
    CHECK(r.output.find(named) != std::string::npos);
    CHECK(r.output.find("overlapping tiles") != std::string::npos);
    CHECK(psnr(a, io::read_png(limited)) >= 40.0);
  }
  // A seam is a jump between two columns (or rows) that the untiled frame does not have: compare
  // the mean step across every column and row boundary, in 8-bit levels.
  const int64_t c = a.dim(1), h = a.dim(2), w = a.dim(3);
  auto px = [&](const Tensor& t, int64_t ch, int64_t y, int64_t x) {
    return 255.0 * t.data()[(ch * h + y) * w + x];
  };
  double worst = 0;
  for (int64_t x = 0; x + 1 < w; ++x) {
    double sa = 0, sb = 0;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t y = 0; y < h; ++y) {
        sa += std::abs(px(a, ch, y, x + 1) - px(a, ch, y, x));
        sb += std::abs(px(b, ch, y, x + 1) - px(b, ch, y, x));
      }
    worst = std::max(worst, (sb - sa) / double(c * h));
  }
  for (int64_t y = 0; y + 1 < h; ++y) {
    double sa = 0, sb = 0;
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t x = 0; x < w; ++x) {
        sa += std::abs(px(a, ch, y + 1, x) - px(a, ch, y, x));
        sb += std::abs(px(b, ch, y + 1, x) - px(b, ch, y, x));
      }
    worst = std::max(worst, (sb - sa) / double(c * w));
  }
  MESSAGE("largest extra mean step across a column or row boundary: ", worst, " levels");
  CHECK(worst < 2.0);
}

TEST_CASE("over the budget, 'cpu' drops Winograd convolutions before it tiles" *
          doctest::skip(!test::backend_available("cpu"))) {
  auto model = Model::load(test::source_dir() + "/models/film-default");
  auto need = [&](const std::string& backend) {
    FrameInterpolator f(model, {.backend = backend, .threads = 2});
    return f.plan_fit(512, 512).tiles.need_bytes;
  };
  const size_t winograd = need("cpu"), direct = need("cpu:direct");
  MESSAGE("bundled model at 512x512: ", winograd >> 20, " MiB with Winograd, ", direct >> 20,
          " MiB without");
  REQUIRE(direct < winograd);
  FrameInterpolator f(model, {.backend = "cpu", .threads = 2});
  f.set_memory_budget((direct + winograd) / 2);
  // The decision is a query first: nothing changes until it is applied.
  const MemoryFit planned = f.plan_fit(512, 512);
  CHECK(planned.backend == "cpu:direct");
  CHECK(f.backend_spec() == "cpu");
  const TilePlan& t = f.fit(512, 512);
  CHECK(f.backend_spec() == "cpu:direct");
  CHECK(t.fits);
  CHECK(t.grid.count() == 1);  // whole, without Winograd
  CHECK(t.need_bytes == direct);
  // And the frame it makes is the direct backend's.
  Tensor a = Tensor::zeros({1, 3, 512, 512}), b = Tensor::zeros({1, 3, 512, 512});
  for (int64_t i = 0; i < a.size(); ++i) {
    a.data()[i] = float((i * 7) % 255) / 255;
    b.data()[i] = float((i * 7 + 40) % 255) / 255;
  }
  FrameInterpolator d(model, {.backend = "cpu:direct", .threads = 2});
  CHECK(test::max_abs_diff(f.middle(a, b), d.middle(a, b)) == 0);
}
