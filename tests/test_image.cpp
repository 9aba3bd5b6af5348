#include <doctest/doctest.h>
#include <png.h>

#include <chrono>
#include <csetjmp>
#include <filesystem>
#include <set>
#include <vector>

#include "tools/media/image.h"
#include "engine/io/safetensors.h"
#include "graph/base/error.h"
#include "graph/base/file.h"
#include "tests/test_util.h"

using namespace film;

namespace {

// Encodes a PNG of any colour type, bit depth and interlacing with libpng's writer, so the reader
// is checked against files it did not produce itself. `rows` holds packed samples as PNG stores
// them.
struct PngSpec {
  PngSpec(uint32_t w, uint32_t h, int type, int depth)
      : width(w), height(h), color_type(type), bit_depth(depth) {}
  uint32_t width, height;
  int color_type, bit_depth;
  bool interlaced = false;
  std::vector<png_color> palette;
  std::vector<png_byte> trns;  // palette alpha
};

void append(png_structp png, png_bytep data, size_t n) {
  static_cast<std::string*>(png_get_io_ptr(png))->append(reinterpret_cast<char*>(data), n);
}

bool write_phase(png_structp png, png_infop info, const PngSpec& s, png_bytepp rows) {
  if (setjmp(png_jmpbuf(png))) return false;
  png_set_IHDR(png, info, s.width, s.height, s.bit_depth, s.color_type,
               s.interlaced ? PNG_INTERLACE_ADAM7 : PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  if (!s.palette.empty())
    png_set_PLTE(png, info, s.palette.data(), static_cast<int>(s.palette.size()));
  if (!s.trns.empty())
    png_set_tRNS(png, info, s.trns.data(), static_cast<int>(s.trns.size()), nullptr);
  png_write_info(png, info);
  png_set_interlace_handling(png);
  png_write_image(png, rows);
  png_write_end(png, nullptr);
  return true;
}

std::string make_png(const PngSpec& s, std::vector<png_byte> data) {
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  png_set_write_fn(png, &out, append, nullptr);
  const size_t stride = data.size() / s.height;
  std::vector<png_bytep> rows(s.height);
  for (uint32_t y = 0; y < s.height; ++y) rows[y] = data.data() + y * stride;
  bool ok = write_phase(png, info, s, rows.data());
  png_destroy_write_struct(&png, &info);
  REQUIRE(ok);
  return out;
}

float at(const Tensor& t, int c, int64_t y, int64_t x) {
  return t.data()[(c * t.dim(2) + y) * t.dim(3) + x];
}

}  // namespace

TEST_CASE("to_byte clamps, rounds to nearest and maps NaN to 0") {
  CHECK(io::to_byte(-0.5f) == 0);
  CHECK(io::to_byte(0.0f) == 0);
  CHECK(io::to_byte(0.4f / 255) == 0);
  CHECK(io::to_byte(0.6f / 255) == 1);
  CHECK(io::to_byte(0.5f) == 128);  // 127.5 rounds up
  CHECK(io::to_byte(1.0f) == 255);
  CHECK(io::to_byte(7.0f) == 255);
  CHECK(io::to_byte(std::nanf("")) == 0);
  for (int v = 0; v < 256; ++v) CHECK(io::to_byte(v / 255.0f) == v);
}

TEST_CASE("write_png then read_png reproduces 8-bit values exactly") {
  test::TempDir dir;
  Tensor img = Tensor::zeros({1, 3, 7, 13});
  for (int64_t i = 0; i < img.size(); ++i) img.data()[i] = float((i * 53) % 256) / 255.0f;
  io::write_png(dir / "a.png", img);
  Tensor back = io::read_png(dir / "a.png");
  REQUIRE(back.shape() == img.shape());
  for (int64_t i = 0; i < img.size(); ++i) CHECK(back.data()[i] == img.data()[i]);
  Tensor mem = io::decode_png(io::encode_png(img), "mem");
  CHECK(std::equal(mem.data(), mem.data() + mem.size(), img.data()));
  // Only the finished file is left in the folder (the temporary was renamed).
  CHECK(std::distance(std::filesystem::directory_iterator(dir.path()), {}) == 1);
}

TEST_CASE("write_png clamps out-of-range values and NaN") {
  Tensor img = Tensor::zeros({1, 3, 1, 4});
  const float in[4] = {-3.0f, 0.3f, 1.7f, std::nanf("")};
  for (int c = 0; c < 3; ++c)
    for (int x = 0; x < 4; ++x) img.data()[c * 4 + x] = in[x];
  Tensor back = io::decode_png(io::encode_png(img), "clamp");
  CHECK(at(back, 0, 0, 0) == 0.0f);
  CHECK(at(back, 1, 0, 1) == 77 / 255.0f);  // 0.3 * 255 = 76.5 -> 77
  CHECK(at(back, 2, 0, 2) == 1.0f);
  CHECK(at(back, 0, 0, 3) == 0.0f);
}

TEST_CASE("encode_png rejects tensors that are not [1,3,H,W] images") {
  CHECK_THROWS_WITH_AS(io::encode_png(Tensor::zeros({3, 4, 4})), doctest::Contains("[1,3,H,W]"),
                       Error);
  CHECK_THROWS_WITH_AS(io::encode_png(Tensor::zeros({1, 4, 4, 4})), doctest::Contains("[1,4,4,4]"),
                       Error);
  CHECK_THROWS_AS(io::encode_png(Tensor::zeros({1, 3, 0, 4})), Error);
  CHECK_THROWS_AS(io::encode_png(Tensor()), Error);
  test::TempDir dir;
  CHECK_THROWS_WITH_AS(io::write_png(dir / "missing/x.png", Tensor::zeros({1, 3, 2, 2})),
                       doctest::Contains("missing"), Error);
}

TEST_CASE("read_png converts every colour type and bit depth to RGB, dropping alpha") {
  const uint32_t w = 5, h = 3;
  SUBCASE("gray 8-bit replicates to three channels") {
    std::vector<png_byte> d(w * h);
    for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<png_byte>(i * 17);
    Tensor t = io::decode_png(make_png({w, h, PNG_COLOR_TYPE_GRAY, 8}, d), "g8");
    REQUIRE(t.shape() == Shape{1, 3, h, w});
    for (int c = 0; c < 3; ++c) CHECK(at(t, c, 2, 4) == 14 * 17 / 255.0f);
  }
  SUBCASE("gray 1-, 2- and 4-bit scale to the full range") {
    // One row: packed samples, most significant bits first.
    Tensor t1 = io::decode_png(make_png({8, 1, PNG_COLOR_TYPE_GRAY, 1}, {0b10100000}), "g1");
    CHECK(at(t1, 0, 0, 0) == 1.0f);
    CHECK(at(t1, 1, 0, 1) == 0.0f);
    Tensor t2 = io::decode_png(make_png({4, 1, PNG_COLOR_TYPE_GRAY, 2}, {0b00011011}), "g2");
    CHECK(at(t2, 2, 0, 1) == 85 / 255.0f);
    CHECK(at(t2, 2, 0, 2) == 170 / 255.0f);
    Tensor t4 = io::decode_png(make_png({2, 1, PNG_COLOR_TYPE_GRAY, 4}, {0x3f}), "g4");
    CHECK(at(t4, 0, 0, 0) == 51 / 255.0f);
    CHECK(at(t4, 0, 0, 1) == 1.0f);
  }
  SUBCASE("gray 16-bit divides by 65535") {
    Tensor t =
        io::decode_png(make_png({2, 1, PNG_COLOR_TYPE_GRAY, 16}, {0x12, 0x34, 0xff, 0xff}), "g16");
    CHECK(at(t, 1, 0, 0) == 0x1234 / 65535.0f);
    CHECK(at(t, 1, 0, 1) == 1.0f);
  }
  SUBCASE("gray+alpha drops alpha") {
    Tensor t =
        io::decode_png(make_png({2, 1, PNG_COLOR_TYPE_GRAY_ALPHA, 8}, {10, 0, 20, 255}), "ga");
    CHECK(at(t, 0, 0, 0) == 10 / 255.0f);
    CHECK(at(t, 2, 0, 1) == 20 / 255.0f);
  }
  SUBCASE("RGB 16-bit and RGBA 8-bit keep the colour samples") {
    Tensor t = io::decode_png(
        make_png({1, 1, PNG_COLOR_TYPE_RGB, 16}, {0x00, 0x01, 0x80, 0x00, 0xff, 0xfe}), "rgb16");
    CHECK(at(t, 0, 0, 0) == 1 / 65535.0f);
    CHECK(at(t, 1, 0, 0) == 0x8000 / 65535.0f);
    CHECK(at(t, 2, 0, 0) == 0xfffe / 65535.0f);
    Tensor u = io::decode_png(make_png({1, 1, PNG_COLOR_TYPE_RGB_ALPHA, 8}, {1, 2, 3, 0}), "rgba");
    CHECK(at(u, 0, 0, 0) == 1 / 255.0f);
    CHECK(at(u, 2, 0, 0) == 3 / 255.0f);
  }
  SUBCASE("palette with transparency looks colours up and drops alpha") {
    PngSpec s{3, 1, PNG_COLOR_TYPE_PALETTE, 4};
    s.palette = {{255, 0, 0}, {0, 128, 0}, {1, 2, 3}};
    s.trns = {0, 128};
    Tensor t = io::decode_png(make_png(s, {0x21, 0x00}), "pal");  // indices 2, 1, 0
    CHECK(at(t, 0, 0, 0) == 1 / 255.0f);
    CHECK(at(t, 2, 0, 0) == 3 / 255.0f);
    CHECK(at(t, 1, 0, 1) == 128 / 255.0f);
    CHECK(at(t, 0, 0, 2) == 1.0f);
  }
  SUBCASE("interlaced files decode to the same pixels as progressive ones") {
    const uint32_t iw = 13, ih = 11;
    std::vector<png_byte> d(iw * ih * 3);
    for (size_t i = 0; i < d.size(); ++i) d[i] = static_cast<png_byte>((i * 31) ^ (i >> 3));
    PngSpec s{iw, ih, PNG_COLOR_TYPE_RGB, 8};
    Tensor plain = io::decode_png(make_png(s, d), "plain");
    s.interlaced = true;
    std::string adam7 = make_png(s, d);
    CHECK(adam7[28] == 1);  // the IHDR interlace byte
    Tensor inter = io::decode_png(adam7, "adam7");
    REQUIRE(inter.shape() == plain.shape());
    CHECK(std::equal(plain.data(), plain.data() + plain.size(), inter.data()));
  }
}

TEST_CASE("read_png loads the 1024x768 fixture with large metadata chunks") {
  const std::string path = test::fixture("film-official-output/one.png");
  auto start = std::chrono::steady_clock::now();
  Tensor t = io::read_png(path);
  double ms =
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  CHECK(t.shape() == Shape{1, 3, 768, 1024});
  float lo = 1, hi = 0;
  for (int64_t i = 0; i < t.size(); ++i)
    lo = std::min(lo, t.data()[i]), hi = std::max(hi, t.data()[i]);
  CHECK(lo >= 0.0f);
  CHECK(hi <= 1.0f);
  CHECK(hi > lo);
  MESSAGE("one.png decoded in ", ms, " ms");
}

TEST_CASE("read_png errors name the file and say what was wrong") {
  test::TempDir dir;
  CHECK_THROWS_WITH_AS(io::read_png(dir / "nope.png"), doctest::Contains("nope.png"), Error);
  CHECK_THROWS_WITH_AS(io::decode_png("", "empty.png"), doctest::Contains("empty.png: empty file"),
                       Error);
  CHECK_THROWS_WITH_AS(io::decode_png("GIF89a...", "x.png"), doctest::Contains("not a PNG"), Error);
  // A valid file that is wider than the limit: rejected from the header alone.
  std::string wide = make_png({40000, 1, PNG_COLOR_TYPE_GRAY, 1}, std::vector<png_byte>(5000));
  CHECK_THROWS_WITH_AS(io::decode_png(wide, "wide.png"), doctest::Contains("at most 32768"), Error);
  // A cut-off file.
  std::string whole = io::encode_png(Tensor::zeros({1, 3, 20, 20}));
  CHECK_THROWS_WITH_AS(io::decode_png(whole.substr(0, whole.size() - 20), "cut.png"),
                       doctest::Contains("cut.png"), Error);
}

// Every file in tests/data/broken/ (made by make_broken.py there) is broken in one named way. Its
// reader must throw film::Error (no other exception, no crash) whose message names the file.
TEST_CASE("every file in the broken corpus is rejected with film::Error naming it") {
  namespace fs = std::filesystem;
  const fs::path corpus = fs::path(test::source_dir()) / "tests/data/broken";
  int checked = 0;
  for (const auto& entry : fs::directory_iterator(corpus)) {
    const std::string path = entry.path().string(), name = entry.path().filename().string();
    const std::string ext = entry.path().extension().string();
    if (name == "make_broken.py") continue;
    CAPTURE(name);
    ++checked;
    std::string message, other;
    bool accepted = false;
    try {
      if (ext == ".png") {
        io::read_png(path);
      } else if (ext == ".safetensors") {
        io::read_safetensors(path);
      } else {
        FAIL_CHECK("no reader for corpus file " << name << " (add one here or remove the file)");
        continue;
      }
      accepted = true;
    } catch (const Error& e) {
      message = e.what();
    } catch (const std::exception& e) {
      other = e.what();
    }
    CHECK_MESSAGE(!accepted, "accepted a broken file: ", name);
    CHECK_MESSAGE(other.empty(), "threw a non-film exception for ", name, ": ", other);
    CHECK_MESSAGE(message.find(name) != std::string::npos,
                  "message does not name the file: ", message);
  }
  CHECK(checked >= 30);
}

// make_broken.py --seeds writes valid files with an encoder independent of libpng (plain zlib,
// Python): a cross-check of palette, 16-bit and Adam7 decoding. Needs only Debian's
// /usr/bin/python3 (standard library); reported as skipped where there is none.
TEST_CASE(
    "the valid fuzz seeds written by make_broken.py decode to the expected pixels (needs python3)" *
    doctest::skip(!test::python_has(""))) {
  test::TempDir dir;
  auto r = test::run_command("/usr/bin/python3 " + test::source_dir() +
                             "/tests/data/broken/make_broken.py --seeds " + dir.path());
  INFO(r.output);
  REQUIRE(r.exit_code == 0);
  Tensor plain = io::read_png(dir / "seed_rgb.png");
  for (int64_t y = 0; y < 16; ++y)
    for (int64_t x = 0; x < 16; ++x)
      for (int c = 0; c < 3; ++c)
        CHECK(at(plain, c, y, x) == ((x * 7 + y * 3 + c * 50) & 0xff) / 255.0f);
  Tensor inter = io::read_png(dir / "seed_rgb_interlaced.png");
  REQUIRE(inter.shape() == Shape{1, 3, 11, 13});
  for (int64_t y = 0; y < 11; ++y)
    for (int64_t x = 0; x < 13; ++x)
      for (int c = 0; c < 3; ++c)
        CHECK(at(inter, c, y, x) == ((x * 7 + y * 3 + c * 50) & 0xff) / 255.0f);
  Tensor pal = io::read_png(dir / "seed_palette.png");
  CHECK(at(pal, 0, 0, 0) == 1.0f);  // index 0: red
  CHECK(at(pal, 1, 0, 1) == 1.0f);  // index 1: green
  CHECK(at(pal, 2, 0, 2) == 1.0f);  // index 2: blue
  CHECK(io::read_png(dir / "seed_gray.png").shape() == Shape{1, 3, 8, 8});
  CHECK(io::read_png(dir / "seed_rgba16.png").shape() == Shape{1, 3, 4, 8});
  CHECK(io::read_safetensors(dir / "seed_two_tensors.safetensors").get("b").data()[1] == -2.0f);
}
