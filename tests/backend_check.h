// The op-by-op check every non-reference backend's tests share (test_backend_cpu.cpp,
// test_backend_vulkan.cpp): the same seeded inputs through one kernel of `ref` and one of the
// backend under test, compared with |got - ref| <= atol + rtol * |ref| (NaN must meet NaN). The
// backend's kernel runs in the layouts its plan_node() chooses, in its own memory (allocated,
// uploaded and downloaded through the Backend interface, so device memory works the same way),
// its output fenced by guard values; where the backend says it can write into a slot of a wider
// value, it also runs into one, and the neighbouring channels must stay untouched. A kernel that
// returns mostly zeros where ref does not fails too.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/memory.h"
#include "graph/shape.h"

namespace film::test {

struct Tolerance {
  double atol, rtol;
};

struct OpCase {
  std::string op;
  nlohmann::json attrs;
  std::vector<Shape> inputs;
  bool constant_weights = true;  // conv2d: weights and bias as constants (the repacking path)
  bool in_place = false;         // output 0 over input 0
  float lo = -1.0f, hi = 1.0f;   // input range (warp: input 1, the flow, uses flow_range)
  float flow_range = 4.0f;
  float flow_shift = 0.0f;  // warp: added to every flow value
  bool specials = false;    // put NaN/inf among the flow values
};

// Runs every case (seeds 100, 101, ...) on `backend` against ref with the tolerance
// `tolerance(op)`; returns the largest abs error. REQUIREs that the backend is available.
// `offered`: the layout the inputs are offered in to plan_node() (the producers' layout; the cpu
// backend's bf16 precision runs its loops in bfloat16 when offered nhwc_bf16).
double check_op_cases(const std::string& backend, const std::vector<OpCase>& cases,
                      Tolerance (*tolerance)(const std::string& op), Layout offered = Layout::nchw);

// The shared case lists: shapes that straddle vector widths (odd sizes 9x7 and 25x33, 1x1,
// channels 1/2/3/13/16/24/48), every attribute FILM uses.
std::vector<OpCase> conv2d_cases();
std::vector<std::vector<OpCase>> eltwise_cases();  // leaky_relu, add, mul (in place too)
std::vector<OpCase> avg_pool2d_cases();
std::vector<OpCase> resize_cases();
std::vector<OpCase> warp_cases();
std::vector<std::vector<OpCase>> concat_slice_cases();  // concat, slice
// All of the above, one list per op (conv2d, leaky_relu, add, mul, avg_pool2d, resize, warp,
// concat, slice).
std::vector<std::vector<OpCase>> every_op_cases();

}  // namespace film::test
