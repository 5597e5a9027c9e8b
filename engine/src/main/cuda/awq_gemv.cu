// W4A16 matrix-vector product for AutoAWQ "gemm" checkpoints, read in their stored layout (no repack):
//   qweight int32 [K][W], W = N/8: nibble n (bits 4n..4n+3) of word w holds output column 8w + ORDER[n],
//           ORDER = {0, 2, 4, 6, 1, 3, 5, 7} (AutoAWQ's order_map);
//   qzeros  int32 [K/G][W], the same packing;   scales fp16 [K/G][N];   x fp16 [K].
//   y[c] = sum_k x[k] * (q[k][c] - z[k/G][c]) * s[k/G][c].
// Two launches, deterministic (no atomics): awq_gemv_partial_f16 writes one fp32 partial sum per output column for
// each slice of K (split-K keeps every multiprocessor busy when N alone gives too few blocks); awq_gemv_reduce_*
// adds the slices in a fixed order.
//
// Partial kernel: a block of 256 threads covers a tile of 32 words (256 columns) and the rows of its slice.
// Lane l of warp w reads the 4 words [4*(l%8), +4) of row 32*i + 4*w + l/8: one 16-byte load per thread, 128
// contiguous bytes per 8 lanes. Per group the thread sums q*x and x in fp32, then adds s*(sum q*x - z*sum x).
#include "common.cuh"

#define AWQ_THREADS 256
#define AWQ_TILE_WORDS 32
#define AWQ_ROWS_PER_STEP 32

/** ORDER[n] as arithmetic, so that unrolled loops index registers with constants (a table would spill to the stack). */
__host__ __device__ constexpr int awq_order(int n) { return (n >> 2) + 2 * (n & 3); }

/** acc += s * (qx - z * sx) for this thread's 4 words in group g; then qx and sx restart. */
__device__ __forceinline__ void awq_flush(float acc[32], float qx[32], float& sx, const int* qzeros, const half* scales,
                                          int g, int word0, int W, int N) {
#pragma unroll
    for (int wi = 0; wi < 4; wi++) {
        int word = word0 + wi;
        if (word < W) {
            unsigned z = (unsigned) qzeros[(size_t) g * W + word];
            // 8 scales of the word's columns, in column order: 16 bytes, aligned since N % 8 == 0
            uint4 raw = *reinterpret_cast<const uint4*>(scales + (size_t) g * N + 8 * word);
            const half* s = reinterpret_cast<const half*>(&raw);
#pragma unroll
            for (int n = 0; n < 8; n++) {
                float zf = (float) ((z >> (4 * n)) & 15u);
                acc[wi * 8 + n] += __half2float(s[awq_order(n)]) * (qx[wi * 8 + n] - zf * sx);
            }
        }
#pragma unroll
        for (int n = 0; n < 8; n++) qx[wi * 8 + n] = 0.f;
    }
    sx = 0.f;
}

/**
 * partial[split][c] for split = blockIdx.y over rows [split*rows_per_split, +rows_per_split) of K;
 * rows_per_split is a multiple of 32. Grid (ceil(W / 32), splits), block 256.
 */
extern "C" __global__ void __launch_bounds__(AWQ_THREADS)
awq_gemv_partial_f16(float* partial, const int* qweight, const int* qzeros, const half* scales, const half* x,
                     int K, int N, int group_size, int rows_per_split) {
    int W = N >> 3;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int word0 = blockIdx.x * AWQ_TILE_WORDS + 4 * (lane & 7);
    bool vec = (W & 3) == 0 && word0 + 3 < W;
    int k_begin = blockIdx.y * rows_per_split;
    int k_end = min(K, k_begin + rows_per_split);

    float acc[32], qx[32], sx = 0.f;
#pragma unroll
    for (int c = 0; c < 32; c++) { acc[c] = 0.f; qx[c] = 0.f; }
    int group = -1;
    for (int k = k_begin + 4 * warp + (lane >> 3); k < k_end; k += AWQ_ROWS_PER_STEP) {
        int g = k / group_size;
        if (g != group) {
            if (group >= 0) awq_flush(acc, qx, sx, qzeros, scales, group, word0, W, N);
            group = g;
        }
        unsigned q[4];
        const int* row = qweight + (size_t) k * W + word0;
        if (vec) {
            int4 v = *reinterpret_cast<const int4*>(row);
            q[0] = v.x; q[1] = v.y; q[2] = v.z; q[3] = v.w;
        } else {
#pragma unroll
            for (int wi = 0; wi < 4; wi++) q[wi] = word0 + wi < W ? (unsigned) row[wi] : 0u;
        }
        float xk = __half2float(x[k]);
        sx += xk;
#pragma unroll
        for (int wi = 0; wi < 4; wi++) {
#pragma unroll
            for (int n = 0; n < 8; n++) qx[wi * 8 + n] += (float) ((q[wi] >> (4 * n)) & 15u) * xk;
        }
    }
    if (group >= 0) awq_flush(acc, qx, sx, qzeros, scales, group, word0, W, N);

    // lanes l, l^8, l^16, l^24 hold the same columns for different rows: add them, then across the 8 warps
#pragma unroll
    for (int c = 0; c < 32; c++) {
        acc[c] += __shfl_xor_sync(FULL_MASK, acc[c], 8);
        acc[c] += __shfl_xor_sync(FULL_MASK, acc[c], 16);
    }
    __shared__ float sums[AWQ_THREADS / 32][AWQ_TILE_WORDS * 8];
    if (lane < 8) {
#pragma unroll
        for (int c = 0; c < 32; c++) sums[warp][lane * 32 + c] = acc[c];
    }
    __syncthreads();
    int t = threadIdx.x;  // one tile column slot per thread: lane slot t/32, its word t/8 % 4, nibble t % 8
    int word = blockIdx.x * AWQ_TILE_WORDS + 4 * (t >> 5) + ((t >> 3) & 3);
    if (word < W) {
        float total = 0.f;
#pragma unroll
        for (int w = 0; w < AWQ_THREADS / 32; w++) total += sums[w][t];
        partial[(size_t) blockIdx.y * N + 8 * word + awq_order(t & 7)] = total;
    }
}

template <typename T>
__device__ void awq_reduce(T* y, const float* partial, int splits, int N) {
    for (int c = blockIdx.x * blockDim.x + threadIdx.x; c < N; c += gridDim.x * blockDim.x) {
        float total = 0.f;
        for (int s = 0; s < splits; s++) total += partial[(size_t) s * N + c];
        y[c] = from_float<T>(total);
    }
}

/** y[c] = sum over splits of partial[split][c], as fp16 (activations) or fp32 (logits). */
extern "C" __global__ void awq_gemv_reduce_f16(half* y, const float* partial, int splits, int N) { awq_reduce<half>(y, partial, splits, N); }
extern "C" __global__ void awq_gemv_reduce_f32(float* y, const float* partial, int splits, int N) { awq_reduce<float>(y, partial, splits, N); }
