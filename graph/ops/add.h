#pragma once
namespace film::graph {
// add: element-wise sum (no parameters).
struct AddParams {};
}  // namespace film::graph
