#pragma once
namespace film::graph {
// warp: backward warp of src by flow (no parameters).
struct WarpParams {};
}  // namespace film::graph
