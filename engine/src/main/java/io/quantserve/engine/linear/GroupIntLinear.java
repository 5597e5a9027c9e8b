package io.quantserve.engine.linear;

import io.quantserve.engine.kernel.VectorOps;

/**
 * Weights as b-bit integers (b = 2, 4 or 8) in groups of input channels, each group of each row with a float scale
 * and a float "scaled zero": {@code w[o][k] = q * s[o][g] - zs[o][g]} (zs = zero * s). AWQ and GPTQ checkpoints are both repacked
 * into this one layout at load time.
 *
 * <p>Fields are unpacked with one AND and no shift: {@code word & (mask << j*b)} is {@code q * 2^(j*b)}, exact as a
 * float, and the inputs are pre-scaled by {@code 2^(-j*b)} when x is reordered, so the products are exactly q*x. The
 * top field is a single unsigned shift instead (its AND would be negative) and its inputs are not scaled. On this
 * machine's AVX-512 (Zen 5) two shifts per field made the kernel compute-bound at half the speed.
 *
 * <p>Centring the integers in the lanes (q - 2^(b-1), one subtract) would cut the cancellation in
 * {@code s·Σ q·x − zs·Σ x} (fixture-model logit error 5e-6 of the largest logit instead of 1.5e-5) but made the kernel
 * 2.5 times slower here, so the raw integers are used.
 *
 * <p>Layout of one row. The input channels are first reordered so that each group is contiguous (GPTQ's act-order
 * g_idx scatters a group over the row; this is exllama's approach), and each group is padded with zero weights to a
 * whole number of 16-channel chunks, so that a chunk never straddles two groups. Chunks are stored in blocks of
 * {@code 32 / b} chunks; a block is 16 ints (64 bytes), and int lane {@code i}, bit field {@code j} (bits
 * {@code j*b .. j*b+b-1}) holds chunk {@code j} channel {@code i} of the block. A vector kernel thus loads a block
 * once, masks each field out of it, converts to float and multiplies with 16 contiguous (reordered) inputs,
 * without any shuffling.
 *
 * <p>4-bit layers whose groups are whole blocks (those the two-row kernel runs) cut rows of more than
 * {@link ColumnSlices#CHANNELS} stored positions into column slices of that many positions, each slice stored for
 * all rows before the next (see {@link ColumnSlices}, a block being the unit here); that kernel runs one slice over
 * all of its rows before the next. Other layers keep whole rows.
 *
 * <p>Decode: {@code y[o] = Σ_g s[o][g]·Σ_{k∈g} q·x[k] − zs[o][g]·Σ_{k∈g} x[k]}, the group sums of x computed once per
 * matrix-vector product, so the zero costs one multiply per group. Per-row padding to whole blocks only matters for
 * narrow rows (in &lt; 1024); at group 128 and 4 bits the layout costs 4 + 64/128 = 4.5 bits per weight.
 *
 * <p>Dequantization is exact with respect to the checkpoints' {@code (q - z) * s} when s is an fp16 value: q*s and
 * z*s then each need at most 20 significant bits, so neither they nor their difference is rounded in float.
 */
public final class GroupIntLinear extends PackedLinear {
    /** Input channels per chunk: one int lane each. */
    static final int CHUNK = 16;
    private static final boolean VECTOR = !VectorOps.get().name().equals("scalar") && GroupIntKernels.usable();

    final int bits;
    /** log2 of the chunks per block (32 / bits). */
    final int blockShift;
    final int groups;
    final int[] chunkStart;    // [groups + 1]: first chunk of each group, in the reordered row
    /** Blocks per row, and log2 of the blocks per column slice. */
    final int blocks;
    final int sliceShift;
    final int[] inputAt;       // [padded positions]: the input channel stored at each position, -1 for padding
    final int[] positionOf;    // [in]: where input channel k is stored
    final int[] groupOf;       // [in]
    final int[] packed;        // [out * blocks * CHUNK], in column slices (see the layout)
    final float[] scales;      // [out, groups]
    final float[] scaledZeros; // [out, groups]
    /** Channel k stored at position k (no act-order, groups of whole chunks): rows dequantize in stored order. */
    final boolean contiguous;
    /**
     * The group of each block (CHUNK ints) of a row, for the 4-bit two- and four-row kernels; null unless every
     * group starts and ends on a block boundary (4-bit groups of 128 channels and multiples).
     */
    final int[] groupOfBlock;

    private GroupIntLinear(Builder b) {
        super(b.in, b.out, b.bias);
        this.bits = b.bits;
        this.blockShift = Integer.numberOfTrailingZeros(32 / bits);
        this.groups = b.groups;
        this.chunkStart = b.chunkStart;
        this.blocks = b.blocks;
        this.sliceShift = b.sliceShift;
        this.inputAt = b.inputAt;
        this.positionOf = b.positionOf;
        this.groupOf = b.groupOf;
        this.packed = b.packed;
        this.scales = b.scales;
        this.scaledZeros = b.scaledZeros;
        boolean identity = b.in % CHUNK == 0;
        for (int k = 0; identity && k < b.in; k++) {
            identity = positionOf[k] == k;
        }
        this.contiguous = identity;
        this.groupOfBlock = b.groupOfBlock;
    }

    private static int[] groupOfBlock(int[] chunkStart, int perBlock) {
        int groups = chunkStart.length - 1;
        int[] groupOf = new int[chunkStart[groups] / perBlock];
        for (int g = 0; g < groups; g++) {
            if (chunkStart[g] % perBlock != 0 || chunkStart[g + 1] % perBlock != 0) {
                return null;
            }
            for (int c = chunkStart[g]; c < chunkStart[g + 1]; c += perBlock) {
                groupOf[c / perBlock] = g;
            }
        }
        return groupOf;
    }

    /**
     * Round-to-nearest asymmetric quantization of a float weight [out, in] (row-major) with contiguous groups of
     * {@code groupSize} input channels ({@code -1}: one group per row), the zero point chosen so that 0 is exact.
     * For benchmarks and tests of the packed kernels; real checkpoints come quantized.
     */
    public static GroupIntLinear quantize(float[] w, int out, int in, int bits, int groupSize) {
        if (w.length != out * in) {
            throw new IllegalArgumentException("weight has " + w.length + " values, expected " + out + "x" + in);
        }
        int g = groupSize == -1 ? in : groupSize;
        checkBits("quantize", bits);
        if (g <= 0 || in % g != 0) {
            throw new IllegalArgumentException("group_size " + groupSize + " does not divide in_features " + in);
        }
        int groups = in / g;
        int[] groupOf = new int[in];
        for (int k = 0; k < in; k++) {
            groupOf[k] = k / g;
        }
        int maxq = (1 << bits) - 1;
        Builder b = builder("quantize", out, in, bits, groups, groupOf, null);
        for (int o = 0; o < out; o++) {
            for (int grp = 0; grp < groups; grp++) {
                int from = o * in + grp * g;
                float min = 0;
                float max = 0;
                for (int k = from; k < from + g; k++) {
                    min = Math.min(min, w[k]);
                    max = Math.max(max, w[k]);
                }
                float scale = max > min ? (max - min) / maxq : 1f;
                int zero = Math.clamp(Math.round(-min / scale), 0, maxq);
                b.group(o, grp, scale, zero);
                for (int k = from; k < from + g; k++) {
                    b.quant(o, k - o * in, Math.clamp(Math.round(w[k] / scale) + zero, 0, maxq));
                }
            }
        }
        return b.build();
    }

    static void checkBits(String where, int bits) {
        if (bits != 2 && bits != 4 && bits != 8) {
            throw new IllegalArgumentException(where + ": bits " + bits + " is not supported (2, 4 or 8)");
        }
    }

    public int bits() {
        return bits;
    }

    public int groups() {
        return groups;
    }

    @Override
    public long weightBytes() {
        return 4L * packed.length + 4L * scales.length + 4L * scaledZeros.length;
    }

    @Override
    protected TokenKernel forToken(float[] x, int xOff) {
        // one reordered x and one set of group sums for the whole product
        float[] xp = new float[inputAt.length];
        float[] xsum = new float[groups];
        prepare(x, xOff, xp, xsum);
        return (y, yOff, r0, r1) -> kernel(xp, xsum, y, yOff, r0, r1);
    }

    private void kernel(float[] xp, float[] xsum, float[] y, int yOff, int r0, int r1) {
        if (VECTOR) {
            GroupIntKernels.matvec(this, xp, xsum, y, yOff, r0, r1);
        } else {
            matvecScalar(xp, xsum, y, yOff, r0, r1);
        }
    }

    /**
     * x in stored order (zero at padding), each scaled by 2^(-field shift) to undo the unshifted mask of its field,
     * and the sum of x over each group.
     */
    void prepare(float[] x, int xOff, float[] xp, float[] xsum) {
        int perBlock = 1 << blockShift;
        for (int p = 0; p < inputAt.length; p++) {
            int k = inputAt[p];
            xp[p] = k < 0 ? 0f : x[xOff + k] * fieldScale((p / CHUNK) & (perBlock - 1));
        }
        for (int g = 0; g < groups; g++) {
            float sum = 0;
            for (int p = chunkStart[g] * CHUNK; p < chunkStart[g + 1] * CHUNK; p++) {
                int k = inputAt[p];
                sum += k < 0 ? 0f : x[xOff + k];
            }
            xsum[g] = sum;
        }
    }

    /** 2^(-j*bits) for field j, 1 for the top field (unpacked by a shift). */
    private float fieldScale(int j) {
        return j == (1 << blockShift) - 1 ? 1f : Math.scalb(1f, -j * bits);
    }

    /** Field j of a word, as the kernels unpack it: q * 2^(j*bits), or q for the top field. */
    int masked(int word, int j) {
        int perBlock = 1 << blockShift;
        return j == perBlock - 1 ? word >>> (32 - bits) : word & (((1 << bits) - 1) << (j * bits));
    }

    /** The scalar twin of the vector kernel: the same per-group sums, one lane at a time. */
    void matvecScalar(float[] xp, float[] xsum, float[] y, int yOff, int r0, int r1) {
        int perBlock = 1 << blockShift;
        for (int r = r0; r < r1; r++) {
            float acc = 0;
            for (int g = 0; g < groups; g++) {
                float part = 0;
                for (int c = chunkStart[g]; c < chunkStart[g + 1]; c++) {
                    int block = blockAt(r, c >>> blockShift);
                    int j = c & (perBlock - 1);
                    for (int i = 0; i < CHUNK; i++) {
                        part += masked(packed[block + i], j) * xp[c * CHUNK + i];
                    }
                }
                int sg = r * groups + g;
                acc += scales[sg] * part - scaledZeros[sg] * xsum[g];
            }
            y[yOff + r - r0] = acc;
        }
    }

    /** The vector kernel directly, whatever the start-up choice (for tests comparing the twins). */
    void matvecVector(float[] xp, float[] xsum, float[] y, int yOff, int r0, int r1) {
        GroupIntKernels.matvec(this, xp, xsum, y, yOff, r0, r1);
    }

    @Override
    public void dequantizeRows(int r0, int r1, float[] out) {
        int perBlock = 1 << blockShift;
        int in = inFeatures;
        for (int r = r0; r < r1; r++) {
            int o = (r - r0) * in;
            for (int k = 0; k < in; k++) {
                int p = positionOf[k];
                int c = p / CHUNK;
                int q = field(packed[blockAt(r, c >>> blockShift) + p % CHUNK], (c & (perBlock - 1)) * bits, bits);
                int sg = r * groups + groupOf[k];
                out[o + k] = q * scales[sg] - scaledZeros[sg];
            }
        }
    }

    @Override
    protected void dequantizeTile(int r0, int r1, float[] out) {
        if (VECTOR && contiguous) {
            GroupIntKernels.dequantize(this, r0, r1, out);
        } else {
            dequantizeRows(r0, r1, out);
        }
    }

    /** The checkpoint's integer q (0 .. 2^bits - 1) of row o, input channel k (for tests of the loaders). */
    int quantAt(int o, int k) {
        int p = positionOf[k];
        int c = p / CHUNK;
        int word = packed[blockAt(o, c >>> blockShift) + p % CHUNK];
        return field(word, (c & ((1 << blockShift) - 1)) * bits, bits);
    }

    /** Where block {@code blk} of row {@code r} starts in {@link #packed}. */
    int blockAt(int r, int blk) {
        return ColumnSlices.blockIndex(r, blk, outFeatures, blocks, sliceShift) * CHUNK;
    }

    /** The unsigned {@code bits}-wide field of {@code word} that starts at bit {@code shift}. */
    static int field(int word, int shift, int bits) {
        return (word >>> shift) & ((1 << bits) - 1);
    }

    /**
     * Starts a layer whose input channel k belongs to group {@code groupOf[k]} in [0, groups). {@code where} names the
     * layer in errors.
     */
    static Builder builder(String where, int out, int in, int bits, int groups, int[] groupOf, float[] bias) {
        return new Builder(where, out, in, bits, groups, groupOf, bias);
    }

    /** Collects the integers and group parameters of a layer, placing each integer straight into the layout. */
    static final class Builder {
        final int out;
        final int in;
        final int bits;
        final int groups;
        final int[] groupOf;
        final float[] bias;
        final int[] chunkStart;
        final int intsPerRow;
        final int blocks;
        final int sliceShift;
        final int[] groupOfBlock;
        final int[] inputAt;
        final int[] positionOf;
        final int[] packed;
        final float[] scales;
        final float[] scaledZeros;
        private final int blockShift;

        private Builder(String where, int out, int in, int bits, int groups, int[] groupOf, float[] bias) {
            checkBits(where, bits);
            if (groupOf.length != in) {
                throw new IllegalArgumentException(where + ": g_idx has " + groupOf.length + " entries, expected in_features "
                        + in);
            }
            this.out = out;
            this.in = in;
            this.bits = bits;
            this.groups = groups;
            this.groupOf = groupOf;
            this.bias = bias;
            int[] count = new int[groups];
            for (int k = 0; k < in; k++) {
                int g = groupOf[k];
                if (g < 0 || g >= groups) {
                    throw new IllegalArgumentException(where + ": g_idx[" + k + "] = " + g + " is outside [0, " + groups + ")");
                }
                count[g]++;
            }
            chunkStart = new int[groups + 1];
            for (int g = 0; g < groups; g++) {
                chunkStart[g + 1] = chunkStart[g] + (count[g] + CHUNK - 1) / CHUNK;
            }
            int perBlock = 32 / bits;
            blockShift = Integer.numberOfTrailingZeros(perBlock);
            blocks = (chunkStart[groups] + perBlock - 1) / perBlock;
            // column slices only serve the 4-bit two-row kernel (see GroupIntKernels.matvec); the one-row loop
            // reads whole rows, and slices cost 8-bit 2048x8192 decode 12% there
            groupOfBlock = bits == 4 ? groupOfBlock(chunkStart, perBlock) : null;
            sliceShift = groupOfBlock != null ? ColumnSlices.sliceShift(CHUNK * perBlock) : ColumnSlices.WHOLE_ROWS;
            intsPerRow = blocks * CHUNK;
            inputAt = new int[blocks * perBlock * CHUNK];
            java.util.Arrays.fill(inputAt, -1);
            positionOf = new int[in];
            int[] next = new int[groups];
            for (int g = 0; g < groups; g++) {
                next[g] = chunkStart[g] * CHUNK;
            }
            for (int k = 0; k < in; k++) {
                int p = next[groupOf[k]]++;
                positionOf[k] = p;
                inputAt[p] = k;
            }
            packed = new int[Math.multiplyExact(out, intsPerRow)];
            scales = new float[out * groups];
            scaledZeros = new float[out * groups];
        }

        /** Sets q (already within [0, 2^bits)) for row o, input channel k; each is set once. */
        void quant(int o, int k, int q) {
            int p = positionOf[k];
            int c = p / CHUNK;
            packed[ColumnSlices.blockIndex(o, c >>> blockShift, out, blocks, sliceShift) * CHUNK + p % CHUNK]
                    |= q << ((c & ((1 << blockShift) - 1)) * bits);
        }

        /** Sets the scale and integer zero point of row o, group g: w = (q - zero) * scale. */
        void group(int o, int g, float scale, int zero) {
            scales[o * groups + g] = scale;
            scaledZeros[o * groups + g] = zero * scale;
        }

        GroupIntLinear build() {
            return new GroupIntLinear(this);
        }
    }
}
