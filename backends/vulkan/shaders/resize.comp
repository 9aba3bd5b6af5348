#version 450
// Upsampling by integer factors. Bilinear with half-pixel centres (output centre y + 0.5 maps to
// input (y + 0.5) * H / OH - 0.5, clamped at the low edge: TF2 tf.image.resize, PyTorch
// align_corners=False), or nearest (input y * H / OH, integer division), as backends/ref/ops.cpp.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
layout(constant_id = 0) const bool BILINEAR = true;

layout(std430, set = 0, binding = 0) readonly buffer Src { IN_T src[]; };
layout(std430, set = 0, binding = 1) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View s, d;
  uint C, H, W, OH, OW;
} p;

void source(uint i, uint size, uint out_size, out uint i0, out uint i1, out float frac) {
  float s = (float(i) + 0.5) * float(size) / float(out_size) - 0.5;
  s = max(s, 0.0);
  i0 = min(uint(floor(s)), size - 1);
  i1 = min(i0 + 1, size - 1);
  frac = s - float(i0);
}

void main() {
  const uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  const uint n = gl_GlobalInvocationID.z / p.C, c = gl_GlobalInvocationID.z % p.C;
  if (x >= p.OW || y >= p.OH) return;
  float v;
  if (BILINEAR) {
    uint y0, y1, x0, x1;
    float fy, fx;
    source(y, p.H, p.OH, y0, y1, fy);
    source(x, p.W, p.OW, x0, x1, fx);
    const float top = (1.0 - fx) * float(src[at(p.s, n, c, y0, x0)]) +
                      fx * float(src[at(p.s, n, c, y0, x1)]);
    const float bottom = (1.0 - fx) * float(src[at(p.s, n, c, y1, x0)]) +
                         fx * float(src[at(p.s, n, c, y1, x1)]);
    v = (1.0 - fy) * top + fy * bottom;
  } else {
    v = float(src[at(p.s, n, c, y * p.H / p.OH, x * p.W / p.OW)]);
  }
  dst[at(p.d, n, c, y, x)] = OUT_T(v);
}
