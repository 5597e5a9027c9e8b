// W4A16 products of 1-8 tokens on the tensor cores, AutoAWQ "gemm" layout as stored (see awq_gemv.cu), written
// without a GPU and not yet timed (gpu/README.md: "The AWQ GEMM at a few tokens", design 2).
//
// mma.m16n8k16 with the WEIGHTS as A (16 output columns x 16 rows of K) and the tokens' x as B (16 rows of K x 8
// tokens), so one to eight tokens cost the same few instructions a weight. Lane (g, t) = (lane / 4, lane % 4) holds
// A's elements (column g and g + 8 of the m-tile, K rows 2t, 2t + 1 and 2t + 8, 2t + 9) as four half2 registers,
// each pairing two K rows of one column: PRMT takes the byte that holds column g's nibble from the words of the two
// rows (AWQ packs 8 columns a word along N, nibble p(g) = g / 2 + 4 (g % 2)), one LOP3 masks that nibble of both
// halves into the mantissa of fp16 1024 (high nibbles stay at bit 4: 1024 + 16 q), one HSUB2 takes away 1024 + z
// (or 1024 + 16 z): exactly (q - z) or 16 (q - z) in fp16. The products with x are exact in the fp32 accumulators;
// each group's sums are scaled by s (or s / 16) in fp32 when the group ends.
//
// A block is 4 independent warps; a warp owns 8 packed words (64 columns) of the block's 32-word tile and all rows
// of the block's slice of K, streamed through its own ring of shared memory by cp.async (32 rows of weights and of
// the 8 tokens' x a stage; only __syncwarp between lanes). One slice of K writes y; several write partials
// [split][M][N], which the last block of each (tile, token group) adds into y (counters[z * tiles + x], as the
// GEMV's: one launch). Needs K % 16 == 0, N % 32 == 0 and a group size that is a multiple of 16
// (io.quantserve.engine.gpu.AwqMmaPlan checks).
#include "common.cuh"
#include "cp_async.cuh"
#include "mma.cuh"
#include <string.h>

#define MMA_WARPS 4
#define MMA_WORDS 8          // packed words (64 columns) a warp
#define MMA_STAGE_ROWS 32    // K rows a stage: two k16 steps
#define MMA_STAGES 5
#define MMA_W_LD 12          // words a stage row: 8, padded so that the rows of one load hit distinct banks
#define MMA_X_LD 40          // halves a token row of a stage: 32, padded likewise

/** One warp's ring slot: weights [32 rows][12 words] and x [8 tokens][40 halves]. */
struct MmaStage {
    unsigned w[MMA_STAGE_ROWS][MMA_W_LD];
    half x[8][MMA_X_LD];
};

/** The nibble of column c (0..7) in an AWQ word: the inverse of AutoAWQ's order {0, 2, 4, 6, 1, 3, 5, 7}. */
__host__ __device__ constexpr int awq_nibble_of_column(int c) { return (c >> 1) + 4 * (c & 1); }

/** What a lane with group id g (its A rows: columns g and g + 8) needs to pick its nibble out of a pair of words. */
struct MmaLanePick {
    unsigned select;  // PRMT selector: the nibble's byte of the first word to byte 0, of the second to byte 2
    unsigned mask;    // that nibble in both halves: 0x000F000F (low nibble) or 0x00F000F0 (high: 16 q)
    bool high;
};

__host__ __device__ inline MmaLanePick mma_lane_pick(int g) {
    int p = awq_nibble_of_column(g);
    int byte = p >> 1;
    MmaLanePick pick;
    pick.select = (unsigned) byte | ((unsigned) (4 + byte) << 8);
    pick.high = (p & 1) != 0;
    pick.mask = pick.high ? 0x00F000F0u : 0x000F000Fu;
    return pick;
}

__host__ __device__ inline unsigned mma_byte_perm(unsigned a, unsigned b, unsigned select) {
#ifdef __CUDA_ARCH__
    return __byte_perm(a, b, select);
#else
    unsigned long long bytes = ((unsigned long long) b << 32) | a;
    unsigned out = 0;
    for (int i = 0; i < 4; i++) out |= (unsigned) ((bytes >> (8 * ((select >> (4 * i)) & 7))) & 0xFF) << (8 * i);
    return out;
#endif
}

__host__ __device__ inline half2 mma_bits_half2(unsigned v) {
    half2 h;
    memcpy(&h, &v, 4);
    return h;
}

/** half2 (q_lo - z, q_hi - z) (times 16 for a high nibble) of column g from the words of two consecutive K rows. */
__host__ __device__ inline unsigned mma_a_pair(unsigned row0, unsigned row1, const MmaLanePick& pick, half2 zero) {
    unsigned v = (mma_byte_perm(row0, row1, pick.select) & pick.mask) | 0x64006400u;
    half2 d = __hsub2(mma_bits_half2(v), zero);
    unsigned out;
    memcpy(&out, &d, 4);
    return out;
}

/** 1024 + z (or 1024 + 16 z for a high nibble) in both halves: what mma_a_pair subtracts. */
__host__ __device__ inline half2 mma_zero_pair(unsigned zero_word, const MmaLanePick& pick, int g) {
    unsigned z = (zero_word >> (4 * awq_nibble_of_column(g))) & 0xFu;
    unsigned h = 0x6400u | (pick.high ? z << 4 : z);
    return mma_bits_half2(h | (h << 16));
}

/**
 * The A fragments of one k16 step (rows kk .. kk + 15 of a stage) for the warp's 4 m-tiles: a[j][r] as PTX's
 * m16n8k16 layout (r = 0: column g, rows 2t, 2t + 1; 1: column g + 8; 2 and 3: the same, rows + 8). Words 2j and
 * 2j + 1 of a row are m-tile j's columns 0-7 and 8-15.
 */
__host__ __device__ inline void mma_a_fragments(unsigned a[4][4], const unsigned (*w)[MMA_W_LD], int kk, int lane,
                                                const MmaLanePick& pick, const half2 zero[4][2]) {
    int t = lane & 3;
#pragma unroll
    for (int half_k = 0; half_k < 2; half_k++) {
        const unsigned* r0 = w[kk + 2 * t + 8 * half_k];
        const unsigned* r1 = w[kk + 2 * t + 1 + 8 * half_k];
#pragma unroll
        for (int j = 0; j < 4; j++) {
            a[j][2 * half_k] = mma_a_pair(r0[2 * j], r1[2 * j], pick, zero[j][0]);
            a[j][2 * half_k + 1] = mma_a_pair(r0[2 * j + 1], r1[2 * j + 1], pick, zero[j][1]);
        }
    }
}

/** The B fragment of one k16 step: token g's x at rows 2t, 2t + 1 and 2t + 8, 2t + 9. */
__host__ __device__ inline void mma_b_fragment(unsigned b[2], const half (*x)[MMA_X_LD], int kk, int lane) {
    int g = lane >> 2, t = lane & 3;
    memcpy(&b[0], &x[g][kk + 2 * t], 4);
    memcpy(&b[1], &x[g][kk + 2 * t + 8], 4);
}


/**
 * y[m0 + token][c] (fp16 or fp32) for the tokens of grid z (8 a group) and the columns of grid x's 32-word tile, over
 * the rows of grid y's slice of K (partials when there are several slices). Block 128 threads (4 warps), no dynamic
 * shared memory.
 */
template <typename T>
__device__ __forceinline__ void awq_mma(T* y, float* partial, unsigned* counters, const int* qweight,
                                        const int* qzeros, const half* scales, const half* x, int M, int K, int N,
                                        int group_size, int rows_per_split) {
    __shared__ __align__(16) MmaStage ring[MMA_WARPS][MMA_STAGES];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int g = lane >> 2, t = lane & 3;
    int W = N >> 3;
    int w0 = blockIdx.x * (MMA_WARPS * MMA_WORDS) + warp * MMA_WORDS;
    int m0 = blockIdx.z * 8;
    int k_begin = blockIdx.y * rows_per_split;
    int k_end = min(K, k_begin + rows_per_split);
    int stages = (k_end - k_begin + MMA_STAGE_ROWS - 1) / MMA_STAGE_ROWS;
    MmaStage* mine = ring[warp];

    // lane l copies stage row l (8 words: two 16-byte pieces) and 16 bytes of x: token l / 4, rows 8 (l % 4) ..
    auto fetch = [&](int s) {
        MmaStage& st = mine[s % MMA_STAGES];
        int k = k_begin + s * MMA_STAGE_ROWS + lane;
        bool row_in = k < k_end;
#pragma unroll
        for (int piece = 0; piece < 2; piece++) {
            int word = w0 + 4 * piece;
            bool in = row_in && word < W;  // W % 4 == 0: a piece is all in or all out
            cp_async16(&st.w[lane][4 * piece], in ? qweight + (size_t) k * W + word : qweight, in ? 16 : 0);
        }
        int token = m0 + (lane >> 2);
        int kx = k_begin + s * MMA_STAGE_ROWS + 8 * (lane & 3);
        bool in = token < M && kx < k_end;  // K % 16 == 0: 8 rows are all in or all out
        cp_async16(&st.x[lane >> 2][8 * (lane & 3)], in ? x + (size_t) token * K + kx : x, in ? 16 : 0);
    };

    MmaLanePick pick = mma_lane_pick(g);
    float acc[4][4], d[4][4];
    half2 zero[4][2];
    float scale[4][2];
#pragma unroll
    for (int j = 0; j < 4; j++) {
#pragma unroll
        for (int i = 0; i < 4; i++) { acc[j][i] = 0.f; d[j][i] = 0.f; }
    }
    // a group's zero words and scales are loaded one group ahead (raw), so a new group does not wait on memory
    unsigned zero_raw[4][2];
    half scale_raw[4][2];
    auto fetch_group = [&](int grp) {
#pragma unroll
        for (int j = 0; j < 4; j++) {
#pragma unroll
            for (int h = 0; h < 2; h++) {
                int word = w0 + 2 * j + h;
                bool in = word < W;
                zero_raw[j][h] = in ? (unsigned) __ldg(qzeros + (size_t) grp * W + word) : 0u;
                scale_raw[j][h] = in ? scales[(size_t) grp * N + 8 * word + g] : __float2half(0.f);
            }
        }
    };
    int group_end = -1;
    auto start_group = [&](int k) {
        int grp = k / group_size;
        group_end = (grp + 1) * group_size;
#pragma unroll
        for (int j = 0; j < 4; j++) {
#pragma unroll
            for (int h = 0; h < 2; h++) {
                zero[j][h] = mma_zero_pair(zero_raw[j][h], pick, g);
                float s = __half2float(scale_raw[j][h]);
                scale[j][h] = pick.high ? s * 0.0625f : s;
            }
        }
        if (group_end < k_end) fetch_group(grp + 1);
    };
    auto flush = [&]() {
#pragma unroll
        for (int j = 0; j < 4; j++) {
#pragma unroll
            for (int i = 0; i < 4; i++) {
                acc[j][i] = fmaf(d[j][i], scale[j][i >> 1], acc[j][i]);  // d[.][0..1]: column g, [2..3]: g + 8
                d[j][i] = 0.f;
            }
        }
    };

    if (stages > 0) fetch_group(k_begin / group_size);
#pragma unroll
    for (int s = 0; s < MMA_STAGES - 1; s++) {
        if (s < stages) fetch(s);
        cp_async_commit();
    }
    for (int s = 0; s < stages; s++) {
        cp_async_wait<MMA_STAGES - 2>();
        __syncwarp();  // every lane's copies of stage s landed; every lane is done with stage s - 1's slot
        if (s + MMA_STAGES - 1 < stages) fetch(s + MMA_STAGES - 1);
        cp_async_commit();
        const MmaStage& st = mine[s % MMA_STAGES];
#pragma unroll
        for (int kk = 0; kk < MMA_STAGE_ROWS; kk += 16) {
            int k = k_begin + s * MMA_STAGE_ROWS + kk;
            if (k >= k_end) break;
            if (k >= group_end) {  // group_size % 16 == 0: a k16 step never straddles two groups
                if (group_end >= 0) flush();
                start_group(k);
            }
            unsigned a[4][4], b[2];
            mma_a_fragments(a, st.w, kk, lane, pick, zero);
            mma_b_fragment(b, st.x, kk, lane);
#pragma unroll
            for (int j = 0; j < 4; j++) mma16816<half>(d[j], a[j], b[0], b[1]);
        }
    }
    if (group_end >= 0) flush();
    cp_async_wait<0>();

    // acc[j][2h + e]: column 8 (w0 + 2j + h) + g, token m0 + 2t + e
    bool direct = gridDim.y == 1;
#pragma unroll
    for (int j = 0; j < 4; j++) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
            int word = w0 + 2 * j + h;
#pragma unroll
            for (int e = 0; e < 2; e++) {
                int token = m0 + 2 * t + e;
                if (word < W && token < M) {
                    size_t at = (size_t) token * N + 8 * word + g;
                    if (direct) {
                        y[at] = from_float<T>(acc[j][2 * h + e]);
                    } else {
                        partial[(size_t) blockIdx.y * M * N + at] = acc[j][2 * h + e];
                    }
                }
            }
        }
    }
    if (!direct && last_to_arrive(&counters[blockIdx.z * gridDim.x + blockIdx.x], gridDim.y)) {
        add_slices(y, partial, gridDim.y, m0, 8, blockIdx.x * MMA_WARPS * MMA_WORDS * 8, MMA_WARPS * MMA_WORDS * 8, M, N);
    }
}

#define AWQ_MMA_PARAMS(T) T* y, float* partial, unsigned* counters, const int* qweight, const int* qzeros, \
    const half* scales, const half* x, int M, int K, int N, int group_size, int rows_per_split
#define AWQ_MMA_ARGS y, partial, counters, qweight, qzeros, scales, x, M, K, N, group_size, rows_per_split
extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32) awq_mma_f16(AWQ_MMA_PARAMS(half)) { awq_mma<half>(AWQ_MMA_ARGS); }
extern "C" __global__ void __launch_bounds__(MMA_WARPS * 32) awq_mma_f32(AWQ_MMA_PARAMS(float)) { awq_mma<float>(AWQ_MMA_ARGS); }
