// Greedy sampling on the device: out[row] = the lowest index among the maxima of logits[row][0 .. n), as the CPU
// sampler breaks ties. NaN never wins; a row with no comparable value gives 0. One block per row.
#include "common.cuh"

__device__ __forceinline__ void better(float& best, int& at, float v, int i) {
    if (v > best || (v == best && i < at)) { best = v; at = i; }
}

template <typename T>
__device__ void argmax(int* out, const T* logits, int n) {
    const T* row = logits + (size_t) blockIdx.x * n;
    float best = -INFINITY;
    int at = 0x7fffffff;
    for (int i = threadIdx.x; i < n; i += blockDim.x) better(best, at, to_float(row[i]), i);
    for (int o = 16; o > 0; o >>= 1) {
        float v = __shfl_xor_sync(FULL_MASK, best, o);
        int i = __shfl_xor_sync(FULL_MASK, at, o);
        better(best, at, v, i);
    }
    __shared__ float warp_best[32];
    __shared__ int warp_at[32];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) { warp_best[warp] = best; warp_at[warp] = at; }
    __syncthreads();
    if (warp == 0) {
        best = -INFINITY;
        at = 0x7fffffff;
        if (lane < (blockDim.x >> 5)) { best = warp_best[lane]; at = warp_at[lane]; }
        for (int o = 16; o > 0; o >>= 1) {
            float v = __shfl_xor_sync(FULL_MASK, best, o);
            int i = __shfl_xor_sync(FULL_MASK, at, o);
            better(best, at, v, i);
        }
        if (lane == 0) out[blockIdx.x] = at == 0x7fffffff ? 0 : at;
    }
}

extern "C" __global__ void argmax_f32(int* out, const float* logits, int n) { argmax<float>(out, logits, n); }
extern "C" __global__ void argmax_f16(int* out, const half* logits, int n) { argmax<half>(out, logits, n); }
extern "C" __global__ void argmax_bf16(int* out, const bf16* logits, int n) { argmax<bf16>(out, logits, n); }
