// The vulkan backend: every op against ref (the shared check of tests/backend_check.h) on whatever
// Vulkan device the loader finds — Mesa's llvmpipe software device where there is no GPU, as in
// CI — then whole graphs, its memory paths and its errors. Every case that needs a device is
// skipped, and reported so by doctest, where there is none. (The FILM golden fixtures on it are in
// test_film_port.cpp.)
#include <doctest/doctest.h>

#include <algorithm>

#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "backends/registry.h"
#include "engine/io/safetensors.h"
#include "engine/model.h"
#include "engine/session.h"
#include "graph/base/file.h"
#include "graph/ops.h"
#include "models/film/options.h"
#include "tests/backend_check.h"
#include "tests/test_util.h"

using namespace film;

namespace {

const bool kVulkan = test::backend_available("vulkan");
using test::Tolerance;

// Float32 storage and arithmetic (no fast-math: the SPIR-V carries no relaxed-precision
// decorations). Every override says why.
Tolerance tolerance_for(const std::string& op) {
  // conv2d: float accumulation in tap order where ref accumulates in double; as for the cpu
  // backend the error grows like sqrt(fan-in) float roundings (measured below 1e-6 for fan-in up
  // to 432), while a wrong tap, padding or tile edge gives errors of order 0.1.
  if (op == "conv2d") return {1e-5, 1e-5};
  // warp and resize compute sample coordinates and weights in float where ref uses double: a
  // coordinate x + flow near 50 is rounded to ~4e-6, which moves the sample by that much.
  if (op == "warp" || op == "resize") return {2e-5, 1e-5};
  // avg_pool2d sums up to 9 values in float; the element-wise ops and copies are exact.
  return {1e-6, 1e-6};
}

double check_all(const std::vector<test::OpCase>& cases) {
  return test::check_op_cases("vulkan", cases, tolerance_for);
}

// fp16: activations are stored as half floats (inputs rounded to half for ref too, by the shared
// check) and computed in float32, so the error is the output's rounding to half, at most half a
// unit in the last place, 2^-11 relative (4.9e-4), plus the float32 error above; 1e-3 relative
// holds that with margin while a wrong tap or element type (errors of 0.1 and more) fails.
// NaN and infinity pass through as themselves.
Tolerance tolerance_fp16(const std::string& op) {
  const Tolerance t = tolerance_for(op);
  return {t.atol + 1e-4, 1e-3};
}

double check_all_fp16(const std::vector<test::OpCase>& cases) {
  return test::check_op_cases("vulkan:fp16", cases, tolerance_fp16);
}

}  // namespace

TEST_CASE("the vulkan backend reports whether it is available, and why not, and means it") {
  const auto list = list_backends();
  const auto it = std::find_if(list.begin(), list.end(), [](auto& b) { return b.name == "vulkan"; });
  REQUIRE_MESSAGE(it != list.end(), "list_backends() does not list the vulkan backend");
  MESSAGE("vulkan backend: ",
          it->available ? "available" : "UNAVAILABLE (its tests are skipped): " + it->why_unavailable);
  // What it reports is what happens when one is made: made where available, refused otherwise
  // with the reason it gave.
  const std::string made = test::error_of([] { create_backend("vulkan"); });
  if (it->available) {
    CHECK(made.empty());
  } else {
    CHECK(!it->why_unavailable.empty());
    CHECK(made.find(it->why_unavailable) != std::string::npos);
  }
}

TEST_CASE("vulkan conv2d matches ref: 3x3, 1x1, 2x2, strides, padding, fused leaky ReLU, tiles" *
          doctest::skip(!kVulkan)) {
  check_all(test::conv2d_cases());
}

TEST_CASE("vulkan conv2d: the naive baseline shader matches ref too" * doctest::skip(!kVulkan)) {
  test::with_env("FILM_VULKAN_NAIVE_CONV", "1", [] { check_all(test::conv2d_cases()); });
}

TEST_CASE("vulkan leaky_relu, add and mul match ref, in place too" * doctest::skip(!kVulkan)) {
  for (auto& cases : test::eltwise_cases()) CHECK(check_all(cases) == 0);
}

TEST_CASE("vulkan avg_pool2d matches ref" * doctest::skip(!kVulkan)) {
  check_all(test::avg_pool2d_cases());
}

TEST_CASE("vulkan resize matches ref: bilinear with half-pixel centres and nearest" *
          doctest::skip(!kVulkan)) {
  check_all(test::resize_cases());
}

TEST_CASE("vulkan warp matches ref, border clamping and NaN/inf flows included" *
          doctest::skip(!kVulkan)) {
  check_all(test::warp_cases());
}

TEST_CASE("vulkan concat and slice match ref on every axis, exactly" * doctest::skip(!kVulkan)) {
  for (auto& cases : test::concat_slice_cases()) CHECK(check_all(cases) == 0);
}

TEST_CASE("vulkan fp16 (half-float storage): every op matches ref within half-float rounding" *
          doctest::skip(!kVulkan)) {
  for (auto& cases : test::every_op_cases()) {
    const double err = check_all_fp16(cases);
    if (cases[0].op == "concat" || cases[0].op == "slice") CHECK(err == 0);  // copies
  }
}

TEST_CASE("vulkan: repeated runs are bit-identical, through staging too, and match ref" *
          doctest::skip(!kVulkan)) {
  auto m = test::port_fixture_model("b");
  auto golden = io::read_safetensors(test::fixture("film-port/port-small-b.safetensors"));
  std::map<std::string, Tensor> in = {{"x0", golden.get("x0")}, {"x1", golden.get("x1")}};
  const Tensor ref = Session(m, create_backend("ref"), {.threads = 2}).run(in).at("image");
  Session s(m, create_backend("vulkan"), {});
  const Tensor first = s.run(in).at("image");
  CHECK(test::max_abs_diff(first, ref) <= 1e-4);
  const Tensor again = s.run(in).at("image");  // the same recording, submitted again
  CHECK(std::memcmp(again.data(), first.data(), sizeof(float) * first.size()) == 0);
  for (bool reuse : {true, false}) {
    CAPTURE(reuse);
    const Tensor t =
        Session(m, create_backend("vulkan"), {.reuse_memory = reuse}).run(in).at("image");
    CHECK(std::memcmp(t.data(), first.data(), sizeof(float) * first.size()) == 0);
  }
  // Copies through a staging buffer (as on a discrete GPU) give the same bits.
  test::with_env("FILM_VULKAN_STAGING", "1", [&] {
    const Tensor t = Session(m, create_backend("vulkan"), {}).run(in).at("image");
    CHECK(std::memcmp(t.data(), first.data(), sizeof(float) * first.size()) == 0);
  });
}

TEST_CASE("vulkan: FILM with the released options runs end to end, in fp32 and fp16, as on cpu" *
          doctest::skip(!test::backend_available("vulkan") || !test::backend_available("cpu"))) {
  // The released "Style" network (34 M parameters, 7 pyramid levels, random weights) at the
  // smallest size it takes, 64x64.
  auto m = Model::random(model::build_film_graph(model::released_options()), 7, "released");
  Tensor x0 = Tensor::zeros({1, 3, 64, 64}), x1 = Tensor::zeros({1, 3, 64, 64});
  for (int64_t i = 0; i < x0.size(); ++i) {
    x0.data()[i] = float((i * 7) % 255) / 255;
    x1.data()[i] = float((i * 7 + 40) % 255) / 255;
  }
  std::map<std::string, Tensor> in = {{m->graph.inputs[0].name, x0}, {m->graph.inputs[1].name, x1}};
  const Tensor cpu = Session(m, create_backend("cpu"), {.threads = 2}).run(in).at("image");
  const Tensor gpu = Session(m, create_backend("vulkan"), {}).run(in).at("image");
  const double err = test::max_abs_diff(gpu, cpu);
  MESSAGE("released FILM 64x64, vulkan vs cpu: max abs difference ", err);
  CHECK(err <= 1e-4);
  // fp16 storage: within one 8-bit step of the float32 result.
  const Tensor half = Session(m, create_backend("vulkan:fp16"), {}).run(in).at("image");
  const double err16 = test::max_abs_diff(half, cpu);
  MESSAGE("released FILM 64x64, vulkan fp16 vs cpu: max abs difference ", err16);
  CHECK(err16 <= 4e-3);
}

TEST_CASE("vulkan: device buffers have no host address; uploads and downloads round-trip" *
          doctest::skip(!kVulkan)) {
  auto backend = create_backend("vulkan");
  CHECK_FALSE(backend->buffer_type().host);
  auto b = backend->allocate(1024);
  CHECK(b->host() == nullptr);  // device memory: no address for the engine to touch
  std::vector<float> up(256), down(256, 0.0f);
  for (int i = 0; i < 256; ++i) up[i] = static_cast<float>(i) * 0.5f;
  backend->upload(up.data(), *b, 0, 1024);
  backend->download(*b, 512, 512, down.data());
  CHECK(std::memcmp(down.data(), up.data() + 128, 512) == 0);
}

TEST_CASE("vulkan: an op it cannot run is refused while planning, naming the node" *
          doctest::skip(!kVulkan)) {
  auto backend = create_backend("vulkan");
  KernelDesc d;
  d.node_name = "five/add";
  d.op = graph::OpKind::add;
  d.input_shapes = {{1, 2, 3, 4, 5}, {1, 2, 3, 4, 5}};
  d.output_shapes = {{1, 2, 3, 4, 5}};
  CHECK(backend->unsupported_reason(d).find("at most 4 dimensions") != std::string::npos);
  const std::string e = test::error_of([&] { backend->compile(d); });
  CHECK(e.find("five/add") != std::string::npos);
}

TEST_CASE("vulkan: out of device memory is a clear error with the size, not a crash" *
          doctest::skip(!kVulkan)) {
  auto backend = create_backend("vulkan");
  const std::string e = test::error_of([&] { backend->allocate(size_t{1} << 46); });  // 64 TiB
  CAPTURE(e);
  CHECK(e.find("out of device memory") != std::string::npos);
  CHECK(e.find("67108864 MiB") != std::string::npos);
  CHECK(e.find("try a smaller size") != std::string::npos);
}

TEST_CASE("vulkan: with no driver, film says there is no Vulkan device and how to get one") {
  // The loader pointed at a driver file that does not exist finds no device at all.
  test::TempDir dir;
  const std::string env =
      "VK_ICD_FILENAMES=" + dir / "none.json" + " VK_DRIVER_FILES=" + dir / "none.json" + " ";
  auto r = test::run_command(env + test::film_binary() + " devices 2>&1");
  CAPTURE(r.output);
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("no Vulkan device") != std::string::npos);
  CHECK(r.output.find("mesa-vulkan-drivers") != std::string::npos);
  r = test::run_command(env + test::film_binary() + " bench " + test::source_dir() +
                        "/models/film-default --size 64x64 --backend vulkan 2>&1");
  CAPTURE(r.output);
  CHECK(r.exit_code != 0);
  CHECK(r.output.find("backend 'vulkan' is not available: no Vulkan device") != std::string::npos);
}

TEST_CASE("vulkan: film devices lists the devices; --device and --precision are checked" *
          doctest::skip(!kVulkan)) {
  auto r = test::run_command(test::film_binary() + " devices --json");
  REQUIRE(r.exit_code == 0);
  const auto j = nlohmann::json::parse(r.output);
  REQUIRE(j["vulkan_devices"].size() >= 1);
  CHECK(j["vulkan_devices"][0]["index"] == 0);
  CHECK_FALSE(j["vulkan_devices"][0]["name"].get<std::string>().empty());
  const std::string model = test::source_dir() + "/models/film-default";
  r = test::run_command(test::film_binary() + " bench " + model +
                        " --size 64x64 --backend vulkan --device 99");
  CAPTURE(r.output);
  CHECK(r.exit_code == 1);
  CHECK(r.output.find("there is no Vulkan device 99; the devices here are:\n  0: ") !=
        std::string::npos);
  r = test::run_command(test::film_binary() + " bench " + model + " --size 64x64 --device 0");
  CAPTURE(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--device chooses a Vulkan device: it needs --backend vulkan") !=
        std::string::npos);
  r = test::run_command(test::film_binary() + " bench " + model + " --size 64x64 --precision fp16");
  CAPTURE(r.output);
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--precision fp16 runs on the vulkan backend") != std::string::npos);
  r = test::run_command(test::film_binary() + " bench " + model +
                        " --size 64x64 --backend vulkan --precision fp8");
  CHECK(r.exit_code == 2);
  CHECK(r.output.find("--precision: fp8 not in {fp32,bf16,fp16}") != std::string::npos);
  r = test::run_command(
      test::film_binary() + " bench " + model +
      " --size 64x64 --backend vulkan --device 0 --precision fp16 --runs 1 --json");
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  const auto b = nlohmann::json::parse(r.output.substr(r.output.find('{')));
  CHECK(b["backend"] == "vulkan");
  CHECK(b["device_min_s"].get<double>() > 0);  // the device's own clock was read
}

TEST_CASE(
    "vulkan: the pipeline cache is written to FILM_VULKAN_PIPELINE_CACHE, and a corrupt one "
    "is ignored" *
    doctest::skip(!kVulkan)) {
  test::TempDir dir;
  const std::string run = "FILM_VULKAN_PIPELINE_CACHE=" + dir.path() + " " + test::film_binary() +
                          " bench " + test::source_dir() +
                          "/models/film-default --size 64x64 --backend vulkan --runs 1";
  auto r = test::run_command(run);
  CAPTURE(r.output);
  REQUIRE(r.exit_code == 0);
  std::vector<std::filesystem::path> files;
  for (auto& f : std::filesystem::directory_iterator(dir.path())) files.push_back(f.path());
  REQUIRE(files.size() == 1);  // the cache, and no temporary left behind
  CHECK(files[0].filename().string().rfind("vulkan-pipelines-", 0) == 0);
  CHECK(std::filesystem::file_size(files[0]) > 0);
  io::write_file_atomic(files[0].string(), "not a pipeline cache");
  r = test::run_command(run);
  CAPTURE(r.output);
  CHECK(r.exit_code == 0);
  CHECK(io::read_file(files[0].string()) != "not a pipeline cache");  // written afresh
}
