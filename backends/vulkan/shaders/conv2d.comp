#version 450
// conv2d as a tiled implicit GEMM: out[o][p] = sum_k w[o][k] * patch[k][p] + bias[o], with
// k = (c, ky, kx) in the weights' own OIHW order and p an output pixel. A workgroup of 16x16
// invocations computes a BM x BN tile (BM = 16*TM output channels, BN = 16*TN pixels); each
// invocation TM x TN outputs in registers. Per step of BK = 16 taps the workgroup stages the
// weight tile and the gathered input patches (zero padding included) in shared memory, so every
// loaded value is used BM or BN times. Every output sums its taps in the same order (k
// ascending, bias last, then the fused leaky ReLU) whatever the tiling: results do not depend on
// the dispatch. Kernel geometry is specialised (constant_id); sizes and views are push
// constants, so one pipeline serves every pyramid level.
#extension GL_GOOGLE_include_directive : require
#extension GL_EXT_control_flow_attributes : require
#include "common.glsl"

layout(local_size_x = 16, local_size_y = 16, local_size_z = 1) in;
layout(constant_id = 0) const uint KH = 3;
layout(constant_id = 1) const uint KW = 3;
layout(constant_id = 2) const uint SY = 1;
layout(constant_id = 3) const uint SX = 1;
layout(constant_id = 4) const int PT = 1;
layout(constant_id = 5) const int PL = 1;
layout(constant_id = 6) const uint TM = 4;  // output channels per invocation (1, 2 or 4)
layout(constant_id = 7) const uint TN = 4;  // pixels per invocation (4 or 8)
layout(constant_id = 8) const bool LEAKY = false;
layout(constant_id = 9) const float ALPHA = 0.0;

const uint BK = 16;  // shared memory: at most 16 x (64 + 64) or 16 x (16 + 128) floats, 9 KiB
const uint BM = 16 * TM;
const uint BN = 16 * TN;
const uint KK = KH * KW;

layout(std430, set = 0, binding = 0) readonly buffer Src { IN_T src[]; };
layout(std430, set = 0, binding = 1) readonly buffer Wt { float wt[]; };
layout(std430, set = 0, binding = 2) readonly buffer Bias { float bias[]; };
layout(std430, set = 0, binding = 3) writeonly buffer Dst { OUT_T dst[]; };

layout(push_constant) uniform Params {
  View s, d;
  uint w_off, b_off;
  uint C, H, W, O, OH, OW;
} p;

shared float As[BK][BM];
shared float Bs[BK][BN];

void main() {
  const uint tx = gl_LocalInvocationID.x, ty = gl_LocalInvocationID.y;
  const uint tid = ty * 16 + tx;
  const uint K = p.C * KK, P = p.OH * p.OW;
  // Pixel tiles along x, continued along y past the device's x limit; image and channel tile
  // along z.
  const uint tile = gl_WorkGroupID.y * gl_NumWorkGroups.x + gl_WorkGroupID.x;
  const uint p0 = tile * BN;
  if (p0 >= P) return;  // the whole workgroup: past the last tile
  const uint mtiles = (p.O + BM - 1) / BM;
  const uint n = gl_WorkGroupID.z / mtiles, m0 = gl_WorkGroupID.z % mtiles * BM;

  // Fixed per invocation across k steps: the weight column it loads (a_k) and the pixel whose
  // patch column it gathers (b_n, at oy, ox).
  const uint a_k = tid % BK, a_m = tid / BK;  // rows a_m + 16*i
  const uint b_n = tid % BN, b_k = tid / BN;  // rows b_k + (256/BN)*j
  const uint gp = p0 + b_n;
  const bool p_in = gp < P;
  const uint oy = p_in ? gp / p.OW : 0, ox = p_in ? gp % p.OW : 0;
  const int iy0 = int(oy * SY) - PT, ix0 = int(ox * SX) - PL;

  float acc[TM][TN];
  for (uint i = 0; i < TM; ++i)
    for (uint j = 0; j < TN; ++j) acc[i][j] = 0.0;

  for (uint k0 = 0; k0 < K; k0 += BK) {
    const uint gk = k0 + a_k;
    for (uint i = 0; i < TM; ++i) {
      const uint gm = m0 + a_m + 16 * i;
      As[a_k][a_m + 16 * i] = (gm < p.O && gk < K) ? wt[p.w_off + gm * K + gk] : 0.0;
    }
    for (uint j = 0; j < BK * BN / 256; ++j) {
      const uint k = b_k + (256 / BN) * j, tk = k0 + k;
      float v = 0.0;
      if (p_in && tk < K) {
        const uint c = tk / KK, r = tk % KK;
        const int iy = iy0 + int(r / KW), ix = ix0 + int(r % KW);
        if (iy >= 0 && iy < int(p.H) && ix >= 0 && ix < int(p.W))
          v = float(src[at(p.s, n, c, uint(iy), uint(ix))]);
      }
      Bs[k][b_n] = v;
    }
    barrier();
    [[unroll]] for (uint k = 0; k < BK; ++k) {
      float a[TM], b[TN];
      [[unroll]] for (uint i = 0; i < TM; ++i) a[i] = As[k][ty + 16 * i];
      [[unroll]] for (uint j = 0; j < TN; ++j) b[j] = Bs[k][tx + 16 * j];
      [[unroll]] for (uint i = 0; i < TM; ++i)
        [[unroll]] for (uint j = 0; j < TN; ++j) acc[i][j] += a[i] * b[j];
    }
    barrier();
  }

  for (uint i = 0; i < TM; ++i) {
    const uint o = m0 + ty + 16 * i;
    if (o >= p.O) continue;
    const float b = bias[p.b_off + o];
    for (uint j = 0; j < TN; ++j) {
      const uint q = p0 + tx + 16 * j;
      if (q >= P) continue;
      float v = acc[i][j] + b;
      if (LEAKY && v < 0.0) v *= ALPHA;
      dst[at(p.d, n, o, q / p.OW, q % p.OW)] = OUT_T(v);
    }
  }
}
