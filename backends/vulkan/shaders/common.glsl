// Shared by every shader of the vulkan backend (backends/vulkan/shaders/*.comp): the view of a
// 4-D value that kernels get through push constants. Values are float32 arrays bound as storage
// buffers; a view is an element offset into its binding plus one element stride per logical
// dimension (N, C, H, W), so dense NCHW values, channel slots of a concatenation and slice views
// all read and write the same way (engine/memory.h).
//
// Element types: every shader is compiled once per variant (CMakeLists.txt): activations stored
// as float32, or with IN_F16 / OUT_F16 as IEEE half floats (the nchw_f16 layout, fp16 precision:
// 16-bit storage; arithmetic stays float32, so convolutions accumulate in float32). IN_T is the
// type of the activation inputs, OUT_T of the output; weights and biases are always float32.
#if IN_F16 || OUT_F16
#extension GL_EXT_shader_16bit_storage : require
#endif
#if IN_F16
#define IN_T float16_t
#else
#define IN_T float
#endif
#if OUT_F16
#define OUT_T float16_t
#else
#define OUT_T float
#endif
struct View {
  uint off;
  uint sn, sc, sh, sw;
};

uint at(View v, uint n, uint c, uint y, uint x) {
  return v.off + n * v.sn + c * v.sc + y * v.sh + x * v.sw;
}
