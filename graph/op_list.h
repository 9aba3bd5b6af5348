// Every primitive op, once: X(name, Type) gives the JSON "op" name and graph::OpKind::name, the
// parameter struct graph::TypeParams (graph/ops/name.h) and the schema, op_definition<name>()
// (graph/ops/name.cpp). Every backend and the engine take the list from here: adding an op is a
// line here and new files (docs/adding-an-op.md).
#pragma once

#include "graph/ops/add.h"
#include "graph/ops/avg_pool2d.h"
#include "graph/ops/concat.h"
#include "graph/ops/conv2d.h"
#include "graph/ops/leaky_relu.h"
#include "graph/ops/mul.h"
#include "graph/ops/resize.h"
#include "graph/ops/scale.h"
#include "graph/ops/slice.h"
#include "graph/ops/warp.h"

#define FILM_OPS(X)         \
  X(conv2d, Conv2d)         \
  X(leaky_relu, LeakyRelu)  \
  X(avg_pool2d, AvgPool2d)  \
  X(resize, Resize)         \
  X(warp, Warp)             \
  X(concat, Concat)         \
  X(add, Add)               \
  X(mul, Mul)               \
  X(slice, Slice)           \
  X(scale, Scale)
