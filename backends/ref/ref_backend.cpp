#include "backends/ref/ref_backend.h"

#include <functional>

#include "engine/error.h"

namespace film::ref {
namespace {

using Fn = std::function<void(const std::vector<const Tensor*>&, const std::vector<Tensor*>&)>;

class RefKernel : public Kernel {
 public:
  explicit RefKernel(Fn fn) : fn_(std::move(fn)) {}
  void execute(const std::vector<const Tensor*>& in, const std::vector<Tensor*>& out) override { fn_(in, out); }

 private:
  Fn fn_;
};

std::vector<int64_t> ints(const nlohmann::json& v) { return v.get<std::vector<int64_t>>(); }

}  // namespace

std::string RefBackend::unsupported_reason(const KernelDesc& d) const {
  static const char* ops[] = {"conv2d", "leaky_relu", "avg_pool2d", "resize", "warp", "concat", "add", "mul", "slice"};
  for (const char* op : ops)
    if (d.op == op) return "";
  return "the ref backend has no kernel for op '" + d.op + "'";
}

std::unique_ptr<Kernel> RefBackend::create_kernel(const KernelDesc& d) {
  const auto& a = d.attrs;
  Fn fn;
  if (d.op == "conv2d") {
    auto pad = ints(a.at("pad"));
    auto stride = ints(a.at("stride"));
    std::optional<float> leaky;
    if (a.contains("leaky_relu") && !a.at("leaky_relu").is_null()) leaky = a.at("leaky_relu").get<float>();
    fn = [=](auto& in, auto& out) {
      conv2d(*in[0], *in[1], *in[2], *out[0], static_cast<int>(pad[0]), static_cast<int>(pad[1]),
             static_cast<int>(stride[0]), static_cast<int>(stride[1]), leaky);
    };
  } else if (d.op == "leaky_relu") {
    float alpha = a.at("alpha").get<float>();
    fn = [=](auto& in, auto& out) { leaky_relu(*in[0], *out[0], alpha); };
  } else if (d.op == "avg_pool2d") {
    auto k = ints(a.at("kernel")), s = ints(a.at("stride"));
    fn = [=](auto& in, auto& out) {
      avg_pool2d(*in[0], *out[0], static_cast<int>(k[0]), static_cast<int>(k[1]), static_cast<int>(s[0]),
                 static_cast<int>(s[1]));
    };
  } else if (d.op == "resize") {
    if (a.at("mode") == "bilinear") {
      fn = [](auto& in, auto& out) { resize_bilinear(*in[0], *out[0]); };
    } else {
      fn = [](auto& in, auto& out) { resize_nearest(*in[0], *out[0]); };
    }
  } else if (d.op == "warp") {
    fn = [](auto& in, auto& out) { warp(*in[0], *in[1], *out[0]); };
  } else if (d.op == "concat") {
    int axis = a.at("axis").get<int>();
    fn = [=](auto& in, auto& out) { concat(in, *out[0], axis); };
  } else if (d.op == "add") {
    fn = [](auto& in, auto& out) { add(*in[0], *in[1], *out[0]); };
  } else if (d.op == "mul") {
    float s = a.at("scalar").get<float>();
    fn = [=](auto& in, auto& out) { mul(*in[0], *out[0], s); };
  } else if (d.op == "slice") {
    int axis = a.at("axis").get<int>();
    int64_t begin = a.at("begin").get<int64_t>();
    fn = [=](auto& in, auto& out) { slice(*in[0], *out[0], axis, begin); };
  } else {
    fail("node '", d.node_name, "': ", unsupported_reason(d));
  }
  return std::make_unique<RefKernel>(std::move(fn));
}

}  // namespace film::ref
