#include "engine/tensor.h"

#include <algorithm>
#include <cstring>

#include "graph/base/error.h"

namespace film {

Tensor Tensor::zeros(Shape shape) {
  for (int64_t d : shape)
    if (d < 0) fail("tensor shape ", shape_str(shape), " has a negative dimension");
  Tensor t;
  const int64_t n = num_elements(shape);
  auto storage = std::shared_ptr<float[]>(new float[std::max<int64_t>(n, 1)]());
  t.data_ = storage.get();
  t.holder_ = storage;
  t.shape_ = std::move(shape);
  return t;
}

Tensor Tensor::view(float* data, Shape shape, std::shared_ptr<void> keep_alive) {
  Tensor t;
  t.data_ = data;
  t.shape_ = std::move(shape);
  t.holder_ = std::move(keep_alive);
  return t;
}

Tensor Tensor::clone() const {
  Tensor t = zeros(shape_);
  if (size() > 0) std::memcpy(t.data_, data_, sizeof(float) * size());
  return t;
}

}  // namespace film
