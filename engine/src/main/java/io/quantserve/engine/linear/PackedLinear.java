package io.quantserve.engine.linear;

import io.quantserve.engine.kernel.Parallel;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.tensor.WeightMatrix;
import java.lang.foreign.MemorySegment;

/**
 * A linear layer whose weight stays packed (4-bit groups, 8-bit blocks, NF4...) in memory. Subclasses give two
 * kernels over the packed data: a matrix-vector product over a range of output rows (decode), and a dequantizer of
 * a range of rows (the scalar reference, and prefill). Prefill unpacks a tile of rows once into a small float buffer
 * and multiplies it with every token of the batch, so the weights are never fully dequantized in memory.
 */
public abstract class PackedLinear implements Linear {
    /** Rows unpacked at a time for prefill: a few hundred KB of floats, within L2. */
    private static final int TILE_ROWS = 32;
    /**
     * From this many tokens on, prefill passes the prompt as the matmul's left-hand side (see apply). That transposes
     * every weight once per call, a fixed cost (~15 ms for 2048x8192 on 2 cores) that the old orientation (the prompt
     * transposed once per tile) only exceeds from about 32 tokens (measured 10 to 64).
     */
    private static final int SWAP_TOKENS = 32;
    /**
     * Up to this many tokens (a batch of decodes) run the packed matvec kernel per token (see apply): on 2 cores,
     * llama-1b q4_0, 16 decodes in one batch took 0.8 s this way against 1.2-2.0 s through the unpacked tiles.
     */
    private static final int SMALL_BATCH = 16;

    protected final int inFeatures;
    protected final int outFeatures;
    private final float[] bias; // [out] or null
    private final VectorOps ops = VectorOps.get();

    protected PackedLinear(int inFeatures, int outFeatures, float[] bias) {
        this.inFeatures = inFeatures;
        this.outFeatures = outFeatures;
        this.bias = bias;
    }

    /** A format's decode kernel bound to one token's input: {@code y[yOff + r - r0] = dot(row r, x)} for r in [r0, r1). */
    @FunctionalInterface
    protected interface TokenKernel {
        void rows(float[] y, int yOff, int r0, int r1);
    }

    /**
     * The decode kernel for the token at {@code x[xOff ..]}, reading the packed data directly. Whatever the kernel
     * needs from x beyond x itself (reordered, scaled, summed per group) is computed here, once per token on the
     * calling thread, and shared by every thread's rows: computed per row range instead, NF4 decode spent ~1 ms per
     * llama-1b step redoing it.
     */
    protected abstract TokenKernel forToken(float[] x, int xOff);

    /** y[yOff + r - r0] = dot(row r, x[xOff ..]) for r in [r0, r1), on this thread. */
    public final void matvecRows(float[] x, int xOff, float[] y, int yOff, int r0, int r1) {
        forToken(x, xOff).rows(y, yOff, r0, r1);
    }

    /** out[(r - r0) * inFeatures + k] = weight[r][k] for r in [r0, r1). */
    public abstract void dequantizeRows(int r0, int r1, float[] out);

    /**
     * The same values as {@link #dequantizeRows}, as fast as the format allows: prefill unpacks every weight once per
     * call through this. Formats with a vector unpacker override it; {@link #dequantizeRows} stays the reference.
     */
    protected void dequantizeTile(int r0, int r1, float[] out) {
        dequantizeRows(r0, r1, out);
    }

    @Override
    public final int inFeatures() {
        return inFeatures;
    }

    @Override
    public final int outFeatures() {
        return outFeatures;
    }

    @Override
    public void apply(float[] x, float[] y, int tokens) {
        if (tokens == 1) {
            TokenKernel kernel = forToken(x, 0);
            Parallel.forRange(outFeatures, Math.max(1, 16384 / inFeatures), (r0, r1) -> kernel.rows(y, r0, r0, r1));
        } else if (tokens <= SMALL_BATCH) {
            // A batch of decodes: the packed kernel per token over blocks of rows small enough (~128K weights) to
            // stay in cache across the tokens, so the weights are read from memory once and never unpacked to
            // floats, which the tile path below pays for whatever the token count.
            TokenKernel[] kernels = new TokenKernel[tokens];
            for (int tok = 0; tok < tokens; tok++) {
                kernels[tok] = forToken(x, tok * inFeatures);
            }
            int blockRows = Math.max(1, 131072 / inFeatures);
            int blocks = (outFeatures + blockRows - 1) / blockRows;
            Parallel.forRange(blocks, 1, (b0, b1) -> {
                for (int b = b0; b < b1; b++) {
                    int r0 = b * blockRows;
                    int r1 = Math.min(outFeatures, r0 + blockRows);
                    for (int tok = 0; tok < tokens; tok++) {
                        kernels[tok].rows(y, tok * outFeatures + r0, r0, r1);
                    }
                }
            });
        } else if (tokens >= SWAP_TOKENS) {
            // The prompt is the matmul's "weight" and the tile its input: the tiled F32 matmul transposes its input
            // on every call, and that is then the tile (rows x in) rather than the whole prompt (tokens x in) again
            // for each tile, which cost more than the multiplications (q4_0 2048x8192, 128 tokens: 98 -> 70 ms).
            WeightMatrix xw = new WeightMatrix(MemorySegment.ofArray(x).asSlice(0, (long) tokens * inFeatures * 4),
                    DType.F32, tokens, inFeatures);
            int tiles = (outFeatures + TILE_ROWS - 1) / TILE_ROWS;
            Parallel.forRange(tiles, 1, (t0, t1) -> {
                float[] tile = new float[TILE_ROWS * inFeatures];
                float[] tileOut = new float[TILE_ROWS * tokens];
                for (int t = t0; t < t1; t++) {
                    int r0 = t * TILE_ROWS;
                    int rows = Math.min(TILE_ROWS, outFeatures - r0);
                    if (rows < TILE_ROWS) {
                        tile = new float[rows * inFeatures];
                        tileOut = new float[rows * tokens];
                    }
                    dequantizeTile(r0, r0 + rows, tile);
                    ops.matmul(xw, tile, tileOut, rows); // tileOut[i][tok] = row r0 + i . token tok
                    for (int i = 0; i < rows; i++) {
                        for (int tok = 0; tok < tokens; tok++) {
                            y[tok * outFeatures + r0 + i] = tileOut[i * tokens + tok];
                        }
                    }
                }
            });
        } else {
            int tiles = (outFeatures + TILE_ROWS - 1) / TILE_ROWS;
            Parallel.forRange(tiles, 1, (t0, t1) -> {
                float[] tile = new float[TILE_ROWS * inFeatures];
                float[] tileOut = new float[tokens * TILE_ROWS];
                for (int t = t0; t < t1; t++) {
                    int r0 = t * TILE_ROWS;
                    int rows = Math.min(TILE_ROWS, outFeatures - r0);
                    dequantizeTile(r0, r0 + rows, tile);
                    WeightMatrix w = new WeightMatrix(
                            MemorySegment.ofArray(tile).asSlice(0, (long) rows * inFeatures * 4), DType.F32, rows, inFeatures);
                    ops.matmul(w, x, tileOut, tokens); // runs inline: we are inside a parallel range
                    for (int tok = 0; tok < tokens; tok++) {
                        System.arraycopy(tileOut, tok * rows, y, tok * outFeatures + r0, rows);
                    }
                }
            });
        }
        if (bias != null) {
            for (int t = 0; t < tokens; t++) {
                ops.add(y, t * outFeatures, bias, 0, outFeatures);
            }
        }
    }

    /** The whole weight as floats [out, in]: for tests and references only. */
    public float[] dequantize() {
        float[] all = new float[outFeatures * inFeatures];
        dequantizeRows(0, outFeatures, all);
        return all;
    }
}
