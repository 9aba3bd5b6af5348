// film_gpu_check: the vulkan backend's check for a machine with a real GPU, as one small program
// with few dependencies (the engine, the vulkan backend, oneTBB and the Vulkan loader: no oneDNN,
// FFmpeg, OpenImageIO or OpenCV), so that tools/gpu_check.sh can carry it, with its libraries, to
// a machine where the project's dependencies are not installed.
//   1. lists the Vulkan devices;
//   2. runs the FILM-port golden fixtures (tests/data/film-port) on each device given and checks
//      them against the golden outputs with the suite's tolerances (image 1e-4, flows 1e-3);
//   3. times FILM with the released "Style" options (random weights) at WxH in fp32 and fp16:
//      wall time and the device's own time (timestamp queries) per frame, min and median of
//      --runs after a warm-up, and how far the fp16 image is from the fp32 one.
// Prints one JSON object; exit status 1 when a fixture fails.
// Usage: film_gpu_check SOURCE_DIR [--device N] [--size 1920x1088] [--runs 5]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <nlohmann/json.hpp>
#include <string>

#include "backends/vulkan/vulkan_backend.h"
#include "engine/io/safetensors.h"
#include "engine/session.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "graph/shapes.h"
#include "models/film/import_port.h"
#include "models/film/options.h"

using namespace film;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double max_abs_diff(const Tensor& a, const Tensor& b) {
  if (a.shape() != b.shape()) return INFINITY;
  double m = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    m = std::max(m, static_cast<double>(std::abs(a.data()[i] - b.data()[i])));
  return m;
}

nlohmann::ordered_json fixture(const std::string& src, const std::string& name, int device,
                               bool& ok) {
  const std::string dir = src + "/tests/data/film-port/";
  auto o = model::parse_options(io::read_file(dir + "port-small.config.json"), "config");
  auto sd = io::read_safetensors(dir + "port-small-" + name + ".weights.safetensors");
  std::map<std::string, Tensor> weights;
  for (auto& [k, t] : model::import_pytorch_port(sd, o)) weights[k] = t;
  auto m = Model::from_parts(model::build_film_graph(o), weights, "port-small-" + name);
  auto golden = io::read_safetensors(dir + "port-small-" + name + ".safetensors");
  std::vector<std::string> outputs;
  for (auto& out : m->graph.outputs) outputs.push_back(out.name);
  Session s(m, std::make_unique<vulkan::VulkanBackend>(device), {});
  auto got = s.run({{"x0", golden.get("x0")}, {"x1", golden.get("x1")}}, outputs);
  double image = 0, flows = 0;
  for (auto& out : outputs) {
    const double e = max_abs_diff(got.at(out), golden.get(out));
    (out == "image" ? image : flows) = std::max(out == "image" ? image : flows, e);
  }
  const bool pass = image <= 1e-4 && flows <= 1e-3;
  ok = ok && pass;
  return {{"fixture", name}, {"image_max_err", image}, {"flow_max_err", flows}, {"pass", pass}};
}

// One precision's timing of the released network at h x w; the image in `image`.
nlohmann::ordered_json bench(const std::shared_ptr<const Model>& m,
                             const std::map<std::string, Tensor>& in, int device,
                             vulkan::Precision precision, int runs, Tensor& image) {
  const bool f16 = precision == vulkan::Precision::fp16;
  std::unique_ptr<vulkan::VulkanBackend> backend;
  try {
    backend = std::make_unique<vulkan::VulkanBackend>(device, precision);
  } catch (const Error& e) {  // no 16-bit storage: reported, not fatal
    return {{"impl", "film vulkan fp16"}, {"error", e.what()}};
  }
  const std::string used = backend->device().name;
  Session s(m, std::move(backend), {});
  double t0 = now();
  image = s.run(in).at("image");
  const double first = now() - t0;
  std::vector<double> wall, dev;
  for (int r = 0; r < runs; ++r) {
    t0 = now();
    s.run(in);
    wall.push_back(now() - t0);
    dev.push_back(s.device_seconds());
  }
  std::sort(wall.begin(), wall.end());
  std::sort(dev.begin(), dev.end());
  graph::ShapeMap shapes;
  for (auto& [name, t] : in) shapes[name] = t.shape();
  const double macs = graph::graph_macs(m->flat, s.shapes(shapes));
  const Shape& x = in.begin()->second.shape();
  return {{"impl", f16 ? "film vulkan fp16" : "film vulkan fp32"},
          {"device", used},
          {"size", std::to_string(x[3]) + "x" + std::to_string(x[2])},
          {"first_run_s", first},
          {"min_s", wall.front()},
          {"median_s", wall[wall.size() / 2]},
          {"device_min_s", dev.front()},
          {"device_median_s", dev[dev.size() / 2]},
          {"gmac", macs / 1e9},
          {"gmac_per_s", macs / 1e9 / wall.front()}};
}

}  // namespace

int main(int argc, char** argv) {
  try {
    if (argc < 2) {
      std::fprintf(stderr,
                   "usage: film_gpu_check SOURCE_DIR [--device N] [--size WxH] [--runs R]\n");
      return 2;
    }
    const std::string src = argv[1];
    int device = -1, runs = 5;
    int64_t w = 1920, h = 1088;
    for (int i = 2; i + 1 < argc; i += 2) {
      const std::string k = argv[i], v = argv[i + 1];
      if (k == "--device")
        device = std::stoi(v);
      else if (k == "--runs")
        runs = std::max(1, std::stoi(v));
      else if (k == "--size" && std::sscanf(v.c_str(), "%ldx%ld", &w, &h) == 2) {
      } else
        fail("unknown option ", k);
    }
    nlohmann::ordered_json j;
    j["devices"] = nlohmann::json::array();
    for (auto& d : vulkan::list_devices())
      j["devices"].push_back({{"index", d.index},
                              {"name", d.name},
                              {"type", d.type},
                              {"api", d.api_version},
                              {"memory_mib", d.memory_bytes >> 20}});
    bool ok = true;
    j["fixtures"] = {fixture(src, "a", device, ok), fixture(src, "b", device, ok)};
    auto m = Model::random(model::build_film_graph(model::released_options()), 1, "released");
    Tensor x0 = Tensor::zeros({1, 3, h, w}), x1 = Tensor::zeros({1, 3, h, w});
    for (int64_t i = 0; i < x0.size(); ++i) {
      x0.data()[i] = float((i * 7) % 255) / 255;
      x1.data()[i] = float((i * 7 + 40) % 255) / 255;
    }
    const std::map<std::string, Tensor> in = {{m->graph.inputs[0].name, x0},
                                              {m->graph.inputs[1].name, x1}};
    Tensor fp32_image, fp16_image;
    j["bench"] = {bench(m, in, device, vulkan::Precision::fp32, runs, fp32_image),
                  bench(m, in, device, vulkan::Precision::fp16, runs, fp16_image)};
    if (!fp16_image.empty() && !fp32_image.empty())
      j["bench"][1]["max_abs_diff_vs_fp32"] = max_abs_diff(fp16_image, fp32_image);
    std::printf("%s\n", j.dump(2).c_str());
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "film_gpu_check: error: %s\n", e.what());
    return 1;
  }
}
