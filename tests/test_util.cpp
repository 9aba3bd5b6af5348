#include "tests/test_util.h"

#include <doctest/doctest.h>
#include <sys/wait.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "backends/registry.h"
#include "engine/io/safetensors.h"
#include "graph/base/file.h"
#include "models/film/import_port.h"

namespace film::test {

double max_abs_diff(const Tensor& a, const Tensor& b) {
  REQUIRE(a.shape() == b.shape());
  double m = 0;
  for (int64_t i = 0; i < a.size(); ++i)
    m = std::max(m, std::abs(double(a.data()[i]) - b.data()[i]));
  return m;
}

bool backend_available(const std::string& name) {
  for (auto& b : list_backends())
    if (b.name == name) return b.available;
  return false;
}

bool python_has(const std::string& module) {
  const std::string code = module.empty() ? "" : "import " + module;
  return std::system(("/usr/bin/python3 -c '" + code + "' >/dev/null 2>&1").c_str()) == 0;
}

std::shared_ptr<const Model> port_fixture_model(const std::string& name) {
  auto o =
      model::parse_options(io::read_file(fixture("film-port/port-small.config.json")), "config");
  auto sd = io::read_safetensors(fixture("film-port/port-small-" + name + ".weights.safetensors"));
  std::map<std::string, Tensor> weights;
  for (auto& [k, t] : model::import_pytorch_port(sd, o)) weights[k] = t;
  return Model::from_parts(model::build_film_graph(o), weights, "port-small-" + name);
}

std::string frame_bytes(const std::string& path, int index) {
  auto r = run_command(
      "ffmpeg -v error -i '" + path + "' -vf 'select=eq(n\\," + std::to_string(index) +
      "),scale=flags=bicubic+accurate_rnd+full_chroma_int,format=rgb24' -frames:v 1 -f rawvideo "
      "- 2>/dev/null");
  REQUIRE(r.exit_code == 0);
  return r.output;
}

CommandResult run_command(const std::string& cmdline) {
  CommandResult r{-1, ""};
  FILE* p = popen((cmdline + " 2>&1").c_str(), "r");
  if (!p) return r;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) r.output.append(buf.data(), n);
  int status = pclose(p);
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

}  // namespace film::test
