#version 450
// Backward warp: out(x, y) samples src bilinearly at (x + flow_x, y + flow_y), with the taps of
// TF-Addons dense_image_warp (backends/common/warp_corner.h): the integer corner f is clamped to
// [0, size - 2] and the weight a to [0, 1], NaN gives corner 0 and weight 0, a 1-pixel axis
// uses f = 0, a = 0.
#extension GL_GOOGLE_include_directive : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;

layout(std430, set = 0, binding = 0) readonly buffer Src { IN_T src[]; };
layout(std430, set = 0, binding = 1) readonly buffer Flow { float flow[]; };  // float32 always
layout(std430, set = 0, binding = 2) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View s, f, d;
  uint C, H, W;
} p;

void corner(float q, uint size, out uint f, out float a) {
  if (size == 1) {
    f = 0;
    a = 0.0;
    return;
  }
  float fl = floor(q);
  if (!(fl >= 0.0)) fl = 0.0;  // also catches NaN
  if (fl > float(size - 2)) fl = float(size - 2);
  f = uint(fl);
  a = q - fl;
  if (!(a >= 0.0)) a = 0.0;  // NaN too
  if (a > 1.0) a = 1.0;
}

void main() {
  const uint x = gl_GlobalInvocationID.x, y = gl_GlobalInvocationID.y;
  const uint n = gl_GlobalInvocationID.z / p.C, c = gl_GlobalInvocationID.z % p.C;
  if (x >= p.W || y >= p.H) return;
  uint x0, y0;
  float ax, ay;
  corner(float(x) + float(flow[at(p.f, n, 0, y, x)]), p.W, x0, ax);
  corner(float(y) + float(flow[at(p.f, n, 1, y, x)]), p.H, y0, ay);
  const uint x1 = p.W > 1 ? x0 + 1 : x0, y1 = p.H > 1 ? y0 + 1 : y0;
  const float top = (1.0 - ax) * float(src[at(p.s, n, c, y0, x0)]) +
                    ax * float(src[at(p.s, n, c, y0, x1)]);
  const float bottom = (1.0 - ax) * float(src[at(p.s, n, c, y1, x0)]) +
                       ax * float(src[at(p.s, n, c, y1, x1)]);
  dst[at(p.d, n, c, y, x)] = OUT_T((1.0 - ay) * top + ay * bottom);
}
