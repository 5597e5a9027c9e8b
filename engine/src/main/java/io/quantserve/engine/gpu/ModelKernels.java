package io.quantserve.engine.gpu;

import static io.quantserve.engine.gpu.KernelSpec.Param.FLOAT;
import static io.quantserve.engine.gpu.KernelSpec.Param.INT;
import static io.quantserve.engine.gpu.KernelSpec.Param.POINTER;

import java.util.ArrayList;
import java.util.List;

/**
 * The kernels of the GPU model runner: rotary embedding of the fused q/k/v rows with the keys and values into the
 * cache ({@code rope.cu}), paged attention ({@code attention.cu}), float linear layers, biases and the act-order input
 * gather ({@code dense.cu}). KV pools are {@link ActivationType} values laid out
 * [blocks, blockSize, kvHeads, headDim], a token slot {@code block * blockSize + offset} holding kvDim values (the
 * CPU pool's layout); block tables and the other metadata are int32 buffers the caller has uploaded (the kernels
 * trust them: the caller checks them on the host, see {@code GpuLlamaModel}). Buffer sizes are checked here before
 * any launch.
 */
public final class ModelKernels {
    static final String ROPE = "rope";
    static final String ATTENTION = "attention";
    static final String DENSE = "dense";

    /** Largest head_dim the attention kernels take: 8 output dimensions per lane. */
    public static final int MAX_HEAD_DIM = 256;
    static final int ATTENTION_THREADS = 128;
    /** Pairs a thread of rope.cu rotates in one pass (its ROPE_UNROLL). */
    static final int ROPE_UNROLL = 4;
    static final int PREFILL_ROWS = 16;
    static final int MMA_PREFILL_ROWS = 64;
    static final int MMA_MAX_HEAD_DIM = 128;
    static final int KEY_TILE = 32;
    static final int DENSE_THREADS = 256;
    static final int DENSE_COLUMNS = 8;
    static final int DENSE_ROWS = 8;

    /** Every kernel of rope.cu, attention.cu and dense.cu (registered in {@link GpuKernels#specs()}). */
    static List<KernelSpec> specs() {
        List<KernelSpec> all = new ArrayList<>();
        for (ActivationType t : ActivationType.values()) {
            all.addAll(List.of(ropeQkvSpec(t), mergeSpec(t), prefillSpec(t, PrefillKernel.SIMT),
                    prefillSpec(t, PrefillKernel.MMA), denseSpec(t, false),
                    denseSpec(t, true), addBiasSpec(t)));
            for (int heads : DECODE_HEADS) {
                all.add(decodeSpec(t, heads));
            }
        }
        all.add(GATHER_COLUMNS);
        return all;
    }

    static KernelSpec ropeQkvSpec(ActivationType t) {
        return KernelSpec.of(ROPE, "rope_qkv_" + t.suffix(), POINTER, POINTER, POINTER, POINTER, POINTER, POINTER,
                POINTER, POINTER, INT, INT, INT);
    }

    /** The decode kernel attending {@code heads} query heads a block ({@link #DECODE_HEADS}). */
    static KernelSpec decodeSpec(ActivationType t, int heads) {
        return KernelSpec.of(ATTENTION, "paged_attention_decode_" + (heads == 1 ? "" : "h" + heads + "_") + t.suffix(),
                POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, POINTER, INT, INT, INT, INT, INT, INT,
                FLOAT, POINTER, INT);
    }

    /** Query heads a decode block attends: attention.cu has a kernel for each. */
    static final int[] DECODE_HEADS = {1, 2, 4, 8};
    /** Widest head the decode kernels of several heads a block take (4 output dimensions a lane per head). */
    static final int GROUPED_MAX_HEAD_DIM = 128;

    /**
     * The decode attention kernels: {@code GROUPED} attends several query heads of one KV head's group a block (GQA:
     * each key and value row is read once for them all instead of once a query head), {@code PER_HEAD} one query
     * head a block. Chosen by {@value #DECODE_PROPERTY} ({@code grouped} or {@code per-head}); unset, GROUPED, which
     * is PER_HEAD where the model has no groups (one query head a KV head).
     */
    public enum DecodeKernel {
        GROUPED, PER_HEAD;

        public static final String DECODE_PROPERTY = "quantserve.gpu.decode-attention";

        /**
         * Query heads one block attends: GROUPED, the most of {@link #DECODE_HEADS} that divides the group (query heads
         * a KV head) where head_dim is at most {@value #GROUPED_MAX_HEAD_DIM}, else 1; PER_HEAD, 1.
         */
        public int headsPerBlock(Attention a) {
            int group = a.numHeads() / a.numKvHeads();
            int best = 1;
            if (this == GROUPED && a.headDim() <= GROUPED_MAX_HEAD_DIM) {
                for (int heads : DECODE_HEADS) {
                    if (group % heads == 0) {
                        best = heads;
                    }
                }
            }
            return best;
        }

        public static DecodeKernel configured() {
            return KernelChoice.fromProperty(DECODE_PROPERTY, DecodeKernel.class, GROUPED, "decode attention kernel");
        }
    }

    static KernelSpec mergeSpec(ActivationType t) {
        return KernelSpec.of(ATTENTION, "paged_attention_merge_" + t.suffix(), POINTER, POINTER, POINTER, INT, INT, INT);
    }

    static KernelSpec prefillSpec(ActivationType t, PrefillKernel kernel) {
        return KernelSpec.of(ATTENTION, "prefill_attention_" + (kernel == PrefillKernel.MMA ? "mma_" : "") + t.suffix(),
                POINTER, POINTER, POINTER, POINTER, POINTER, INT, INT, INT, INT, INT, INT, INT, INT, FLOAT);
    }

    /**
     * The prefill attention kernels: {@code SIMT} scores and sums on the CUDA cores (16 rows a block, any even
     * head_dim up to 256); {@code MMA} on tensor cores (64 rows a block, FlashAttention-2's loop; head_dim a multiple
     * of 16 up to 128, else SIMT runs). Chosen by {@value #PREFILL_PROPERTY} ({@code simt} or {@code mma}); unset,
     * SIMT, the kernel checked on a device (MMA was written without one: a device run's GpuBench rows decide).
     */
    public enum PrefillKernel {
        SIMT, MMA;

        public static final String PREFILL_PROPERTY = "quantserve.gpu.prefill-attention";

        /** Whether this kernel takes the geometry (SIMT takes every one {@link Attention} accepts). */
        public boolean supports(Attention a) {
            return this == SIMT || (a.headDim() % 16 == 0 && a.headDim() <= MMA_MAX_HEAD_DIM);
        }

        public static PrefillKernel configured() {
            return KernelChoice.fromProperty(PREFILL_PROPERTY, PrefillKernel.class, SIMT, "prefill attention kernel");
        }
    }

    static KernelSpec denseSpec(ActivationType t, boolean f32Out) {
        return KernelSpec.of(DENSE, "dense_matmul_" + t.suffix() + (f32Out ? "_f32" : ""), POINTER, POINTER, POINTER,
                INT, INT, INT);
    }

    static final KernelSpec GATHER_COLUMNS = KernelSpec.of(DENSE, "gather_columns_f16", POINTER, POINTER, POINTER, INT, INT);

    static KernelSpec addBiasSpec(ActivationType t) {
        return KernelSpec.of(DENSE, "add_bias_rows_" + t.suffix(), POINTER, POINTER, INT, INT);
    }

    /**
     * The attention geometry of a model: query heads, KV heads, head width, KV block size, sliding window (0 = none)
     * and the score scale (1/sqrt(headDim) for Llama).
     */
    public record Attention(int numHeads, int numKvHeads, int headDim, int blockSize, int window, float scale) {
        public Attention {
            if (numHeads < 1 || numKvHeads < 1 || numHeads % numKvHeads != 0) {
                throw new IllegalArgumentException(numHeads + " query heads are not a multiple of " + numKvHeads
                        + " KV heads");
            }
            if (headDim < 2 || headDim % 2 != 0 || headDim > MAX_HEAD_DIM) {
                throw new IllegalArgumentException("head_dim " + headDim + " must be even and at most " + MAX_HEAD_DIM
                        + " for the GPU attention kernels");
            }
            if (blockSize < 1 || window < 0) {
                throw new IllegalArgumentException("KV block size " + blockSize + " and window " + window);
            }
        }

        public int qDim() {
            return numHeads * headDim;
        }

        public int kvDim() {
            return numKvHeads * headDim;
        }
    }

    /**
     * How decode attention is split over a row's keys (flash-decoding): {@code splits} blocks per (block of heads,
     * row), each over {@code splitKeys} keys; one split attends all keys and writes the output directly.
     */
    public record DecodeSplit(int splits, int splitKeys) {
        public static final DecodeSplit NONE = new DecodeSplit(1, Integer.MAX_VALUE);
        /** At least this many keys per split: below it the merge costs more than the parallelism gains. */
        static final int MIN_KEYS = 256;
        static final int MAX_SPLITS = 32;

        /**
         * The split for {@code items} rows of {@code headBlocks} blocks each (query heads over the heads a block
         * attends) whose keys number at most {@code maxKeys}: none while the blocks of (heads, row) fill the device;
         * else enough splits for about two blocks per multiprocessor, at most {@value #MAX_SPLITS} and no fewer than
         * {@value #MIN_KEYS} keys each, the keys per split a multiple of a pass of the 4 warps (128). Depends on the
         * shape only, so a CUDA graph of a decode step keeps it.
         */
        public static DecodeSplit plan(int items, int headBlocks, long maxKeys, int multiprocessors) {
            long blocks = (long) items * headBlocks;
            if (blocks == 0 || blocks >= multiprocessors) { // no decode rows (a prefill-only step), or enough blocks
                return NONE;
            }
            long bySms = (2L * multiprocessors + blocks - 1) / blocks;
            long byKeys = maxKeys / MIN_KEYS;
            int splits = (int) Math.min(Math.min(bySms, byKeys), MAX_SPLITS);
            if (splits <= 1) {
                return NONE;
            }
            long perSplit = (maxKeys + splits - 1) / splits;
            int keys = (int) ((perSplit + 127) / 128 * 128);
            return new DecodeSplit((int) ((maxKeys + keys - 1) / keys), keys);
        }

        /** fp32 partial states a split decode of {@code items} rows writes: (max, sum, head_dim values) each. */
        public long partialBytes(int items, int numHeads, int headDim) {
            return splits == 1 ? 0 : 4L * items * numHeads * splits * (headDim + 2);
        }

        /**
         * The most partial bytes any {@link #plan} for a device of {@code multiprocessors} asks for, blocks attending
         * up to {@code headsPerBlock} query heads.
         */
        public static long maxPartialBytes(int multiprocessors, int headDim, int headsPerBlock) {
            // items * blocks < sms and splits <= ceil(2 sms / (items * blocks)): items * blocks * splits < 3 sms,
            // a block's heads each a state
            return 4L * 3 * multiprocessors * headsPerBlock * (headDim + 2);
        }
    }

    private final CudaDevice device;
    private final PrefillKernel prefillKernel = PrefillKernel.configured();
    private final DecodeKernel decodeKernel = DecodeKernel.configured();

    public ModelKernels(CudaDevice device) {
        this.device = device;
    }

    // ---- launch shapes (pure; unit-tested without a device) ----

    /**
     * One block per token, a thread per {@value #ROPE_UNROLL} rotated pairs (each thread loads that many before
     * storing any, rope.cu), at most 1024: a 7B token's 4096 pairs in one pass.
     */
    static LaunchShape ropeQkvShape(int tokens, int numHeads, int numKvHeads, int headDim) {
        int pairs = (numHeads + numKvHeads) * (headDim / 2);
        return LaunchShape.perRow(tokens, GpuKernels.warps((pairs + ROPE_UNROLL - 1) / ROPE_UNROLL, 1024));
    }

    static LaunchShape decodeShape(int items, int headBlocks, int splits) {
        return new LaunchShape(headBlocks, items, splits, ATTENTION_THREADS, 1, 1, 0);
    }

    static LaunchShape mergeShape(int items, int numHeads, int headDim) {
        return new LaunchShape(numHeads, items, 1, GpuKernels.warps(headDim, 256), 1, 1, 0);
    }

    static LaunchShape prefillShape(int n, int numHeads, int headDim, ActivationType t, PrefillKernel kernel) {
        int rows = kernel == PrefillKernel.MMA ? MMA_PREFILL_ROWS : PREFILL_ROWS;
        return new LaunchShape((n + rows - 1) / rows, numHeads, 1, ATTENTION_THREADS, 1, 1,
                prefillSharedBytes(headDim, t, kernel));
    }

    /**
     * SIMT: K and V tiles of 32 keys padded by 2 values per row, and 16 query rows. MMA: 64 query rows and two
     * buffers of K and V tiles of 32 keys, every row padded by 8 values (16 bytes: ldmatrix without bank conflicts);
     * 51 KB at head_dim 128, past the 48 KB default ({@link Kernel} raises the kernel's limit).
     */
    static int prefillSharedBytes(int headDim, ActivationType t, PrefillKernel kernel) {
        if (kernel == PrefillKernel.MMA) {
            return (MMA_PREFILL_ROWS + 4 * KEY_TILE) * (headDim + 8) * t.bytes();
        }
        return (2 * KEY_TILE * (headDim + 2) + PREFILL_ROWS * headDim) * t.bytes();
    }

    static LaunchShape denseShape(int m, int n) {
        return new LaunchShape((n + DENSE_COLUMNS - 1) / DENSE_COLUMNS, (m + DENSE_ROWS - 1) / DENSE_ROWS, 1,
                DENSE_THREADS, 1, 1, 0);
    }

    // ---- kernels ----

    /**
     * Rotary embedding of the fused projection rows qkv [tokens, (numHeads + 2 numKvHeads) headDim] (each row its
     * query heads, key heads, value heads): rotated queries to q [tokens, numHeads headDim], rotated keys and the
     * values to token slot slots[t] (int32) of the pools of {@code poolSlots} slots. Token t at positions[t] (int32);
     * cos/sin fp32 [tablePositions, headDim / 2].
     */
    public void ropeQkv(ActivationType t, Attention a, DeviceBuffer q, DeviceBuffer kPool, DeviceBuffer vPool,
            long poolSlots, DeviceBuffer qkv, DeviceBuffer positions, DeviceBuffer slots, DeviceBuffer cos,
            DeviceBuffer sin, int tablePositions, int tokens) {
        KernelSpec spec = ropeQkvSpec(t);
        long qBytes = (long) a.qDim() * t.bytes();
        long kvBytes = (long) a.kvDim() * t.bytes();
        need(spec, q, tokens * qBytes);
        need(spec, kPool, poolSlots * kvBytes);
        need(spec, vPool, poolSlots * kvBytes);
        need(spec, qkv, tokens * (qBytes + 2 * kvBytes));
        need(spec, positions, 4L * tokens);
        need(spec, slots, 4L * tokens);
        need(spec, cos, 4L * tablePositions * (a.headDim() / 2));
        need(spec, sin, 4L * tablePositions * (a.headDim() / 2));
        device.kernel(spec).launch(ropeQkvShape(tokens, a.numHeads(), a.numKvHeads(), a.headDim()), new KernelArgs()
                .buffer(q).buffer(kPool).buffer(vPool).buffer(qkv).buffer(positions).buffer(slots).buffer(cos)
                .buffer(sin).i32(a.numHeads()).i32(a.numKvHeads()).i32(a.headDim()));
    }

    /**
     * How this device splits the decode attention of {@code items} rows whose keys number at most {@code maxKeys}
     * ({@link DecodeSplit#plan}, over the blocks of the configured decode kernel).
     */
    public DecodeSplit decodeSplit(Attention a, int items, long maxKeys) {
        return DecodeSplit.plan(items, a.numHeads() / decodeKernel.headsPerBlock(a), maxKeys, device.multiprocessors());
    }

    /** Bytes of split states any {@link #decodeSplit} of this geometry needs at most. */
    public long maxDecodePartialBytes(Attention a) {
        return DecodeSplit.maxPartialBytes(device.multiprocessors(), a.headDim(), decodeKernel.headsPerBlock(a));
    }

    /**
     * Decode attention over {@code items} query rows, each of its own sequence and position: item i is row rows[i] of
     * q/out [qRows, qDim], at position positions[i], its block table row tables[i] of blockTables [.., maxBlocks].
     * With {@code split} of several splits, the splits' states go to {@code partial} (fp32, at least
     * {@link DecodeSplit#partialBytes}) and a merge launch writes the outputs; {@code partial} may be null without.
     */
    public void decode(ActivationType t, Attention a, DeviceBuffer out, DeviceBuffer q, int qRows, DeviceBuffer kPool,
            DeviceBuffer vPool, DeviceBuffer blockTables, int tableCount, int maxBlocks, DeviceBuffer rows,
            DeviceBuffer tables, DeviceBuffer positions, int items, DecodeSplit split, DeviceBuffer partial) {
        decode(decodeKernel, t, a, out, q, qRows, kPool, vPool, blockTables, tableCount, maxBlocks, rows, tables,
                positions, items, split, partial);
    }

    /** As {@link #decode}, on {@code kernel}. */
    public void decode(DecodeKernel kernel, ActivationType t, Attention a, DeviceBuffer out, DeviceBuffer q, int qRows,
            DeviceBuffer kPool, DeviceBuffer vPool, DeviceBuffer blockTables, int tableCount, int maxBlocks,
            DeviceBuffer rows, DeviceBuffer tables, DeviceBuffer positions, int items, DecodeSplit split,
            DeviceBuffer partial) {
        int heads = kernel.headsPerBlock(a);
        KernelSpec spec = decodeSpec(t, heads);
        need(spec, out, (long) qRows * a.qDim() * t.bytes());
        need(spec, q, (long) qRows * a.qDim() * t.bytes());
        need(spec, blockTables, 4L * tableCount * maxBlocks);
        need(spec, rows, 4L * items);
        need(spec, tables, 4L * items);
        need(spec, positions, 4L * items);
        boolean splitting = split.splits() > 1;
        if (split.splits() > DecodeSplit.MAX_SPLITS) {
            throw new IllegalArgumentException(spec.name() + ": " + split + ", more than the merge's "
                    + DecodeSplit.MAX_SPLITS + " splits");
        }
        if (splitting) {
            if (partial == null) {
                throw new IllegalArgumentException(spec.name() + ": " + split + " needs a partial-state buffer");
            }
            need(spec, partial, split.partialBytes(items, a.numHeads(), a.headDim()));
        }
        DeviceBuffer partials = splitting ? partial : out; // unread with one split: any valid pointer
        device.kernel(spec).launch(decodeShape(items, a.numHeads() / heads, split.splits()), new KernelArgs()
                .buffer(out).buffer(q).buffer(kPool).buffer(vPool).buffer(blockTables).buffer(rows).buffer(tables)
                .buffer(positions).i32(maxBlocks).i32(a.numHeads()).i32(a.numKvHeads()).i32(a.headDim())
                .i32(a.blockSize()).i32(a.window()).f32(a.scale()).buffer(partials).i32(split.splitKeys()));
        if (splitting) {
            device.kernel(mergeSpec(t)).launch(mergeShape(items, a.numHeads(), a.headDim()), new KernelArgs()
                    .buffer(out).buffer(partial).buffer(rows).i32(split.splits()).i32(a.numHeads()).i32(a.headDim()));
        }
    }

    /**
     * Prefill attention for rows row0 .. row0+n-1 of q/out [qRows, qDim], at positions start .. start+n-1 of one
     * sequence whose block table (int32, {@code tableBlocks} ids) covers position start+n-1; the rows' own keys and
     * values must already be in the pools.
     */
    public void prefill(ActivationType t, Attention a, DeviceBuffer out, DeviceBuffer q, int qRows, DeviceBuffer kPool,
            DeviceBuffer vPool, DeviceBuffer table, int tableBlocks, int row0, int start, int n) {
        prefill(prefillKernel, t, a, out, q, qRows, kPool, vPool, table, tableBlocks, row0, start, n);
    }

    /** As {@link #prefill}, on {@code kernel} where it takes the geometry, else on SIMT. */
    public void prefill(PrefillKernel kernel, ActivationType t, Attention a, DeviceBuffer out, DeviceBuffer q, int qRows,
            DeviceBuffer kPool, DeviceBuffer vPool, DeviceBuffer table, int tableBlocks, int row0, int start, int n) {
        PrefillKernel k = kernel.supports(a) ? kernel : PrefillKernel.SIMT;
        KernelSpec spec = prefillSpec(t, k);
        if (row0 < 0 || n < 1 || row0 + n > qRows || start < 0) {
            throw new IllegalArgumentException(spec.name() + ": rows [" + row0 + ", " + (row0 + n) + ") of " + qRows
                    + " at start position " + start);
        }
        if ((long) tableBlocks * a.blockSize() < (long) start + n) {
            throw new IllegalArgumentException(spec.name() + ": positions up to " + (start + n - 1) + " need more than "
                    + tableBlocks + " blocks of " + a.blockSize());
        }
        need(spec, out, (long) qRows * a.qDim() * t.bytes());
        need(spec, q, (long) qRows * a.qDim() * t.bytes());
        need(spec, table, 4L * tableBlocks);
        device.kernel(spec).launch(prefillShape(n, a.numHeads(), a.headDim(), t, k), new KernelArgs().buffer(out)
                .buffer(q).buffer(kPool).buffer(vPool).buffer(table).i32(row0).i32(start).i32(n).i32(a.numHeads())
                .i32(a.numKvHeads()).i32(a.headDim()).i32(a.blockSize()).i32(a.window()).f32(a.scale()));
    }

    /** y [m, n] = x [m, k] . w^T for w [n, k], all of type t; y of type t, or fp32 when {@code f32Out}. */
    public void denseMatmul(ActivationType t, DeviceBuffer y, boolean f32Out, DeviceBuffer x, DeviceBuffer w, int m,
            int n, int k) {
        KernelSpec spec = denseSpec(t, f32Out);
        need(spec, y, (long) m * n * (f32Out ? 4 : t.bytes()));
        need(spec, x, (long) m * k * t.bytes());
        need(spec, w, (long) n * k * t.bytes());
        device.kernel(spec).launch(denseShape(m, n), new KernelArgs().buffer(y).buffer(x).buffer(w).i32(m).i32(n).i32(k));
    }

    /** y[r] += bias for m rows of n. */
    public void addBiasRows(ActivationType t, DeviceBuffer y, DeviceBuffer bias, int m, int n) {
        KernelSpec spec = addBiasSpec(t);
        need(spec, y, (long) m * n * t.bytes());
        need(spec, bias, (long) n * t.bytes());
        device.kernel(spec).launch(GpuKernels.elementwiseShape((long) m * n, device.multiprocessors()),
                new KernelArgs().buffer(y).buffer(bias).i32(m).i32(n));
    }

    /**
     * out[r][j] = x[r][perm[j]] for m rows of k fp16 values: the input of a GPTQ act-order layer put in the order of
     * its repacked weight. {@code perm} holds k int32 indices below k (checked on the host when it was made).
     */
    public void gatherColumns(DeviceBuffer out, DeviceBuffer x, DeviceBuffer perm, int m, int k) {
        need(GATHER_COLUMNS, out, 2L * m * k);
        need(GATHER_COLUMNS, x, 2L * m * k);
        need(GATHER_COLUMNS, perm, 4L * k);
        device.kernel(GATHER_COLUMNS).launch(GpuKernels.elementwiseShape((long) m * k, device.multiprocessors()),
                new KernelArgs().buffer(out).buffer(x).buffer(perm).i32(m).i32(k));
    }

    private static void need(KernelSpec spec, DeviceBuffer buffer, long bytes) {
        if (buffer.bytes() < bytes) {
            throw new IllegalArgumentException(spec.name() + ": buffer " + buffer.describe() + " is smaller than the "
                    + bytes + " B the launch uses");
        }
    }
}
