// Lists and reads the variables of a TensorFlow 2 SavedModel (a folder holding saved_model.pb and
// variables/variables.{index,data-*}) without TensorFlow.
//
// Where the names come from (saved_model.pb, protobuf field numbers checked on real files):
//   SavedModel.meta_graphs=2 -> MetaGraphDef.object_graph_def=7 -> SavedObjectGraph.nodes=1;
//   SavedObject.children=1 (ObjectReference node_id=1, local_name=2), SavedObject.variable=7
//   (SavedVariable dtype=1, shape=2, name=6).
// - ckpt_key: TensorFlow keys a variable by its breadth-first path from the root object (node 0),
//   local names escaped ('.' -> '..', '/' -> '.S'), plus "/.ATTRIBUTES/VARIABLE_VALUE"; for Keras
//   models that is "variables/N/.ATTRIBUTES/VARIABLE_VALUE" (the root's `variables` list).
// - object_path: the first path met in a depth-first walk from the root taking children in stored
//   order, e.g. "layer_with_weights-0/extract_sublevels/convs/0/kernel" (the layer structure).
// - name: SavedVariable.name, e.g. "feat_net/sub_extractor/cfeat_conv_0/kernel".
// Variables are listed in breadth-first discovery order, which is the checkpoint's object order
// (variables/0, variables/1, ... for Keras models).
//
// Contract: malformed files throw film::Error naming the file and the node or variable.
// Usage:
//   auto vars = film::io::list_savedmodel_variables("film_net/Style/saved_model");
//   film::Tensor k = film::io::read_tf_variable("film_net/Style/saved_model", vars[0]);
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/tensor.h"

namespace film::io {

// A variable as described by saved_model.pb alone.
struct SavedModelVariable {
  int node_id = 0;
  std::string ckpt_key, name, object_path;
  Shape shape;
  int dtype = 0;
};

// Parses saved_model.pb bytes; `path` is used in messages only.
std::vector<SavedModelVariable> parse_savedmodel_variables(std::string_view saved_model_pb,
                                                           const std::string& path);

// A variable with its checkpoint entry.
struct TfVariable {
  std::string ckpt_key, name, object_path;
  Shape shape;
  int dtype = 0;
  uint64_t shard = 0, offset = 0, size = 0;
  uint32_t crc32c_masked = 0;
};

// Joins saved_model.pb with variables/variables.index (the data file is not opened). Throws if a
// variable has no checkpoint entry or its dtype/shape there differ.
std::vector<TfVariable> list_savedmodel_variables(const std::string& savedmodel_dir);

// The variable's value (float32 only), its size and crc32c checked against the data file.
Tensor read_tf_variable(const std::string& savedmodel_dir, const TfVariable& var);

// The raw little-endian bytes of any fixed-size-dtype variable, checksum verified.
std::string read_tf_variable_bytes(const std::string& savedmodel_dir, const TfVariable& var);

}  // namespace film::io
