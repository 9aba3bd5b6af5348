// Tensor: a float32 array with a shape (NCHW for images), owning or borrowing its storage.
//
// Contract: copying a Tensor copies the handle, not the data (shared ownership of the storage).
// Threading: concurrent reads are fine; writers must own disjoint tensors.
// Usage:
//   film::Tensor t = film::Tensor::zeros({1, 3, 64, 64});
//   t.data()[0] = 1.0f;
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "graph/shape.h"

namespace film {

class Tensor {
 public:
  Tensor() = default;
  // Allocates zero-filled storage.
  static Tensor zeros(Shape shape);
  // Borrows `data`; `keep_alive` (may be null) holds whatever owns it.
  static Tensor view(float* data, Shape shape, std::shared_ptr<void> keep_alive = nullptr);

  float* data() { return data_; }
  const float* data() const { return data_; }
  const Shape& shape() const { return shape_; }
  int64_t dim(size_t i) const { return shape_.at(i); }
  int64_t size() const { return num_elements(shape_); }
  bool empty() const { return data_ == nullptr; }
  // A tensor with its own copy of the data.
  Tensor clone() const;

 private:
  std::shared_ptr<void> holder_;
  float* data_ = nullptr;
  Shape shape_;
};

}  // namespace film
