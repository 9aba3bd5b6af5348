#version 450
// Average pooling without padding: the window's values summed in row order, divided by its size.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
layout(constant_id = 0) const uint KY = 2;
layout(constant_id = 1) const uint KX = 2;
layout(constant_id = 2) const uint SY = 2;
layout(constant_id = 3) const uint SX = 2;

layout(std430, set = 0, binding = 0) readonly buffer Src { IN_T src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View s, d;
  uint C, OH, OW;
} p;

void main() {
  const uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  const uint n = gl_GlobalInvocationID.z / p.C, c = gl_GlobalInvocationID.z % p.C;
  if (x >= p.OW || y >= p.OH) return;
  float sum = 0.0;
  for (uint dy = 0; dy < KY; ++dy)
    for (uint dx = 0; dx < KX; ++dx) sum += float(src[at(p.s, n, c, y * SY + dy, x * SX + dx)]);
  dst[at(p.d, n, c, y, x)] = OUT_T(sum / float(KY * KX));
}
