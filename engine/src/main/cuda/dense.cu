// Float linear layers for the GPU model runner, simple and correct: y [M, N] = x [M, K] . W^T with W [N, K] row-major
// (Hugging Face's [out, in]), x and W of the same 16-bit type, fp32 sums, y in that type (activations) or fp32
// (logits). A warp computes one output column for 8 rows of x at once, so W is read once per 8 rows: right for decode
// batches, slow for long prefill chunks (a tensor-core GEMM is to replace it there).
#include "common.cuh"

#define DENSE_THREADS 256
#define DENSE_COLUMNS (DENSE_THREADS / 32)
#define DENSE_ROWS 8

/** Grid (ceil(N / 8), ceil(M / 8)), block 256: warp w of block (bx, by) computes column 8*bx + w of rows 8*by .. +8. */
template <typename T, typename Out>
__device__ void dense_matmul(Out* y, const T* x, const T* w, int m, int n, int k) {
    int lane = threadIdx.x & 31;
    int col = blockIdx.x * DENSE_COLUMNS + (threadIdx.x >> 5);
    int row0 = blockIdx.y * DENSE_ROWS;
    if (col >= n) return;  // whole warps leave; no barrier follows
    int rows = min(DENSE_ROWS, m - row0);
    const T* wrow = w + (size_t) col * k;
    const T* x0 = x + (size_t) row0 * k;
    float acc[DENSE_ROWS];
#pragma unroll
    for (int r = 0; r < DENSE_ROWS; r++) acc[r] = 0.f;
    bool vec = (k & 7) == 0 && aligned16(w) && aligned16(x);
    if (vec) {
        for (int i = lane * 8; i < k; i += 32 * 8) {
            uint4 wraw = *reinterpret_cast<const uint4*>(wrow + i);
            const T* we = reinterpret_cast<const T*>(&wraw);
            float wf[8];
#pragma unroll
            for (int e = 0; e < 8; e++) wf[e] = to_float(we[e]);
#pragma unroll
            for (int r = 0; r < DENSE_ROWS; r++) {
                if (r < rows) {
                    uint4 xraw = *reinterpret_cast<const uint4*>(x0 + (size_t) r * k + i);
                    const T* xe = reinterpret_cast<const T*>(&xraw);
#pragma unroll
                    for (int e = 0; e < 8; e++) acc[r] += wf[e] * to_float(xe[e]);
                }
            }
        }
    } else {
        for (int i = lane; i < k; i += 32) {
            float wf = to_float(wrow[i]);
#pragma unroll
            for (int r = 0; r < DENSE_ROWS; r++) {
                if (r < rows) acc[r] += wf * to_float(x0[(size_t) r * k + i]);
            }
        }
    }
#pragma unroll
    for (int r = 0; r < DENSE_ROWS; r++) {
        float v = acc[r];
        for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
        if (lane == 0 && r < rows) y[(size_t) (row0 + r) * n + col] = from_float<Out>(v);
    }
}

/** y[r][c] += bias[c] for m rows of n; grid-stride. */
template <typename T>
__device__ void add_bias_rows(T* y, const T* bias, int m, int n) {
    long long total = (long long) m * n;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long) gridDim.x * blockDim.x) {
        y[i] = from_float<T>(to_float(y[i]) + to_float(bias[i % n]));
    }
}

/**
 * out[r][j] = x[r][perm[j]] for m rows of k: a GPTQ act-order layer's input in the order of its repacked weight (see
 * GptqRepack.java); grid-stride.
 */
extern "C" __global__ void gather_columns_f16(half* out, const half* x, const int* perm, int m, int k) {
    long long total = (long long) m * k;
    for (long long i = (long long) blockIdx.x * blockDim.x + threadIdx.x; i < total; i += (long long) gridDim.x * blockDim.x) {
        long long row = i / k;
        out[i] = x[row * k + perm[i - row * k]];
    }
}

extern "C" __global__ void __launch_bounds__(DENSE_THREADS)
dense_matmul_f16(half* y, const half* x, const half* w, int m, int n, int k) { dense_matmul<half, half>(y, x, w, m, n, k); }
extern "C" __global__ void __launch_bounds__(DENSE_THREADS)
dense_matmul_f16_f32(float* y, const half* x, const half* w, int m, int n, int k) { dense_matmul<half, float>(y, x, w, m, n, k); }
extern "C" __global__ void __launch_bounds__(DENSE_THREADS)
dense_matmul_bf16(bf16* y, const bf16* x, const bf16* w, int m, int n, int k) { dense_matmul<bf16, bf16>(y, x, w, m, n, k); }
extern "C" __global__ void __launch_bounds__(DENSE_THREADS)
dense_matmul_bf16_f32(float* y, const bf16* x, const bf16* w, int m, int n, int k) { dense_matmul<bf16, float>(y, x, w, m, n, k); }

extern "C" __global__ void add_bias_rows_f16(half* y, const half* bias, int m, int n) { add_bias_rows<half>(y, bias, m, n); }
extern "C" __global__ void add_bias_rows_bf16(bf16* y, const bf16* bias, int m, int n) { add_bias_rows<bf16>(y, bias, m, n); }
