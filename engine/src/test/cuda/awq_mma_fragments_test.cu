// Host check of awq_mma.cu's fragment logic, run by CudaHostChecksTest where nvcc is present: a random stage of
// AWQ words, zeros, scales and 8 tokens' x; every lane's A and B fragments built by the kernel's own functions are
// placed back into the 16 x 16 and 16 x 8 matrices by PTX's m16n8k16 layout and compared with the dequantized weights
// and x; then one k16 step's D = A B, scaled as the kernel's flush scales it, against (q - z) s x summed directly.
// Prints "ok" and exits 0, or names the first mismatch and exits 1.
#include "../../main/cuda/awq_mma.cu"
#include <cstdio>
#include <cstdlib>
#include <cmath>

static unsigned rnd() { static unsigned long long s = 0x9E3779B97F4A7C15ull; s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (unsigned) s; }

int main() {
    // one stage: 32 rows x 8 words (64 columns), one group; zeros: 8 words; scales: 64 halves; x: 8 tokens x 32 rows
    static unsigned w[MMA_STAGE_ROWS][MMA_W_LD];
    static half x[8][MMA_X_LD];
    unsigned zw[MMA_WORDS];
    float s[64], xf[8][32];
    int q[32][64], z[64];
    for (int r = 0; r < 32; r++)
        for (int word = 0; word < 8; word++) {
            w[r][word] = rnd();
            for (int n = 0; n < 8; n++) q[r][8 * word + (n >> 2) + 2 * (n & 3)] = (w[r][word] >> (4 * n)) & 15;  // AWQ order
        }
    for (int word = 0; word < 8; word++) {
        zw[word] = rnd();
        for (int n = 0; n < 8; n++) z[8 * word + (n >> 2) + 2 * (n & 3)] = (zw[word] >> (4 * n)) & 15;
    }
    for (int c = 0; c < 64; c++) s[c] = __half2float(__float2half(0.001f + (rnd() % 1000) * 1e-5f));
    for (int m = 0; m < 8; m++)
        for (int r = 0; r < 32; r++) {
            x[m][r] = __float2half(((int) (rnd() % 2001) - 1000) / 500.f);
            xf[m][r] = __half2float(x[m][r]);
        }

    for (int kk = 0; kk < 32; kk += 16) {
        float A[4][16][16], B[16][8], scaleRow[4][16];
        for (int lane = 0; lane < 32; lane++) {
            int g = lane >> 2, t = lane & 3;
            MmaLanePick pick = mma_lane_pick(g);
            half2 zero[4][2];
            for (int j = 0; j < 4; j++)
                for (int h = 0; h < 2; h++) zero[j][h] = mma_zero_pair(zw[2 * j + h], pick, g);
            unsigned a[4][4], b[2];
            mma_a_fragments(a, w, kk, lane, pick, zero);
            mma_b_fragment(b, x, kk, lane);
            for (int j = 0; j < 4; j++)
                for (int reg = 0; reg < 4; reg++)
                    for (int hf = 0; hf < 2; hf++) {
                        unsigned bits = (a[j][reg] >> (16 * hf)) & 0xFFFF;
                        half h; unsigned short us = (unsigned short) bits; memcpy(&h, &us, 2);
                        A[j][g + 8 * (reg & 1)][2 * t + hf + 8 * (reg >> 1)] = __half2float(h);
                    }
            for (int reg = 0; reg < 2; reg++)
                for (int hf = 0; hf < 2; hf++) {
                    half h; unsigned short us = (unsigned short) ((b[reg] >> (16 * hf)) & 0xFFFF); memcpy(&h, &us, 2);
                    B[2 * t + hf + 8 * reg][g] = __half2float(h);
                }
            for (int j = 0; j < 4; j++)
                for (int h = 0; h < 2; h++) {
                    int c = 8 * (2 * j + h) + g;
                    scaleRow[j][g + 8 * h] = pick.high ? s[c] * 0.0625f : s[c];
                }
        }
        for (int j = 0; j < 4; j++)
            for (int i = 0; i < 16; i++) {
                int c = 8 * (2 * j + (i >> 3)) + (i & 7);
                float place = mma_lane_pick(i & 7).high ? 16.f : 1.f;
                for (int k = 0; k < 16; k++) {
                    float want = (q[kk + k][c] - z[c]) * place;
                    if (A[j][i][k] != want) {
                        printf("A m-tile %d row %d k %d: %g, want %g\n", j, i, kk + k, A[j][i][k], want);
                        return 1;
                    }
                }
                // D = A B scaled as the flush scales it, against sum over k of (q - z) s x
                for (int m = 0; m < 8; m++) {
                    double d = 0, ref = 0;
                    for (int k = 0; k < 16; k++) {
                        d += (double) A[j][i][k] * B[k][m];
                        ref += (double) (q[kk + k][c] - z[c]) * s[c] * xf[m][kk + k];
                    }
                    d *= scaleRow[j][i];
                    if (std::fabs(d - ref) > 1e-9 * (1 + std::fabs(ref))) {
                        printf("D m-tile %d column %d token %d: %.9g, want %.9g\n", j, c, m, d, ref);
                        return 1;
                    }
                }
            }
        for (int k = 0; k < 16; k++)
            for (int m = 0; m < 8; m++)
                if (B[k][m] != xf[m][kk + k]) {
                    printf("B k %d token %d: %g, want %g\n", kk + k, m, B[k][m], xf[m][kk + k]);
                    return 1;
                }
    }
    printf("ok\n");
    return 0;
}
