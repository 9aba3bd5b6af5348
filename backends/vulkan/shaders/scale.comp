#version 450
// scale: dst = src * (MULTIPLIER * factor[n] + OFFSET) over a 4-D view, one invocation per
// element (x, y, n*C + c); the factor (one float32 per image) is read through its own view.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
layout(constant_id = 0) const float MULTIPLIER = 1.0;
layout(constant_id = 1) const float OFFSET = 0.0;

layout(std430, set = 0, binding = 0) readonly buffer Src { IN_T src[]; };
layout(std430, set = 0, binding = 1) readonly buffer Factor { float factor[]; };  // float32 always
layout(std430, set = 0, binding = 2) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View s, f, d;
  uint C, H, W;
} p;

void main() {
  const uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  const uint n = gl_GlobalInvocationID.z / p.C, c = gl_GlobalInvocationID.z % p.C;
  if (x >= p.W || y >= p.H) return;
  const float f = MULTIPLIER * factor[at(p.f, n, 0, 0, 0)] + OFFSET;
  dst[at(p.d, n, c, y, x)] = OUT_T(float(src[at(p.s, n, c, y, x)]) * f);
}
