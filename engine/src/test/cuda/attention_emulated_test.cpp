// The tensor-core prefill attention (prefill_attention_mma_f16/_bf16) run whole on the host (emu/cuda_emu.h), run by
// CudaHostChecksTest with the host C++ compiler where nvcc's headers are present: chunks of awkward lengths (a block's
// last warps without rows, several tiles, a start past 0, a sliding window, grouped KV heads) over a paged cache whose
// block table is shuffled, with the cp.async copies landing late (threads in order) and early (threads in reverse
// order: a thread's copies for the tile after next land while the other warps still read the tile before them, which
// is what the barrier closing each tile is for). Compared with softmax(q.k * scale) v in double over the CPU's keys;
// rows outside the chunk must stay as they were. Prints "ok" and exits 0, or names the first mismatch and exits 1.
#include "emu/cuda_emu.h"
#include "emu/random.h"

#include "../../main/cuda/attention.cu"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

namespace {

using host_random::next;
using host_random::uniform;

constexpr int BLOCK = 16;
int failures = 0;

template <typename T> double value(T v) { return (double) to_float(v); }

struct Case {
    int heads, kv_heads, head_dim, window, start, n;
};

template <typename T>
void prefill(const char* type, const Case& c, emu::CopyTiming timing, double tolerance) {
    int kv_dim = c.kv_heads * c.head_dim, q_dim = c.heads * c.head_dim;
    int positions = c.start + c.n, blocks = (positions + BLOCK - 1) / BLOCK + 3, row0 = 2, rows = row0 + c.n + 1;
    std::vector<int> table(blocks);
    for (int b = 0; b < blocks; b++) table[b] = b;
    for (int b = blocks - 1; b > 0; b--) std::swap(table[b], table[next() % (b + 1)]);
    std::vector<T> keys((size_t) blocks * BLOCK * kv_dim), values(keys.size()), q((size_t) rows * q_dim);
    for (T& v : keys) v = from_float<T>(uniform(-1, 1));
    for (T& v : values) v = from_float<T>(uniform(-1, 1));
    for (T& v : q) v = from_float<T>(uniform(-1, 1));
    std::vector<unsigned short> poison(q.size(), 0xFFFFu);
    std::vector<T> out(q.size());
    std::memcpy(out.data(), poison.data(), out.size() * sizeof(T));
    float scale = 1.f / std::sqrt((float) c.head_dim);
    emu::timing = timing;
    emu::reversed = timing == emu::CopyTiming::EARLY;
    size_t shared = (size_t) (MMA_ROWS + 4 * MMA_KEYS) * (c.head_dim + 8) * sizeof(T);
    T* o = out.data();
    emu::launch(dim3((c.n + MMA_ROWS - 1) / MMA_ROWS, c.heads), dim3(ATT_THREADS), shared, [&] {
        if constexpr (std::is_same_v<T, half>) {
            prefill_attention_mma_f16(o, q.data(), keys.data(), values.data(), table.data(), row0, c.start, c.n, c.heads,
                                      c.kv_heads, c.head_dim, BLOCK, c.window, scale);
        } else {
            prefill_attention_mma_bf16(o, q.data(), keys.data(), values.data(), table.data(), row0, c.start, c.n,
                                       c.heads, c.kv_heads, c.head_dim, BLOCK, c.window, scale);
        }
    });
    std::string what = std::string("prefill_attention_mma_") + type + " heads=" + std::to_string(c.heads) + "/" +
                       std::to_string(c.kv_heads) + " head_dim=" + std::to_string(c.head_dim) + " window=" +
                       std::to_string(c.window) + " start=" + std::to_string(c.start) + " n=" + std::to_string(c.n) +
                       (timing == emu::CopyTiming::EARLY ? " (copies early)" : " (copies late)");
    for (int r = 0; r < rows; r++) {
        bool chunk = r >= row0 && r < row0 + c.n;
        for (int h = 0; h < c.heads; h++) {
            const T* got = o + ((size_t) r * c.heads + h) * c.head_dim;
            if (!chunk) {
                if (std::memcmp(got, poison.data(), c.head_dim * sizeof(T)) != 0) {
                    std::printf("%s: row %d outside the chunk was written\n", what.c_str(), r);
                    failures++;
                    return;
                }
                continue;
            }
            int pos = c.start + r - row0, first = c.window > 0 ? std::max(0, pos - c.window + 1) : 0;
            size_t kv_off = (size_t) (h / (c.heads / c.kv_heads)) * c.head_dim;
            const T* qr = q.data() + ((size_t) r * c.heads + h) * c.head_dim;
            std::vector<double> w(pos - first + 1);
            double big = -INFINITY, total = 0;
            for (int p = first; p <= pos; p++) {
                size_t slot = (size_t) table[p / BLOCK] * BLOCK + p % BLOCK;
                double dot = 0;
                for (int d = 0; d < c.head_dim; d++) dot += value(qr[d]) * value(keys[slot * kv_dim + kv_off + d]);
                w[p - first] = dot * scale;
                big = std::max(big, w[p - first]);
            }
            for (double& x : w) total += (x = std::exp(x - big));
            for (int d = 0; d < c.head_dim; d++) {
                double want = 0;
                for (int p = first; p <= pos; p++) {
                    size_t slot = (size_t) table[p / BLOCK] * BLOCK + p % BLOCK;
                    want += w[p - first] * value(values[slot * kv_dim + kv_off + d]);
                }
                want /= total;
                double g = value(got[d]);
                if (!(std::fabs(g - want) <= tolerance)) {
                    std::printf("%s: row %d head %d dim %d: %.6g, want %.6g\n", what.c_str(), r, h, d, g, want);
                    failures++;
                    return;
                }
            }
        }
    }
}

}  // namespace

int main() {
    // {heads, kv heads, head_dim, window, start, n}: one block with its last warp's rows partly empty; several blocks
    // and tiles past a start; the largest head_dim with 4 query heads a KV head; a window shorter than a tile's reach;
    // a chunk whose start is not on a tile, n a whole block
    const Case cases[] = {{4, 2, 16, 0, 0, 57}, {2, 2, 64, 0, 37, 100}, {4, 1, 128, 0, 0, 70}, {3, 3, 32, 20, 10, 90},
                          {2, 1, 128, 0, 200, 64}};
    for (emu::CopyTiming t : {emu::CopyTiming::LATE, emu::CopyTiming::EARLY}) {
        for (const Case& c : cases) {
            prefill<half>("f16", c, t, 4e-3);
            prefill<bf16>("bf16", c, t, 3e-2);
        }
    }
    if (failures > 0) return 1;
    std::printf("ok\n");
    return 0;
}
