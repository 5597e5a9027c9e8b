// Host check of the batched GEMV's dequantization in awq_gemv.cu (run by CudaHostChecksTest
// where nvcc is present): for random words, zero words and fp16 scales over the whole normal and
// subnormal range, awq_group_terms + awq_dequantize give (q - z) * s EXACTLY for each of the 8 columns, in AWQ's
// column order. Prints "ok" and exits 0, or names the first mismatch and exits 1.
#include "../../main/cuda/awq_gemv.cu"
#include <cstdio>

static unsigned rnd() { static unsigned long long s = 0x2545F4914F6CDD1Dull; s ^= s << 13; s ^= s >> 7; s ^= s << 17; return (unsigned) s; }

int main() {
    unsigned magic = AWQ_MAGIC;
    for (int i = 0; i < 200000; i++) {
        unsigned q = rnd(), z = rnd();
        uint4 scales;
        unsigned short bits[8];
        for (int c = 0; c < 8; c++) bits[c] = (unsigned short) (rnd() & 0x7BFF);  // positive, finite (exponent < 31)
        memcpy(&scales, bits, 16);
        float sp[8], zs[8], w[8];
        awq_group_terms(sp, zs, z, scales, magic);
        awq_dequantize(w, q, sp, zs, magic);
        for (int n = 0; n < 8; n++) {
            int column = awq_order(n);
            half h;
            memcpy(&h, &bits[column], 2);
            double want = ((double) ((q >> (4 * n)) & 15) - (double) ((z >> (4 * n)) & 15)) * (double) __half2float(h);
            if ((double) w[n] != want) {
                printf("word %08x zero %08x nibble %d (column %d) scale %a: %a, want %a\n", q, z, n, column,
                       (double) __half2float(h), (double) w[n], want);
                return 1;
            }
        }
    }
    printf("ok\n");
    return 0;
}
