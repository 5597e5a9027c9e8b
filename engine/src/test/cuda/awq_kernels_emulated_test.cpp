// The AWQ kernels run whole on the host (emu/cuda_emu.h), run by CudaHostChecksTest with the host C++ compiler where
// nvcc's headers are present: awq_gemv_f32 (the default GEMV), awq_gemv_prefetch_f32, awq_gemv_ring_f32, awq_gemv_tokens1/2/4/8_f32 and
// awq_mma_f32, each adding its split-K partials in the last block of each output tile (every tile's counter back at
// 0 after the launch), on random AutoAWQ layers of awkward shapes (a tile's words partly past N, N/8 odd, slices of K not on group bounds,
// token counts that leave a block's last tokens empty), with the cp.async copies landing late (threads in order) and
// early (threads in reverse order). Compared with sum_k (q - z) s x in double. Prints "ok" and exits 0, or names the first mismatch and exits 1.
#include "emu/cuda_emu.h"
#include "emu/random.h"

#include "../../main/cuda/awq_gemv.cu"
#include "../../main/cuda/awq_mma.cu"

#include <cmath>
#include <string>

namespace {

using host_random::next;
using host_random::uniform;

struct Layer {
    int K, N, G;
    std::vector<int> qweight, qzeros;
    std::vector<half> scales;

    Layer(int k, int n, int g) : K(k), N(n), G(g), qweight((size_t) k * (n / 8)), qzeros((size_t) (k / g) * (n / 8)),
                                 scales((size_t) (k / g) * n) {
        for (int& w : qweight) w = (int) next();
        for (int& z : qzeros) z = (int) next();
        for (half& s : scales) s = __float2half(uniform(0.001f, 0.02f));
    }

    /** Column c's 4-bit field of an AWQ word (column c sits at nibble (c / 2) + 4 (c % 2)). */
    static int field(int word, int c) { return (int) (((unsigned) word >> (4 * awq_nibble_of_column(c % 8))) & 15u); }

    double weight(int k, int c) const {
        int q = field(qweight[(size_t) k * (N / 8) + c / 8], c);
        int z = field(qzeros[(size_t) (k / G) * (N / 8) + c / 8], c);
        return (double) (q - z) * __half2float(scales[(size_t) (k / G) * N + c]);
    }
};

int failures = 0;

void check(const std::string& what, const Layer& l, const std::vector<half>& x, int M, const std::vector<float>& y) {
    for (int m = 0; m < M; m++)
        for (int c = 0; c < l.N; c++) {
            double want = 0, magnitude = 0;
            for (int k = 0; k < l.K; k++) {
                double term = l.weight(k, c) * __half2float(x[(size_t) m * l.K + k]);
                want += term;
                magnitude += std::fabs(term);
            }
            double got = y[(size_t) m * l.N + c];
            if (!(std::fabs(got - want) <= 1e-5 * magnitude + 1e-6)) {
                std::printf("%s: token %d column %d: %.7g, want %.7g (|terms| %.4g)\n", what.c_str(), m, c, got, want,
                            magnitude);
                failures++;
                return;
            }
        }
}

std::string name(const char* kernel, const Layer& l, int M, int rows, emu::CopyTiming t) {
    return std::string(kernel) + " K=" + std::to_string(l.K) + " N=" + std::to_string(l.N) + " group=" +
           std::to_string(l.G) + " M=" + std::to_string(M) + " rows/split=" + std::to_string(rows) +
           (t == emu::CopyTiming::EARLY ? " (copies early)" : " (copies late)");
}

/** Every tile's counter must be 0 again after a launch (the next launch, or a graph replay, counts from 0). */
void check_counters(const std::string& what, const std::vector<unsigned>& counters) {
    for (size_t i = 0; i < counters.size(); i++) {
        if (counters[i] != 0) {
            std::printf("%s: tile %zu's counter is %u after the launch, not 0\n", what.c_str(), i, counters[i]);
            failures++;
            return;
        }
    }
}

/**
 * One few-token kernel over M random tokens on grid (tiles of 32 words, splits of K, groups of tokensPerBlock tokens),
 * then the checks; kernel(y, partial, counters, x) is what each thread runs.
 */
template <typename F>
void run(const char* kernel, const Layer& l, int M, int rows, emu::CopyTiming t, int tokensPerBlock, int threads,
         size_t dynamic_bytes, F body) {
    std::vector<half> x((size_t) M * l.K);
    for (half& v : x) v = __float2half(uniform(-1, 1));
    int splits = (l.K + rows - 1) / rows, tiles = (l.N / 8 + 31) / 32, groups = (M + tokensPerBlock - 1) / tokensPerBlock;
    std::vector<float> partial((size_t) splits * M * l.N, NAN), y((size_t) M * l.N, NAN);
    std::vector<unsigned> counters((size_t) tiles * groups, 0u);
    emu::timing = t;
    float *out = y.data(), *p = partial.data();
    unsigned* c = counters.data();
    const half* xs = x.data();
    emu::launch(dim3(tiles, splits, groups), dim3(threads), dynamic_bytes, [&] { body(out, p, c, xs); });
    std::string what = name(kernel, l, M, rows, t);
    check(what, l, x, M, y);
    check_counters(what, counters);
}

/** One of awq_gemv.cu's one-token entries (fp32 y), and whether it stages x of the slice in dynamic shared memory. */
struct Gemv {
    const char* name;
    void (*kernel)(AWQ_GEMV_PARAMS(float));
    bool ring;
};

const Gemv GEMVS[] = {{"awq_gemv_f32", awq_gemv_f32, false},
                      {"awq_gemv_prefetch_f32", awq_gemv_prefetch_f32, false},
                      {"awq_gemv_ring_f32", awq_gemv_ring_f32, true}};

/** A GEMV for one token: y written by each tile's last block, and every tile's counter back at 0 after the launch. */
void gemv(const Gemv& g, const Layer& l, int rows, emu::CopyTiming t) {
    std::vector<half> x(l.K);
    for (half& v : x) v = __float2half(uniform(-1, 1));
    int splits = (l.K + rows - 1) / rows, tiles = (l.N / 8 + 31) / 32;
    std::vector<float> partial((size_t) splits * l.N, NAN), y(l.N, NAN);
    std::vector<unsigned> counters(tiles, 0u);
    emu::timing = t;
    float *out = y.data(), *p = partial.data();
    unsigned* c = counters.data();
    const half* xs = x.data();
    emu::launch(dim3(tiles, splits), dim3(256), g.ring ? 2 * rows : 0, [&] {
        g.kernel(out, p, c, l.qweight.data(), l.qzeros.data(), l.scales.data(), xs, l.K, l.N, l.G, rows);
    });
    std::string what = name(g.name, l, 1, rows, t);
    check(what, l, x, 1, y);
    check_counters(what, counters);
}

/** awq_gemv_tokens<MT>_f32: MT tokens a block, x staged as fp32 [rows][MT]. */
template <int MT>
void tokens(const Layer& l, int M, int rows, emu::CopyTiming t) {
    std::string kernel = "awq_gemv_tokens" + std::to_string(MT) + "_f32";
    run(kernel.c_str(), l, M, rows, t, MT, 256, 4 * rows * MT, [&](float* y, float* p, unsigned* c, const half* x) {
        awq_tokens<MT, float>(y, p, c, l.qweight.data(), l.qzeros.data(), l.scales.data(), x, M, l.K, l.N, l.G, rows);
    });
}

/** awq_mma_f32: 8 tokens a block, 4 warps. */
void mma(const Layer& l, int M, int rows, emu::CopyTiming t) {
    run("awq_mma_f32", l, M, rows, t, 8, 128, 0, [&](float* y, float* p, unsigned* c, const half* x) {
        awq_mma_f32(y, p, c, l.qweight.data(), l.qzeros.data(), l.scales.data(), x, M, l.K, l.N, l.G, rows);
    });
}

}  // namespace

int main() {
    // {K, N, group}: one whole tile; a tile's last words past N (W = 40, 12); N / 8 odd (W = 25: no 16-byte rows);
    // groups of 16 and 32; K not a multiple of the slice
    const int shapes[][3] = {{256, 256, 128}, {512, 320, 64}, {640, 200, 128}, {320, 96, 32}, {480, 64, 16}};
    for (emu::CopyTiming t : {emu::CopyTiming::LATE, emu::CopyTiming::EARLY}) {
        emu::reversed = t == emu::CopyTiming::EARLY;
        for (const auto& s : shapes) {
            Layer l(s[0], s[1], s[2]);
            bool mmaShape = l.K % 16 == 0 && l.N % 32 == 0 && l.G % 16 == 0;  // AwqMmaPlan.supports
            for (int rows : {32, 96, 128, 512}) {  // slices of whole 32-row steps, some not on group bounds
                for (const Gemv& g : GEMVS) gemv(g, l, rows, t);
                tokens<1>(l, 1, rows, t);
                for (int M : {2, 3}) tokens<2>(l, M, rows, t);
                for (int M : {3, 4, 7}) tokens<4>(l, M, rows, t);
                for (int M : {5, 8, 13}) tokens<8>(l, M, rows, t);
                if (mmaShape) {
                    for (int M : {1, 2, 8, 9, 32}) mma(l, M, rows, t);
                }
            }
        }
    }
    if (failures > 0) return 1;
    std::printf("ok\n");
    return 0;
}
