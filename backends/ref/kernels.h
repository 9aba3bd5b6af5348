// The reference backend's kernels, one file per op (backends/ref/ops/NAME.cpp): each defines the
// op's loops (declared in ref_backend.h, for tests) and kernel<OpKind::NAME>(), the factory
// RefBackend's table calls. Readability first: each is the textbook loop with the exact
// conventions of docs/FILM.md, accumulating in double; parallel() splits only independent output
// planes, so each output value is computed the same way whatever the thread count.
#pragma once

#include <tbb/parallel_for.h>

#include <functional>
#include <vector>

#include "backends/ref/ref_backend.h"

namespace film::ref {

using Fn = std::function<void(const std::vector<const Tensor*>&, const std::vector<Tensor*>&)>;

// Op K's kernel for the node `d` describes (a missing one is a link error naming the op).
template <graph::OpKind K>
Fn kernel(const KernelDesc& d);

// Runs body(i) for i in [0, n) across threads.
template <class F>
void parallel(int64_t n, F&& body) {
  tbb::parallel_for(int64_t{0}, n, [&](int64_t i) { body(i); });
}

}  // namespace film::ref
