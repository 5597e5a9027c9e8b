// Rotary position embedding of one layer's fused q/k/v projection, and its keys and values into the paged KV cache.
// Row t of qkv [tokens, (num_heads + 2 * num_kv_heads) * head_dim] holds the token's query heads, key heads and value
// heads side by side (the q, k and v projections stacked into one product). Hugging Face's rotate_half layout (as the
// engine's CPU kernels): within each head of head_dim, x1 = x[i] and x2 = x[i + head_dim/2] turn into x1*c - x2*s and
// x2*c + x1*s; the cos/sin tables [max_pos, head_dim/2] are filled on the host exactly as the CPU model computes them
// (double angle, float values). The rotated queries go to q [tokens, num_heads * head_dim] (what attention reads), the
// rotated keys and the values to token slot slots[t] of the pools (attention.cu's layout: kv_dim values a slot).
// One block per token; head_dim even.
#include "common.cuh"

/** Pairs (and value words) a thread loads before storing any: a token's 4096 pairs (7B) in one round trip. */
#define ROPE_UNROLL 4

template <typename T>
__device__ void rope_qkv(T* q, T* k_pool, T* v_pool, const T* qkv, const int* positions, const int* slots,
                         const float* cos_table, const float* sin_table, int num_heads, int num_kv_heads, int head_dim) {
    int t = blockIdx.x;
    int half_dim = head_dim >> 1;
    int q_dim = num_heads * head_dim, kv_dim = num_kv_heads * head_dim;
    const T* row = qkv + (size_t) t * (q_dim + 2 * kv_dim);
    size_t table = (size_t) positions[t] * half_dim;
    size_t slot = (size_t) slots[t] * kv_dim;
    int pairs = (num_heads + num_kv_heads) * half_dim;
    // ROPE_UNROLL pairs a thread, all loaded before any is stored (block_strided)
    struct Pair { float c, s, x1, x2; };
    block_strided<ROPE_UNROLL>(pairs, [&](int j) {
        int head = j / half_dim, i = j - head * half_dim;
        const T* x = row + (size_t) head * head_dim;  // query heads, then key heads, one after the other in the row
        return Pair{cos_table[table + i], sin_table[table + i], to_float(x[i]), to_float(x[i + half_dim])};
    }, [&](int j, Pair p) {
        int head = j / half_dim, i = j - head * half_dim;
        T* y = head < num_heads ? q + (size_t) t * q_dim + (size_t) head * head_dim
                                : k_pool + slot + (size_t) (head - num_heads) * head_dim;
        y[i] = from_float<T>(p.x1 * p.c - p.x2 * p.s);
        y[i + half_dim] = from_float<T>(p.x2 * p.c + p.x1 * p.s);
    });
    // the values as they are, two at a time (rows and heads start at even elements: head_dim is even)
    const unsigned* vs = reinterpret_cast<const unsigned*>(row + q_dim + kv_dim);
    unsigned* vd = reinterpret_cast<unsigned*>(v_pool + slot);
    block_strided<ROPE_UNROLL>(kv_dim >> 1, [&](int i) { return vs[i]; }, [&](int i, unsigned v) { vd[i] = v; });
}

extern "C" __global__ void rope_qkv_f16(half* q, half* k_pool, half* v_pool, const half* qkv, const int* positions,
                                        const int* slots, const float* cos_table, const float* sin_table,
                                        int num_heads, int num_kv_heads, int head_dim) {
    rope_qkv<half>(q, k_pool, v_pool, qkv, positions, slots, cos_table, sin_table, num_heads, num_kv_heads, head_dim);
}
extern "C" __global__ void rope_qkv_bf16(bf16* q, bf16* k_pool, bf16* v_pool, const bf16* qkv, const int* positions,
                                         const int* slots, const float* cos_table, const float* sin_table,
                                         int num_heads, int num_kv_heads, int head_dim) {
    rope_qkv<bf16>(q, k_pool, v_pool, qkv, positions, slots, cos_table, sin_table, num_heads, num_kv_heads, head_dim);
}
