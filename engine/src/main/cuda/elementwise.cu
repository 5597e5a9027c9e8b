// Element-wise kernels over n values with grid-stride loops: 16-byte accesses over the body when every pointer is
// 16-byte aligned, single elements for the tail (and for everything otherwise). Math in fp32.
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

/** out = silu(gate) * up, silu(g) = g / (1 + exp(-g)); out may be gate. */
template <typename T>
__device__ void silu_mul(T* out, const T* gate, const T* up, long long n) {
    constexpr int V = Vec<T>::N;
    long long stride = (long long) gridDim.x * blockDim.x;
    long long start = (long long) blockIdx.x * blockDim.x + threadIdx.x;
    long long body = aligned16(out) && aligned16(gate) && aligned16(up) ? n / V * V : 0;
    for (long long i = start * V; i < body; i += stride * V) {
        uint4 g = *reinterpret_cast<const uint4*>(gate + i), u = *reinterpret_cast<const uint4*>(up + i), o;
        const T* eg = reinterpret_cast<const T*>(&g);
        const T* eu = reinterpret_cast<const T*>(&u);
        T* eo = reinterpret_cast<T*>(&o);
#pragma unroll
        for (int j = 0; j < V; j++) eo[j] = from_float<T>(silu_mul1(to_float(eg[j]), to_float(eu[j])));
        *reinterpret_cast<uint4*>(out + i) = o;
    }
    for (long long i = body + start; i < n; i += stride) out[i] = from_float<T>(silu_mul1(to_float(gate[i]), to_float(up[i])));
}

extern "C" __global__ void add_f16(half* y, const half* x, long long n) { add<half>(y, x, n); }
extern "C" __global__ void add_bf16(bf16* y, const bf16* x, long long n) { add<bf16>(y, x, n); }
extern "C" __global__ void silu_mul_f16(half* out, const half* gate, const half* up, long long n) { silu_mul<half>(out, gate, up, n); }
extern "C" __global__ void silu_mul_bf16(bf16* out, const bf16* gate, const bf16* up, long long n) { silu_mul<bf16>(out, gate, up, n); }

/**
 * out[t] = table[ids[t]] for one row of row_bytes bytes per token (any element type: rows are copied as bytes).
 * One block per token (gridDim.x = tokens); ids are checked on the host against the vocabulary.
 */
extern "C" __global__ void embedding_rows(unsigned char* out, const unsigned char* table, const int* ids, long long row_bytes) {
    int t = blockIdx.x;
    const unsigned char* src = table + (long long) ids[t] * row_bytes;
    unsigned char* dst = out + (long long) t * row_bytes;
    long long body = aligned16(src) && aligned16(dst) ? row_bytes / 16 * 16 : 0;
    for (long long i = threadIdx.x * 16LL; i < body; i += blockDim.x * 16LL) {
        *reinterpret_cast<uint4*>(dst + i) = *reinterpret_cast<const uint4*>(src + i);
    }
    for (long long i = body + threadIdx.x; i < row_bytes; i += blockDim.x) dst[i] = src[i];
}
