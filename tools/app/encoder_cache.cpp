#include "tools/app/encoder_cache.h"

#include <algorithm>

#include "backends/registry.h"

namespace film {

EncoderCache::EncoderCache(std::shared_ptr<const Model> model, std::string output,
                           std::string backend, SessionOptions options)
    : model_(std::move(model)),
      output_(std::move(output)),
      backend_(std::move(backend)),
      options_(std::move(options)) {}

bool EncoderCache::prepare(const Shape& shape, size_t budget, int feature_frames, Session& whole) {
  if (!shape_.empty() && shape_ == shape) return parts_.has_value();
  shape_ = shape;
  encoder_.reset();
  decoder_.reset();
  const Model& m = *model_;
  parts_ = graph::split_by_input(m.flat,
                                 {{m.flat.inputs[0].name, shape}, {m.flat.inputs[1].name, shape}});
  if (!parts_) return false;
  auto part = [&](const graph::Graph& g, const char* what) {
    std::map<std::string, Tensor> weights;  // shared storage: no copy
    for (auto& w : g.weights) weights[w.name] = m.weights.at(w.name);
    return std::make_unique<Session>(
        Model::from_parts(g, std::move(weights), m.name + " (" + what + ")"),
        create_backend(backend_), options_);
  };
  encoder_ = part(parts_->encoder, "encoder");
  decoder_ = part(parts_->decoder, "decoder");
  // What reuse holds (weights are shared by all three): the shared arena, as large as the largest
  // of the whole graph's (pairs beyond the kept frames run whole), the encoder's and the decoder's
  // plans, the frames' encoder outputs, and one more set in the pool.
  graph::ShapeMap enc_in = {{m.flat.inputs[0].name, shape}}, dec_in, whole_in;
  for (auto& d : parts_->decoder.inputs)
    for (auto& x : d.shape) dec_in[d.name].push_back(std::get<int64_t>(x));
  for (auto& in : m.flat.inputs) whole_in[in.name] = shape;
  const PlanReport enc = encoder_->plan(enc_in), dec = decoder_->plan(dec_in),
                   all = whole.plan(whole_in, {output_});
  const size_t features = enc.output_bytes + enc.input_bytes;
  const size_t arenas =
      std::max({enc.arena_bytes, dec.arena_bytes, all.arena_bytes}) + dec.output_bytes;
  const size_t fixed = all.weight_bytes + all.prepared_weight_bytes + arenas + features;
  const int64_t fits = budget == SIZE_MAX ? feature_frames
                       : budget > fixed   ? static_cast<int64_t>((budget - fixed) / features)
                                          : 0;
  kept_ = static_cast<int>(std::min<int64_t>(feature_frames, fits));
  if (kept_ < 2) {  // not even one pair's worth: the whole graph, which needs less
    encoder_.reset();
    decoder_.reset();
    parts_.reset();
  }
  return parts_.has_value();
}

void EncoderCache::reset(std::string backend) {
  backend_ = std::move(backend);
  shape_.clear();
  encoder_.reset();
  decoder_.reset();
  parts_.reset();
}

bool EncoderCache::can_take(const Keyframe& a, const Keyframe& b) const {
  return parts_ && *live_ + !a.encoded() + !b.encoded() <= kept_;
}

// k's encoder outputs (and its padded frame), computed at the first need and kept in k.
const EncodedFrame& EncoderCache::features(const Keyframe& k,
                                           const std::function<Tensor(const Tensor&)>& pad) {
  if (!k.features_) {
    const std::string& in0 = model_->flat.inputs[0].name;
    auto* e = new EncodedFrame;
    e->frame = pad(k.rgb_);
    std::vector<std::string> names;
    for (auto& o : parts_->encoder.outputs) names.push_back(o.name);
    e->values = encoder_->run({.inputs = {{in0, e->frame}}, .resident_outputs = names}).resident;
    ++encodes_;
    ++*live_;
    k.features_.reset(e, [live = live_](const EncodedFrame* p) {
      --*live;
      delete p;
    });
  }
  return *k.features_;
}

Tensor EncoderCache::middle(const Keyframe& a, const Keyframe& b,
                            const std::function<Tensor(const Tensor&)>& pad) {
  const EncodedFrame& fa = features(a, pad);
  const EncodedFrame& fb = features(b, pad);
  const std::string& in0 = model_->flat.inputs[0].name;
  RunRequest r{.outputs = {output_}};
  for (size_t i = 0; i < parts_->side0.size(); ++i) {
    const std::string &n0 = parts_->side0[i], &n1 = parts_->side1[i];
    if (n0 == in0) {  // the frame itself
      r.inputs[n0] = fa.frame;
      r.inputs[n1] = fb.frame;
    } else {
      r.resident_inputs[n0] = fa.values.at(n0);
      r.resident_inputs[n1] = fb.values.at(n0);
    }
  }
  ++decodes_;
  return decoder_->run(r).outputs.at(output_);
}

}  // namespace film
