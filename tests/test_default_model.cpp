// The bundled default model (models/film-default): what the README's first command runs.
#include <doctest/doctest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "tools/eval/eval.h"
#include "tools/app/interpolate.h"
#include "engine/model.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

namespace {

std::string default_model_dir() { return test::source_dir() + "/models/film-default"; }

}  // namespace

TEST_CASE("the bundled default model keeps the issue's size limits") {
  const std::string dir = default_model_dir();
  REQUIRE_MESSAGE(std::filesystem::exists(dir + "/graph.json"), dir, " is missing");
  CHECK(std::filesystem::file_size(dir + "/weights.safetensors") <= 20u * 1000 * 1000);
  auto model = Model::load(dir);
  size_t params = 0;
  for (auto& [name, t] : model->weights) params += size_t(t.size());
  CHECK(params > 1000000);  // a real FILM, not a stub
  // 7 pyramid levels for large motion, as the issue asks
  auto graph = nlohmann::json::parse(io::read_file(dir + "/graph.json"));
  CHECK(graph.at("metadata").at("options").at("pyramid_levels").get<int>() == 7);
}

TEST_CASE("the bundled default model beats averaging the inputs on large motion (sintel-dev)") {
  const std::string data = test::eval_data("sintel-dev");
  REQUIRE_MESSAGE(std::filesystem::exists(data), data, " is missing");
  // Two cases at full size (1024x436, run at 1024x448): the ref backend would take minutes.
  const std::string backend = test::backend_available("cpu") ? "cpu" : "ref";
  FrameInterpolator f(Model::load(default_model_dir()), {.backend = backend});
  auto cases = list_triplets(data);
  REQUIRE(cases.size() >= 2);
  cases.resize(2);
  auto r = evaluate_triplets(
      cases, {{"film", [&](const Tensor& a, const Tensor& b) { return f.middle(a, b); }},
              average_baseline()});
  for (size_t i = 0; i < cases.size(); ++i) {
    INFO(cases[i].name, ": film ", r[0].cases[i].psnr, " dB, average ", r[1].cases[i].psnr, " dB");
    // measured when the model was bundled: +3.9 and +2.5 dB on these two (docs/quality.md)
    CHECK(r[0].cases[i].psnr > r[1].cases[i].psnr + 1.5);
    CHECK(r[0].cases[i].ssim > r[1].cases[i].ssim);
  }
}
