#version 450
// Element-wise ops over a 4-D view, one invocation per element (x, y, n*C + c): a strided copy
// (concat inputs into their slot, slices, layout changes), leaky ReLU, multiplication by a
// scalar and the sum of two values. In place is allowed (each invocation reads then writes its
// own element).
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
layout(constant_id = 0) const uint OP = 0;  // 0 copy, 1 leaky_relu, 2 mul, 3 add
layout(constant_id = 1) const float SCALAR = 0.0;

layout(std430, set = 0, binding = 0) readonly buffer A { IN_T a[]; };
layout(std430, set = 0, binding = 1) readonly buffer B { IN_T b[]; };
layout(std430, set = 0, binding = 2) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View a, b, d;
  uint C, H, W;
} p;

void main() {
  const uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  const uint n = gl_GlobalInvocationID.z / p.C, c = gl_GlobalInvocationID.z % p.C;
  if (x >= p.W || y >= p.H) return;
  float v = float(a[at(p.a, n, c, y, x)]);
  if (OP == 1) v = v >= 0.0 ? v : SCALAR * v;
  if (OP == 2) v = v * SCALAR;
  if (OP == 3) v = v + float(b[at(p.b, n, c, y, x)]);
  dst[at(p.d, n, c, y, x)] = OUT_T(v);
}
