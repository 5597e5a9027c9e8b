// Shared helpers of the engine's CUDA kernels. Every kernel is extern "C" so that its PTX entry name is the name the
// Java side launches (io.quantserve.engine.gpu.KernelSpec), and takes only pointers, int and float parameters.
#pragma once
#include <cuda_fp16.h>
#include <cuda_bf16.h>
#include <stdint.h>

typedef __nv_bfloat16 bf16;

#define FULL_MASK 0xffffffffu

/** The block's dynamic shared memory (the launch's sharedMemBytes) as an array of T named name. */
#define DYNAMIC_SHARED(T, name) extern __shared__ __align__(16) T name[]

__device__ __forceinline__ float to_float(half v) { return __half2float(v); }
__device__ __forceinline__ float to_float(bf16 v) { return __bfloat162float(v); }
__device__ __forceinline__ float to_float(float v) { return v; }

template <typename T> __device__ __forceinline__ T from_float(float v);
template <> __device__ __forceinline__ half from_float<half>(float v) { return __float2half_rn(v); }
template <> __device__ __forceinline__ bf16 from_float<bf16>(float v) { return __float2bfloat16_rn(v); }
template <> __device__ __forceinline__ float from_float<float>(float v) { return v; }

__device__ __forceinline__ bool aligned16(const void* p) { return (reinterpret_cast<uintptr_t>(p) & 15) == 0; }

/** Elements of T in one 16-byte access. */
template <typename T> struct Vec { static constexpr int N = 16 / sizeof(T); };

/**
 * For i = threadIdx.x, + blockDim.x, ... < n, in that order: use(i, load(i)), with UNROLL loads a thread issued
 * before any of their values is used. A loop that loads a value and stores (or adds) it before the next iteration
 * makes one round trip to memory an iteration: the compiler does not move the next load above a store that might
 * alias it, nor unroll a loop whose trip count it does not know.
 */
template <int UNROLL, typename Load, typename Use>
__device__ __forceinline__ void block_strided(int n, Load load, Use use) {
    using V = decltype(load(0));
    for (int i0 = threadIdx.x; i0 < n; i0 += UNROLL * blockDim.x) {
        V v[UNROLL] = {};
#pragma unroll
        for (int u = 0; u < UNROLL; u++) {
            int i = i0 + u * blockDim.x;
            if (i < n) v[u] = load(i);
        }
#pragma unroll
        for (int u = 0; u < UNROLL; u++) {
            int i = i0 + u * blockDim.x;
            if (i < n) use(i, v[u]);
        }
    }
}

/** Sum over the whole block; every thread gets the total. Needs blockDim.x a multiple of 32, at most 1024. */
__device__ __forceinline__ float block_sum(float v) {
    __shared__ float warp_sums[32];
    __shared__ float total;
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    if (lane == 0) warp_sums[warp] = v;
    __syncthreads();
    if (warp == 0) {
        v = lane < (blockDim.x >> 5) ? warp_sums[lane] : 0.f;
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
        if (lane == 0) total = v;
    }
    __syncthreads();
    return total;
}

/**
 * Whether this block is the last of `arrivals` blocks to count itself in *counter: its global writes are fenced
 * before its count, and the last block sets the counter back to 0 (zero again for the next launch or graph replay)
 * and fences before reading what the others wrote. Every thread of the block gets the answer; call it from all.
 */
__device__ __forceinline__ bool last_to_arrive(unsigned* counter, unsigned arrivals) {
    __shared__ bool last;
    __threadfence();
    __syncthreads();
    if (threadIdx.x == 0) {
        last = atomicAdd(counter, 1u) == arrivals - 1;
        if (last) *counter = 0u;
    }
    __syncthreads();
    if (last) __threadfence();
    return last;
}

/**
 * What the last block of a split-K output tile does (after last_to_arrive): out[row][col] = the sum over `slices` of
 * partial[slice][row][col] (fp32 [slices][M][N]) for rows [m0, m0 + rows) and columns [n0, n0 + cols) inside [M, N],
 * added in slice order (deterministic) and read from L2 (__ldcg: other multiprocessors wrote them). The whole block
 * shares the work.
 */
template <typename T>
__device__ __forceinline__ void add_slices(T* out, const float* partial, int slices, int m0, int rows, int n0,
                                           int cols, int M, int N) {
    for (int i = threadIdx.x; i < rows * cols; i += blockDim.x) {
        int row = m0 + i / cols, col = n0 + i % cols;
        if (row < M && col < N) {
            size_t at = (size_t) row * N + col;
            float sum = 0.f;
            for (int s = 0; s < slices; s++) sum += __ldcg(partial + (size_t) s * M * N + at);
            out[at] = from_float<T>(sum);
        }
    }
}
