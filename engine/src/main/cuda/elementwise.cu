// Element-wise kernels with grid-stride loops: 16-byte accesses over the body when every pointer is 16-byte aligned,
// single elements for the tail (and for everything otherwise), math in fp32; and row copies, one block a row.
#include "common.cuh"

/** y += x. */
template <typename T>
__device__ void add(T* y, const T* x, long long n) {
    constexpr int V = Vec<T>::N;
    long long stride = (long long) gridDim.x * blockDim.x;
    long long start = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long body = aligned16(y) && aligned16(x) ? n / V * V : 0;
    for (long long i = start * V; i < body; i += stride * V) {
        uint4 a = *reinterpret_cast<const uint4*>(y + i), b = *reinterpret_cast<const uint4*>(x + i);
        T* ea = reinterpret_cast<T*>(&a);
        const T* eb = reinterpret_cast<const T*>(&b);
#pragma unroll
        for (int j = 0; j < V; j++) ea[j] = from_float<T>(to_float(ea[j]) + to_float(eb[j]));
        *reinterpret_cast<uint4*>(y + i) = a;
    }
    for (long long i = body + start; i < n; i += stride) y[i] = from_float<T>(to_float(y[i]) + to_float(x[i]));
}

__device__ __forceinline__ float silu_mul1(float g, float u) { return g / (1.f + expf(-g)) * u; }

/**
 * out [rows, n] = silu(gate) * up, silu(g) = g / (1 + exp(-g)), from gate_up [rows, 2n]: a row's gate values, then
 * its up values (the gate and up projections stacked into one product).
 */
template <typename T>
__device__ void silu_mul_rows(T* out, const T* gate_up, long long rows, int n) {
    constexpr int V = Vec<T>::N;
    long long stride = (long long) gridDim.x * blockDim.x;
    long long start = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long total = rows * n;
    if (n % V == 0 && aligned16(out) && aligned16(gate_up)) {
        for (long long i = start * V; i < total; i += stride * V) {
            long long r = i / n, j = i - r * n;
            const T* gate = gate_up + r * 2 * n + j;
            uint4 g = *reinterpret_cast<const uint4*>(gate), u = *reinterpret_cast<const uint4*>(gate + n), o;
            const T* eg = reinterpret_cast<const T*>(&g);
            const T* eu = reinterpret_cast<const T*>(&u);
            T* eo = reinterpret_cast<T*>(&o);
#pragma unroll
            for (int e = 0; e < V; e++) eo[e] = from_float<T>(silu_mul1(to_float(eg[e]), to_float(eu[e])));
            *reinterpret_cast<uint4*>(out + i) = o;
        }
        return;
    }
    for (long long i = start; i < total; i += stride) {
        long long r = i / n, j = i - r * n;
        const T* gate = gate_up + r * 2 * n + j;
        out[i] = from_float<T>(silu_mul1(to_float(gate[0]), to_float(gate[n])));
    }
}

extern "C" __global__ void add_f16(half* y, const half* x, long long n) { add<half>(y, x, n); }
extern "C" __global__ void add_bf16(bf16* y, const bf16* x, long long n) { add<bf16>(y, x, n); }
extern "C" __global__ void silu_mul_rows_f16(half* out, const half* gate_up, long long rows, int n) { silu_mul_rows<half>(out, gate_up, rows, n); }
extern "C" __global__ void silu_mul_rows_bf16(bf16* out, const bf16* gate_up, long long rows, int n) { silu_mul_rows<bf16>(out, gate_up, rows, n); }

/** One row of row_bytes bytes from src to dst, by the block's threads: 16-byte copies where both are aligned. */
__device__ __forceinline__ void copy_row(unsigned char* dst, const unsigned char* src, long long row_bytes) {
    long long body = aligned16(src) && aligned16(dst) ? row_bytes / 16 * 16 : 0;
    for (long long i = threadIdx.x * 16LL; i < body; i += blockDim.x * 16LL) {
        *reinterpret_cast<uint4*>(dst + i) = *reinterpret_cast<const uint4*>(src + i);
    }
    for (long long i = body + threadIdx.x; i < row_bytes; i += blockDim.x) dst[i] = src[i];
}

/**
 * out[t] = table[ids[t]] for one row of row_bytes bytes per token (any element type: rows are copied as bytes).
 * One block per token (gridDim.x = tokens); ids are checked on the host against the vocabulary.
 */
extern "C" __global__ void embedding_rows(unsigned char* out, const unsigned char* table, const int* ids, long long row_bytes) {
    copy_row(out + (long long) blockIdx.x * row_bytes, table + (long long) ids[blockIdx.x] * row_bytes, row_bytes);
}

/**
 * Rows of row_bytes bytes from src (rows src_pitch bytes apart) to dst (rows dst_pitch bytes apart): one product's
 * output into its columns of a wider matrix. One block per row.
 */
extern "C" __global__ void copy_rows(unsigned char* dst, long long dst_pitch, const unsigned char* src, long long src_pitch,
                                     long long row_bytes) {
    copy_row(dst + blockIdx.x * dst_pitch, src + blockIdx.x * src_pitch, row_bytes);
}
