// Rotary position embedding, Hugging Face's rotate_half layout (as the engine's CPU kernels): within each head of
// head_dim, x1 = x[i] and x2 = x[i + head_dim/2] turn into x1*c - x2*s and x2*c + x1*s. The cos/sin tables
// [max_pos, head_dim/2] are filled on the host exactly as the CPU model computes them (double angle, float values).
// One block per token; queries [tokens, num_heads*head_dim] and keys [tokens, num_kv_heads*head_dim] in place.
#include "common.cuh"

template <typename T>
__device__ void rope(T* q, T* k, const int* positions, const float* cos_table, const float* sin_table,
                     int num_heads, int num_kv_heads, int head_dim) {
    int t = blockIdx.x;
    int half_dim = head_dim >> 1;
    size_t table = (size_t) positions[t] * half_dim;
    int pairs = (num_heads + num_kv_heads) * half_dim;
    for (int j = threadIdx.x; j < pairs; j += blockDim.x) {
        int head = j / half_dim, i = j - head * half_dim;
        T* x = head < num_heads ? q + ((size_t) t * num_heads + head) * head_dim
                                : k + ((size_t) t * num_kv_heads + head - num_heads) * head_dim;
        float c = cos_table[table + i], s = sin_table[table + i];
        float x1 = to_float(x[i]), x2 = to_float(x[i + half_dim]);
        x[i] = from_float<T>(x1 * c - x2 * s);
        x[i + half_dim] = from_float<T>(x2 * c + x1 * s);
    }
}

extern "C" __global__ void rope_f16(half* q, half* k, const int* positions, const float* cos_table, const float* sin_table,
                                    int num_heads, int num_kv_heads, int head_dim) {
    rope<half>(q, k, positions, cos_table, sin_table, num_heads, num_kv_heads, head_dim);
}
extern "C" __global__ void rope_bf16(bf16* q, bf16* k, const int* positions, const float* cos_table, const float* sin_table,
                                     int num_heads, int num_kv_heads, int head_dim) {
    rope<bf16>(q, k, positions, cos_table, sin_table, num_heads, num_kv_heads, head_dim);
}
