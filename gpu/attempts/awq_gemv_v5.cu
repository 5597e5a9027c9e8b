// NOT BUILT: GEMV version 5 of gpu/README.md's log (sums in shared memory, double-buffered rows), kept for the
// record: on the H100 it measured 11.91 / 21.69 / 21.19 us against the built version's 11.55 / 19.63 / 18.86.
// W4A16 matrix-vector product for AutoAWQ "gemm" checkpoints, read in their stored layout (no repack):
//   qweight int32 [K][W], W = N/8: nibble n (bits 4n..4n+3) of word w holds output column 8w + ORDER[n],
//           ORDER = {0, 2, 4, 6, 1, 3, 5, 7} (AutoAWQ's order_map);
//   qzeros  int32 [K/G][W], the same packing;   scales fp16 [K/G][N];   x fp16 [K].
//   y[c] = sum_k x[k] * (q[k][c] - z[k/G][c]) * s[k/G][c].
// Two launches, deterministic (no atomics): awq_gemv_partial_f16 writes one fp32 partial sum per output column for
// each slice of K (split-K keeps every multiprocessor busy when N alone gives too few blocks); awq_gemv_reduce_*
// adds the slices in a fixed order.
//
// Partial kernel: a block of 256 threads covers a tile of 32 words (256 columns) and the rows of its slice. The 32
// row lanes of a block (r = 4*warp + lane/8) each take a contiguous run of rows_per_split/32 rows; lane l reads the
// 4 words [4*(l%8), +4) of its row: one 16-byte load per thread, 128 contiguous bytes per 8 lanes. Per group the
// thread sums q*x and x in fp32, then folds in s*(sum q*x - z*sum x) once - a run of rows inside one group pays
// that once, where rows dealt round-robin to the lanes paid it every few rows.
// Bandwidth-bound at one token, so the inner loop is kept short and the loads many:
//  - double-buffered: a thread issues the loads of its next AWQ_UNROLL rows before the arithmetic of the current
//    ones, so that memory latency hides behind arithmetic; the group's zeros and scales come with the first rows;
//  - no integer-to-float conversion (a quarter-rate instruction on sm_80/sm_90): field n of a word, masked in place
//    and OR-ed into the mantissa of 2^23, reads as the float 2^23 + q*16^n exactly; less 2^23 it is q*16^n, which
//    multiplies x*16^-n (exact: a power of two) - one LOP3 (the 2^23 held in a register: with two immediates the
//    compiler splits it in two), one FADD, one FFMA per weight;
//  - the fp32 sums of each column in shared memory (rows padded: no bank conflicts), so that the registers hold rows
//    in flight; at most 128 registers (two blocks a multiprocessor), which AwqPlan sizes the grid for;
//  - a group boundary inside a thread's rows (rare: one fold-in per run) is handled in a loop, not in every
//    unrolled row, which keeps the code small enough for the instruction cache.
#include "common.cuh"

#define AWQ_THREADS 256
#define AWQ_TILE_WORDS 32
#define AWQ_ROW_LANES 32
#define AWQ_UNROLL 4
#define AWQ_MAGIC 0x4B000000u  // 2^23 as a float's bits

/** ORDER[n] as arithmetic, so that unrolled loops index registers with constants (a table would spill to the stack). */
__host__ __device__ constexpr int awq_order(int n) { return (n >> 2) + 2 * (n & 3); }

/** The field of w under MASK, read in place: (w & MASK) | magic as a float, less 2^23 (magic = 2^23's bits). */
template <unsigned MASK>
__device__ __forceinline__ float awq_field(unsigned w, unsigned magic) {
    unsigned bits;
    asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(bits) : "r"(w), "n"(MASK), "r"(magic));  // (a & b) | c
    return __uint_as_float(bits) - 8388608.f;
}

/** The 8 fields of w, each times x scaled back by its place (xs[n] = x * 16^-n; fields 5..7 are 0..2 of w >> 20). */
__device__ __forceinline__ void awq_fields_times(float out[8], unsigned w, const float xs[5], unsigned magic) {
    unsigned hi = w >> 20;
    out[0] = awq_field<0xFu>(w, magic) * xs[0];
    out[1] = awq_field<0xF0u>(w, magic) * xs[1];
    out[2] = awq_field<0xF00u>(w, magic) * xs[2];
    out[3] = awq_field<0xF000u>(w, magic) * xs[3];
    out[4] = awq_field<0xF0000u>(w, magic) * xs[4];
    out[5] = awq_field<0xFu>(hi, magic) * xs[0];
    out[6] = awq_field<0xF0u>(hi, magic) * xs[1];
    out[7] = awq_field<0xF00u>(hi, magic) * xs[2];
}

__device__ __forceinline__ void awq_places(float xs[5], float x) {
    xs[0] = x; xs[1] = x * 0x1p-4f; xs[2] = x * 0x1p-8f; xs[3] = x * 0x1p-12f; xs[4] = x * 0x1p-16f;
}

/** A group's zeros (one word per packed word) and scales (8 per word, column order) for this thread's 4 words. */
struct AwqGroup {
    unsigned z[4];
    uint4 s[4];
};

__device__ __forceinline__ void awq_load_group(AwqGroup& grp, const int* qzeros, const half* scales, int g, int word0,
                                               int W, int N) {
#pragma unroll
    for (int wi = 0; wi < 4; wi++) {
        int word = word0 + wi;
        if (word < W) {
            grp.z[wi] = (unsigned) __ldg(qzeros + (size_t) g * W + word);
            // 16 bytes, aligned since N % 8 == 0
            grp.s[wi] = __ldg(reinterpret_cast<const uint4*>(scales + (size_t) g * N + 8 * word));
        } else {
            grp.z[wi] = 0u;
            grp.s[wi] = make_uint4(0u, 0u, 0u, 0u);
        }
    }
}

/** Per-thread fp32 sums of a block's 32 columns each, in shared memory: acc[c][t], rows padded by one word so that
 *  a warp's 32 threads (one column each) and one thread's 32 columns both fall in 32 different banks. */
typedef float AwqAcc[32][AWQ_THREADS + 1];

/** acc += s * (qx - z * sx) for this thread's 4 words of one group; then qx and sx restart. */
__device__ __forceinline__ void awq_flush(AwqAcc& acc, float qx[32], float& sx, const AwqGroup& grp, unsigned magic) {
    float sxs[5];
    awq_places(sxs, sx);
    int t = threadIdx.x;
#pragma unroll
    for (int wi = 0; wi < 4; wi++) {
        const half* s = reinterpret_cast<const half*>(&grp.s[wi]);
        float zsx[8];
        awq_fields_times(zsx, grp.z[wi], sxs, magic);
#pragma unroll
        for (int n = 0; n < 8; n++) {
            acc[wi * 8 + n][t] += __half2float(s[awq_order(n)]) * (qx[wi * 8 + n] - zsx[n]);
            qx[wi * 8 + n] = 0.f;
        }
    }
    sx = 0.f;
}

/** A thread's AWQ_UNROLL rows of 4 words each and their x (zero past the end of its run). */
struct AwqRows {
    unsigned q[AWQ_UNROLL][4];
    float x[AWQ_UNROLL];
};

__device__ __forceinline__ void awq_load_rows(AwqRows& r, const int* qweight, const half* x, int k0, int k_end, int W,
                                              int word0, bool vec) {
#pragma unroll
    for (int u = 0; u < AWQ_UNROLL; u++) {
        int k = k0 + u;
        r.x[u] = 0.f;
#pragma unroll
        for (int wi = 0; wi < 4; wi++) r.q[u][wi] = 0u;
        if (k < k_end) {
            const int* row = qweight + (size_t) k * W + word0;
            if (vec) {
                int4 v = __ldg(reinterpret_cast<const int4*>(row));
                r.q[u][0] = v.x; r.q[u][1] = v.y; r.q[u][2] = v.z; r.q[u][3] = v.w;
            } else {
#pragma unroll
                for (int wi = 0; wi < 4; wi++) r.q[u][wi] = word0 + wi < W ? (unsigned) __ldg(row + wi) : 0u;
            }
            r.x[u] = __half2float(x[k]);
        }
    }
}

/** qx[wi*8 + n] += field n of q[wi] * x. */
__device__ __forceinline__ void awq_accumulate(float qx[32], const unsigned q[4], float x, unsigned magic) {
    float xs[5];
    awq_places(xs, x);
#pragma unroll
    for (int wi = 0; wi < 4; wi++) {
        float t[8];
        awq_fields_times(t, q[wi], xs, magic);
#pragma unroll
        for (int n = 0; n < 8; n++) qx[wi * 8 + n] += t[n];  // contracted with the product into one FFMA
    }
}

/**
 * partial[split][c] for split = blockIdx.y over rows [split*rows_per_split, +rows_per_split) of K;
 * rows_per_split is a multiple of 32. Grid (ceil(W / 32), splits), block 256.
 */
extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2)
awq_gemv_partial_f16(float* partial, const int* qweight, const int* qzeros, const half* scales, const half* x,
                     int K, int N, int group_size, int rows_per_split) {
    int W = N >> 3;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int word0 = blockIdx.x * AWQ_TILE_WORDS + 4 * (lane & 7);
    bool vec = (W & 3) == 0 && word0 + 3 < W;
    // 2^23's bits, as the compiler cannot fold them into an immediate (K >= 1: the OR changes nothing)
    unsigned magic = AWQ_MAGIC | ((unsigned) K >> 31);
    int run = rows_per_split / AWQ_ROW_LANES;
    int k_begin = blockIdx.y * rows_per_split + (4 * warp + (lane >> 3)) * run;
    int k_end = min(K, k_begin + run);

    __shared__ AwqAcc acc;
    float qx[32], sx = 0.f;
#pragma unroll
    for (int c = 0; c < 32; c++) { acc[c][threadIdx.x] = 0.f; qx[c] = 0.f; }

    AwqRows cur, next;
    awq_load_rows(cur, qweight, x, k_begin, k_end, W, word0, vec);
    // this thread's current group [group_end - group_size, group_end), its zeros and scales in flight with the rows
    int group_end = k_begin;
    AwqGroup grp;
    if (k_begin < k_end) {
        group_end = (k_begin / group_size + 1) * group_size;
        awq_load_group(grp, qzeros, scales, k_begin / group_size, word0, W, N);
    }
    for (int k0 = k_begin; k0 < k_end; k0 += AWQ_UNROLL) {
        awq_load_rows(next, qweight, x, k0 + AWQ_UNROLL, k_end, W, word0, vec);
        // rows [lo, hi) of the chunk in the current group; a boundary inside the chunk takes a second pass
        for (int lo = 0;;) {
            if (k0 + lo >= group_end) {  // rare: fold the group in, then the next one's zeros and scales (waited for)
                awq_flush(acc, qx, sx, grp, magic);
                int g = (k0 + lo) / group_size;
                group_end = (g + 1) * group_size;
                awq_load_group(grp, qzeros, scales, g, word0, W, N);
            }
            int hi = min(AWQ_UNROLL, group_end - k0);
#pragma unroll
            for (int u = 0; u < AWQ_UNROLL; u++) {
                float xu = u >= lo && u < hi ? cur.x[u] : 0.f;  // rows of another group add exactly nothing
                sx += xu;
                awq_accumulate(qx, cur.q[u], xu, magic);
            }
            if (hi >= AWQ_UNROLL || k0 + hi >= k_end) break;
            lo = hi;
        }
        cur = next;
    }
    if (k_begin < k_end) awq_flush(acc, qx, sx, grp, magic);

    // column slot t of the tile (lane group t/32's 32 columns, column t%32 of those) is summed over the 32 threads of
    // that lane group (lane % 8 == t / 32): 8 warps times 4 row lanes
    __syncthreads();
    int t = threadIdx.x;
    int cg = t >> 5, c = t & 31;
    int word = blockIdx.x * AWQ_TILE_WORDS + 4 * cg + (c >> 3);
    if (word < W) {
        float total = 0.f;
#pragma unroll
        for (int r = 0; r < AWQ_ROW_LANES; r++) total += acc[c][(r >> 2) * 32 + (r & 3) * 8 + cg];
        partial[(size_t) blockIdx.y * N + 8 * word + awq_order(c & 7)] = total;
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
