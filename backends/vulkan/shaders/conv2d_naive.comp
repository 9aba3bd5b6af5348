#version 450
// conv2d, one invocation per output value, straight from global memory: the baseline the tiled
// shader (conv2d.comp) is measured against (docs/benchmarks.md); the backend itself never uses
// it unless FILM_VULKAN_NAIVE_CONV=1. Same push constants and summation order as conv2d.comp.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
layout(constant_id = 0) const uint KH = 3;
layout(constant_id = 1) const uint KW = 3;
layout(constant_id = 2) const uint SY = 1;
layout(constant_id = 3) const uint SX = 1;
layout(constant_id = 4) const int PT = 1;
layout(constant_id = 5) const int PL = 1;
layout(constant_id = 6) const uint TM = 4;  // unused (same specialisation as conv2d.comp)
layout(constant_id = 7) const uint TN = 4;
layout(constant_id = 8) const bool LEAKY = false;
layout(constant_id = 9) const float ALPHA = 0.0;

layout(std430, set = 0, binding = 0) readonly buffer Src { IN_T src[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt { float wt[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View s, d;
  uint w_off, b_off;
  uint C, H, W, O, OH, OW;
} p;

void main() {
  const uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  const uint n = gl_GlobalInvocationID.z / p.O, o = gl_GlobalInvocationID.z % p.O;
  if (x >= p.OW || y >= p.OH) return;
  float acc = 0.0;
  uint wi = p.w_off + o * p.C * KH * KW;
  for (uint c = 0; c < p.C; ++c)
    for (uint ky = 0; ky < KH; ++ky)
      for (uint kx = 0; kx < KW; ++kx, ++wi) {
        const int iy = int(y * SY + ky) - PT, ix = int(x * SX + kx) - PL;
        if (iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W))
          acc += wt[wi] * float(src[at(p.s, n, c, uint(iy), uint(ix))]);
      }
  float v = acc + bias[p.b_off + o];
  if (LEAKY && v < 0.0) v *= ALPHA;
  dst[at(p.d, n, o, y, x)] = OUT_T(v);
}
