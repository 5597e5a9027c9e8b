package io.quantserve.engine.linear;

import static jdk.incubator.vector.VectorOperators.I2F;
import static jdk.incubator.vector.VectorOperators.LSHR;

import io.quantserve.engine.kernel.LaneMath;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The Panama decode kernel of {@link GroupIntLinear}: per block, load its ints once; per 16-channel chunk, mask the
 * chunk's bit field in place (the inputs carry the field's 2^-shift), convert to float and fused-multiply-add with 16
 * contiguous inputs. Four accumulators per group hide the FMA latency; the group partial is then scaled into the row
 * accumulator, reduced once per row. 4-bit layers whose groups are whole blocks take {@link #pair4} instead: two
 * distant rows per pass, one column slice (see {@link ColumnSlices}) over all rows before the next.
 * Kept in its own class so that a JVM without jdk.incubator.vector never loads it.
 */
final class GroupIntKernels {
    /** At most 16 lanes: a chunk is 16 ints, and wider vectors would mix chunks. */
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED.length() <= GroupIntLinear.CHUNK
            ? FloatVector.SPECIES_PREFERRED
            : FloatVector.SPECIES_512;
    private static final VectorSpecies<Integer> I = VectorSpecies.of(int.class, F.vectorShape());
    private static final int L = F.length();

    private GroupIntKernels() {
    }

    static boolean usable() {
        return GroupIntLinear.CHUNK % L == 0 && L >= 4;
    }

    /**
     * Rows [r0, r1) as floats for a {@link GroupIntLinear#contiguous} layer, the same values as
     * {@link GroupIntLinear#dequantizeRows} ({@code q * s - zs}, a multiply and a subtract, not fused): one chunk of
     * 16 channels at a time, its field shifted down and masked in int lanes.
     */
    static void dequantize(GroupIntLinear w, int r0, int r1, float[] out) {
        int in = w.inFeatures();
        int bits = w.bits;
        int mask = (1 << bits) - 1;
        int perBlock = 1 << w.blockShift;
        int chunks = in / GroupIntLinear.CHUNK;
        int sliceChunks = perBlock << w.sliceShift;
        for (int from = 0; from < chunks; from += sliceChunks) {
            int end = Math.min(chunks, from + sliceChunks);
            for (int r = r0; r < r1; r++) {
                // the row's piece of the column slice is contiguous: block k at base + k * CHUNK
                int base = w.blockAt(r, from >>> w.blockShift) - (from >>> w.blockShift) * GroupIntLinear.CHUNK;
                int o = (r - r0) * in;
                for (int c = from; c < end; c++) {
                    int block = base + (c >>> w.blockShift) * GroupIntLinear.CHUNK;
                    int shift = (c & (perBlock - 1)) * bits;
                    int sg = r * w.groups + w.groupOf[c * GroupIntLinear.CHUNK];
                    FloatVector s = FloatVector.broadcast(F, w.scales[sg]);
                    FloatVector zs = FloatVector.broadcast(F, w.scaledZeros[sg]);
                    for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
                        IntVector q = IntVector.fromArray(I, w.packed, block + h).lanewise(VectorOperators.LSHR, shift)
                                .and(mask);
                        ((FloatVector) q.convert(VectorOperators.I2F, 0)).mul(s).sub(zs)
                                .intoArray(out, o + c * GroupIntLinear.CHUNK + h);
                    }
                }
            }
        }
    }

    static void matvec(GroupIntLinear w, float[] xp, float[] xsum, float[] y, int yOff, int r0, int r1) {
        int[] packed = w.packed;
        int[] chunkStart = w.chunkStart;
        float[] scales = w.scales;
        float[] scaledZeros = w.scaledZeros;
        int groups = w.groups;
        int bits = w.bits;
        int blockShift = w.blockShift;
        int perBlock = 1 << blockShift;
        int top = 32 - bits;
        int mask = (1 << bits) - 1;
        int first = r0;
        int[] groupOfBlock = w.groupOfBlock;
        if (groupOfBlock != null && L == GroupIntLinear.CHUNK) {
            // two distant rows at a time, one column slice after the other (see GroupIntLinear's layout)
            int half = (r1 - r0) / 2;
            for (int from = 0; from < w.blocks; from += 1 << w.sliceShift) {
                int to = Math.min(w.blocks, from + (1 << w.sliceShift));
                for (int r = r0; r < r0 + half; r++) {
                    pair4(w, groupOfBlock, xp, xsum, y, yOff - r0, r, r + half, from, to);
                }
                if (((r1 - r0) & 1) != 0) {
                    pair4(w, groupOfBlock, xp, xsum, y, yOff - r0, r1 - 1, r1 - 1, from, to);
                }
            }
            first = r1;
        }
        // the layers left to this loop keep whole rows (only pair4's layers are in column slices)
        for (int r = first; r < r1; r++) {
            int base = r * w.blocks * GroupIntLinear.CHUNK;
            FloatVector acc = FloatVector.zero(F);
            float zeroTerm = 0;
            for (int g = 0; g < groups; g++) {
                int c = chunkStart[g];
                int end = chunkStart[g + 1];
                FloatVector p0 = FloatVector.zero(F);
                FloatVector p1 = FloatVector.zero(F);
                FloatVector p2 = FloatVector.zero(F);
                FloatVector p3 = FloatVector.zero(F);
                while (c < end) {
                    if ((c & (perBlock - 1)) != 0 || c + perBlock > end) {
                        // one chunk on its own: groups narrower than a block, or a group's ragged ends
                        int block = base + (c >>> blockShift) * GroupIntLinear.CHUNK;
                        int j = c & (perBlock - 1);
                        int shift = j == perBlock - 1 ? top : 0; // the top field is shifted down (see below)
                        int fieldMask = j == perBlock - 1 ? mask : mask << (j * bits);
                        for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
                            IntVector v = IntVector.fromArray(I, packed, block + h);
                            p0 = ((FloatVector) v.lanewise(LSHR, shift).and(fieldMask).convert(I2F, 0))
                                    .fma(FloatVector.fromArray(F, xp, c * GroupIntLinear.CHUNK + h), p0);
                        }
                        c++;
                        continue;
                    }
                    // a whole block: one load of the packed ints per L lanes, then every field of it
                    int block = base + (c >>> blockShift) * GroupIntLinear.CHUNK;
                    int x0 = c * GroupIntLinear.CHUNK;
                    for (int h = 0; h < GroupIntLinear.CHUNK; h += L) {
                        IntVector v = IntVector.fromArray(I, packed, block + h);
                        if (bits == 4) {
                            int at = x0 + h;
                            p0 = ((FloatVector) v.and(0xF).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at), p0);
                            p1 = ((FloatVector) v.and(0xF0).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 16), p1);
                            p2 = ((FloatVector) v.and(0xF00).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 32), p2);
                            p3 = ((FloatVector) v.and(0xF000).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 48), p3);
                            p0 = ((FloatVector) v.and(0xF0000).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 64), p0);
                            p1 = ((FloatVector) v.and(0xF00000).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 80), p1);
                            p2 = ((FloatVector) v.and(0xF000000).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 96), p2);
                            p3 = ((FloatVector) v.lanewise(LSHR, 28).convert(I2F, 0)).fma(FloatVector.fromArray(F, xp, at + 112), p3);
                        } else {
                            for (int j = 0; j < perBlock - 2; j += 2) {
                                int at = x0 + j * GroupIntLinear.CHUNK + h;
                                p0 = ((FloatVector) v.and(mask << (j * bits)).convert(I2F, 0))
                                        .fma(FloatVector.fromArray(F, xp, at), p0);
                                p1 = ((FloatVector) v.and(mask << ((j + 1) * bits)).convert(I2F, 0))
                                        .fma(FloatVector.fromArray(F, xp, at + GroupIntLinear.CHUNK), p1);
                            }
                            int at = x0 + (perBlock - 2) * GroupIntLinear.CHUNK + h;
                            p2 = ((FloatVector) v.and(mask << (top - bits)).convert(I2F, 0))
                                    .fma(FloatVector.fromArray(F, xp, at), p2);
                            // the top field shifted down: masked in place it would be a negative int
                            p3 = ((FloatVector) v.lanewise(LSHR, top).convert(I2F, 0))
                                    .fma(FloatVector.fromArray(F, xp, at + GroupIntLinear.CHUNK), p3);
                        }
                    }
                    c += perBlock;
                }
                int sg = r * groups + g;
                acc = p0.add(p1).add(p2.add(p3)).fma(FloatVector.broadcast(F, scales[sg]), acc);
                zeroTerm += scaledZeros[sg] * xsum[g];
            }
            y[yOff + r - r0] = LaneMath.sum(acc) - zeroTerm;
        }
    }

    /**
     * Blocks [from, to) of one column slice of 4-bit rows a and b (far apart) in one pass, sharing the x loads: one
     * row stream per core kept too few DRAM misses in flight (a == b for an odd last row: counted once). The first
     * slice sets y (less the zero terms), the others add to it. One flat loop over the blocks (128 channels), each block's sums scaled by its
     * group's scale: a loop over the blocks of a group ran once per group at group size 128, and C2 wraps such a
     * loop in pre- and post-loops that cost more than the body. The same sums as the one-row loop up to the order
     * of additions.
     */
    private static void pair4(GroupIntLinear w, int[] groupOfBlock, float[] xp, float[] xsum, float[] y, int yAt,
            int a, int b, int from, int to) {
        int[] packed = w.packed;
        float[] scales = w.scales;
        int groups = w.groups;
        // block k of the slice's rows at base + k * CHUNK
        int baseA = w.blockAt(a, from) - from * GroupIntLinear.CHUNK;
        int baseB = w.blockAt(b, from) - from * GroupIntLinear.CHUNK;
        FloatVector accA = FloatVector.zero(F);
        FloatVector accB = accA;
        for (int block = from; block < to; block++) {
            int at = block * GroupIntLinear.CHUNK;
            int x0 = block * 8 * GroupIntLinear.CHUNK;
            IntVector v = IntVector.fromArray(I, packed, baseA + at);
            IntVector u = IntVector.fromArray(I, packed, baseB + at);
            // field j of both rows times x[x0 + 16j ..]: masked in place (x carries 2^-4j), the top one shifted down
            FloatVector x = FloatVector.fromArray(F, xp, x0);
            FloatVector p0 = ((FloatVector) v.and(0xF).convert(I2F, 0)).mul(x);
            FloatVector q0 = ((FloatVector) u.and(0xF).convert(I2F, 0)).mul(x);
            x = FloatVector.fromArray(F, xp, x0 + 16);
            FloatVector p1 = ((FloatVector) v.and(0xF0).convert(I2F, 0)).mul(x);
            FloatVector q1 = ((FloatVector) u.and(0xF0).convert(I2F, 0)).mul(x);
            x = FloatVector.fromArray(F, xp, x0 + 32);
            FloatVector p2 = ((FloatVector) v.and(0xF00).convert(I2F, 0)).mul(x);
            FloatVector q2 = ((FloatVector) u.and(0xF00).convert(I2F, 0)).mul(x);
            x = FloatVector.fromArray(F, xp, x0 + 48);
            FloatVector p3 = ((FloatVector) v.and(0xF000).convert(I2F, 0)).mul(x);
            FloatVector q3 = ((FloatVector) u.and(0xF000).convert(I2F, 0)).mul(x);
            x = FloatVector.fromArray(F, xp, x0 + 64);
            p0 = ((FloatVector) v.and(0xF0000).convert(I2F, 0)).fma(x, p0);
            q0 = ((FloatVector) u.and(0xF0000).convert(I2F, 0)).fma(x, q0);
            x = FloatVector.fromArray(F, xp, x0 + 80);
            p1 = ((FloatVector) v.and(0xF00000).convert(I2F, 0)).fma(x, p1);
            q1 = ((FloatVector) u.and(0xF00000).convert(I2F, 0)).fma(x, q1);
            x = FloatVector.fromArray(F, xp, x0 + 96);
            p2 = ((FloatVector) v.and(0xF000000).convert(I2F, 0)).fma(x, p2);
            q2 = ((FloatVector) u.and(0xF000000).convert(I2F, 0)).fma(x, q2);
            x = FloatVector.fromArray(F, xp, x0 + 112);
            p3 = ((FloatVector) v.lanewise(LSHR, 28).convert(I2F, 0)).fma(x, p3);
            q3 = ((FloatVector) u.lanewise(LSHR, 28).convert(I2F, 0)).fma(x, q3);
            int g = groupOfBlock[block];
            accA = p0.add(p1).add(p2.add(p3)).fma(FloatVector.broadcast(F, scales[a * groups + g]), accA);
            accB = q0.add(q1).add(q2.add(q3)).fma(FloatVector.broadcast(F, scales[b * groups + g]), accB);
        }
        if (from > 0) {
            y[yAt + a] += LaneMath.sum(accA);
            if (b != a) {
                y[yAt + b] += LaneMath.sum(accB);
            }
            return;
        }
        float zeroA = 0;
        float zeroB = 0;
        for (int g = 0; g < groups; g++) {
            zeroA += w.scaledZeros[a * groups + g] * xsum[g];
            zeroB += w.scaledZeros[b * groups + g] * xsum[g];
        }
        y[yAt + a] = LaneMath.sum(accA) - zeroA;
        y[yAt + b] = LaneMath.sum(accB) - zeroB;
    }
}
