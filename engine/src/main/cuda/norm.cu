// RMSNorm, alone and fused with the residual add before it (the residual stream is updated in place).
// One block per row; sums of squares in fp32; out = weight * (x * rsqrt(mean(x^2) + eps)), Hugging Face's order.
#include "common.cuh"

template <typename T>
__device__ void rmsnorm_row(T* out, T* x, const T* weight, const T* delta, int n, float eps) {
    constexpr int V = Vec<T>::N;
    bool vec = n % V == 0 && aligned16(out) && aligned16(x) && aligned16(weight) && (delta == nullptr || aligned16(delta));
    float ss = 0.f;
    if (vec) {
        for (int i = threadIdx.x * V; i < n; i += blockDim.x * V) {
            uint4 raw = *reinterpret_cast<const uint4*>(x + i);
            T* e = reinterpret_cast<T*>(&raw);
            if (delta != nullptr) {
                uint4 draw = *reinterpret_cast<const uint4*>(delta + i);
                const T* d = reinterpret_cast<const T*>(&draw);
#pragma unroll
                for (int j = 0; j < V; j++) e[j] = from_float<T>(to_float(e[j]) + to_float(d[j]));
                *reinterpret_cast<uint4*>(x + i) = raw;
            }
#pragma unroll
            for (int j = 0; j < V; j++) { float f = to_float(e[j]); ss += f * f; }
        }
    } else {
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            T e = x[i];
            if (delta != nullptr) { e = from_float<T>(to_float(e) + to_float(delta[i])); x[i] = e; }
            float f = to_float(e);
            ss += f * f;
        }
    }
    float inv = rsqrtf(block_sum(ss) / n + eps);
    // each thread reads back only what it wrote above, so no barrier is needed for the fused residual
    if (vec) {
        for (int i = threadIdx.x * V; i < n; i += blockDim.x * V) {
            uint4 raw = *reinterpret_cast<const uint4*>(x + i);
            uint4 wraw = *reinterpret_cast<const uint4*>(weight + i);
            uint4 oraw;
            const T* e = reinterpret_cast<const T*>(&raw);
            const T* w = reinterpret_cast<const T*>(&wraw);
            T* o = reinterpret_cast<T*>(&oraw);
#pragma unroll
            for (int j = 0; j < V; j++) o[j] = from_float<T>(to_float(w[j]) * (to_float(e[j]) * inv));
            *reinterpret_cast<uint4*>(out + i) = oraw;
        }
    } else {
        for (int i = threadIdx.x; i < n; i += blockDim.x) {
            out[i] = from_float<T>(to_float(weight[i]) * (to_float(x[i]) * inv));
        }
    }
}

/** out[row] = rmsnorm(x[row]) * weight for rows = gridDim.x rows of n. */
template <typename T>
__device__ void rmsnorm(T* out, const T* x, const T* weight, int n, float eps) {
    size_t row = blockIdx.x;
    rmsnorm_row<T>(out + row * n, const_cast<T*>(x) + row * n, weight, nullptr, n, eps);
}

/** residual[row] += delta[row], then out[row] = rmsnorm(residual[row]) * weight. */
template <typename T>
__device__ void add_rmsnorm(T* out, T* residual, const T* delta, const T* weight, int n, float eps) {
    size_t row = blockIdx.x;
    rmsnorm_row<T>(out + row * n, residual + row * n, weight, delta + row * n, n, eps);
}

/**
 * Qwen3's q_norm / k_norm before rotary embedding: in the fused q/k/v rows [tokens, (num_heads + 2 * num_kv_heads) *
 * head_dim], each query head and key head RMS-normalised in place over its head_dim values, with q_weight or k_weight
 * [head_dim]. One block per (token, head): block b is token b / (num_heads + num_kv_heads)'s head b % that.
 */
template <typename T>
__device__ void head_rmsnorm(T* qkv, const T* q_weight, const T* k_weight, int num_heads, int num_kv_heads,
                             int head_dim, float eps) {
    int heads = num_heads + num_kv_heads;
    size_t t = blockIdx.x / heads;
    int head = blockIdx.x - (int) t * heads;
    T* x = qkv + t * (size_t) (heads + num_kv_heads) * head_dim + (size_t) head * head_dim;
    rmsnorm_row<T>(x, x, head < num_heads ? q_weight : k_weight, nullptr, head_dim, eps);
}

extern "C" __global__ void rmsnorm_f16(half* out, const half* x, const half* w, int n, float eps) { rmsnorm<half>(out, x, w, n, eps); }
extern "C" __global__ void rmsnorm_bf16(bf16* out, const bf16* x, const bf16* w, int n, float eps) { rmsnorm<bf16>(out, x, w, n, eps); }
extern "C" __global__ void add_rmsnorm_f16(half* out, half* residual, const half* delta, const half* w, int n, float eps) {
    add_rmsnorm<half>(out, residual, delta, w, n, eps);
}
extern "C" __global__ void add_rmsnorm_bf16(bf16* out, bf16* residual, const bf16* delta, const bf16* w, int n, float eps) {
    add_rmsnorm<bf16>(out, residual, delta, w, n, eps);
}
extern "C" __global__ void head_rmsnorm_f16(half* qkv, const half* q_weight, const half* k_weight, int num_heads,
                                            int num_kv_heads, int head_dim, float eps) {
    head_rmsnorm<half>(qkv, q_weight, k_weight, num_heads, num_kv_heads, head_dim, eps);
}
extern "C" __global__ void head_rmsnorm_bf16(bf16* qkv, const bf16* q_weight, const bf16* k_weight, int num_heads,
                                             int num_kv_heads, int head_dim, float eps) {
    head_rmsnorm<bf16>(qkv, q_weight, k_weight, num_heads, num_kv_heads, head_dim, eps);
}
