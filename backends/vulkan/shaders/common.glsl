// Shared by every shader of the vulkan backend (backends/vulkan/shaders/*.comp): the view of a
// 4-D value that kernels get through push constants. Values are float32 arrays bound as storage
// buffers; a view is an element offset into its binding plus one element stride per logical
// dimension (N, C, H, W), so dense NCHW values, channel slots of a concatenation and slice views
// all read and write the same way (engine/memory.h).
struct View {
  uint off;
  uint sn, sc, sh, sw;
};

uint at(View v, uint n, uint c, uint y, uint x) {
  return v.off + n * v.sn + c * v.sc + y * v.sh + x * v.sw;
}
