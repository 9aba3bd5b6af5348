#pragma once
namespace film::graph {
// concat: concatenation along an axis.
struct ConcatParams {
  int axis = 1;
};
}  // namespace film::graph
