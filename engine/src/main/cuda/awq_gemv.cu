// W4A16 matrix-vector product for AutoAWQ "gemm" checkpoints, read in their stored layout (no repack):
//   qweight int32 [K][W], W = N/8: nibble n (bits 4n..4n+3) of word w holds output column 8w + ORDER[n],
//           ORDER = {0, 2, 4, 6, 1, 3, 5, 7} (AutoAWQ's order_map);
//   qzeros  int32 [K/G][W], the same packing;   scales fp16 [K/G][N];   x fp16 [K].
//   y[c] = sum_k x[k] * (q[k][c] - z[k/G][c]) * s[k/G][c].
// One launch, deterministic: each block writes one fp32 partial sum per output column of its tile for its slice of K
// (split-K keeps every multiprocessor busy when N alone gives too few blocks), and the block that finishes a tile
// last - counted by an atomic a tile - adds the tile's slices in a fixed order and writes y (fp16, or fp32 logits).
// The few-token kernels further down fold their slices the same way, over their tokens' rows of the tile.
//
// Partial kernel: a block of 256 threads covers a tile of 32 words (256 columns) and the rows of its slice. The 32
// row lanes of a block (r = 4*warp + lane/8) each take a contiguous run of rows_per_split/32 rows; lane l reads the
// 4 words [4*(l%8), +4) of its row: one 16-byte load per thread, 128 contiguous bytes per 8 lanes. Per group the
// thread sums q*x and x in fp32, then folds in s*(sum q*x - z*sum x) once - a run of rows inside one group pays
// that once, where rows dealt round-robin to the lanes paid it every few rows.
// Bandwidth-bound at one token, so the inner loop is kept short and the loads many:
//  - a thread loads AWQ_UNROLL rows (and the first group's zeros and scales) before it uses any of them;
//  - no integer-to-float conversion (a quarter-rate instruction on sm_80/sm_90): field n of a word, masked in place
//    and OR-ed into the mantissa of 2^23, reads as the float 2^23 + q*16^n exactly; less 2^23 it is q*16^n, which
//    multiplies x*16^-n (exact: a power of two) - one LOP3 (the 2^23 held in a register: with two immediates the
//    compiler splits it in two), one FADD, one FFMA per weight;
//  - at most 128 registers (two blocks a multiprocessor), which AwqPlan sizes the grid for.
#include "common.cuh"
#include "cp_async.cuh"
#include <string.h>

#define AWQ_THREADS 256
#define AWQ_TILE_WORDS 32
#define AWQ_ROW_LANES 32
#define AWQ_UNROLL 4
#define AWQ_MAGIC 0x4B000000u  // 2^23 as a float's bits

/** ORDER[n] as arithmetic, so that unrolled loops index registers with constants (a table would spill to the stack). */
__host__ __device__ constexpr int awq_order(int n) { return (n >> 2) + 2 * (n & 3); }

/** The field of w under MASK, read in place: (w & MASK) | magic as a float, less 2^23 (magic = 2^23's bits). */
template <unsigned MASK>
__host__ __device__ __forceinline__ float awq_field(unsigned w, unsigned magic) {
    unsigned bits;
#ifdef __CUDA_ARCH__
    asm("lop3.b32 %0, %1, %2, %3, 0xEA;" : "=r"(bits) : "r"(w), "n"(MASK), "r"(magic));  // (a & b) | c
#else
    bits = (w & MASK) | magic;  // the host build of src/test/cuda's checks
#endif
    float f;
    memcpy(&f, &bits, 4);
    return f - 8388608.f;
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

/** acc += s * (qx - z * sx) for this thread's 4 words of one group; then qx and sx restart. */
__device__ __forceinline__ void awq_flush(float acc[32], float qx[32], float& sx, const AwqGroup& grp, unsigned magic) {
    float sxs[5];
    awq_places(sxs, sx);
#pragma unroll
    for (int wi = 0; wi < 4; wi++) {
        const half* s = reinterpret_cast<const half*>(&grp.s[wi]);
        float zsx[8];
        awq_fields_times(zsx, grp.z[wi], sxs, magic);
#pragma unroll
        for (int n = 0; n < 8; n++) {
            acc[wi * 8 + n] += __half2float(s[awq_order(n)]) * (qx[wi * 8 + n] - zsx[n]);
            qx[wi * 8 + n] = 0.f;
        }
    }
    sx = 0.f;
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
 * The tile's outputs y[c] = the sum over slices of partial[slice][c], written by the block that finishes the tile
 * last (counters[tile], last_to_arrive), adding the slices in order from L2 (other multiprocessors wrote them). A
 * grid of one slice writes y directly.
 */
template <typename T>
__device__ __forceinline__ void awq_finish_tile(T* y, float* partial, unsigned* counters, int column, bool valid,
                                                float total, int N) {
    if (gridDim.y == 1) {
        if (valid) y[column] = from_float<T>(total);
        return;
    }
    if (valid) partial[(size_t) blockIdx.y * N + column] = total;
    if (last_to_arrive(&counters[blockIdx.x], gridDim.y)) {
        add_slices(y, partial, gridDim.y, 0, 1, blockIdx.x * AWQ_TILE_WORDS * 8, AWQ_TILE_WORDS * 8, 1, N);
    }
}

/**
 * The block's sums, then the tile's outputs (awq_finish_tile): lanes l, l^8, l^16, l^24 of a warp hold the same
 * columns for different rows (added by shuffles), then the 8 warps' in {@code sums} (8 KB of shared memory) in a
 * fixed order.
 */
template <typename T>
__device__ __forceinline__ void awq_store_tile(T* y, float* partial, unsigned* counters, float acc[32],
                                               float (*sums)[AWQ_TILE_WORDS * 8], int W, int N) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
#pragma unroll
    for (int c = 0; c < 32; c++) {
        acc[c] += __shfl_xor_sync(FULL_MASK, acc[c], 8);
        acc[c] += __shfl_xor_sync(FULL_MASK, acc[c], 16);
    }
    if (lane < 8) {
#pragma unroll
        for (int c = 0; c < 32; c++) sums[warp][lane * 32 + c] = acc[c];
    }
    __syncthreads();
    int t = threadIdx.x;  // one tile column slot per thread: lane slot t/32, its word t/8 % 4, nibble t % 8
    int word = blockIdx.x * AWQ_TILE_WORDS + 4 * (t >> 5) + ((t >> 3) & 3);
    float total = 0.f;
    if (word < W) {
#pragma unroll
        for (int w = 0; w < AWQ_THREADS / 32; w++) total += sums[w][t];
    }
    awq_finish_tile(y, partial, counters, 8 * word + awq_order(t & 7), word < W, total, N);
}

/** Asks L2 to fetch the line holding p (no value comes back, nothing waits for it). */
__device__ __forceinline__ void prefetch_l2(const void* p) {
#ifdef __CUDA_ARCH__
    asm volatile("prefetch.global.L2 [%0];" ::"l"(p));
#else
    (void) *static_cast<const volatile char*>(p);  // the host emulation reads the byte: a sanitizer sees a stray address
#endif
}

/**
 * y = W x: block (tile, split) sums rows [split*rows_per_split, +rows_per_split) of K into partial[split][c], the
 * tile's last block adds them into y; rows_per_split is a multiple of 32. Grid (ceil(W / 32), splits), block 256;
 * counters [ceil(W / 32)] zero (and zero again after the launch). PREFETCH > 0 (awq_gemv_prefetch_*, version 9 of
 * gpu/README.md's GEMV log): each thread also asks L2 for its rows PREFETCH rows ahead of the chunk it loads, the
 * first PREFETCH at the start, so a run's bytes are in flight from the first chunk on instead of a chunk's 4 rows
 * at a time (the registers still hold 4 rows; the loads then wait on L2, not on memory).
 */
template <typename T, int PREFETCH = 0>
__device__ __forceinline__ void awq_gemv(T* y, float* partial, unsigned* counters, const int* qweight,
                                         const int* qzeros, const half* scales, const half* x, int K, int N,
                                         int group_size, int rows_per_split) {
    int W = N >> 3;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int word0 = blockIdx.x * AWQ_TILE_WORDS + 4 * (lane & 7);
    bool vec = (W & 3) == 0 && word0 + 3 < W;
    // 2^23's bits, as the compiler cannot fold them into an immediate (K >= 1: the OR changes nothing)
    unsigned magic = AWQ_MAGIC | ((unsigned) K >> 31);
    int run = rows_per_split / AWQ_ROW_LANES;
    int k_begin = blockIdx.y * rows_per_split + (4 * warp + (lane >> 3)) * run;
    int k_end = min(K, k_begin + run);

    float acc[32], qx[32], sx = 0.f;
#pragma unroll
    for (int c = 0; c < 32; c++) { acc[c] = 0.f; qx[c] = 0.f; }
    // this thread's current group [group_end - group_size, group_end), loaded in grp
    int group = -1, group_end = 0;
    AwqGroup grp;
    const int* mine = qweight + word0;
    bool fetches = PREFETCH > 0 && word0 < W;
    if (fetches) {
        for (int k = k_begin + AWQ_UNROLL; k < min(k_end, k_begin + AWQ_UNROLL + PREFETCH); k++) {
            prefetch_l2(mine + (size_t) k * W);
        }
    }
    for (int k0 = k_begin; k0 < k_end; k0 += AWQ_UNROLL) {
        // every load of the chunk first: AWQ_UNROLL rows, their x, and the first row's group if it is a new one
        unsigned q[AWQ_UNROLL][4];
        float xk[AWQ_UNROLL];
#pragma unroll
        for (int u = 0; u < AWQ_UNROLL; u++) {
            int k = k0 + u;
            xk[u] = 0.f;
#pragma unroll
            for (int wi = 0; wi < 4; wi++) q[u][wi] = 0u;
            if (k < k_end) {
                const int* row = qweight + (size_t) k * W + word0;
                if (vec) {
                    int4 v = __ldg(reinterpret_cast<const int4*>(row));
                    q[u][0] = v.x; q[u][1] = v.y; q[u][2] = v.z; q[u][3] = v.w;
                } else {
#pragma unroll
                    for (int wi = 0; wi < 4; wi++) q[u][wi] = word0 + wi < W ? (unsigned) __ldg(row + wi) : 0u;
                }
                xk[u] = __half2float(x[k]);
            }
        }
        // a chunk that starts a group: the last group's sums are folded in (registers only) and the new group's
        // zeros and scales are loaded now, in flight with the rows above
        if (k0 >= group_end) {
            if (group >= 0) awq_flush(acc, qx, sx, grp, magic);
            group = k0 / group_size;
            group_end = (group + 1) * group_size;
            awq_load_group(grp, qzeros, scales, group, word0, W, N);
        }
#pragma unroll
        for (int u = 0; u < AWQ_UNROLL; u++) {
            int k = k0 + u;
            if (k >= k_end) break;
            if (k >= group_end) {  // a group boundary inside the chunk
                awq_flush(acc, qx, sx, grp, magic);
                group = k / group_size;
                group_end = (group + 1) * group_size;
                awq_load_group(grp, qzeros, scales, group, word0, W, N);
            }
            sx += xk[u];
            awq_accumulate(qx, q[u], xk[u], magic);
        }
        // the chunk PREFETCH rows past the next one: a prefetch brings a whole 128-byte line, which 8 lanes' 16 bytes
        // of a row share, so each lane asks for one of the chunk's rows (lanes l and l + 4 the same)
        int ahead = k0 + AWQ_UNROLL + PREFETCH + (lane & 3);
        if (fetches && ahead < k_end) prefetch_l2(mine + (size_t) ahead * W);
    }
    if (group >= 0) awq_flush(acc, qx, sx, grp, magic);

    __shared__ float sums[AWQ_THREADS / 32][AWQ_TILE_WORDS * 8];
    awq_store_tile(y, partial, counters, acc, sums, W, N);
}

#define AWQ_GEMV_PARAMS(T) T* y, float* partial, unsigned* counters, const int* qweight, const int* qzeros, \
    const half* scales, const half* x, int K, int N, int group_size, int rows_per_split
#define AWQ_GEMV_ARGS y, partial, counters, qweight, qzeros, scales, x, K, N, group_size, rows_per_split
extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2) awq_gemv_f16(AWQ_GEMV_PARAMS(half)) { awq_gemv<half>(AWQ_GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2) awq_gemv_f32(AWQ_GEMV_PARAMS(float)) { awq_gemv<float>(AWQ_GEMV_ARGS); }
// sm_80 (and the committed compute_80 PTX): version 3 already holds 128 registers there and the prefetches' addresses
// spill, so the kernel is version 3 itself; Hopper's cubin (and the host emulation, for the indexing) prefetch
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 900
#define AWQ_PREFETCH_ROWS 0
#else
#define AWQ_PREFETCH_ROWS 16
#endif
extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2) awq_gemv_prefetch_f16(AWQ_GEMV_PARAMS(half)) { awq_gemv<half, AWQ_PREFETCH_ROWS>(AWQ_GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2) awq_gemv_prefetch_f32(AWQ_GEMV_PARAMS(float)) { awq_gemv<float, AWQ_PREFETCH_ROWS>(AWQ_GEMV_ARGS); }

// ---- the same partial sums with the rows streamed through a ring in shared memory ----
// Version 3 above issues its 4 rows' loads, waits for them, computes, then issues the next 4: ncu found it
// latency-bound (1.1 eligible warps of 3.8 a scheduler). Here each thread keeps AWQ_STAGES - 1 of its rows in flight
// by cp.async into its own slots of a ring (16 bytes a slot, AWQ_STAGES slots a thread: 32 KB a block), so the loads
// no longer wait on registers or on the thread's arithmetic. A thread reads only the slots it filled itself, so
// cp.async.wait_group is the only synchronization the ring needs. x of the block's slice of K is staged in dynamic
// shared memory once (rows_per_split halves, at most AwqPlan.MAX_ROWS_PER_SPLIT).
#define AWQ_STAGES 8

/** Starts copying this thread's 4 words of row k into slot (words at or past W land as zeros). */
__device__ __forceinline__ void awq_ring_fetch(uint4* slot, const int* qweight, int k, int W, int word0, bool vec) {
    const int* row = qweight + (size_t) k * W + word0;
    if (vec) {
        cp_async16(slot, row, 16);
    } else {
#pragma unroll
        for (int wi = 0; wi < 4; wi++) {
            bool in = word0 + wi < W;  // src-size 0: nothing read, 4 zero bytes written
            cp_async4(reinterpret_cast<unsigned*>(slot) + wi, in ? row + wi : qweight, in ? 4 : 0);
        }
    }
}

/**
 * The same y as awq_gemv, with the same grid, block, row runs and counters. Dynamic shared memory: 2 *
 * rows_per_split bytes.
 */
template <typename T>
__device__ __forceinline__ void awq_gemv_ring(T* y, float* partial, unsigned* counters, const int* qweight,
                                              const int* qzeros, const half* scales, const half* x, int K, int N,
                                              int group_size, int rows_per_split) {
    __shared__ uint4 ring[AWQ_STAGES][AWQ_THREADS];  // slot s of thread t: ring[s][t] (a warp's 16-byte reads: 4 wavefronts)
    DYNAMIC_SHARED(half, x_slice);                   // x[split_begin ..), rows_per_split values
    int W = N >> 3;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int word0 = blockIdx.x * AWQ_TILE_WORDS + 4 * (lane & 7);
    bool vec = (W & 3) == 0 && word0 + 3 < W;
    unsigned magic = AWQ_MAGIC | ((unsigned) K >> 31);
    int run = rows_per_split / AWQ_ROW_LANES;
    int split_begin = blockIdx.y * rows_per_split;
    int k_begin = split_begin + (4 * warp + (lane >> 3)) * run;
    int rows = word0 < W ? max(0, min(K, k_begin + run) - k_begin) : 0;

    uint4* mine = &ring[0][threadIdx.x];
#pragma unroll
    for (int s = 0; s < AWQ_STAGES - 1; s++) {
        if (s < rows) awq_ring_fetch(mine + s * AWQ_THREADS, qweight, k_begin + s, W, word0, vec);
        cp_async_commit();  // one group a row, empty past the run: the wait below counts groups
    }
    int split_rows = min(rows_per_split, K - split_begin);
    for (int i = threadIdx.x; i < split_rows; i += AWQ_THREADS) x_slice[i] = x[split_begin + i];
    __syncthreads();

    float acc[32], qx[32], sx = 0.f;
#pragma unroll
    for (int c = 0; c < 32; c++) { acc[c] = 0.f; qx[c] = 0.f; }
    int group = -1, group_end = 0;
    AwqGroup grp;
    for (int i = 0; i < rows; i++) {
        int k = k_begin + i;
        cp_async_wait<AWQ_STAGES - 2>();  // row i's group is complete (AWQ_STAGES - 1 + i groups committed)
        uint4 v = mine[(i & (AWQ_STAGES - 1)) * AWQ_THREADS];
        // the slot row i - 1 used, read by this thread in the last iteration, takes row i + AWQ_STAGES - 1
        int ahead = i + AWQ_STAGES - 1;
        if (ahead < rows) awq_ring_fetch(mine + (ahead & (AWQ_STAGES - 1)) * AWQ_THREADS, qweight, k_begin + ahead, W, word0, vec);
        cp_async_commit();
        if (k >= group_end) {
            if (group >= 0) awq_flush(acc, qx, sx, grp, magic);
            group = k / group_size;
            group_end = (group + 1) * group_size;
            awq_load_group(grp, qzeros, scales, group, word0, W, N);
        }
        float xk = __half2float(x_slice[k - split_begin]);
        unsigned q[4] = {v.x, v.y, v.z, v.w};
        sx += xk;
        awq_accumulate(qx, q, xk, magic);
    }
    if (group >= 0) awq_flush(acc, qx, sx, grp, magic);
    cp_async_wait<0>();
    __syncthreads();  // every ring slot is read: the epilogue's sums reuse the ring

    awq_store_tile(y, partial, counters, acc, reinterpret_cast<float (*)[AWQ_TILE_WORDS * 8]>(&ring[0][0]), W, N);
}

extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2) awq_gemv_ring_f16(AWQ_GEMV_PARAMS(half)) { awq_gemv_ring<half>(AWQ_GEMV_ARGS); }
extern "C" __global__ void __launch_bounds__(AWQ_THREADS, 2) awq_gemv_ring_f32(AWQ_GEMV_PARAMS(float)) { awq_gemv_ring<float>(AWQ_GEMV_ARGS); }

// ---- a few tokens at once (decode of a batch of 2-32 sequences) ----
// The GEMV's split-K structure with MT tokens a block (grid z: groups of MT tokens), written without a GPU and not
// yet timed (gpu/README.md: "The AWQ GEMM at a few tokens"). A warp covers the 32 words (256 columns) of the tile for
// a contiguous run of rows (8 warps, 8 runs); a thread one word: 8 columns times MT tokens of fp32 sums. Each weight is
// dequantized once for all the tokens, exactly: field n of the word read in place as q * 16^p (p its place, see
// awq_field), then w = q * 16^p * (s * 16^-p) - z * s in one FFMA - every product there fits in fp32's mantissa
// (4-bit times fp16), so w is (q - z) * s without rounding; then MT FFMA with the tokens' x. 3 + MT instructions a
// weight. x of the block's slice and tokens is staged in shared memory as fp32 [row][token], so one 16-byte load
// brings four tokens' x. One slice writes y; several write partials [split][M][N], which the last block of each
// (tile, token group) adds into y (counters[z * tiles + x]).
// With one token (awq_gemv_tokens1_*: a candidate for the one-row product that gpu.model.AwqKernelTuner times against
// the GEMVs above) a thread holds 8 sums instead of version 3's 32 and 64 registers: four blocks a multiprocessor, so
// more warps keep loads in flight where version 3 relies on each thread's rows (4 instructions a weight against 3.25).
#define AWQ_TOK_WARPS 8
#define AWQ_TOK_AHEAD 8

/** The 8 fields of w as q * 16^p (fields 5..7 from w >> 20), p = n for n < 5, else n - 5. */
__host__ __device__ __forceinline__ void awq_fields(float f[8], unsigned w, unsigned magic) {
    unsigned hi = w >> 20;
    f[0] = awq_field<0xFu>(w, magic);
    f[1] = awq_field<0xF0u>(w, magic);
    f[2] = awq_field<0xF00u>(w, magic);
    f[3] = awq_field<0xF000u>(w, magic);
    f[4] = awq_field<0xF0000u>(w, magic);
    f[5] = awq_field<0xFu>(hi, magic);
    f[6] = awq_field<0xF0u>(hi, magic);
    f[7] = awq_field<0xF00u>(hi, magic);
}

/** 16^-p for field n's place p. */
__host__ __device__ constexpr float awq_place_inverse(int n) {
    return n == 0 || n == 5 ? 1.f : n == 1 || n == 6 ? 0x1p-4f : n == 2 || n == 7 ? 0x1p-8f : n == 3 ? 0x1p-12f : 0x1p-16f;
}

/** One group's scale of field n times 16^-place (sp) and zero times scale (zs), from its zero word and 8 scales. */
__host__ __device__ __forceinline__ void awq_group_terms(float sp[8], float zs[8], unsigned z, uint4 scales,
                                                        unsigned magic) {
    const half* s = reinterpret_cast<const half*>(&scales);
    float zf[8];
    awq_fields(zf, z, magic);
#pragma unroll
    for (int n = 0; n < 8; n++) {
        float sn = __half2float(s[awq_order(n)]);
        sp[n] = sn * awq_place_inverse(n);
        zs[n] = zf[n] * sp[n];  // z * 16^p * s * 16^-p: exact
    }
}

/** The 8 weights of word q, w[n] = (q_n - z_n) * s_n exactly (one FFMA each: see the comment above). */
__host__ __device__ __forceinline__ void awq_dequantize(float w[8], unsigned q, const float sp[8], const float zs[8],
                                                       unsigned magic) {
    awq_fields(w, q, magic);
#pragma unroll
    for (int n = 0; n < 8; n++) w[n] = fmaf(w[n], sp[n], -zs[n]);
}

template <int MT, typename T>
__device__ __forceinline__ void awq_tokens(T* y, float* partial, unsigned* counters, const int* qweight,
                                           const int* qzeros, const half* scales, const half* x, int M, int K, int N,
                                           int group_size, int rows_per_split) {
    DYNAMIC_SHARED(float, xt);  // [rows of the slice][MT]
    __shared__ float sums[AWQ_TOK_WARPS][AWQ_TILE_WORDS * 8];
    int W = N >> 3;
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    int word = blockIdx.x * AWQ_TILE_WORDS + lane;
    int m0 = blockIdx.z * MT;
    int split_begin = blockIdx.y * rows_per_split;
    int split_rows = min(rows_per_split, K - split_begin);
    // x[m0 + t][split_begin + r] -> xt[r * MT + t], zeros for tokens past M (their sums are never written);
    // AWQ_TOK_AHEAD values a thread loaded before any is stored (one at a time, a slice of 512 rows of 8 tokens took
    // 16 round trips before the first weight)
    block_strided<AWQ_TOK_AHEAD>(split_rows * MT, [&](int i) {
        int t = i / split_rows, r = i - t * split_rows;
        return m0 + t < M ? __half2float(x[(size_t) (m0 + t) * K + split_begin + r]) : 0.f;
    }, [&](int i, float v) {
        int t = i / split_rows, r = i - t * split_rows;
        xt[r * MT + t] = v;
    });
    __syncthreads();

    unsigned magic = AWQ_MAGIC | ((unsigned) K >> 31);
    int run = rows_per_split / AWQ_TOK_WARPS;
    int k_begin = split_begin + warp * run;
    int rows = word < W ? max(0, min(K, k_begin + run) - k_begin) : 0;
    const unsigned* column = reinterpret_cast<const unsigned*>(qweight) + word;

    float acc[MT][8];
#pragma unroll
    for (int t = 0; t < MT; t++)
#pragma unroll
        for (int n = 0; n < 8; n++) acc[t][n] = 0.f;
    float sp[8], zs[8];
    int group_end = 0;
    for (int i0 = 0; i0 < rows; i0 += AWQ_TOK_AHEAD) {
        unsigned q[AWQ_TOK_AHEAD];
#pragma unroll
        for (int u = 0; u < AWQ_TOK_AHEAD; u++) q[u] = i0 + u < rows ? __ldg(column + (size_t) (k_begin + i0 + u) * W) : 0u;
#pragma unroll
        for (int u = 0; u < AWQ_TOK_AHEAD; u++) {
            int k = k_begin + i0 + u;
            if (i0 + u >= rows) break;
            if (k >= group_end) {
                int g = k / group_size;
                group_end = (g + 1) * group_size;
                unsigned z = (unsigned) __ldg(qzeros + (size_t) g * W + word);
                uint4 s = __ldg(reinterpret_cast<const uint4*>(scales + (size_t) g * N + 8 * word));
                awq_group_terms(sp, zs, z, s, magic);
            }
            float w[8];
            awq_dequantize(w, q[u], sp, zs, magic);
            const float* xr = xt + (k - split_begin) * MT;
            float xv[MT];
            if constexpr (MT % 4 == 0) {
#pragma unroll
                for (int t = 0; t < MT; t += 4) {
                    float4 v = *reinterpret_cast<const float4*>(xr + t);
                    xv[t] = v.x; xv[t + 1] = v.y; xv[t + 2] = v.z; xv[t + 3] = v.w;
                }
            } else {
#pragma unroll
                for (int t = 0; t < MT; t++) xv[t] = xr[t];
            }
#pragma unroll
            for (int t = 0; t < MT; t++)
#pragma unroll
                for (int n = 0; n < 8; n++) acc[t][n] = fmaf(w[n], xv[t], acc[t][n]);
        }
    }

    // the 8 warps' runs of each token's sums, added in shared memory one token at a time
    bool direct = gridDim.y == 1;
#pragma unroll
    for (int t = 0; t < MT; t++) {
        if (m0 + t < M) {  // the same for the whole block
#pragma unroll
            for (int n = 0; n < 8; n++) sums[warp][n * 32 + lane] = acc[t][n];
            __syncthreads();
            int slot = threadIdx.x;  // field slot >> 5 of word lane slot & 31
            int wd = blockIdx.x * AWQ_TILE_WORDS + (slot & 31);
            if (wd < W) {
                float total = 0.f;
#pragma unroll
                for (int v = 0; v < AWQ_TOK_WARPS; v++) total += sums[v][slot];
                size_t at = (size_t) (m0 + t) * N + 8 * wd + awq_order(slot >> 5);
                if (direct) {
                    y[at] = from_float<T>(total);
                } else {
                    partial[(size_t) blockIdx.y * M * N + at] = total;
                }
            }
            __syncthreads();
        }
    }
    if (!direct && last_to_arrive(&counters[blockIdx.z * gridDim.x + blockIdx.x], gridDim.y)) {
        add_slices(y, partial, gridDim.y, m0, MT, blockIdx.x * AWQ_TILE_WORDS * 8, AWQ_TILE_WORDS * 8, M, N);
    }
}

// MIN_BLOCKS: the blocks a multiprocessor AwqTokensPlan fills one wave with (the registers a thread may use follow)
#define AWQ_TOKENS_ENTRY(MT, MIN_BLOCKS, T, suffix)                                                                    \
    extern "C" __global__ void __launch_bounds__(AWQ_TOK_WARPS * 32, MIN_BLOCKS)                                       \
        awq_gemv_tokens##MT##_##suffix(T* y, float* partial, unsigned* counters, const int* qweight,                  \
                                       const int* qzeros, const half* scales, const half* x, int M, int K, int N,      \
                                       int group_size, int rows_per_split) {                                           \
        awq_tokens<MT, T>(y, partial, counters, qweight, qzeros, scales, x, M, K, N, group_size, rows_per_split);      \
    }

AWQ_TOKENS_ENTRY(1, 4, half, f16)
AWQ_TOKENS_ENTRY(2, 2, half, f16)
AWQ_TOKENS_ENTRY(4, 2, half, f16)
AWQ_TOKENS_ENTRY(8, 2, half, f16)
AWQ_TOKENS_ENTRY(1, 4, float, f32)
AWQ_TOKENS_ENTRY(2, 2, float, f32)
AWQ_TOKENS_ENTRY(4, 2, float, f32)
AWQ_TOKENS_ENTRY(8, 2, float, f32)
