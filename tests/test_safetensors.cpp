#include <doctest/doctest.h>

#include "engine/io/safetensors.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

TEST_CASE("safetensors round trip keeps names, shapes, values and metadata") {
  test::TempDir dir;
  Tensor a = Tensor::zeros({2, 3});
  for (int i = 0; i < 6; ++i) a.data()[i] = 0.5f * i - 1;
  Tensor b = Tensor::zeros({1});
  b.data()[0] = 42;
  io::write_safetensors(dir / "t.safetensors", {{"zeta", a}, {"alpha", b}}, {{"k", "v"}});
  auto f = io::read_safetensors(dir / "t.safetensors");
  REQUIRE(f.order.size() == 2);
  CHECK(f.order[0] == "zeta");  // file order, not alphabetical
  CHECK(f.get("zeta").shape() == Shape{2, 3});
  CHECK(f.get("zeta").data()[5] == doctest::Approx(1.5));
  CHECK(f.get("alpha").data()[0] == 42);
  CHECK(f.metadata.at("k") == "v");
}

TEST_CASE("safetensors reads the real fixture files") {
  auto f = io::read_safetensors(test::fixture("film-port/port-small-a.safetensors"));
  CHECK(f.get("x0").shape() == Shape{1, 3, 128, 192});
  CHECK(f.has("backward_residual_flow_pyramid/6"));
}
