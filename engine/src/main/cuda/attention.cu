// Attention over a paged KV cache, the engine's layout on the device:
//   k_pool, v_pool  one pair per layer, [num_blocks, block_size, kv_heads, head_dim] of T (f16 or bf16): token slot
//                   s = block * block_size + offset holds its kv_dim = kv_heads * head_dim values at s * kv_dim
//                   (KvCachePool's layout, with T instead of float);
//   block table     int32 block ids of one sequence, position p in block table[p / block_size], slot offset
//                   p % block_size.
// Queries q [rows, num_heads, head_dim] (after rope), outputs [rows, num_heads * head_dim]. Query head h reads kv head
// h / (num_heads / num_kv_heads) (GQA). Row at position p attends positions first .. p, first = max(0, p - window + 1)
// with a sliding window, else 0 (causal). Scores q.k * scale, softmax and the weighted sum in fp32, online (running
// max and sum, rescaled as larger scores arrive), so no score vector is stored. head_dim even, at most 256. A step's
// keys and values reach the pools through rope.cu's rope_qkv.
#include "common.cuh"
#include "cp_async.cuh"
#include "mma.cuh"

#define ATT_THREADS 128
#define ATT_WARPS (ATT_THREADS / 32)
#define MAX_HEAD_DIM 256
/** Output dimensions each lane accumulates (dim_of). */
#define DIMS_PER_LANE (MAX_HEAD_DIM / 32)
/** Output dimensions a lane accumulates per head in the decode kernels that attend several heads a block. */
#define GROUPED_MAX_HEAD_DIM 128
#define GROUPED_DIMS (GROUPED_MAX_HEAD_DIM / 32)
/** Keys per step: one per lane. */
#define KEY_TILE 32
/** Most splits a merge takes (ModelKernels.DecodeSplit.MAX_SPLITS). */
#define MAX_MERGE_SPLITS 32
/**
 * 16-byte loads of a key row a lane has in flight when scoring it (decode): 8 (a head_dim 128 row in two round trips
 * instead of 16), 4 where a block attends 8 heads (their sums take the registers).
 */
#define KEY_LOADS(HEADS) ((HEADS) >= 8 ? 4 : 8)
/** Query rows per block of the prefill kernel: 4 per warp. */
#define PREFILL_ROWS 16
#define ROWS_PER_WARP (PREFILL_ROWS / ATT_WARPS)

__device__ __forceinline__ float warp_max(float v) {
    for (int o = 16; o > 0; o >>= 1) v = fmaxf(v, __shfl_xor_sync(FULL_MASK, v, o));
    return v;
}

__device__ __forceinline__ float warp_sum(float v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

/** Two consecutive values of T from a 4-byte word. */
template <typename T> __device__ __forceinline__ float2 pair_at(const T* p) {
    unsigned raw = *reinterpret_cast<const unsigned*>(p);
    const T* e = reinterpret_cast<const T*>(&raw);
    return make_float2(to_float(e[0]), to_float(e[1]));
}

__device__ __forceinline__ size_t slot_of(const int* table, int p, int block_size) {
    return (size_t) table[p / block_size] * block_size + p % block_size;
}

/**
 * dot[h] = q[h] . key[0 .. head_dim) for HEADS query rows in shared memory (fp32, rows of WIDTH), the key row read
 * once for all of them; key 4-byte aligned, 16-byte loads when possible.
 */
template <typename T, int HEADS, int WIDTH>
__device__ __forceinline__ void dot_keys(const float (*q)[WIDTH], const T* key, int head_dim, float* dot) {
#pragma unroll
    for (int h = 0; h < HEADS; h++) dot[h] = 0.f;
    if ((head_dim & 7) == 0 && aligned16(key)) {
        // LOADS 16-byte loads issued before any is used
        constexpr int LOADS = KEY_LOADS(HEADS);
        for (int d0 = 0; d0 < head_dim; d0 += 8 * LOADS) {
            uint4 raw[LOADS];
#pragma unroll
            for (int c = 0; c < LOADS; c++) {
                int d = d0 + 8 * c;
                raw[c] = d < head_dim ? *reinterpret_cast<const uint4*>(key + d) : make_uint4(0u, 0u, 0u, 0u);
            }
#pragma unroll
            for (int c = 0; c < LOADS; c++) {
                int d = d0 + 8 * c;
                if (d < head_dim) {
                    const T* e = reinterpret_cast<const T*>(&raw[c]);
#pragma unroll
                    for (int h = 0; h < HEADS; h++) {
#pragma unroll
                        for (int i = 0; i < 8; i++) dot[h] += q[h][d + i] * to_float(e[i]);
                    }
                }
            }
        }
    } else {
        for (int d = 0; d < head_dim; d += 2) {
            float2 k = pair_at(key + d);
#pragma unroll
            for (int h = 0; h < HEADS; h++) dot[h] += q[h][d] * k.x + q[h][d + 1] * k.y;
        }
    }
}

/**
 * Output dimension i (0 .. DIMS_PER_LANE) of a lane: pairs d = 2 * lane + 64 * (i / 2) and d + 1, so that a warp reads
 * a value row as 4-byte pairs, 128 contiguous bytes a load.
 */
__device__ __forceinline__ int dim_of(int lane, int i) { return 2 * lane + 64 * (i >> 1) + (i & 1); }

/** Running softmax state of one query row in one warp: max m, sum l, lane's share of the weighted values. */
template <int DIMS = DIMS_PER_LANE>
struct Online {
    float m, l, acc[DIMS];  // acc[i] for output dimension dim_of(lane, i)
    __device__ __forceinline__ void init() {
        m = -INFINITY;
        l = 0.f;
#pragma unroll
        for (int j = 0; j < DIMS; j++) acc[j] = 0.f;
    }
};

/**
 * Keys whose value rows a warp loads before adding any of them, so that their latencies overlap instead of adding up
 * key by key: 8 for rows in global memory (decode); 1 for rows staged in shared memory (prefill: a short latency,
 * which its blocks' other warps hide; more would cost registers, of which the prefill kernel has none to spare).
 */
#define GLOBAL_VALUE_BATCH 8
#define SHARED_VALUE_BATCH 1

/**
 * Folds one tile of up to 32 keys into the states of HEADS query rows that read the same keys and values (a GQA
 * group's heads in decode; one row in prefill): lane i scored key i against row h as s[h] (-inf where masked, for
 * each row at least one lane not), and values(t) gives the value row of tile key t (t < count; keys at t >= count are
 * masked and never read). All lanes call values(t) for every t of a batch (it may shuffle). The value rows of BATCH
 * keys are loaded before any is used, and each is added to all HEADS rows' sums.
 */
template <typename T, int BATCH, int HEADS, int DIMS, typename ValueRow>
__device__ __forceinline__ void online_step(Online<DIMS>* st, const float* s, int count, int head_dim, int lane,
                                            ValueRow values) {
    float p[HEADS];
#pragma unroll
    for (int h = 0; h < HEADS; h++) {
        float m_new = fmaxf(st[h].m, warp_max(s[h]));
        float corr = __expf(st[h].m - m_new);  // 0 while m is -inf
        p[h] = s[h] == -INFINITY ? 0.f : __expf(s[h] - m_new);
        st[h].l = st[h].l * corr + warp_sum(p[h]);
        st[h].m = m_new;
#pragma unroll
        for (int j = 0; j < DIMS; j++) st[h].acc[j] *= corr;
    }
    for (int t0 = 0; t0 < count; t0 += BATCH) {
        unsigned raw[BATCH][DIMS / 2];
#pragma unroll
        for (int u = 0; u < BATCH; u++) {
            int t = t0 + u;
            const T* v = values(t & 31);
#pragma unroll
            for (int j = 0; j < DIMS / 2; j++) {
                int d = dim_of(lane, 2 * j);
                raw[u][j] = t < count && d < head_dim ? *reinterpret_cast<const unsigned*>(v + d) : 0u;
            }
        }
#pragma unroll
        for (int u = 0; u < BATCH; u++) {
#pragma unroll
            for (int h = 0; h < HEADS; h++) {
                float pt = __shfl_sync(FULL_MASK, p[h], (t0 + u) & 31);
#pragma unroll
                for (int j = 0; j < DIMS / 2; j++) {
                    const T* e = reinterpret_cast<const T*>(&raw[u][j]);
                    st[h].acc[2 * j] += pt * to_float(e[0]);
                    st[h].acc[2 * j + 1] += pt * to_float(e[1]);
                }
            }
        }
    }
}

/**
 * Decode (and any row-wise) attention: item i is query row rows[i] of q, at position positions[i] of the sequence
 * whose block table is block_tables[tables[i] * max_blocks ..]. Grid (num_heads / HEADS, items, splits), block 128: a
 * block attends HEADS query heads of one KV head's group (GQA: each key and value row is read once for all of them;
 * HEADS divides the group, and DIMS * 32 >= head_dim); the 4 warps take tiles of 32 keys in turn (lane i scores key i
 * against the HEADS queries, reading its key row once; then the tile's values are summed across lanes by output
 * dimension, each value row into every head's sums), and their states are merged at the end. With one split a block
 * attends all of the row's keys and writes the output rows. With several (flash-decoding, for few rows over long
 * contexts: more blocks than head groups x items), split z attends keys [z * split_keys, (z + 1) * split_keys) of the
 * row's window and writes each head's (max, sum, unnormalised weighted values) to
 * partial[(item * num_heads + head) * splits + z][head_dim + 2] (fp32), a split past the row's keys (-inf, 0, 0);
 * paged_attention_merge combines them.
 */
template <typename T, int HEADS, int DIMS>
__device__ void paged_decode(T* out, const T* q, const T* k_pool, const T* v_pool, const int* block_tables,
                             const int* rows, const int* tables, const int* positions, int max_blocks, int num_heads,
                             int num_kv_heads, int head_dim, int block_size, int window, float scale, float* partial,
                             int split_keys) {
    constexpr int WIDTH = DIMS * 32;  // the widest head this instance takes
    int head0 = blockIdx.x * HEADS, item = blockIdx.y, split = blockIdx.z;
    int row = rows[item], pos = positions[item];
    const int* table = block_tables + (size_t) tables[item] * max_blocks;
    int kv_dim = num_kv_heads * head_dim;
    size_t head_off = (size_t) (head0 / (num_heads / num_kv_heads)) * head_dim;
    int first = window > 0 ? max(0, pos - window + 1) : 0;
    int len = pos - first + 1;
    int k0 = split * split_keys;            // this split's keys, counted from first
    int k1 = min(len, k0 + split_keys);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;

    __shared__ float qs[HEADS][WIDTH];
    const T* qrows = q + ((size_t) row * num_heads + head0) * head_dim;  // the HEADS query rows, one after another
    // up to 4 loads a thread in flight (8 heads of 128: two round trips, not 8)
    block_strided<HEADS < 4 ? HEADS : 4>(HEADS * head_dim, [&](int i) { return to_float(qrows[i]); },
                                         [&](int i, float v) { int h = i / head_dim; qs[h][i - h * head_dim] = v; });
    __syncthreads();

    Online<DIMS> st[HEADS];
#pragma unroll
    for (int h = 0; h < HEADS; h++) st[h].init();
    for (int tile = k0 + warp * KEY_TILE; tile < k1; tile += ATT_WARPS * KEY_TILE) {
        // lane i scores key i of the tile; its slot then serves every lane's value load of key i (a shuffle, not a
        // second block-table read a key)
        unsigned long long slot = 0;
        float s[HEADS];
#pragma unroll
        for (int h = 0; h < HEADS; h++) s[h] = -INFINITY;
        if (tile + lane < k1) {
            slot = slot_of(table, first + tile + lane, block_size);
            dot_keys<T, HEADS, WIDTH>(qs, k_pool + slot * kv_dim + head_off, head_dim, s);
#pragma unroll
            for (int h = 0; h < HEADS; h++) s[h] *= scale;
        }
        online_step<T, GLOBAL_VALUE_BATCH, HEADS>(st, s, min(KEY_TILE, k1 - tile), head_dim, lane, [&](int t) {
            return v_pool + __shfl_sync(FULL_MASK, slot, t) * kv_dim + head_off;
        });
    }

    // merge the warps, head by head: out = sum_w acc_w * e^(m_w - M) / sum_w l_w * e^(m_w - M)
    __shared__ float wm[ATT_WARPS][HEADS], wl[ATT_WARPS][HEADS];
    __shared__ float wacc[ATT_WARPS][HEADS][WIDTH];
#pragma unroll
    for (int h = 0; h < HEADS; h++) {
        if (lane == 0) { wm[warp][h] = st[h].m; wl[warp][h] = st[h].l; }
#pragma unroll
        for (int j = 0; j < DIMS; j++) {
            int d = dim_of(lane, j);
            if (d < head_dim) wacc[warp][h][d] = st[h].acc[j];
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < HEADS * head_dim; i += blockDim.x) {
        int h = i / head_dim, d = i - h * head_dim;
        float big = -INFINITY;
#pragma unroll
        for (int w = 0; w < ATT_WARPS; w++) big = fmaxf(big, wm[w][h]);
        float total = 0.f, sum = 0.f;
#pragma unroll
        for (int w = 0; w < ATT_WARPS; w++) {
            float weight = wm[w][h] == -INFINITY ? 0.f : __expf(wm[w][h] - big);  // a warp with no keys adds nothing
            total += wl[w][h] * weight;
            sum += wacc[w][h][d] * weight;
        }
        if (gridDim.z > 1) {  // a split: its state, for paged_attention_merge
            float* part = partial + (((size_t) item * num_heads + head0 + h) * gridDim.z + split) * (head_dim + 2);
            if (d == 0) {
                part[0] = big;
                part[1] = total;
            }
            part[2 + d] = sum;
        } else {
            out[((size_t) row * num_heads + head0 + h) * head_dim + d] = from_float<T>(sum / total);
        }
    }
}

/**
 * Combines the splits of paged_decode: out = sum_z acc_z e^(m_z - M) / sum_z l_z e^(m_z - M), M the largest m_z
 * (a split without keys has m = -inf and adds nothing). Grid (num_heads, items), threads over head_dim. The splits'
 * (m, l) are read once, by a thread each, into shared memory with their weights e^(m_z - M); each output then sums
 * its splits' values with MERGE_LOADS loads in flight (one at a time, a merge of 32 splits was ~3 x 32 round trips).
 */
#define MERGE_LOADS 8
template <typename T>
__device__ void attention_merge(T* out, const float* partial, const int* rows, int splits, int num_heads, int head_dim) {
    __shared__ float weight[MAX_MERGE_SPLITS];
    __shared__ float total_shared;
    int head = blockIdx.x, item = blockIdx.y;
    int stride = head_dim + 2;
    const float* part = partial + ((size_t) item * num_heads + head) * splits * stride;
    if (threadIdx.x < 32) {  // one warp: split z's (m, l) at lane z (and z + 32, ... past 32 splits)
        float big = -INFINITY;
        for (int z = threadIdx.x; z < splits; z += 32) big = fmaxf(big, part[z * stride]);
        big = warp_max(big);
        float total = 0.f;
        for (int z = threadIdx.x; z < splits; z += 32) {
            float m = part[z * stride];
            float wz = m == -INFINITY ? 0.f : __expf(m - big);
            weight[z] = wz;
            total += part[z * stride + 1] * wz;
        }
        total = warp_sum(total);
        if (threadIdx.x == 0) total_shared = total;
    }
    __syncthreads();
    float inv = 1.f / total_shared;
    T* orow = out + ((size_t) rows[item] * num_heads + head) * head_dim;
    for (int d = threadIdx.x; d < head_dim; d += blockDim.x) {
        float sum = 0.f;
        for (int z0 = 0; z0 < splits; z0 += MERGE_LOADS) {
            float v[MERGE_LOADS];
#pragma unroll
            for (int u = 0; u < MERGE_LOADS; u++) v[u] = z0 + u < splits ? part[(z0 + u) * stride + 2 + d] : 0.f;
#pragma unroll
            for (int u = 0; u < MERGE_LOADS; u++) {
                if (z0 + u < splits) sum += v[u] * weight[z0 + u];
            }
        }
        orow[d] = from_float<T>(sum * inv);
    }
}

/**
 * Prefill attention for a chunk of n query rows of one sequence: rows row0 .. row0+n-1 of q/out at positions
 * start .. start+n-1, the chunk's own keys and values already appended to the cache. Flash-style: grid
 * (ceil(n / 16), num_heads), block 128; a block holds 16 query rows of one head (4 per warp) and walks the keys up to
 * its last row's position in tiles of 32, staged in shared memory once for all 16 rows, each row folding a tile
 * into its online softmax (causal and window masks per row). Dynamic shared memory:
 * (2 * 32 * (head_dim + 2) + 16 * head_dim) * sizeof(T); key rows are padded by 2 values so that the lanes, each
 * reading its own key, fall into different banks.
 */
/** 16-byte chunks of key and value rows a thread of the prefill kernel loads before storing any. */
#define STAGE_CHUNKS 4

/**
 * Stages the keys and values of positions t0 .. min(t0 + 31, last) into rows t of ks and vs (stride values apart; a
 * row 4-byte aligned), all of the block's threads taking part. With head_dim a multiple of 8, each thread reads the
 * block-table entries of STAGE_CHUNKS 16-byte chunks, then all their keys' and values' chunks, then stores them: two
 * round trips to memory for a tile of head_dim 128 instead of one a chunk. Else 4-byte pairs, one at a time.
 */
template <typename T>
__device__ __forceinline__ void stage_tile(T* ks, T* vs, int stride, const T* k_pool, const T* v_pool,
                                           const int* table, int t0, int last, int block_size, int kv_dim,
                                           size_t head_off, int head_dim) {
    if ((head_dim & 7) == 0) {
        int chunks = head_dim >> 3;  // a row's 16-byte chunks
        int total = KEY_TILE * chunks;
        for (int c0 = threadIdx.x; c0 < total; c0 += STAGE_CHUNKS * blockDim.x) {
            size_t at[STAGE_CHUNKS];
            bool live[STAGE_CHUNKS];
#pragma unroll
            for (int u = 0; u < STAGE_CHUNKS; u++) {
                int c = c0 + u * blockDim.x, t = c / chunks;
                live[u] = c < total && t0 + t <= last;
                at[u] = live[u] ? slot_of(table, t0 + t, block_size) * kv_dim + head_off + 8 * (c - t * chunks) : 0;
            }
            uint4 kr[STAGE_CHUNKS], vr[STAGE_CHUNKS];
#pragma unroll
            for (int u = 0; u < STAGE_CHUNKS; u++) {
                if (live[u]) {
                    kr[u] = *reinterpret_cast<const uint4*>(k_pool + at[u]);
                    vr[u] = *reinterpret_cast<const uint4*>(v_pool + at[u]);
                }
            }
#pragma unroll
            for (int u = 0; u < STAGE_CHUNKS; u++) {
                if (live[u]) {
                    int c = c0 + u * blockDim.x, t = c / chunks;
                    unsigned* kd = reinterpret_cast<unsigned*>(ks + t * stride + 8 * (c - t * chunks));
                    unsigned* vd = reinterpret_cast<unsigned*>(vs + t * stride + 8 * (c - t * chunks));
                    kd[0] = kr[u].x; kd[1] = kr[u].y; kd[2] = kr[u].z; kd[3] = kr[u].w;
                    vd[0] = vr[u].x; vd[1] = vr[u].y; vd[2] = vr[u].z; vd[3] = vr[u].w;
                }
            }
        }
        return;
    }
    int half_dim = head_dim >> 1;
    for (int i = threadIdx.x; i < KEY_TILE * half_dim; i += blockDim.x) {
        int t = i / half_dim, d = 2 * (i - t * half_dim);
        int p = t0 + t;
        if (p <= last) {
            size_t at = slot_of(table, p, block_size) * kv_dim + head_off + d;
            *reinterpret_cast<unsigned*>(ks + t * stride + d) = *reinterpret_cast<const unsigned*>(k_pool + at);
            *reinterpret_cast<unsigned*>(vs + t * stride + d) = *reinterpret_cast<const unsigned*>(v_pool + at);
        }
    }
}

template <typename T>
__device__ void prefill_attention(T* out, const T* q, const T* k_pool, const T* v_pool, const int* table, int row0,
                                  int start, int n, int num_heads, int num_kv_heads, int head_dim, int block_size,
                                  int window, float scale) {
    DYNAMIC_SHARED(unsigned char, smem);
    int stride = head_dim + 2;
    T* ks = reinterpret_cast<T*>(smem);
    T* vs = ks + KEY_TILE * stride;
    T* qs = vs + KEY_TILE * stride;  // [16][head_dim]
    int head = blockIdx.y;
    int kv_dim = num_kv_heads * head_dim;
    size_t head_off = (size_t) (head / (num_heads / num_kv_heads)) * head_dim;
    int r_first = blockIdx.x * PREFILL_ROWS;
    int r_count = min(PREFILL_ROWS, n - r_first);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int half_dim = head_dim >> 1;

    // the block's query rows as pairs, 4 loads a thread in flight (8 round trips at head_dim 128 one at a time)
    block_strided<4>(PREFILL_ROWS * half_dim, [&](int i) {
        int r = i / half_dim, d = 2 * (i - r * half_dim);
        return r < r_count ? *reinterpret_cast<const unsigned*>(
                                 q + ((size_t) (row0 + r_first + r) * num_heads + head) * head_dim + d) : 0u;
    }, [&](int i, unsigned v) {
        int r = i / half_dim, d = 2 * (i - r * half_dim);
        *reinterpret_cast<unsigned*>(qs + r * head_dim + d) = v;
    });

    Online<> st[ROWS_PER_WARP];
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) st[r].init();
    int last = start + r_first + r_count - 1;                           // position of the block's last row
    int lowest = window > 0 ? max(0, start + r_first - window + 1) : 0;  // first key any of its rows sees
    for (int t0 = lowest; t0 <= last; t0 += KEY_TILE) {
        __syncthreads();  // the previous tile is no longer read (and, the first time, q is staged)
        stage_tile(ks, vs, stride, k_pool, v_pool, table, t0, last, block_size, kv_dim, head_off, head_dim);
        __syncthreads();
#pragma unroll
        for (int r = 0; r < ROWS_PER_WARP; r++) {
            int rr = warp * ROWS_PER_WARP + r;
            int pos = start + r_first + rr;
            int first = window > 0 ? max(0, pos - window + 1) : 0;
            // warp-uniform: rows past the chunk, or whose keys are all outside this tile, skip it
            if (rr < r_count && t0 <= pos && t0 + KEY_TILE > first) {
                int p = t0 + lane;
                float s = -INFINITY;
                if (p <= pos && p >= first) {
                    const T* qrow = qs + rr * head_dim;
                    const T* key = ks + lane * stride;
                    float dot = 0.f;
                    for (int d = 0; d < head_dim; d += 2) {
                        float2 qv = pair_at(qrow + d), kv = pair_at(key + d);
                        dot += qv.x * kv.x + qv.y * kv.y;
                    }
                    s = dot * scale;
                }
                online_step<T, SHARED_VALUE_BATCH, 1>(&st[r], &s, min(KEY_TILE, pos - t0 + 1), head_dim, lane,
                               [&](int t) { return static_cast<const T*>(vs + t * stride); });
            }
        }
    }
#pragma unroll
    for (int r = 0; r < ROWS_PER_WARP; r++) {
        int rr = warp * ROWS_PER_WARP + r;
        if (rr < r_count) {
            T* orow = out + ((size_t) (row0 + r_first + rr) * num_heads + head) * head_dim;
            float inv = 1.f / st[r].l;
#pragma unroll
            for (int j = 0; j < DIMS_PER_LANE; j++) {
                int d = dim_of(lane, j);
                if (d < head_dim) orow[d] = from_float<T>(st[r].acc[j] * inv);
            }
        }
    }
}


/** Query rows per block of the tensor-core prefill kernel: 16 per warp, one m16 tile each. */
#define MMA_ROWS 64
/** Keys per tile of the tensor-core prefill kernel: the scores of a warp's rows are a 16 x 32 tile (4 n8 tiles). */
#define MMA_KEYS 32
/** Largest head_dim the tensor-core prefill kernel takes: a lane holds head_dim / 2 output sums. */
#define MMA_MAX_DIM 128

/** Two floats as a pair of T in one register, the first in the low half (an mma fragment's element order). */
template <typename T> __device__ __forceinline__ unsigned pack_pair(float lo, float hi) {
    T a = from_float<T>(lo), b = from_float<T>(hi);
    return (unsigned) *reinterpret_cast<unsigned short*>(&a) | ((unsigned) *reinterpret_cast<unsigned short*>(&b) << 16);
}

/**
 * Prefill attention on tensor cores (FlashAttention-2's loop): the same chunk, positions, masks and online softmax as
 * prefill_attention, grid (ceil(n / 64), num_heads), block 128. A block holds 64 query rows of one head in shared
 * memory, each warp 16 of them; per tile of 32 keys (K and V rows copied by cp.async through the block table into
 * one of two buffers, the next tile's copies running while this one is computed; rows padded by 16 bytes so that
 * ldmatrix reads them without bank conflicts), a warp computes its 16 x 32 scores S = Q K^T
 * with mma.sync m16n8k16 (fp32 sums), scales and masks them, updates each row's running max and sum, and adds
 * P V into its 16 x head_dim fp32 outputs, P going from the score fragments to the A fragments of the second product
 * in registers (an m16n8 C fragment pair is an m16k16 A fragment). The 4 lanes of a row share its max by shuffles
 * and keep partial sums, added at the end. head_dim % 16 == 0 and at most 128; q, out and the pools 16-byte aligned
 * (every allocation is). Dynamic shared memory (64 + 4 * 32) * (head_dim + 8) * sizeof(T): 51 KB at head_dim 128.
 */
template <typename T>
__device__ void prefill_attention_mma(T* out, const T* q, const T* k_pool, const T* v_pool, const int* table, int row0,
                                      int start, int n, int num_heads, int num_kv_heads, int head_dim, int block_size,
                                      int window, float scale) {
    DYNAMIC_SHARED(unsigned char, smem);
    int ld = head_dim + 8;
    T* qs = reinterpret_cast<T*>(smem);  // [64][ld], then two buffers of a tile: keys [32][ld], values [32][ld]
    T* tiles = qs + MMA_ROWS * ld;
    int tile_size = 2 * MMA_KEYS * ld;
    int head = blockIdx.y;
    int kv_dim = num_kv_heads * head_dim;
    size_t head_off = (size_t) (head / (num_heads / num_kv_heads)) * head_dim;
    int r_first = blockIdx.x * MMA_ROWS;
    int r_count = min(MMA_ROWS, n - r_first);
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int g = lane >> 2, c4 = lane & 3;  // a fragment's row group and column pair
    int chunks = head_dim >> 3;        // 16-byte pieces of a row

    // the block's query rows (rows past the chunk zero-filled)
    for (int i = threadIdx.x; i < MMA_ROWS * chunks; i += blockDim.x) {
        int r = i / chunks, c = (i - r * chunks) << 3;
        int rr = min(r, r_count - 1);
        cp_async16(qs + r * ld + c, q + ((size_t) (row0 + r_first + rr) * num_heads + head) * head_dim + c,
                   r < r_count ? 16 : 0);
    }
    cp_async_commit();

    int w_row = warp * 16;                         // the warp's first row in the block
    int pos_a = start + r_first + w_row + g;       // this lane's two rows: g and g + 8 of the warp's 16
    int pos_b = pos_a + 8;
    int first_a = window > 0 ? max(0, pos_a - window + 1) : 0;
    int first_b = window > 0 ? max(0, pos_b - window + 1) : 0;
    bool warp_rows = w_row < r_count;
    int warp_last = start + r_first + min(w_row + 15, r_count - 1);
    int warp_lowest = window > 0 ? max(0, start + r_first + w_row - window + 1) : 0;
    int last = start + r_first + r_count - 1;
    int lowest = window > 0 ? max(0, start + r_first - window + 1) : 0;

    float o[MMA_MAX_DIM / 8][4];
#pragma unroll
    for (int nt = 0; nt < MMA_MAX_DIM / 8; nt++) o[nt][0] = o[nt][1] = o[nt][2] = o[nt][3] = 0.f;
    float m_a = -INFINITY, m_b = -INFINITY, l_a = 0.f, l_b = 0.f;

    // the keys and values of tile t0 into buffer buf by cp.async (keys past the block's last row: zero rows, masked)
    auto load_tile = [&](int t0, int buf) {
        T* kb = tiles + buf * tile_size;
        T* vb = kb + MMA_KEYS * ld;
        for (int i = threadIdx.x; i < MMA_KEYS * chunks; i += blockDim.x) {
            int t = i / chunks, c = (i - t * chunks) << 3;
            int p = t0 + t;
            bool real = p <= last;
            size_t at = real ? slot_of(table, p, block_size) * kv_dim + head_off + c : 0;
            cp_async16(kb + t * ld + c, k_pool + at, real ? 16 : 0);
            cp_async16(vb + t * ld + c, v_pool + at, real ? 16 : 0);
        }
    };
    load_tile(lowest, 0);
    cp_async_commit();
    int buf = 0;
    for (int t0 = lowest; t0 <= last; t0 += MMA_KEYS, buf ^= 1) {
        // the next tile's copies run while this one is computed
        if (t0 + MMA_KEYS <= last) load_tile(t0 + MMA_KEYS, buf ^ 1);
        cp_async_commit();
        cp_async_wait<1>();  // this thread's copies of this tile (and, the first time, the query rows) ...
        __syncthreads();     // ... and everyone's
        const T* ks = tiles + buf * tile_size;
        const T* vs = ks + MMA_KEYS * ld;
        // warp-uniform: a warp whose rows see none of this tile's keys skips it
        if (warp_rows && t0 <= warp_last && t0 + MMA_KEYS > warp_lowest) {
            float s[4][4];
#pragma unroll
            for (int nt = 0; nt < 4; nt++) s[nt][0] = s[nt][1] = s[nt][2] = s[nt][3] = 0.f;
            for (int kk = 0; kk < head_dim; kk += 16) {
                unsigned a[4];
                ldmatrix_x4(a, qs + (w_row + (lane & 15)) * ld + kk + (lane >> 4) * 8);
#pragma unroll
                for (int np = 0; np < 2; np++) {
                    unsigned r[4];
                    ldmatrix_x4(r, ks + (np * 16 + (lane & 7) + ((lane >> 4) << 3)) * ld + kk + ((lane >> 3) & 1) * 8);
                    mma16816<T>(s[2 * np], a, r[0], r[1]);
                    mma16816<T>(s[2 * np + 1], a, r[2], r[3]);
                }
            }

            // scale and mask; each row's max over its 4 lanes
            float mx_a = -INFINITY, mx_b = -INFINITY;
#pragma unroll
            for (int nt = 0; nt < 4; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    int key = t0 + nt * 8 + 2 * c4 + e;
                    s[nt][e] = key <= pos_a && key >= first_a ? s[nt][e] * scale : -INFINITY;
                    s[nt][2 + e] = key <= pos_b && key >= first_b ? s[nt][2 + e] * scale : -INFINITY;
                    mx_a = fmaxf(mx_a, s[nt][e]);
                    mx_b = fmaxf(mx_b, s[nt][2 + e]);
                }
            }
            for (int o2 = 1; o2 < 4; o2 <<= 1) {
                mx_a = fmaxf(mx_a, __shfl_xor_sync(FULL_MASK, mx_a, o2));
                mx_b = fmaxf(mx_b, __shfl_xor_sync(FULL_MASK, mx_b, o2));
            }
            float mn_a = fmaxf(m_a, mx_a), mn_b = fmaxf(m_b, mx_b);
            // a row with no key yet keeps its state (max -inf: nothing to rescale, every p 0)
            float corr_a = mn_a == -INFINITY ? 1.f : __expf(m_a - mn_a);
            float corr_b = mn_b == -INFINITY ? 1.f : __expf(m_b - mn_b);
            float sum_a = 0.f, sum_b = 0.f;
#pragma unroll
            for (int nt = 0; nt < 4; nt++) {
#pragma unroll
                for (int e = 0; e < 2; e++) {
                    s[nt][e] = s[nt][e] == -INFINITY ? 0.f : __expf(s[nt][e] - mn_a);
                    s[nt][2 + e] = s[nt][2 + e] == -INFINITY ? 0.f : __expf(s[nt][2 + e] - mn_b);
                    sum_a += s[nt][e];
                    sum_b += s[nt][2 + e];
                }
            }
            l_a = l_a * corr_a + sum_a;
            l_b = l_b * corr_b + sum_b;
            m_a = mn_a;
            m_b = mn_b;
#pragma unroll
            for (int nt = 0; nt < MMA_MAX_DIM / 8; nt++) {
                o[nt][0] *= corr_a;
                o[nt][1] *= corr_a;
                o[nt][2] *= corr_b;
                o[nt][3] *= corr_b;
            }

            // O += P V, 16 keys a step: P's fragments from the scores', V's by ldmatrix.trans of its [key][dim] rows
#pragma unroll
            for (int j = 0; j < 2; j++) {
                unsigned pa[4] = {pack_pair<T>(s[2 * j][0], s[2 * j][1]), pack_pair<T>(s[2 * j][2], s[2 * j][3]),
                                  pack_pair<T>(s[2 * j + 1][0], s[2 * j + 1][1]),
                                  pack_pair<T>(s[2 * j + 1][2], s[2 * j + 1][3])};
#pragma unroll
                for (int np = 0; np < MMA_MAX_DIM / 16; np++) {
                    if (np * 16 < head_dim) {
                        unsigned r[4];
                        ldmatrix_x4_trans(r, vs + (j * 16 + (lane & 15)) * ld + np * 16 + (lane >> 4) * 8);
                        mma16816<T>(o[2 * np], pa, r[0], r[1]);
                        mma16816<T>(o[2 * np + 1], pa, r[2], r[3]);
                    }
                }
            }
        }
        __syncthreads();  // every warp is done with this buffer before the copies of the tile after next
    }
    cp_async_wait<0>();  // (the last group is empty: nothing is left in flight)

    // each row's sum over its 4 lanes, then the outputs, a pair a lane per n8 tile
    for (int o2 = 1; o2 < 4; o2 <<= 1) {
        l_a += __shfl_xor_sync(FULL_MASK, l_a, o2);
        l_b += __shfl_xor_sync(FULL_MASK, l_b, o2);
    }
    if (!warp_rows) return;
    float inv_a = 1.f / l_a, inv_b = 1.f / l_b;
    bool row_a = w_row + g < r_count, row_b = w_row + g + 8 < r_count;
    T* out_a = out + ((size_t) (row0 + r_first + w_row + g) * num_heads + head) * head_dim + 2 * c4;
    T* out_b = out_a + (size_t) 8 * num_heads * head_dim;
#pragma unroll
    for (int nt = 0; nt < MMA_MAX_DIM / 8; nt++) {
        if (nt * 8 < head_dim) {
            if (row_a) *reinterpret_cast<unsigned*>(out_a + nt * 8) = pack_pair<T>(o[nt][0] * inv_a, o[nt][1] * inv_a);
            if (row_b) *reinterpret_cast<unsigned*>(out_b + nt * 8) = pack_pair<T>(o[nt][2] * inv_b, o[nt][3] * inv_b);
        }
    }
}

#define DECODE_PARAMS(T) T* out, const T* q, const T* k_pool, const T* v_pool, const int* block_tables, const int* rows, \
    const int* tables, const int* positions, int max_blocks, int num_heads, int num_kv_heads, int head_dim,           \
    int block_size, int window, float scale, float* partial, int split_keys
#define DECODE_ARGS out, q, k_pool, v_pool, block_tables, rows, tables, positions, max_blocks, num_heads, num_kv_heads, \
    head_dim, block_size, window, scale, partial, split_keys
// one query head a block (any head_dim), and 2, 4 or 8 heads of a GQA group a block (head_dim <= 128); 8 heads at 3
// blocks a multiprocessor (ptxas otherwise held the bf16 one to 128 registers on sm_90, and spilled)
#define DECODE_ENTRY(NAME, T, HEADS, DIMS, BOUNDS) \
    extern "C" __global__ void __launch_bounds__ BOUNDS NAME(DECODE_PARAMS(T)) { paged_decode<T, HEADS, DIMS>(DECODE_ARGS); }
DECODE_ENTRY(paged_attention_decode_f16, half, 1, DIMS_PER_LANE, (ATT_THREADS))
DECODE_ENTRY(paged_attention_decode_bf16, bf16, 1, DIMS_PER_LANE, (ATT_THREADS))
DECODE_ENTRY(paged_attention_decode_h2_f16, half, 2, GROUPED_DIMS, (ATT_THREADS))
DECODE_ENTRY(paged_attention_decode_h2_bf16, bf16, 2, GROUPED_DIMS, (ATT_THREADS))
DECODE_ENTRY(paged_attention_decode_h4_f16, half, 4, GROUPED_DIMS, (ATT_THREADS))
DECODE_ENTRY(paged_attention_decode_h4_bf16, bf16, 4, GROUPED_DIMS, (ATT_THREADS))
DECODE_ENTRY(paged_attention_decode_h8_f16, half, 8, GROUPED_DIMS, (ATT_THREADS, 3))
DECODE_ENTRY(paged_attention_decode_h8_bf16, bf16, 8, GROUPED_DIMS, (ATT_THREADS, 3))

extern "C" __global__ void paged_attention_merge_f16(half* out, const float* partial, const int* rows, int splits,
                                                     int num_heads, int head_dim) {
    attention_merge<half>(out, partial, rows, splits, num_heads, head_dim);
}
extern "C" __global__ void paged_attention_merge_bf16(bf16* out, const float* partial, const int* rows, int splits,
                                                      int num_heads, int head_dim) {
    attention_merge<bf16>(out, partial, rows, splits, num_heads, head_dim);
}

#define PREFILL_PARAMS(T) T* out, const T* q, const T* k_pool, const T* v_pool, const int* table, int row0, int start, \
    int n, int num_heads, int num_kv_heads, int head_dim, int block_size, int window, float scale
#define PREFILL_ARGS out, q, k_pool, v_pool, table, row0, start, n, num_heads, num_kv_heads, head_dim, block_size, window, scale
extern "C" __global__ void __launch_bounds__(ATT_THREADS) prefill_attention_f16(PREFILL_PARAMS(half)) { prefill_attention<half>(PREFILL_ARGS); }
extern "C" __global__ void __launch_bounds__(ATT_THREADS) prefill_attention_bf16(PREFILL_PARAMS(bf16)) { prefill_attention<bf16>(PREFILL_ARGS); }
extern "C" __global__ void __launch_bounds__(ATT_THREADS) prefill_attention_mma_f16(PREFILL_PARAMS(half)) { prefill_attention_mma<half>(PREFILL_ARGS); }
extern "C" __global__ void __launch_bounds__(ATT_THREADS) prefill_attention_mma_bf16(PREFILL_PARAMS(bf16)) { prefill_attention_mma<bf16>(PREFILL_ARGS); }
