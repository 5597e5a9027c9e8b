// Matrix-matrix products on the tensor cores (mma.sync.m16n8k16, fp32 accumulation; runs on sm_80 and sm_90),
// in the engine's Linear convention: out[M][N] = a[M][K] . w[N][K]^T (a row per token, w a row per output).
//
// gemm_<t>_bm32 / _bm128 (t = f16, bf16): dense weights. Block tile BM x 128 (N) x 32 (K), cp.async multi-stage
//   pipeline in dynamic shared memory (bm32: 3 stages, 37.5 KB, 4 warps as 1 x 4, warp tile 32 x 32; bm128: 4
//   stages, 80 KB - over the default 48 KB, so the launch raises the kernel's limit - 8 warps as 2 x 4, warp tile
//   64 x 32), operands through ldmatrix from shared rows padded by 16 B (conflict-free). Any M and N; K % 8 == 0
//   (16-byte chunks, zero-filled past M, N and K); a and w 16-byte aligned. io.quantserve.engine.gpu.GemmPlan
//   mirrors the stages (its shared memory size).
// gemm_<t>_bm32_f32 / _bm128_f32: the same with fp32 out (the LM head's logits, no rounding to 16 bits).
// awq_gemm_f16_bm16 / _bm32 / _bm64: AutoAWQ W4A16 for a few tokens, weights in their stored layout (as awq_gemv.cu):
//   each block copies a 64-row tile of qweight into shared memory (cp.async, pipelined), dequantizes it ONCE into an
//   fp16 [64][128] tile ((q - z) * s: exact difference, one rounding, as the CPU's float math rounded to fp16), then
//   multiplies it with the token tile (ldmatrix.trans for the [k][n] tile). N % 8 == 0 (AWQ packing), K % 8 == 0.
//
// Split-K: gridDim.z slices of K, k_per_split rows each (a multiple of the K tile). With one slice the kernel writes
// out directly; with several each writes fp32 partial sums partial[z][M][N], and the block that finishes an output
// tile last - counted by an atomic a tile - adds the tile's slices in a fixed order into out (deterministic; the
// counters are zero before and after a launch). See io.quantserve.engine.gpu.GemmPlan.
#include "common.cuh"
#include "cp_async.cuh"
#include "mma.cuh"

/**
 * Writes a warp's accumulators: m16 tile mt, n8 tile nt; lane holds rows g and g + 8, columns 2t and 2t + 1
 * (g = lane / 4, t = lane % 4). One slice: out as T; several: this slice's fp32 partials.
 */
template <typename T, int MT, int NT>
__device__ __forceinline__ void store_tile(T* out, float* partial, const float (&acc)[MT][NT][4], int row0, int col0,
                                           int M, int N) {
    int lane = threadIdx.x & 31, g = lane >> 2, t = lane & 3;
    bool split = gridDim.z > 1;
    float* part = partial + (size_t) blockIdx.z * M * N;
#pragma unroll
    for (int mt = 0; mt < MT; mt++) {
#pragma unroll
        for (int nt = 0; nt < NT; nt++) {
#pragma unroll
            for (int h = 0; h < 2; h++) {
                int row = row0 + mt * 16 + g + 8 * h;
#pragma unroll
                for (int j = 0; j < 2; j++) {
                    int col = col0 + nt * 8 + 2 * t + j;
                    if (row < M && col < N) {
                        float v = acc[mt][nt][2 * h + j];
                        if (split) part[(size_t) row * N + col] = v;
                        else out[(size_t) row * N + col] = from_float<T>(v);
                    }
                }
            }
        }
    }
}

/**
 * With several slices, once each has written its partials for this block's output tile [m0, +BM) x [n0, +BN): the
 * last block to arrive (counters[tile], last_to_arrive) adds the slices in order, read from L2 (other multiprocessors
 * wrote them), into out.
 */
template <typename T, int BM, int BN>
__device__ __forceinline__ void finish_split_tile(T* out, const float* partial, unsigned* counters, int m0, int n0,
                                                  int M, int N) {
    if (gridDim.z == 1 || !last_to_arrive(&counters[blockIdx.y * gridDim.x + blockIdx.x], gridDim.z)) return;
    add_slices(out, partial, gridDim.z, m0, BM, n0, BN, M, N);
}

// ---- dense GEMM ----

#define GEMM_BN 128
#define GEMM_BK 32
#define GEMM_LD (GEMM_BK + 8)  // 80-byte shared rows: 8 consecutive rows of ldmatrix hit distinct banks

template <typename T, typename O, int BM, int WARPS_M, int STAGES>
__device__ __forceinline__ void gemm(O* out, float* partial, unsigned* counters, const T* a, const T* w, int M, int N,
                                     int K, int k_per_split) {
    constexpr int WARPS_N = 4;
    constexpr int THREADS = WARPS_M * WARPS_N * 32;
    constexpr int WM = BM / WARPS_M;
    constexpr int MT = WM / 16;
    constexpr int NT = GEMM_BN / WARPS_N / 8;  // 4
    constexpr int A_CHUNKS = BM * (GEMM_BK / 8) / THREADS;
    constexpr int W_CHUNKS = GEMM_BN * (GEMM_BK / 8) / THREADS;
    static_assert(BM * (GEMM_BK / 8) % THREADS == 0 && GEMM_BN * (GEMM_BK / 8) % THREADS == 0, "whole chunks per thread");
    static_assert(NT % 2 == 0 && MT >= 1, "warp tile");
    // [STAGES][BM][GEMM_LD] of a, then [STAGES][GEMM_BN][GEMM_LD] of w (bytes: the launch's dynamic shared memory)
    DYNAMIC_SHARED(unsigned char, gemm_smem);
    T (*sa)[BM][GEMM_LD] = reinterpret_cast<T (*)[BM][GEMM_LD]>(gemm_smem);
    T (*sw)[GEMM_BN][GEMM_LD] = reinterpret_cast<T (*)[GEMM_BN][GEMM_LD]>(gemm_smem + sizeof(T) * STAGES * BM * GEMM_LD);

    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int warp_m = warp / WARPS_N, warp_n = warp % WARPS_N;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * GEMM_BN;
    int k_begin = blockIdx.z * k_per_split;
    int k_end = min(K, k_begin + k_per_split);
    int tiles = k_end > k_begin ? (k_end - k_begin + GEMM_BK - 1) / GEMM_BK : 0;

    auto load = [&](int stage, int kt) {
        int k0 = k_begin + kt * GEMM_BK;
#pragma unroll
        for (int i = 0; i < A_CHUNKS; i++) {
            int c = tid + i * THREADS, r = c >> 2, kc = (c & 3) * 8;
            bool ok = m0 + r < M && k0 + kc < k_end;
            cp_async16(&sa[stage][r][kc], ok ? a + (size_t) (m0 + r) * K + k0 + kc : a, ok ? 16 : 0);
        }
#pragma unroll
        for (int i = 0; i < W_CHUNKS; i++) {
            int c = tid + i * THREADS, r = c >> 2, kc = (c & 3) * 8;
            bool ok = n0 + r < N && k0 + kc < k_end;
            cp_async16(&sw[stage][r][kc], ok ? w + (size_t) (n0 + r) * K + k0 + kc : w, ok ? 16 : 0);
        }
    };

    float acc[MT][NT][4];
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
        for (int nt = 0; nt < NT; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) acc[mt][nt][i] = 0.f;

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < tiles) load(s, s);
        cp_async_commit();
    }
    for (int kt = 0; kt < tiles; kt++) {
        cp_async_wait<STAGES - 2>();  // tile kt has landed (this thread's copies) ...
        __syncthreads();              // ... everyone's; and every warp is done with the stage loaded next
        int next = kt + STAGES - 1;
        if (next < tiles) load(next % STAGES, next);
        cp_async_commit();
        int st = kt % STAGES;
#pragma unroll
        for (int kk = 0; kk < GEMM_BK; kk += 16) {
            unsigned af[MT][4], bfr[NT][2];
#pragma unroll
            for (int mt = 0; mt < MT; mt++)
                ldmatrix_x4(af[mt], &sa[st][warp_m * WM + mt * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
#pragma unroll
            for (int np = 0; np < NT / 2; np++) {
                unsigned r[4];
                ldmatrix_x4(r, &sw[st][warp_n * 32 + np * 16 + (lane & 7) + ((lane >> 4) << 3)][kk + ((lane >> 3) & 1) * 8]);
                bfr[2 * np][0] = r[0];
                bfr[2 * np][1] = r[1];
                bfr[2 * np + 1][0] = r[2];
                bfr[2 * np + 1][1] = r[3];
            }
#pragma unroll
            for (int mt = 0; mt < MT; mt++)
#pragma unroll
                for (int nt = 0; nt < NT; nt++) mma16816<T>(acc[mt][nt], af[mt], bfr[nt][0], bfr[nt][1]);
        }
    }
    cp_async_wait<0>();
    store_tile<O, MT, NT>(out, partial, acc, m0 + warp_m * WM, n0 + warp_n * 32, M, N);
    finish_split_tile<O, BM, GEMM_BN>(out, partial, counters, m0, n0, M, N);
}

#define GEMM_ENTRY(T, O, NAME, BM, WARPS_M, STAGES)                                                                  \
    extern "C" __global__ void __launch_bounds__(WARPS_M * 128)                                                       \
        NAME(O* out, float* partial, unsigned* counters, const T* a, const T* w, int M, int N, int K, int k_per_split) { \
        gemm<T, O, BM, WARPS_M, STAGES>(out, partial, counters, a, w, M, N, K, k_per_split);                           \
    }

GEMM_ENTRY(half, half, gemm_f16_bm32, 32, 1, 3)
GEMM_ENTRY(half, half, gemm_f16_bm128, 128, 2, 4)
GEMM_ENTRY(bf16, bf16, gemm_bf16_bm32, 32, 1, 3)
GEMM_ENTRY(bf16, bf16, gemm_bf16_bm128, 128, 2, 4)
GEMM_ENTRY(half, float, gemm_f16_bm32_f32, 32, 1, 3)
GEMM_ENTRY(half, float, gemm_f16_bm128_f32, 128, 2, 4)
GEMM_ENTRY(bf16, float, gemm_bf16_bm32_f32, 32, 1, 3)
GEMM_ENTRY(bf16, float, gemm_bf16_bm128_f32, 128, 2, 4)

// ---- AWQ W4A16 GEMM ----

#define AWQ_BN 128
#define AWQ_BK 64
#define AWQ_WORDS (AWQ_BN / 8)    // packed words per row of a tile
#define AWQ_GEMM_THREADS 128
#define AWQ_A_LD (AWQ_BK + 8)     // 144-byte rows
#define AWQ_DQ_LD (AWQ_BN + 8)    // 272-byte rows: ldmatrix.trans over 8 consecutive k rows hits distinct banks

/** Two fp16 (1024 + v) for the nibbles at bits 4i and 16 + 4i: AWQ's order puts columns 2i and 2i + 1 there. */
__device__ __forceinline__ half2 awq_pair(unsigned word, int i) {
    unsigned v = ((word >> (4 * i)) & 0x000f000fu) | 0x64006400u;
    return *reinterpret_cast<half2*>(&v);
}

template <int BM, int STAGES>
__device__ __forceinline__ void awq_gemm(half* out, float* partial, unsigned* counters, const half* a, const int* qweight,
                                         const int* qzeros, const half* scales, int M, int N, int K, int group_size,
                                         int k_per_split) {
    constexpr int THREADS = AWQ_GEMM_THREADS;
    constexpr int MT = BM / 16;
    constexpr int NT = 4;  // each of the 4 warps: every row of the tile, 32 columns
    constexpr int A_CHUNKS = BM * (AWQ_BK / 8) / THREADS;
    constexpr int ROWS_PER_PASS = THREADS / AWQ_WORDS;  // 8
    static_assert(BM * (AWQ_BK / 8) % THREADS == 0, "whole A chunks per thread");
    __shared__ __align__(16) half sa[STAGES][BM][AWQ_A_LD];
    __shared__ __align__(16) unsigned sq[STAGES][AWQ_BK][AWQ_WORDS];
    __shared__ __align__(16) half sdq[AWQ_BK][AWQ_DQ_LD];

    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    int W = N >> 3;
    int m0 = blockIdx.y * BM, n0 = blockIdx.x * AWQ_BN, w0 = n0 >> 3;
    int k_begin = blockIdx.z * k_per_split;
    int k_end = min(K, k_begin + k_per_split);
    int tiles = k_end > k_begin ? (k_end - k_begin + AWQ_BK - 1) / AWQ_BK : 0;
    bool vec = (W & 3) == 0;  // rows of qweight 16-byte aligned: whole 4-word chunks

    auto load = [&](int stage, int kt) {
        int k0 = k_begin + kt * AWQ_BK;
#pragma unroll
        for (int i = 0; i < A_CHUNKS; i++) {
            int c = tid + i * THREADS, r = c >> 3, kc = (c & 7) * 8;
            bool ok = m0 + r < M && k0 + kc < k_end;
            cp_async16(&sa[stage][r][kc], ok ? a + (size_t) (m0 + r) * K + k0 + kc : a, ok ? 16 : 0);
        }
        if (vec) {
#pragma unroll
            for (int i = 0; i < AWQ_BK * AWQ_WORDS / 4 / THREADS; i++) {
                int c = tid + i * THREADS, r = c >> 2, wc = (c & 3) * 4;
                bool ok = k0 + r < k_end && w0 + wc < W;
                cp_async16(&sq[stage][r][wc], ok ? qweight + (size_t) (k0 + r) * W + w0 + wc : qweight, ok ? 16 : 0);
            }
        } else {
#pragma unroll
            for (int i = 0; i < AWQ_BK * AWQ_WORDS / THREADS; i++) {
                int c = tid + i * THREADS, r = c / AWQ_WORDS, wc = c % AWQ_WORDS;
                bool ok = k0 + r < k_end && w0 + wc < W;
                cp_async4(&sq[stage][r][wc], ok ? qweight + (size_t) (k0 + r) * W + w0 + wc : qweight, ok ? 4 : 0);
            }
        }
    };

    // dequantization: thread = one packed word column of the tile, rows r0, r0 + 8, ...; zeros and scales of its
    // current group stay in registers (rows only move forward, so a group is loaded once per thread per tile at most)
    int wc = tid % AWQ_WORDS, r0 = tid / AWQ_WORDS;
    int word = w0 + wc;
    int group = -1;
    half2 zh[4], sh[4];
    auto dequant = [&](int stage, int kt) {
        int k0 = k_begin + kt * AWQ_BK;
#pragma unroll
        for (int i = 0; i < AWQ_BK / ROWS_PER_PASS; i++) {
            int r = r0 + i * ROWS_PER_PASS, k = k0 + r;
            uint4 d = make_uint4(0, 0, 0, 0);
            if (word < W && k < k_end) {
                int g = k / group_size;
                if (g != group) {
                    group = g;
                    unsigned z = (unsigned) __ldg(qzeros + (size_t) g * W + word);
                    uint4 s = __ldg(reinterpret_cast<const uint4*>(scales + (size_t) g * N + 8 * word));
                    zh[0] = awq_pair(z, 0); zh[1] = awq_pair(z, 1); zh[2] = awq_pair(z, 2); zh[3] = awq_pair(z, 3);
                    sh[0] = *reinterpret_cast<half2*>(&s.x); sh[1] = *reinterpret_cast<half2*>(&s.y);
                    sh[2] = *reinterpret_cast<half2*>(&s.z); sh[3] = *reinterpret_cast<half2*>(&s.w);
                }
                unsigned q = sq[stage][r][wc];
                half2 v0 = __hmul2(__hsub2(awq_pair(q, 0), zh[0]), sh[0]);
                half2 v1 = __hmul2(__hsub2(awq_pair(q, 1), zh[1]), sh[1]);
                half2 v2 = __hmul2(__hsub2(awq_pair(q, 2), zh[2]), sh[2]);
                half2 v3 = __hmul2(__hsub2(awq_pair(q, 3), zh[3]), sh[3]);
                d.x = *reinterpret_cast<unsigned*>(&v0); d.y = *reinterpret_cast<unsigned*>(&v1);
                d.z = *reinterpret_cast<unsigned*>(&v2); d.w = *reinterpret_cast<unsigned*>(&v3);
            }
            *reinterpret_cast<uint4*>(&sdq[r][8 * wc]) = d;
        }
    };

    float acc[MT][NT][4];
#pragma unroll
    for (int mt = 0; mt < MT; mt++)
#pragma unroll
        for (int nt = 0; nt < NT; nt++)
#pragma unroll
            for (int i = 0; i < 4; i++) acc[mt][nt][i] = 0.f;

#pragma unroll
    for (int s = 0; s < STAGES - 1; s++) {
        if (s < tiles) load(s, s);
        cp_async_commit();
    }
    for (int kt = 0; kt < tiles; kt++) {
        cp_async_wait<STAGES - 2>();
        __syncthreads();  // tile kt visible to all; the previous tile's mma is done with sdq and with the stage reloaded next
        int next = kt + STAGES - 1;
        if (next < tiles) load(next % STAGES, next);
        cp_async_commit();
        int st = kt % STAGES;
        dequant(st, kt);
        __syncthreads();  // sdq complete
#pragma unroll
        for (int kk = 0; kk < AWQ_BK; kk += 16) {
            unsigned af[MT][4], bfr[NT][2];
#pragma unroll
            for (int mt = 0; mt < MT; mt++) ldmatrix_x4(af[mt], &sa[st][mt * 16 + (lane & 15)][kk + (lane >> 4) * 8]);
#pragma unroll
            for (int np = 0; np < NT / 2; np++) {
                unsigned r[4];
                ldmatrix_x4_trans(r, &sdq[kk + (lane & 15)][warp * 32 + np * 16 + (lane >> 4) * 8]);
                bfr[2 * np][0] = r[0];
                bfr[2 * np][1] = r[1];
                bfr[2 * np + 1][0] = r[2];
                bfr[2 * np + 1][1] = r[3];
            }
#pragma unroll
            for (int mt = 0; mt < MT; mt++)
#pragma unroll
                for (int nt = 0; nt < NT; nt++) mma16816<half>(acc[mt][nt], af[mt], bfr[nt][0], bfr[nt][1]);
        }
    }
    cp_async_wait<0>();
    store_tile<half, MT, NT>(out, partial, acc, m0, n0 + warp * 32, M, N);
    finish_split_tile<half, BM, AWQ_BN>(out, partial, counters, m0, n0, M, N);
}

#define AWQ_GEMM_ENTRY(BM, STAGES)                                                                                  \
    extern "C" __global__ void __launch_bounds__(AWQ_GEMM_THREADS)                                                  \
        awq_gemm_f16_bm##BM(half* out, float* partial, unsigned* counters, const half* a, const int* qweight,       \
                            const int* qzeros, const half* scales, int M, int N, int K, int group_size,              \
                            int k_per_split) {                                                                       \
        awq_gemm<BM, STAGES>(out, partial, counters, a, qweight, qzeros, scales, M, N, K, group_size, k_per_split); \
    }

AWQ_GEMM_ENTRY(16, 3)
AWQ_GEMM_ENTRY(32, 3)
AWQ_GEMM_ENTRY(64, 2)

// ---- AWQ weights for many tokens: dequantized once into [N][K] fp16, then the dense GEMM ----
// From a few hundred tokens on, a block of the W4A16 GEMM re-dequantizes its weight tile for every tile of tokens
// and runs at a lower rate than the dense GEMM (vLLM's AWQ switches at 256 tokens likewise), so the runner writes the
// layer's weights once as the dense GEMM's w [N][K] ((q - z) * s, the same rounding as awq_gemm's tile) into its
// workspace and runs gemm_f16 (io.quantserve.engine.gpu.model.LinearDispatch picks it).
#define DEQ_ROWS 64   // K rows a block: one 128-byte run of each output column
#define DEQ_WORDS 8   // packed words a block: 64 output columns
#define DEQ_THREADS 256

/**
 * w[n][k] = (q[k][n] - z[k / G][n]) * s[k / G][n] for the block's 64 rows of K and 64 columns: a thread reads one
 * packed word (8 lanes read a row's 32 contiguous bytes) and writes its 8 values into their columns of a shared
 * [64 columns][64 rows] tile, whose 16-byte chunks are swizzled by the column's word (chunk ^ word % 8: the 8 words of
 * a warp's store land in distinct banks); then 8 threads write each column's 128 contiguous bytes. K % 8 == 0 (a
 * chunk is all in or all out); grid (ceil(W / 8), ceil(K / 64)).
 */
extern "C" __global__ void __launch_bounds__(DEQ_THREADS)
awq_dequantize_f16(half* w, const int* qweight, const int* qzeros, const half* scales, int K, int N, int group_size) {
    __shared__ __align__(16) half tile[DEQ_WORDS * 8][DEQ_ROWS];
    int W = N >> 3;
    int k0 = blockIdx.y * DEQ_ROWS, w0 = blockIdx.x * DEQ_WORDS;
    for (int i = threadIdx.x; i < DEQ_ROWS * DEQ_WORDS; i += DEQ_THREADS) {
        int r = i / DEQ_WORDS, wc = i % DEQ_WORDS;
        int k = k0 + r, word = w0 + wc;
        if (k >= K || word >= W) continue;
        unsigned q = (unsigned) __ldg(qweight + (size_t) k * W + word);
        int g = k / group_size;
        unsigned z = (unsigned) __ldg(qzeros + (size_t) g * W + word);
        uint4 s = __ldg(reinterpret_cast<const uint4*>(scales + (size_t) g * N + 8 * word));
        const half2* sh = reinterpret_cast<const half2*>(&s);
        int at = (((r >> 3) ^ wc) << 3) | (r & 7);  // row r's place in its (swizzled) chunk
#pragma unroll
        for (int p = 0; p < 4; p++) {  // awq_pair p: columns 2p and 2p + 1 of the word
            half2 v = __hmul2(__hsub2(awq_pair(q, p), awq_pair(z, p)), sh[p]);
            tile[8 * wc + 2 * p][at] = __low2half(v);
            tile[8 * wc + 2 * p + 1][at] = __high2half(v);
        }
    }
    __syncthreads();
    for (int i = threadIdx.x; i < DEQ_WORDS * 8 * (DEQ_ROWS / 8); i += DEQ_THREADS) {
        int c = i / (DEQ_ROWS / 8), chunk = i % (DEQ_ROWS / 8);
        int n = 8 * w0 + c, k = k0 + 8 * chunk;
        if (n < N && k < K) {
            *reinterpret_cast<uint4*>(w + (size_t) n * K + k) =
                *reinterpret_cast<const uint4*>(&tile[c][(chunk ^ (c >> 3)) << 3]);
        }
    }
}
