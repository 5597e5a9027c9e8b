// Temperature / top-k / top-p / min-p sampling on the device, one block per row of logits, with the uniform number
// u of each row given by the host: the same math as io.quantserve.engine.sampling.Sampler (after its penalties),
// so that a row gives the CPU's token for the same u:
//   w_i = (float) exp((double) ((x_i - max) * (1 / T)))   (the most likely token gets exactly 1)
//   top-k: the k largest keys; top-p: the shortest prefix (by key, descending) whose mass reaches p * mass, where
//   mass is the top-k mass or the total; min-p: w >= min_p (the first token always stays); then r = u * kept and
//   the first token (same order) whose cumulative weight exceeds r. Without top-k and top-p the draw walks the
//   tokens in index order (as the CPU's unsorted draw). T == 0: the lowest index of the maximum.
// key(w, i) = (bits(w) << 32) | (0xffffffff - i): larger weights first, among equal weights lower ids first
// (the CPU's order). Masses are summed in double, as the CPU sums them.
// Differences from the CPU: a NaN logit has weight 0 here (the CPU's result is undefined); a row with no finite
// maximum (all NaN or -inf, or a +inf) gives -1 (the CPU throws).
//
// How: "the prefix of the sorted row reaching a mass" is found without sorting, by bisection over the 64-bit key
// (each step a block-wide sum of the weights whose key is >= the pivot: the weight bits first, then among ties the
// id, ~30 steps instead of 62). The sums run over a candidate set
// gathered into shared memory (at most SAMPLE_CAP tokens of the highest weights, chosen from a half-octave
// histogram so that it holds every token the answer can be), else over the whole row in the weights workspace.
#include "common.cuh"

#define SAMPLE_THREADS 512
#define SAMPLE_WARPS (SAMPLE_THREADS / 32)
#define SAMPLE_BINS 64
#define SAMPLE_CAP 4096
/** Loads of a row a thread has in flight in a pass over it. */
#define SAMPLE_UNROLL 8
#define ONE_BITS 0x3f800000u

/** Per-row parameters as the host packs them (24 bytes, little-endian). */
struct SampleRow {
    double u;            // uniform in [0, 1)
    float temperature;   // 0: greedy
    float top_p;         // 1: off
    float min_p;         // 0: off
    int top_k;           // <= 0 or >= n: off
};

typedef unsigned long long u64;

__device__ __forceinline__ u64 sample_key(float w, int i) {
    return ((u64) __float_as_uint(w) << 32) | (u64) (0xffffffffu - (unsigned) i);
}

/** Half-octave bins of the weight, bin 0 the largest (w = 1), the last one everything below ~2^-31 (and 0). */
__device__ __forceinline__ int weight_bin(float w) {
    unsigned bits = __float_as_uint(w);
    if (bits >= ONE_BITS) return 0;
    return min(SAMPLE_BINS - 1, (int) ((ONE_BITS - bits) >> 22));
}

__device__ __forceinline__ double warp_sum(double v) {
    for (int o = 16; o > 0; o >>= 1) v += __shfl_xor_sync(FULL_MASK, v, o);
    return v;
}

/** Block-wide sum, every thread gets it. */
__device__ double block_sum_d(double v, double* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    v = warp_sum(v);
    __syncthreads();  // scratch free (a previous call may still read it)
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < SAMPLE_WARPS ? scratch[lane] : 0.0;
    return warp_sum(v);
}

/** Exclusive prefix sum over the threads in order; every thread gets its own prefix. */
__device__ double block_exclusive_scan_d(double v, double* scratch) {
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    double inclusive = v;
    for (int o = 1; o < 32; o <<= 1) {
        double up = __shfl_up_sync(FULL_MASK, inclusive, o);
        if (lane >= o) inclusive += up;
    }
    __syncthreads();
    if (lane == 31) scratch[warp] = inclusive;
    __syncthreads();
    double before = 0.0;
    for (int w = 0; w < warp; w++) before += scratch[w];
    return before + inclusive - v;
}

/** The tokens a search runs over: weights and their token ids (ids null: the id is the position). */
struct Source {
    const float* w;
    const int* ids;
    int count;
};

/**
 * Calls f(w, id) for this thread's tokens of the source, j = threadIdx.x, + SAMPLE_THREADS, ... in that order, their
 * weights (and ids) loaded SAMPLE_UNROLL at a time before any is used (block_strided): a pass over a 32K-token row in
 * the workspace is 63 loads a thread, which one at a time are 63 round trips to L2 (a search makes ~30-50 passes).
 */
template <typename F>
__device__ __forceinline__ void for_each_token(const Source& s, F f) {
    struct Token { float w; int id; };
    if (s.ids) {
        block_strided<SAMPLE_UNROLL>(s.count, [&](int j) { return Token{s.w[j], s.ids[j]}; },
                                     [&](int, Token t) { f(t.w, t.id); });
    } else {
        block_strided<SAMPLE_UNROLL>(s.count, [&](int j) { return s.w[j]; }, [&](int j, float w) { f(w, j); });
    }
}

/** Sum over the source of (count ? 1 : w) for keys >= pivot. */
template <bool COUNT>
__device__ double mass_from(const Source& s, u64 pivot, double* scratch) {
    double acc = 0.0;
    for_each_token(s, [&](float w, int id) {
        if (sample_key(w, id) >= pivot) acc += COUNT ? 1.0 : (double) w;
    });
    return block_sum_d(acc, scratch);
}

/** Block-wide least and largest of (lo, hi) over the threads; every thread gets both. */
__device__ __forceinline__ uint2 block_min_max(unsigned lo, unsigned hi) {
    __shared__ unsigned part[2][SAMPLE_WARPS];
    int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
    for (int o = 16; o > 0; o >>= 1) {
        lo = min(lo, __shfl_xor_sync(FULL_MASK, lo, o));
        hi = max(hi, __shfl_xor_sync(FULL_MASK, hi, o));
    }
    __syncthreads();  // part free (a previous call may still read it)
    if (lane == 0) { part[0][warp] = lo; part[1][warp] = hi; }
    __syncthreads();
    lo = lane < SAMPLE_WARPS ? part[0][lane] : 0xffffffffu;
    hi = lane < SAMPLE_WARPS ? part[1][lane] : 0u;
    for (int o = 16; o > 0; o >>= 1) {
        lo = min(lo, __shfl_xor_sync(FULL_MASK, lo, o));
        hi = max(hi, __shfl_xor_sync(FULL_MASK, hi, o));
    }
    return make_uint2(lo, hi);
}

/**
 * The span of the source's keys a search needs: with TIES, the least and largest low word (0xffffffff - id) of the
 * tokens whose weight bits are `bits`; else the least and largest weight bits of the tokens (only those of weight
 * > 0 unless COUNT: a zero weight adds nothing to a mass, so a mass's answer is never one). (0xffffffff, 0) if none.
 */
template <bool COUNT, bool TIES>
__device__ __forceinline__ uint2 key_span(const Source& s, unsigned bits) {
    unsigned lo = 0xffffffffu, hi = 0u;
    for_each_token(s, [&](float w, int id) {
        unsigned wb = __float_as_uint(w);
        if (TIES) {
            if (wb == bits) {
                unsigned low = 0xffffffffu - (unsigned) id;
                lo = min(lo, low);
                hi = max(hi, low);
            }
        } else if (COUNT || w > 0.f) {
            lo = min(lo, wb);
            hi = max(hi, wb);
        }
    });
    return block_min_max(lo, hi);
}

/**
 * The largest key k with f(k) >= target (STRICT: > target), f(k) = mass_from(k); that key is a token's (f steps
 * only at keys). 0 when even f(0) (everything) does not pass.
 * Found in two bisections instead of one over all 62 bits: first the weight bits W (the high word) between the
 * source's least and largest, the largest W with f(W << 32) passing; then, among the tokens of weight bits W (ties,
 * ordered by id), the low word, between their least and largest. Each f is the same sum mass_from always makes, so
 * the answer is the one-bisection answer (f never rises with k: it sums fewer terms of the same order): ~30 steps
 * and, with ties at the answer's weight, log2 of their ids' span (at most 17 for 100k tokens), instead of 62.
 */
template <bool COUNT, bool STRICT>
__device__ u64 find_key(const Source& s, double target, double* scratch) {
    double all = mass_from<COUNT>(s, 0, scratch);
    if (STRICT ? !(all > target) : !(all >= target)) return 0;
    // f(least << 32) sums every token that counts (all passes); f((largest + 1) << 32) sums none (it cannot: target
    // >= 1 counting, a mass's target > 0, or STRICT)
    uint2 span = key_span<COUNT, false>(s, 0);
    u64 lo = span.x, hi = (u64) span.y + 1;
    while (hi - lo > 1) {
        u64 mid = lo + ((hi - lo) >> 1);
        double f = mass_from<COUNT>(s, mid << 32, scratch);
        if (STRICT ? f > target : f >= target) lo = mid;
        else hi = mid;
    }
    u64 high = lo << 32;
    // f(high | least low word) = f(high) passes; past the largest, the tokens of this weight are gone and f fails
    span = key_span<COUNT, true>(s, (unsigned) lo);
    lo = span.x;
    hi = (u64) span.y + 1;
    while (hi - lo > 1) {
        u64 mid = lo + ((hi - lo) >> 1);
        double f = mass_from<COUNT>(s, high | mid, scratch);
        if (STRICT ? f > target : f >= target) lo = mid;
        else hi = mid;
    }
    return high | lo;
}

/** As for_each_token, over a row of logits: f(value as float, index). */
template <typename T, typename F>
__device__ __forceinline__ void for_each_logit(const T* x, int n, F f) {
    block_strided<SAMPLE_UNROLL>(n, [&](int i) { return to_float(x[i]); }, [&](int i, float v) { f(v, i); });
}

template <typename T>
__device__ void sample_row(int* out, float* weights, const T* logits, const SampleRow* rows, int n) {
    __shared__ double scratch[32];
    __shared__ int shared_int[2];
    __shared__ int cand_count;
    __shared__ int cand_bound;
    __shared__ __align__(16) unsigned char pool[SAMPLE_CAP * 8];  // histograms, then the candidates
    float* hist_mass = reinterpret_cast<float*>(pool);                              // [warps][bins]
    int* hist_count = reinterpret_cast<int*>(pool + SAMPLE_WARPS * SAMPLE_BINS * 4);  // [warps][bins]
    float* cand_w = reinterpret_cast<float*>(pool);
    int* cand_id = reinterpret_cast<int*>(pool + SAMPLE_CAP * 4);

    int tid = threadIdx.x, lane = tid & 31, warp = tid >> 5;
    const T* x = logits + (size_t) blockIdx.x * n;
    float* w = weights + (size_t) blockIdx.x * n;
    SampleRow p = rows[blockIdx.x];

    // maximum (NaN never wins) and the lowest index holding it
    float best = -INFINITY;
    int at = 0x7fffffff;
    for_each_logit(x, n, [&](float v, int i) {
        if (v > best) { best = v; at = i; }  // i grows: the first maximum of this thread stays
    });
    for (int o = 16; o > 0; o >>= 1) {
        float v = __shfl_xor_sync(FULL_MASK, best, o);
        int i = __shfl_xor_sync(FULL_MASK, at, o);
        if (v > best || (v == best && i < at)) { best = v; at = i; }
    }
    __shared__ float warp_best[SAMPLE_WARPS];
    __shared__ int warp_at[SAMPLE_WARPS];
    if (lane == 0) { warp_best[warp] = best; warp_at[warp] = at; }
    __syncthreads();
    best = warp_best[0];
    at = warp_at[0];
    for (int i = 1; i < SAMPLE_WARPS; i++) {
        if (warp_best[i] > best || (warp_best[i] == best && warp_at[i] < at)) { best = warp_best[i]; at = warp_at[i]; }
    }
    if (!isfinite(best)) {
        if (tid == 0) out[blockIdx.x] = -1;
        return;
    }
    if (p.temperature <= 0.f) {
        if (tid == 0) out[blockIdx.x] = at;
        return;
    }

    // weights into the workspace, their total, and per-warp histograms (count, mass) by half-octave
    for (int i = tid; i < SAMPLE_WARPS * SAMPLE_BINS; i += SAMPLE_THREADS) { hist_mass[i] = 0.f; hist_count[i] = 0; }
    __syncthreads();
    float inv_t = 1.f / p.temperature;
    bool min_p_on = p.min_p > 0.f;
    double local = 0.0;
    for_each_logit(x, n, [&](float v, int i) {
        float wi = isnan(v) ? 0.f : (float) exp((double) ((v - best) * inv_t));
        w[i] = wi;
        local += wi;
        int b = weight_bin(wi);
        atomicAdd(&hist_mass[warp * SAMPLE_BINS + b], wi);
        atomicAdd(&hist_count[warp * SAMPLE_BINS + b], 1);
    });
    double total = block_sum_d(local, scratch);  // its barriers also order the histogram atomics before the reads

    bool top_k_on = p.top_k > 0 && p.top_k < n;
    bool top_p_on = p.top_p < 1.f;
    if (!top_k_on && !top_p_on) {
        // index order, as the CPU's unsorted draw: chunk per thread, prefix sums across threads
        double kept = total;
        if (min_p_on) {
            double s = 0.0;
            for (int i = tid; i < n; i += SAMPLE_THREADS) s += w[i] < p.min_p ? 0.0 : (double) w[i];
            kept = block_sum_d(s, scratch);
        }
        double r = p.u * kept;
        int chunk = (n + SAMPLE_THREADS - 1) / SAMPLE_THREADS;
        int begin = min(n, tid * chunk), end = min(n, begin + chunk);
        double mine = 0.0;
        for (int i = begin; i < end; i++) {
            float wi = w[i];
            if (!(min_p_on && wi < p.min_p)) mine += wi;
        }
        double running = block_exclusive_scan_d(mine, scratch);
        if (tid == 0) { shared_int[0] = 0x7fffffff; shared_int[1] = -1; }
        __syncthreads();
        int found = 0x7fffffff, last = -1;
        for (int i = begin; i < end; i++) {
            float wi = w[i];
            if (wi > 0.f && !(min_p_on && wi < p.min_p)) {
                running += wi;
                last = i;
                if (running > r) { found = i; break; }
            }
        }
        if (found != 0x7fffffff) atomicMin(&shared_int[0], found);
        if (last >= 0) atomicMax(&shared_int[1], last);
        __syncthreads();
        if (tid == 0) out[blockIdx.x] = shared_int[0] != 0x7fffffff ? shared_int[0] : shared_int[1];
        return;
    }

    // candidates: every bin down to the first where the count reaches k (top-k) or the mass reaches p * total
    // (top-p alone; float bin masses, hence the margin; checked exactly below)
    if (warp == 0) {
        double limit = (double) p.top_p * total * (1.0 + 1e-4);
        int cum_count = 0;
        double cum_mass = 0.0;
        int bound = SAMPLE_BINS - 1, count = 0;
        for (int b0 = 0; b0 < SAMPLE_BINS; b0 += 32) {
            int b = b0 + lane;
            int c = 0;
            double m = 0.0;
            for (int v = 0; v < SAMPLE_WARPS; v++) { c += hist_count[v * SAMPLE_BINS + b]; m += hist_mass[v * SAMPLE_BINS + b]; }
            // inclusive scan across the lanes
            int cs = c;
            double ms = m;
            for (int o = 1; o < 32; o <<= 1) {
                int cu = __shfl_up_sync(FULL_MASK, cs, o);
                double mu = __shfl_up_sync(FULL_MASK, ms, o);
                if (lane >= o) { cs += cu; ms += mu; }
            }
            cs += cum_count;
            ms += cum_mass;
            bool reached = top_k_on ? cs >= p.top_k : ms >= limit;
            unsigned hit = __ballot_sync(FULL_MASK, reached);
            if (hit) {
                int first = __ffs(hit) - 1;
                bound = b0 + first;
                count = __shfl_sync(FULL_MASK, cs, first);
                break;
            }
            cum_count = __shfl_sync(FULL_MASK, cs, 31);
            cum_mass = __shfl_sync(FULL_MASK, ms, 31);
            count = cum_count;
        }
        if (lane == 0) { cand_bound = bound; cand_count = count <= SAMPLE_CAP ? 0 : -1; }
    }
    __syncthreads();
    bool gather = cand_count == 0;  // read by every thread before any adds to it
    __syncthreads();
    Source src{w, nullptr, n};
    if (gather) {
        int bound = cand_bound;
        for (int i0 = 0; i0 < n; i0 += SAMPLE_THREADS) {   // warp-uniform trips: the ballot needs every lane
            int i = i0 + tid;
            float wi = i < n ? w[i] : 0.f;
            bool take = i < n && weight_bin(wi) <= bound;
            unsigned mask = __ballot_sync(FULL_MASK, take);
            int base = 0;
            if (lane == 0 && mask) base = atomicAdd(&cand_count, __popc(mask));
            base = __shfl_sync(FULL_MASK, base, 0);
            if (take) {
                int slot = base + __popc(mask & ((1u << lane) - 1));
                if (slot < SAMPLE_CAP) { cand_w[slot] = wi; cand_id[slot] = i; }
            }
        }
        __syncthreads();
        int count = cand_count;
        if (count <= SAMPLE_CAP) {
            Source cand{cand_w, cand_id, count};
            bool enough = top_k_on ? count >= p.top_k
                                   : mass_from<false>(cand, 0, scratch) >= (double) p.top_p * total;
            if (enough) src = cand;
        }
    }

    u64 e = 0;
    double mass = total;
    if (top_k_on) {
        e = find_key<true, false>(src, (double) p.top_k, scratch);
        mass = mass_from<false>(src, e, scratch);
    }
    if (top_p_on) {
        u64 ep = find_key<false, false>(src, (double) p.top_p * mass, scratch);
        e = max(e, ep);
    }
    if (min_p_on) e = max(e, (u64) __float_as_uint(p.min_p) << 32);
    e = min(e, sample_key(1.f, at));  // the most likely token always stays
    double kept = mass_from<false>(src, e, scratch);
    u64 d = find_key<false, true>(src, p.u * kept, scratch);
    u64 chosen = max(d, e);
    if (tid == 0) out[blockIdx.x] = (int) (0xffffffffu - (unsigned) (chosen & 0xffffffffull));
}

/**
 * out[r] = the token drawn from logits[r][0, n) with rows[r]'s parameters and u, or -1 (no finite maximum).
 * weights: fp32 workspace [rows][n]. Grid (rows), block SAMPLE_THREADS.
 */
#define SAMPLE_ENTRY(T, SUFFIX)                                                                                     \
    extern "C" __global__ void __launch_bounds__(SAMPLE_THREADS, 1)                                                 \
        sample_##SUFFIX(int* out, float* weights, const T* logits, const SampleRow* rows, int n) {                 \
        sample_row<T>(out, weights, logits, rows, n);                                                              \
    }

SAMPLE_ENTRY(float, f32)
SAMPLE_ENTRY(half, f16)
SAMPLE_ENTRY(bf16, bf16)
