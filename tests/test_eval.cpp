#include <doctest/doctest.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "tools/eval/eval.h"
#include "tools/media/image.h"
#include "tools/eval/metrics.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

namespace {

// A small image whose values depend on position and `seed`, so cases differ.
Tensor pattern(int64_t h, int64_t w, int seed) {
  Tensor t = Tensor::zeros({1, 3, h, w});
  for (int64_t i = 0; i < t.size(); ++i) t.data()[i] = float((i * 37 + seed * 101) % 256) / 255.0f;
  return t;
}

void write_case(const std::string& dir, int seed, bool with_gt = true) {
  std::filesystem::create_directories(dir);
  io::write_png(dir + "/im0.png", pattern(16, 20, seed));
  io::write_png(dir + "/im1.png", pattern(16, 20, seed + 2));
  if (with_gt) io::write_png(dir + "/gt.png", pattern(16, 20, seed + 1));
}


// A smooth random texture of 128x96, moved by (dx, dy).
constexpr int64_t kTexH = 96, kTexW = 128;
Tensor texture(double dx, double dy) {
  Tensor t = Tensor::zeros({1, 3, kTexH, kTexW});
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 0; y < kTexH; ++y)
      for (int64_t x = 0; x < kTexW; ++x) {
        const double u = static_cast<double>(x) - dx, v = static_cast<double>(y) - dy;
        t.data()[(c * kTexH + y) * kTexW + x] =
            static_cast<float>(0.5 + 0.2 * std::sin(0.31 * u + 0.7 * c) * std::cos(0.23 * v) +
                               0.15 * std::sin(0.11 * u * (c + 1) + 0.17 * v));
      }
  return t;
}

// Mean absolute difference of two textures over the inner pixels (16 from every edge).
double inner_error(const Tensor& t, const Tensor& truth) {
  double e = 0;
  int64_t n = 0;
  for (int c = 0; c < 3; ++c)
    for (int64_t y = 16; y < kTexH - 16; ++y)
      for (int64_t x = 16; x < kTexW - 16; ++x, ++n)
        e += std::abs(t.data()[(c * kTexH + y) * kTexW + x] - truth.data()[(c * kTexH + y) * kTexW + x]);
  return e / static_cast<double>(n);
}

}  // namespace

TEST_CASE("list_triplets takes case folders in name order and ignores plain files") {
  test::TempDir dir;
  write_case(dir / "b", 1);
  write_case(dir / "a", 2);
  io::write_file_atomic(dir / "README", "not a case");
  auto t = list_triplets(dir.path());
  REQUIRE(t.size() == 2);
  CHECK(t[0].name == "a");
  CHECK(t[1].name == "b");
  CHECK(t[1].gt == dir / "b/gt.png");
}

TEST_CASE("list_triplets names the missing file, the empty folder and a missing folder") {
  test::TempDir dir;
  write_case(dir / "ok", 1);
  write_case(dir / "broken", 3, /*with_gt=*/false);
  CHECK(test::error_of([&] { list_triplets(dir.path()); }).find(dir / "broken/gt.png") !=
        std::string::npos);

  test::TempDir empty;
  CHECK(test::error_of([&] { list_triplets(empty.path()); }).find("no case folders") !=
        std::string::npos);
  CHECK(test::error_of([&] { list_triplets(empty / "nope"); }).find(empty / "nope") !=
        std::string::npos);
}

TEST_CASE("flow-warp baseline: a shifted texture is warped halfway, far above averaging") {
  // A smooth random texture, and the same moved 6 px right and 2 px down; the truth halfway is
  // moved 3 px and 1 px. Inner pixels only (the edges have nothing to warp from).
  const Tensor a = texture(0, 0), b = texture(6, 2), truth = texture(3, 1);
  auto error = [&](const Tensor& t) { return inner_error(t, truth); };
  const Tensor warped = flow_warp_baseline().run(a, b);
  const Tensor averaged = average_baseline().run(a, b);
  MESSAGE("mean abs error: flow-warp ", error(warped), ", average ", error(averaged));
  CHECK(error(warped) < 0.01);
  CHECK(error(warped) * 5 < error(averaged));
  CHECK_THROWS_WITH_AS(flow_warp_baseline().run(a, Tensor::zeros({1, 3, 8, 8})),
                       doctest::Contains("expected two [1,3,H,W] frames of one size"), Error);
}

TEST_CASE("mci baseline: FFmpeg's minterpolate moves a shifted texture halfway; no ffmpeg is an error") {
  REQUIRE(mci_available());  // the ffmpeg program: tools/setup.sh installs it
  // The smooth texture of the flow-warp case moved 4 px right; the truth halfway is moved 2 px.
  // (At 6-8 px minterpolate's defaults do worse than averaging on it: its scene-change detection
  // or block matching gives up; that is the baseline as users get it.) Inner pixels only.
  const Tensor a = texture(0, 0), b = texture(4, 0), truth = texture(2, 0);
  auto error = [&](const Tensor& t) { return inner_error(t, truth); };
  const Tensor mid = mci_baseline().run(a, b);
  REQUIRE(mid.shape() == a.shape());
  const Tensor averaged = average_baseline().run(a, b);
  MESSAGE("mean abs error: mci ", error(mid), ", average ", error(averaged));
  CHECK(error(mid) * 3 < error(averaged));
  // Identical inputs come back as they went in, up to the 8-bit YUV 4:4:4 round trip.
  CHECK(error(mci_baseline().run(truth, truth)) < 0.01);
  CHECK_FALSE(mci_available("/nonexistent/ffmpeg"));
  CHECK_THROWS_WITH_AS(mci_baseline("/nonexistent/ffmpeg").run(a, b),
                       doctest::Contains("mci: /nonexistent/ffmpeg (minterpolate) could not start"),
                       Error);
}

TEST_CASE("evaluate scores each method per case, averages, reports progress and formats") {
  test::TempDir dir;
  write_case(dir / "c1", 1);
  write_case(dir / "c2", 5);
  std::vector<std::string> seen;
  EvalMethod oracle{"oracle", [&](const Tensor& a, const Tensor&) {
                      // The gt of whichever case this is: reload it by matching im0.
                      for (const auto* c : {"c1", "c2"}) {
                        Tensor im0 = io::read_png(dir / (std::string(c) + "/im0.png"));
                        if (std::equal(im0.data(), im0.data() + im0.size(), a.data()))
                          return io::read_png(dir / (std::string(c) + "/gt.png"));
                      }
                      return a;
                    }};
  auto results = evaluate(dir.path(), {oracle, repeat_baseline(), average_baseline()},
                          [&](size_t done, size_t total, const std::string& name) {
                            CHECK(total == 2);
                            CHECK(done == seen.size() + 1);
                            seen.push_back(name);
                          });
  CHECK(seen == std::vector<std::string>{"c1", "c2"});
  REQUIRE(results.size() == 3);
  CHECK(results[0].method == "oracle");
  CHECK(results[0].mean_psnr == kPsnrCap);
  CHECK(results[0].mean_ssim == doctest::Approx(1.0));
  REQUIRE(results[1].cases.size() == 2);
  CHECK(results[1].cases[1].name == "c2");
  CHECK(results[1].mean_psnr < 60);
  CHECK(results[1].mean_psnr ==
        doctest::Approx((results[1].cases[0].psnr + results[1].cases[1].psnr) / 2));

  std::string table = format_eval_table(results);
  CHECK(table.find("oracle") != std::string::npos);
  CHECK(table.find("average") != std::string::npos);
  CHECK(table.find("\nc2 ") != std::string::npos);
  CHECK(table.find("\nmean ") != std::string::npos);
  CHECK(format_eval_table(results, /*per_case=*/false).find("c2") == std::string::npos);

  auto j = nlohmann::json::parse(format_eval_json(results));
  REQUIRE(j["methods"].size() == 3);
  CHECK(j["methods"][2]["name"] == "average");
  CHECK(j["methods"][2]["mean"]["psnr"].get<double>() == doctest::Approx(results[2].mean_psnr));
  CHECK(j["methods"][1]["cases"][0]["name"] == "c1");
  CHECK(j["methods"][0]["name"] == "oracle");
  CHECK(j["methods"][1]["cases"][0]["ssim"].get<double>() ==
        doctest::Approx(results[1].cases[0].ssim));
}

TEST_CASE("evaluation JSON survives case folder names that are not UTF-8") {
  EvalResult r{"m", {{"bad\xff\xfename", 30.0, 0.9}}, 30.0, 0.9};
  auto j = nlohmann::json::parse(format_eval_json({r}));
  CHECK(j["methods"][0]["cases"][0]["psnr"].get<double>() == 30.0);
}

TEST_CASE("evaluate names the case and method when a method fails or returns the wrong shape") {
  test::TempDir dir;
  write_case(dir / "only", 1);
  EvalMethod wrong{"wrong", [](const Tensor&, const Tensor&) {
                     return Tensor::zeros({1, 3, 4, 4});
                   }};
  std::string e = test::error_of([&] { evaluate(dir.path(), {wrong}); });
  CHECK(e.find("case 'only', method 'wrong'") != std::string::npos);
  CHECK(e.find("[1,3,16,20]") != std::string::npos);
  EvalMethod throws{"throws", [](const Tensor&, const Tensor&) -> Tensor { fail("boom"); }};
  e = test::error_of([&] { evaluate(dir.path(), {throws}); });
  CHECK(e.find("case 'only', method 'throws': boom") != std::string::npos);
}

TEST_CASE("baselines on ucf101-dev land on the published reference points") {
  auto triplets = list_triplets(test::eval_data("ucf101-dev"));
  CHECK(triplets.size() == 95);
  auto start = std::chrono::steady_clock::now();
  auto r = evaluate_triplets(triplets, {repeat_baseline(), average_baseline()});
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  MESSAGE("ucf101-dev (", triplets.size(), " cases, ", seconds, " s): repeat ", r[0].mean_psnr,
          " dB / ", r[0].mean_ssim, ", average ", r[1].mean_psnr, " dB / ", r[1].mean_ssim);
  // data/README.md quotes ~31.3 dB (repeat) and ~33.1 dB (average) as approximate reference
  // points for UCF101-style data. On these 95 triplets this code measures 1.1-1.3 dB lower with
  // the papers' definition (RGB PSNR per image, then averaged; the repeat numbers were
  // cross-checked with an independent pure-Python PNG decoder). So the band around the quoted
  // points is 1.5 dB, and the measured values are pinned tightly as a regression guard.
  CHECK(r[0].mean_psnr == doctest::Approx(31.3).epsilon(1.5 / 31.3));
  CHECK(r[1].mean_psnr == doctest::Approx(33.1).epsilon(1.5 / 33.1));
  CHECK(r[0].mean_psnr == doctest::Approx(30.041).epsilon(0.005 / 30));
  CHECK(r[1].mean_psnr == doctest::Approx(32.036).epsilon(0.005 / 32));
  CHECK(r[0].mean_ssim == doctest::Approx(0.8774).epsilon(0.0005));
  CHECK(r[1].mean_ssim == doctest::Approx(0.9141).epsilon(0.0005));
  CHECK(r[1].mean_psnr - r[0].mean_psnr == doctest::Approx(1.8).epsilon(0.3 / 1.8));
}
