// Imports the official FILM TensorFlow 2 SavedModel weights under the engine's weight names.
//
// Name mapping (TF kernels are HWIO and become OIHW; biases stay 1-D):
//   feat_net/sub_extractor/cfeat_conv_{c}/kernel|bias        -> encoder/conv{c}/weight|bias
//   predict_flow/flow_predictor_{l}/conv_{j}/kernel|bias     ->
//   flow/predictor_{l}/conv{j}/weight|bias predict_flow/flow_predictor_shared/conv_{j}/kernel|bias
//   -> flow/predictor_shared/conv{j}/weight|bias fusion/conv2d_{3l+j}/kernel|bias (conv2d_0 is
//   "conv2d")  -> fusion/level{l}/conv{j}/weight|bias,
//       l = 0 .. fusion_pyramid_levels-2, j = 0 (the 2x2 conv), 1, 2 (the 3x3 convs)
//   fusion/conv2d_{3*(fusion_pyramid_levels-1)}/kernel|bias  -> fusion/output/weight|bias
// The model's options that the weights determine are inferred (infer_film_shape); pyramid_levels
// is not visible in the weights and is the caller's to give (the released models use 7).
//
// Contract: every variable must map (an unexpected one is an error naming it), every conv must
// have a 4-D kernel and a matching 1-D bias, indices must be contiguous; errors are film::Error.
// Usage:
//   auto weights = film::model::import_film_savedmodel("film_net/Style/saved_model");
//   auto info =
//   film::model::infer_film_shape(film::model::savedmodel_shapes("film_net/Style/saved_model"));
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "engine/tensor.h"
#include "models/film/options.h"

namespace film::model {

// The engine name of a FILM TensorFlow variable name; throws naming it if it is not a FILM weight
// or (for fusion convs) lies beyond the output conv of `fusion_pyramid_levels` levels.
std::string film_engine_name(const std::string& tf_name, int fusion_pyramid_levels);

// Infers the options from (TF variable name, HWIO shape) pairs, checking the set is complete.
// Returns FilmOptions with the given pyramid_levels and everything else from the weights.
FilmOptions infer_film_shape(const std::vector<std::pair<std::string, Shape>>& tf_variables,
                             int pyramid_levels = 7);

// (TF variable name, shape) of every variable of a SavedModel; needs no data file.
std::vector<std::pair<std::string, Shape>> savedmodel_shapes(const std::string& savedmodel_dir);

// A TensorFlow HWIO kernel transposed to the engine's OIHW layout (a new tensor).
Tensor hwio_to_oihw(const Tensor& hwio);

// Every weight under its engine name, kernels OIHW, in the SavedModel's variable order.
std::vector<std::pair<std::string, Tensor>> import_film_savedmodel(
    const std::string& savedmodel_dir);

}  // namespace film::model
