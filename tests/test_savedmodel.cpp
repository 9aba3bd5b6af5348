// Tests of the TensorFlow checkpoint / SavedModel readers and the FILM SavedModel import, on the
// real files under fixtures/film-savedmodel and fixtures/tf-checkpoints and on damaged copies.
#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "graph/base/error.h"
#include "graph/base/file.h"
#include "models/import/crc32c.h"
#include "models/import/import_savedmodel.h"
#include "models/import/protobuf_wire.h"
#include "models/import/tf_checkpoint.h"
#include "models/import/tf_savedmodel.h"
#include "tests/test_util.h"

using namespace film;
namespace fs = std::filesystem;

namespace {

const char* const kFilmModels[] = {"Style", "L1", "VGG"};

std::string film_dir(const std::string& model) {
  return test::fixture("film-savedmodel/" + model + "/saved_model");
}
std::string keras_dir(const std::string& model) { return test::fixture("tf-checkpoints/" + model); }

// The message of the film::Error that `f` throws ("" and a failed check if it throws nothing).
template <class F>
std::string error_of(F&& f) {
  std::string m = test::error_of(std::forward<F>(f));
  if (m.empty()) FAIL_CHECK("expected a film::Error");
  return m;
}

// Writable copy of a fixture folder (fixtures are read-only and must never be modified).
void copy_tree(const std::string& from, const std::string& to) {
  for (const auto& e : fs::recursive_directory_iterator(from)) {
    const fs::path dst = fs::path(to) / fs::relative(e.path(), from);
    if (e.is_directory()) {
      fs::create_directories(dst);
    } else {
      fs::create_directories(dst.parent_path());
      std::ofstream(dst, std::ios::binary) << io::read_file(e.path().string());
    }
  }
}

void write_bytes(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

std::string tsv_shape(const Shape& s) {
  std::string out = "[";
  for (size_t i = 0; i < s.size(); ++i) out += (i ? ", " : "") + std::to_string(s[i]);
  return out + "]";
}

std::vector<std::vector<std::string>> read_tsv(const std::string& path) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in(io::read_file(path));
  std::string line;
  while (std::getline(in, line)) {
    std::vector<std::string> cols;
    std::string col;
    std::istringstream ls(line);
    while (std::getline(ls, col, '\t')) cols.push_back(col);
    rows.push_back(cols);
  }
  return rows;
}

uint32_t le32(const std::string& b, size_t pos) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = v << 8 | uint8_t(b[pos + i]);
  return v;
}

void put_le32(std::string& b, size_t pos, uint32_t v) {
  for (int i = 0; i < 4; ++i) b[pos + i] = char(v >> (8 * i));
}

// Offset of the metaindex block, read from the table footer. In these single-data-block indexes
// the data block ends (with its 5-byte trailer) right there.
uint64_t metaindex_offset(const std::string& index) {
  const std::string footer = index.substr(index.size() - 48);
  size_t pos = 0;
  return io::pb::read_varint(footer, pos, "footer");
}

}  // namespace

TEST_CASE("crc32c matches the standard check values and masks reversibly") {
  CHECK(io::crc32c("123456789") == 0xE3069283u);
  CHECK(io::crc32c(std::string(32, '\0')) == 0x8A9136AAu);  // RFC 3720 B.4
  CHECK(io::crc32c(std::string(32, '\xff')) == 0x62A8AB43u);
  std::string inc;
  for (int i = 0; i < 32; ++i) inc += char(i);
  CHECK(io::crc32c(inc) == 0x46DD794Eu);
  CHECK(io::crc32c("") == 0u);
  // Extending in pieces (across the 8-byte fast path) equals one pass.
  std::string text = "The quick brown fox jumps over the lazy dog, twice over for length.";
  for (size_t cut = 0; cut <= text.size(); cut += 5) {
    uint32_t c = io::crc32c(text.substr(0, cut));
    c = io::crc32c_extend(c, text.data() + cut, text.size() - cut);
    CHECK(c == io::crc32c(text));
  }
  for (uint32_t v : {0u, 1u, 0xE3069283u, 0xffffffffu, 0x80000000u}) {
    CHECK(io::crc32c_unmask(io::crc32c_mask(v)) == v);
    CHECK(io::crc32c_mask(v) == (((v >> 15) | (v << 17)) + 0xa282ead8u));
  }
}

TEST_CASE("checkpoint protobuf wire reader decodes fields and rejects malformed bytes") {
  // field 1 varint 300, field 2 bytes "hi", field 6 fixed32 0x01020304, field 3 fixed64 5
  const std::string msg("\x08\xac\x02\x12\x02hi\x35\x04\x03\x02\x01\x19\x05\0\0\0\0\0\0\0", 21);
  io::pb::Reader r(msg, "msg");
  io::pb::Field f;
  REQUIRE(r.next(f));
  CHECK(f.number == 1);
  CHECK(f.varint_value("msg") == 300);
  REQUIRE(r.next(f));
  CHECK(f.bytes_value("msg") == "hi");
  CHECK_THROWS_AS(f.varint_value("msg"), Error);
  REQUIRE(r.next(f));
  CHECK(f.fixed32_value("msg") == 0x01020304u);
  REQUIRE(r.next(f));
  CHECK(f.type == io::pb::WireType::Fixed64);
  CHECK(f.number_value == 5);
  CHECK_FALSE(r.next(f));

  auto fails = [](const std::string& bytes) {
    io::pb::Reader bad(bytes, "bad.pb: Thing");
    io::pb::Field g;
    return error_of([&] {
      while (bad.next(g)) {
      }
    });
  };
  CHECK(fails(std::string("\x12\x05hi", 4)).find("runs past the end") != std::string::npos);
  CHECK(fails(std::string("\x08\xff", 2)).find("truncated varint") != std::string::npos);
  CHECK(fails(std::string("\x08\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", 11)).find("overflow") !=
        std::string::npos);
  CHECK(fails(std::string("\x0b", 1)).find("wire type 3") != std::string::npos);
  CHECK(fails(std::string("\x35\x01\x02", 3)).find("truncated fixed32") != std::string::npos);
  CHECK(fails(std::string("\x00\x01", 2)).find("bad.pb: Thing") !=
        std::string::npos);  // field number 0
}

TEST_CASE("savedmodel variables of the released FILM models reproduce variables.tsv exactly") {
  for (const char* model : kFilmModels) {
    CAPTURE(model);
    const auto rows =
        read_tsv(test::fixture(std::string("film-savedmodel/") + model + "/variables.tsv"));
    REQUIRE(rows.size() == 83);
    CHECK(rows[0] == std::vector<std::string>{"ckpt_key", "layer_name", "object_path", "shape",
                                              "dtype", "offset", "size", "crc32c_masked"});
    const auto vars = io::list_savedmodel_variables(film_dir(model));
    REQUIRE(vars.size() == rows.size() - 1);
    for (size_t i = 0; i < vars.size(); ++i) {
      const auto& v = vars[i];
      const auto& row = rows[i + 1];
      CAPTURE(row[0]);
      REQUIRE(row.size() == 8);
      CHECK(v.ckpt_key == row[0]);
      CHECK(v.ckpt_key == "variables/" + std::to_string(i) + "/.ATTRIBUTES/VARIABLE_VALUE");
      CHECK(v.name == row[1]);
      CHECK(v.object_path == row[2]);
      CHECK(tsv_shape(v.shape) == row[3]);
      CHECK(std::to_string(v.dtype) == row[4]);
      CHECK(std::to_string(v.offset) == row[5]);
      CHECK(std::to_string(v.size) == row[6]);
      CHECK(std::to_string(v.crc32c_masked) == row[7]);
      CHECK(v.shard == 0);
    }
  }
}

TEST_CASE("checkpoint index of a FILM model: snappy-compressed block, header and every entry") {
  const std::string path = film_dir("Style") + "/variables/variables.index";
  const std::string bytes = io::read_file(path);
  // The data block's trailer sits just before the metaindex block: its type byte 1 is snappy.
  const uint64_t meta = metaindex_offset(bytes);
  REQUIRE(meta >= 5);
  CHECK(uint8_t(bytes[meta - 5]) == 1);
  const auto index = io::parse_checkpoint_index(bytes, path);
  CHECK(index.header.num_shards == 1);
  CHECK_FALSE(index.header.big_endian);
  CHECK(index.keys.size() == 83);  // 82 variables and the checkpoint's object graph
  CHECK(index.at("_CHECKPOINTABLE_OBJECT_GRAPH").dtype == io::kTfString);
  CHECK(index.at("variables/81/.ATTRIBUTES/VARIABLE_VALUE").shape == Shape{3});
  CHECK(std::is_sorted(index.keys.begin(), index.keys.end()));
  CHECK(io::checkpoint_data_path("m/variables/variables", 0, 1) ==
        "m/variables/variables.data-00000-of-00001");
  const std::string err = error_of([&] { index.at("nope"); });
  CHECK(err.find("nope") != std::string::npos);
  CHECK(err.find("variables.index") != std::string::npos);
}

TEST_CASE("checkpoint keras fixtures: every variable reads with its checksum verified") {
  SUBCASE("keras-cnn") {
    const std::string dir = keras_dir("keras-cnn");
    const auto vars = io::list_savedmodel_variables(dir);
    REQUIRE(vars.size() == 14);
    CHECK(vars[0].name == "conv2d_18/kernel");
    CHECK(vars[0].ckpt_key == "layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
    CHECK(vars[0].object_path == "layer_with_weights-0/variables/0");
    CHECK(vars[0].shape == Shape{3, 3, 1, 64});
    CHECK(vars[2].name == "dense_34/kernel");
    CHECK(vars[2].shape == Shape{9216, 64});
    CHECK(vars[6].name == "SGD/iter");
    CHECK(vars[6].dtype == io::kTfInt64);
    for (const auto& v : vars) {
      CAPTURE(v.name);
      const std::string raw = io::read_tf_variable_bytes(dir, v);
      CHECK(raw.size() == v.size);
      if (v.dtype != io::kTfFloat) {
        CHECK(error_of([&] { io::read_tf_variable(dir, v); }).find("dtype 9") != std::string::npos);
        continue;
      }
      const Tensor t = io::read_tf_variable(dir, v);
      CHECK(t.shape() == v.shape);
      bool finite = true;
      for (int64_t i = 0; i < t.size(); ++i) finite = finite && std::isfinite(t.data()[i]);
      CHECK(finite);
    }
    // A trained conv kernel is not all zeros, and its biases are small.
    const Tensor k = io::read_tf_variable(dir, vars[0]);
    double sum_abs = 0;
    for (int64_t i = 0; i < k.size(); ++i) sum_abs += std::fabs(k.data()[i]);
    CHECK(sum_abs > 0.1);
    // The lower-level reader agrees for every fixed-size entry of the index.
    const auto index = io::read_checkpoint_index(dir + "/variables/variables.index");
    for (const auto& key : index.keys)
      if (io::tf_dtype_size(index.at(key).dtype) > 0)
        CHECK(io::read_checkpoint_bytes(dir + "/variables/variables", index, key).size() ==
              index.at(key).size);
  }
  SUBCASE("keras-mlp") {
    const std::string dir = keras_dir("keras-mlp");
    const auto vars = io::list_savedmodel_variables(dir);
    REQUIRE(vars.size() == 10);
    CHECK(vars[0].name == "dense_1/kernel");
    CHECK(vars[0].ckpt_key == "model/layer_with_weights-0/kernel/.ATTRIBUTES/VARIABLE_VALUE");
    CHECK(vars[0].shape == Shape{784, 128});
    CHECK(vars[3].name == "dense_2/bias");
    CHECK(vars[3].shape == Shape{10});
    // Reached first through `_iterations`, yet listed under the optimizer's `_variables` in a walk.
    CHECK(vars[4].ckpt_key == "model/optimizer/_iterations/.ATTRIBUTES/VARIABLE_VALUE");
    CHECK(vars[4].object_path == "model/optimizer/_variables/0");
    for (const auto& v : vars) {
      CAPTURE(v.name);
      CHECK(io::read_tf_variable_bytes(dir, v).size() == v.size);
      if (v.dtype == io::kTfFloat) CHECK(io::read_tf_variable(dir, v).shape() == v.shape);
    }
  }
}

TEST_CASE("checkpoint damage gives clear errors") {
  test::TempDir tmp("film-savedmodel");
  const std::string dir = tmp / "keras-cnn";
  copy_tree(keras_dir("keras-cnn"), dir);
  const std::string data = dir + "/variables/variables.data-00000-of-00001";
  const std::string index = dir + "/variables/variables.index";
  const auto vars = io::list_savedmodel_variables(dir);
  const auto& dense = vars[2];  // dense_34/kernel, the 2.4 MB one
  REQUIRE(dense.name == "dense_34/kernel");

  SUBCASE("a flipped byte in the data file") {
    std::string bytes = io::read_file(data);
    bytes[dense.offset + dense.size / 2] ^= 0x10;
    write_bytes(data, bytes);
    const std::string err = error_of([&] { io::read_tf_variable(dir, dense); });
    CHECK(err.find("checksum mismatch") != std::string::npos);
    CHECK(err.find("dense_34/kernel") != std::string::npos);
    CHECK(err.find("variables.data-00000-of-00001") != std::string::npos);
    io::read_tf_variable(dir, vars[0]);  // its neighbours are intact
  }
  SUBCASE("a truncated data file") {
    write_bytes(data, io::read_file(data).substr(0, dense.offset + 100));
    const std::string err = error_of([&] { io::read_tf_variable(dir, dense); });
    CHECK(err.find("truncated") != std::string::npos);
    CHECK(err.find("dense_34/kernel") != std::string::npos);
    CHECK(err.find(std::to_string(dense.offset + 100) + " bytes") != std::string::npos);
  }
  SUBCASE("a missing data file") {
    fs::remove(data);
    const std::string err = error_of([&] { io::read_tf_variable(dir, dense); });
    CHECK(err.find("variables.data-00000-of-00001 is missing") != std::string::npos);
  }
  SUBCASE("bad magic in the index footer") {
    std::string bytes = io::read_file(index);
    bytes[bytes.size() - 1] ^= 0x01;
    write_bytes(index, bytes);
    const std::string err = error_of([&] { io::list_savedmodel_variables(dir); });
    CHECK(err.find("magic") != std::string::npos);
    CHECK(err.find("variables.index") != std::string::npos);
  }
  SUBCASE("a truncated index") {
    const std::string bytes = io::read_file(index);
    for (size_t keep : {size_t(0), size_t(20), bytes.size() / 2, bytes.size() - 1}) {
      CAPTURE(keep);
      write_bytes(index, bytes.substr(0, keep));
      const std::string err = error_of([&] { io::list_savedmodel_variables(dir); });
      CHECK((err.find("magic") != std::string::npos || err.find("too short") != std::string::npos));
    }
  }
  SUBCASE("an index whose footer points past the end") {
    std::string bytes = io::read_file(index);
    // Keep the footer and magic but cut the blocks it points to.
    write_bytes(index, bytes.substr(bytes.size() - 60));
    const std::string err = error_of([&] { io::list_savedmodel_variables(dir); });
    CHECK(err.find("past the end") != std::string::npos);
  }
  SUBCASE("a flipped byte inside an uncompressed index block") {
    std::string bytes = io::read_file(index);
    bytes[40] ^= 0x04;  // inside the first data block (keys of layer_with_weights-*)
    write_bytes(index, bytes);
    const std::string err = error_of([&] { io::list_savedmodel_variables(dir); });
    CHECK(err.find("block checksum mismatch") != std::string::npos);
    CHECK(err.find("data block 0") != std::string::npos);
  }
  SUBCASE("a variable without its index entry") {
    // Re-key optimizer/momentum (fixing up the block crc): the object graph's key is then absent.
    std::string bytes = io::read_file(index);
    const size_t k = bytes.find("momentum/.ATTRIBUTES");
    REQUIRE(k != std::string::npos);
    bytes[k + 7] = 'n';  // "momentun" still sorts last, so only the lookup can notice
    const uint64_t block_end = metaindex_offset(bytes) - 5;
    REQUIRE(k < block_end);
    const char type = bytes[block_end];
    put_le32(bytes, block_end + 1,
             io::crc32c_mask(io::crc32c_extend(
                 io::crc32c(std::string_view(bytes).substr(0, block_end)), &type, 1)));
    write_bytes(index, bytes);
    CHECK(io::read_checkpoint_index(index).has("optimizer/momentun/.ATTRIBUTES/VARIABLE_VALUE"));
    const std::string err = error_of([&] { io::list_savedmodel_variables(dir); });
    CHECK(err.find("no entry 'optimizer/momentum/.ATTRIBUTES/VARIABLE_VALUE'") !=
          std::string::npos);
    CHECK(err.find("SGD/momentum") != std::string::npos);
  }
}

TEST_CASE("checkpoint damage in a snappy-compressed FILM index") {
  test::TempDir tmp("film-savedmodel");
  const std::string src = film_dir("Style") + "/variables/variables.index";
  const std::string bytes = io::read_file(src);
  const uint64_t block_end = metaindex_offset(bytes) - 5;
  REQUIRE(uint8_t(bytes[block_end]) == 1);
  const std::string path = tmp / "variables.index";

  SUBCASE("a flipped byte inside the block fails its crc") {
    std::string bad = bytes;
    bad[block_end / 2] ^= 0x20;
    const std::string err = error_of([&] { io::parse_checkpoint_index(bad, path); });
    CHECK(err.find("block checksum mismatch") != std::string::npos);
    CHECK(err.find(path) != std::string::npos);
  }
  SUBCASE("a snappy stream that does not decompress is reported even with a valid crc") {
    std::string bad = bytes;
    bad[0] =
        char(uint8_t(bad[0]) + 1);  // the uncompressed-length header no longer matches the stream
    const char type = bad[block_end];
    put_le32(bad, block_end + 1,
             io::crc32c_mask(io::crc32c_extend(
                 io::crc32c(std::string_view(bad).substr(0, block_end)), &type, 1)));
    const std::string err = error_of([&] { io::parse_checkpoint_index(bad, path); });
    CHECK(err.find("snappy") != std::string::npos);
  }
  SUBCASE("an unknown compression type") {
    std::string bad = bytes;
    bad[block_end] = 7;
    const char type = bad[block_end];
    put_le32(bad, block_end + 1,
             io::crc32c_mask(io::crc32c_extend(
                 io::crc32c(std::string_view(bad).substr(0, block_end)), &type, 1)));
    const std::string err = error_of([&] { io::parse_checkpoint_index(bad, path); });
    CHECK(err.find("compression type 7") != std::string::npos);
  }
  CHECK(le32(bytes, block_end + 1) != 0);
}

TEST_CASE("savedmodel of a FILM model without its data file fails cleanly") {
  const std::string dir = film_dir("Style");
  const auto vars = io::list_savedmodel_variables(dir);
  std::string err = error_of([&] { io::read_tf_variable(dir, vars[0]); });
  CHECK(err.find("variables.data-00000-of-00001 is missing") != std::string::npos);
  CHECK(err.find("feat_net/sub_extractor/cfeat_conv_0/kernel") != std::string::npos);
  err = error_of([&] { model::import_film_savedmodel(dir); });
  CHECK(err.find("variables.data-00000-of-00001 is missing") != std::string::npos);
}

TEST_CASE("savedmodel import: FILM names map one to one and the options are inferred") {
  const auto rows = read_tsv(test::fixture("film-savedmodel/Style/variables.tsv"));
  std::vector<std::pair<std::string, Shape>> tf_vars;
  for (size_t i = 1; i < rows.size(); ++i) {
    Shape s;
    std::string dims = rows[i][3].substr(1, rows[i][3].size() - 2);
    std::istringstream ds(dims);
    std::string d;
    while (std::getline(ds, d, ',')) s.push_back(std::stoll(d));
    tf_vars.emplace_back(rows[i][1], s);
  }
  REQUIRE(tf_vars.size() == 82);
  const model::FilmOptions info = model::infer_film_shape(tf_vars);
  CHECK(info.pyramid_levels == 7);
  CHECK(info.filters == 64);
  CHECK(info.sub_levels == 4);
  CHECK(info.specialized_levels == 3);
  CHECK(info.flow_convs == std::vector<int>{3, 3, 3, 3});
  CHECK(info.flow_filters == std::vector<int>{32, 64, 128, 256});
  CHECK(info.fusion_pyramid_levels == 5);

  // The same from the SavedModel files themselves (no data file needed), for every released model.
  for (const char* m : kFilmModels) {
    const auto from_files = model::infer_film_shape(model::savedmodel_shapes(film_dir(m)));
    CHECK(from_files.filters == 64);
    CHECK(from_files.flow_filters == info.flow_filters);
    CHECK(from_files.fusion_pyramid_levels == 5);
  }

  std::set<std::string> engine;
  for (const auto& [name, shape] : tf_vars)
    engine.insert(model::film_engine_name(name, info.fusion_pyramid_levels));
  CHECK(engine.size() == 82);
  auto map = [&](const std::string& n) { return model::film_engine_name(n, 5); };
  CHECK(map("feat_net/sub_extractor/cfeat_conv_0/kernel") == "encoder/conv0/weight");
  CHECK(map("feat_net/sub_extractor/cfeat_conv_7/bias") == "encoder/conv7/bias");
  CHECK(map("predict_flow/flow_predictor_2/conv_4/kernel") == "flow/predictor_2/conv4/weight");
  CHECK(map("predict_flow/flow_predictor_shared/conv_0/bias") ==
        "flow/predictor_shared/conv0/bias");
  CHECK(map("fusion/conv2d/kernel") == "fusion/level0/conv0/weight");
  CHECK(map("fusion/conv2d_1/bias") == "fusion/level0/conv1/bias");
  CHECK(map("fusion/conv2d_5/kernel") == "fusion/level1/conv2/weight");
  CHECK(map("fusion/conv2d_9/kernel") == "fusion/level3/conv0/weight");
  CHECK(map("fusion/conv2d_11/bias") == "fusion/level3/conv2/bias");
  CHECK(map("fusion/conv2d_12/kernel") == "fusion/output/weight");
  CHECK(map("fusion/conv2d_12/bias") == "fusion/output/bias");
  CHECK(engine.count("encoder/conv7/weight"));
  CHECK(engine.count("fusion/output/bias"));

  // Anything else is named in the error.
  for (const char* bad :
       {"fusion/conv2d_13/kernel", "fusion/conv2d_0/kernel",
        "feat_net/sub_extractor/cfeat_conv_01/kernel",
        "predict_flow/flow_predictor_x/conv_0/kernel", "dense/kernel", "fusion/conv2d/gamma", ""}) {
    CAPTURE(bad);
    CHECK(error_of([&] { map(bad); }).find(std::string("'") + bad + "'") != std::string::npos);
  }
  auto with = [&](std::vector<std::pair<std::string, Shape>> v) {
    return error_of([&] { model::infer_film_shape(v); });
  };
  {
    auto v = tf_vars;
    v.emplace_back("optimizer/iter", Shape{});
    CHECK(with(v).find("'optimizer/iter'") != std::string::npos);
  }
  {
    auto v = tf_vars;
    v.erase(v.begin() + 3);  // cfeat_conv_1/bias
    CHECK(with(v).find("has a kernel but no bias") != std::string::npos);
  }
  {
    auto v = tf_vars;
    v.erase(v.end() - 2, v.end());  // fusion/conv2d_12
    CHECK(with(v).find("fusion convs") != std::string::npos);
  }
  {
    auto v = tf_vars;
    v[1].second = Shape{65};  // cfeat_conv_0/bias against 64 output channels
    CHECK(with(v).find("output channels") != std::string::npos);
  }
  {
    auto v = tf_vars;
    v.push_back(v[0]);
    CHECK(with(v).find("occurs twice") != std::string::npos);
  }
}

TEST_CASE("savedmodel import: HWIO kernels become OIHW") {
  Tensor hwio = Tensor::zeros({2, 3, 4, 5});
  for (int64_t i = 0; i < hwio.size(); ++i) hwio.data()[i] = float(i);
  const Tensor oihw = model::hwio_to_oihw(hwio);
  REQUIRE(oihw.shape() == Shape{5, 4, 2, 3});
  for (int h = 0; h < 2; ++h)
    for (int w = 0; w < 3; ++w)
      for (int i = 0; i < 4; ++i)
        for (int o = 0; o < 5; ++o)
          CHECK(oihw.data()[((o * 4 + i) * 2 + h) * 3 + w] ==
                hwio.data()[((h * 3 + w) * 4 + i) * 5 + o]);
  // On a real kernel too.
  const std::string dir = keras_dir("keras-cnn");
  const auto vars = io::list_savedmodel_variables(dir);
  const Tensor k = io::read_tf_variable(dir, vars[0]);  // [3, 3, 1, 64]
  const Tensor t = model::hwio_to_oihw(k);
  CHECK(t.shape() == Shape{64, 1, 3, 3});
  CHECK(t.data()[(7 * 1 + 0) * 9 + 2 * 3 + 1] == k.data()[((2 * 3 + 1) * 1 + 0) * 64 + 7]);
}

TEST_CASE(
    "checkpoint and savedmodel parsers survive corrupted bytes: film::Error naming the file, or a "
    "parse") {
  // Every single-byte change and truncation of a real index, and truncations and byte changes of a
  // real saved_model.pb, must either parse or throw film::Error naming the file (anything else
  // fails the test). The index is checksummed: every truncation and nearly every changed byte
  // must be caught.
  int rejected = 0, accepted = 0;
  auto outcome = [&](auto&& parse, const std::string& name) {
    try {
      parse();
      ++accepted;
      return true;
    } catch (const Error& e) {
      const std::string msg = e.what();
      CHECK_MESSAGE(msg.find(name) != std::string::npos, "the message does not name ", name, ": ",
                    msg);
      ++rejected;
      return false;
    }
  };
  const std::string index = io::read_file(film_dir("Style") + "/variables/variables.index");
  int index_flips_accepted = 0;
  for (size_t i = 0; i < index.size(); ++i) {
    std::string b = index;
    b[i] ^= 0x5a;
    index_flips_accepted +=
        outcome([&] { io::parse_checkpoint_index(b, "fuzzed.index"); }, "fuzzed.index");
    CAPTURE(i);
    CHECK_FALSE(outcome(
        [&] { io::parse_checkpoint_index(std::string_view(index).substr(0, i), "cut.index"); },
        "cut.index"));
  }
  MESSAGE(index_flips_accepted, " of ", index.size(),
          " changed bytes of the index parse (outside its checksums)");
  CHECK(index_flips_accepted * 20 < static_cast<int>(index.size()));
  const std::string pb = io::read_file(keras_dir("keras-cnn") + "/saved_model.pb");
  const int before = rejected;
  for (size_t i = 0; i < pb.size(); i += 97) {
    std::string b = pb;
    b[i] ^= 0xa5;
    outcome([&] { io::parse_savedmodel_variables(b, "fuzzed.pb"); }, "fuzzed.pb");
    outcome([&] { io::parse_savedmodel_variables(std::string_view(pb).substr(0, i), "cut.pb"); },
            "cut.pb");
  }
  CHECK(rejected > before);  // the protobuf reader refuses some of them, and says which file
  CHECK(io::parse_savedmodel_variables(pb, "ok.pb").size() == 14);
}
