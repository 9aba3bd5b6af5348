// Shape: the dimensions of a tensor (NCHW for images), and the two helpers every layer needs.
// Lives at the bottom layer (graph/) so that the graph IR, the engine and the backends share it.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace film {

using Shape = std::vector<int64_t>;

int64_t num_elements(const Shape& shape);
std::string shape_str(const Shape& shape);  // "[1,3,64,64]"

}  // namespace film
