// Encoder reuse: a graph whose two inputs first go through the same one-input part (FILM's image
// pyramid and shared-weight feature encoder; graph/split.h finds it, with no FILM knowledge) runs
// as that encoder once per frame and the rest (the decoder) once per pair. A Keyframe carries a
// frame's encoder outputs from the first pair that needs them to every later one. Exact: the same
// nodes on the same values (ref: bit-identical to the whole graph; other backends within their
// own run-to-run promise). Host backends only (device backends bind buffers at recording).
// Usage (what FrameInterpolator does):
//   film::EncoderCache cache(model, "image", "cpu", session_options);
//   if (cache.prepare({1, 3, 768, 1280}, budget, 2, whole_session) && cache.can_take(a, b))
//     film::Tensor out = cache.middle(a, b, pad);   // padded output, not yet cropped
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "engine/session.h"
#include "graph/split.h"

namespace film {

// A frame's encoder outputs, kept in the backend's memory and layout (Session's resident values),
// and the padded frame itself (the decoder reads it too).
struct EncodedFrame {
  std::map<std::string, Resident> values;  // by the encoder's output names (side0)
  Tensor frame;
};

// A frame and, once a pair has needed them, its encoder outputs: the frame's share of the model's
// work, done once however many pairs it is in. Copies share the outputs.
class Keyframe {
 public:
  Keyframe() = default;
  explicit Keyframe(Tensor rgb) : rgb_(std::move(rgb)) {}
  const Tensor& rgb() const { return rgb_; }
  bool encoded() const { return features_ != nullptr; }
  void forget() const { features_.reset(); }  // frees the encoder outputs

 private:
  friend class EncoderCache;
  Tensor rgb_;
  mutable std::shared_ptr<const EncodedFrame> features_;
};

class EncoderCache {
 public:
  // `output`: the graph's frame output; `backend`: what the whole graph runs on (its spec).
  EncoderCache(std::shared_ptr<const Model> model, std::string output, std::string backend,
               SessionOptions options);
  // Makes (or keeps) the encoder and decoder for frames of padded shape `shape`, keeping at most
  // `feature_frames` frames' outputs as far as `budget` allows beside the whole graph's plan in
  // `whole`. False when reuse cannot help: the graph does not split, or not even a pair's
  // outputs fit (the whole graph needs less then).
  bool prepare(const Shape& shape, size_t budget, int feature_frames, Session& whole);
  // Forgets the split (the next prepare() makes it again), to run on `backend` from now on.
  void reset(std::string backend);
  // Whether a pair of these frames can run split: without keeping more frames than allowed.
  bool can_take(const Keyframe& a, const Keyframe& b) const;
  // The decoder's output for the pair (padded; `pad` pads a frame for the encoder).
  Tensor middle(const Keyframe& a, const Keyframe& b,
                const std::function<Tensor(const Tensor&)>& pad);
  int64_t encodes() const { return encodes_; }
  int64_t decodes() const { return decodes_; }

 private:
  const EncodedFrame& features(const Keyframe& k, const std::function<Tensor(const Tensor&)>& pad);

  std::shared_ptr<const Model> model_;
  std::string output_, backend_;
  SessionOptions options_;
  Shape shape_;   // the padded input shape the split was made for
  int kept_ = 2;  // frames whose encoder outputs may be kept at once
  std::optional<graph::InputSplit> parts_;
  std::unique_ptr<Session> encoder_, decoder_;
  std::shared_ptr<int> live_ = std::make_shared<int>(0);  // frames holding outputs now
  int64_t encodes_ = 0, decodes_ = 0;
};

}  // namespace film
