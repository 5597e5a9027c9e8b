package io.quantserve.engine.gpu.bench;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.AwqMmaPlan;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.DeviceFill;
import io.quantserve.engine.gpu.GemmPlan;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.GpuTimer;
import io.quantserve.engine.gpu.ModelKernels;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntConsumer;

/**
 * GPU micro-benchmark (run by gpu/check.sh on a device machine): device-to-device copy bandwidth (bytes read +
 * written), the AWQ GEMV on Llama-2-7B shapes against it (issue 7's target: at least 80% of the copy) and beside a
 * copy of the layer's bytes ({@code copy same bytes}: what one launch moving that much reaches), and the
 * tensor-core GEMMs (dense f16/bf16, AWQ W4A16) at M = 1, 8, 32, 128, 512 in TFLOP/s, and for prefill-sized M the
 * AWQ layer dequantized once then the dense GEMM ({@code awq_deq+gemm}; {@code awq_dequantize} alone: GB/s of the
 * packed layer read and the fp16 weights written); last, attention over a paged KV cache: decode (GB/s of the keys
 * and values read) and prefill on either kernel (TFLOP/s).
 * <p>Timing: CUDA events around a batch of launches, queued behind a GPU-side wait so that the JVM's launch rate is
 * not what is measured; warm-up first; the median of {@value #BATCHES} batches; weights rotate among enough random
 * sets (made on the device) that the sets together exceed the L2 cache several times over. Prints one table.
 * <p>Arguments: optional shapes {@code K:N} (in -> out features) instead of the Llama-2-7B ones, e.g.
 * {@code 8192:28672 28672:8192} for a 70B model's MLP, where the fixed costs of a launch weigh less;
 * {@code -Dquantserve.bench.gemv-only=true} times the copy and the AWQ GEMVs alone (one token, the tensor-core product
 * at 1, 2, 8 and 32 tokens, and the batched GEMV beside the AWQ GEMM at 2, 8 and 32 tokens); with
 * {@code -Dquantserve.bench.one-token=true} as well, the one-token rows only (a second run of the GEMV with another
 * kernel need not time the multi-token kernels again).
 */
public final class GpuBench {
    static final int BATCHES = 15;
    /** Weight sets together at least this large, so that a launch does not find its weights in L2 (50-60 MB). */
    static final long ROTATE_BYTES = 192L << 20;
    /** The device-to-device copy the kernels' bandwidth is measured against. */
    static final long COPY_BYTES = 1L << 30;
    /** {K, N} (in -> out features) of the Llama-2-7B layers the model runs: q/k/v stacked, o, gate/up stacked, down. */
    static final int[][] SHAPES = {{4096, 12288}, {4096, 4096}, {4096, 22016}, {11008, 4096}};
    static final int[] TOKENS = {1, 8, 32, 128, 512};
    /**
     * Token counts of the batched AWQ GEMV: its one-token variant beside the GEMV, then decode of a small batch (with
     * {@code gemv-only}, the AWQ GEMM at the same counts).
     */
    static final int[] BATCHED_TOKENS = {1, 2, 8, 32};
    /** Token counts of the tensor-core AWQ product (awq_mma.cu): the GEMV's one token and a small batch's. */
    static final int[] MMA_TOKENS = {1, 2, 8, 32};
    /** Token counts where the AWQ GEMM is timed beside the dequantized layer on the dense GEMM (prefill). */
    static final int[] DEQUANT_TOKENS = {128, 256, 512};
    static final int GROUP = 128;
    /**
     * Decode attention cases {heads, KV heads, batch, context}, head_dim 128, f16, 16-token blocks: Llama-2-7B at
     * one sequence of 4096 tokens (split over the keys) and at 32 of 640 (serve-check's 512 + 128), Llama-3-8B's
     * grouped KV heads (4 query heads a KV head) at 32 of 640 and at one sequence of 4096.
     */
    static final int[][] ATTENTION = {{32, 32, 1, 4096}, {32, 32, 32, 640}, {32, 8, 32, 640}, {32, 8, 1, 4096}};
    static final int[][] SMOKE_ATTENTION = {{4, 2, 3, 600}};
    /** Prefill attention cases {heads, KV heads, prompt tokens}: Llama-2-7B's heads over one prompt, causal. */
    static final int[][] PREFILL_ATTENTION = {{32, 32, 512}, {32, 32, 4096}};
    static final int[][] SMOKE_PREFILL_ATTENTION = {{4, 2, 40}};
    static final int HEAD_DIM = 128;
    static final int KV_BLOCK = 16;

    private final CudaDevice device;
    private final int[][] shapes;
    private final long copyBytes;
    private final long rotateBytes;
    private final boolean smoke;
    private final boolean gemvOnly = Boolean.getBoolean("quantserve.bench.gemv-only");
    private final boolean oneToken = gemvOnly && Boolean.getBoolean("quantserve.bench.one-token");
    private final GpuKernels kernels;
    private final GpuMatmul matmul;
    private final ModelKernels modelKernels;
    private final DeviceFill fill;
    private final GpuTimer timer;
    private final List<String> lines = new ArrayList<>();
    private int seed = 1;

    GpuBench(CudaDevice device, int[][] shapes) {
        this(device, shapes, COPY_BYTES, ROTATE_BYTES, false);
    }

    private GpuBench(CudaDevice device, int[][] shapes, long copyBytes, long rotateBytes, boolean smoke) {
        this.device = device;
        this.shapes = shapes;
        this.copyBytes = copyBytes;
        this.rotateBytes = rotateBytes;
        this.smoke = smoke;
        this.kernels = new GpuKernels(device);
        this.matmul = new GpuMatmul(device);
        this.modelKernels = new ModelKernels(device);
        this.fill = new DeviceFill(device);
        this.timer = new GpuTimer(device);
    }

    /**
     * Every row once, untimed in earnest (one launch each, a 1 MiB copy and weight rotation): the device test's run
     * of the whole bench on small shapes, so that a device run is not the first to find a row that cannot run.
     */
    static GpuBench smoke(CudaDevice device, int[][] shapes) {
        return new GpuBench(device, shapes, 1L << 20, 1L << 20, true);
    }

    public static void main(String[] args) {
        int[][] shapes = args.length == 0 ? SHAPES : Arrays.stream(args).map(GpuBench::shape).toArray(int[][]::new);
        try (CudaDevice device = BenchDevice.open("GpuBench")) {
            new GpuBench(device, shapes).run(System.out);
        }
    }

    static int[] shape(String kn) {
        String[] parts = kn.split(":");
        if (parts.length != 2) {
            throw new IllegalArgumentException("shape '" + kn + "': expected K:N, e.g. 4096:11008");
        }
        return new int[] {Integer.parseInt(parts[0]), Integer.parseInt(parts[1])};
    }

    void run(PrintStream out) {
        lines.add(String.format(Locale.ROOT, "== GpuBench: %s, sm_%d%d, %d SMs (median of %d batches, CUDA events) ==",
                device.name(), device.major(), device.minor(), device.multiprocessors(), BATCHES));
        double copy = copyBandwidth();
        lines.add(String.format(Locale.ROOT, "%-20s %-13s %5s %10s %9s %9s %7s", "kernel", "K->N", "M", "time us",
                "TFLOP/s", "GB/s", "%copy"));
        for (int[] s : shapes) {
            awqShapes(s[0], s[1], copy);
        }
        for (int[] s : gemvOnly ? new int[0][] : shapes) {
            denseShapes(s[0], s[1], copy);
        }
        for (int[] c : gemvOnly ? new int[0][] : smoke ? SMOKE_ATTENTION : ATTENTION) {
            decodeAttention(c[0], c[1], c[2], c[3], copy);
        }
        for (int[] c : gemvOnly ? new int[0][] : smoke ? SMOKE_PREFILL_ATTENTION : PREFILL_ATTENTION) {
            prefillAttention(c[0], c[1], c[2], copy);
        }
        lines.forEach(out::println);
    }

    /** cuMemcpyDtoD of 1 GiB (copyBytes): GB/s counting the bytes read and the bytes written. */
    private double copyBandwidth() {
        long bytes = copyBytes;
        try (DeviceBuffer src = device.allocate(bytes, "copy src"); DeviceBuffer dst = device.allocate(bytes, "copy dst")) {
            fill.randomBits(src, seed++);
            double ms = median(i -> GpuTimer.copy(dst, src, bytes), 1);
            double gbs = 2.0 * bytes / (ms * 1e6);
            lines.add(String.format(Locale.ROOT, "copy D2D %d MiB: %.1f us, %.0f GB/s (read + write)", bytes >> 20,
                    ms * 1e3, gbs));
            return gbs;
        }
    }

    private void awqShapes(int k, int n, double copy) {
        int groups = k / GROUP;
        long setBytes = 4L * k * (n / 8) + 4L * groups * (n / 8) + 2L * groups * n;
        int sets = sets(setBytes);
        List<AwqDeviceWeights> weights = new ArrayList<>();
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            for (int i = 0; i < sets; i++) {
                DeviceBuffer qw = device.allocate(4L * k * (n / 8), "qweight" + i);
                DeviceBuffer qz = device.allocate(4L * groups * (n / 8), "qzeros" + i);
                DeviceBuffer sc = device.allocate(2L * groups * n, "scales" + i);
                fill.randomBits(qw, seed++);
                fill.randomBits(qz, seed++);
                fill.uniform(ActivationType.F16, sc, seed++, 0.001f, 0.02f);
                weights.add(new AwqDeviceWeights(qw, qz, sc, k, n, GROUP));
            }
            int maxM = Arrays.stream(TOKENS).max().orElseThrow();
            DeviceBuffer x = own(owned, device.allocate(2L * maxM * k, "x"));
            fill.uniform(ActivationType.F16, x, seed++, -1f, 1f);
            DeviceBuffer y = own(owned, device.allocate(4L * maxM * n, "y"));
            long ws = kernels.awqPlan(weights.get(0)).workspaceBytes(n);
            for (int m : TOKENS) {
                ws = Math.max(ws, matmul.awqPlan(m, weights.get(0)).workspaceBytes(m, n));
            }
            for (int m : BATCHED_TOKENS) {
                ws = Math.max(ws, kernels.awqTokensPlan(m, weights.get(0)).workspaceBytes(m, n));
            }
            boolean mma = AwqMmaPlan.supports(k, n, GROUP);
            for (int m : MMA_TOKENS) {
                ws = Math.max(ws, mma ? kernels.awqMmaPlan(m, weights.get(0)).workspaceBytes(m, n) : 0);
            }
            DeviceBuffer workspace = own(owned, device.allocate(Math.max(16, ws), "workspace"));
            double gemv = median(i -> kernels.awqGemv(weights.get(i % sets), x, y, false, workspace), sets);
            String name = "awq_gemv " + kernels.awqGemvKernel().name().toLowerCase(Locale.ROOT);
            row(name, k, n, 1, gemv, setBytes + 2L * k + 2L * n, copy);
            row("copy same bytes", k, n, 0, sameBytesCopy(setBytes + 2L * k + 2L * n), setBytes + 2L * k + 2L * n, copy);
            if (oneToken) {
                return;
            }
            for (int m : mma ? MMA_TOKENS : new int[0]) {
                double ms = median(i -> kernels.awqMma(weights.get(i % sets), x, y, m, false, workspace), sets);
                row("awq_mma", k, n, m, ms, setBytes + 2L * m * k + 2L * m * n, copy);
            }
            for (int m : BATCHED_TOKENS) {
                double ms = median(i -> kernels.awqGemvTokens(weights.get(i % sets), x, y, m, false, workspace), sets);
                row("awq_gemv_tokens" + kernels.awqTokensPlan(m, weights.get(0)).tokensPerBlock(), k, n, m, ms,
                        setBytes + 2L * m * k + 2L * m * n, copy);
            }
            // with gemv-only, the GEMM beside the batched GEMV where both serve the rows (two or more)
            for (int m : gemvOnly ? Arrays.stream(BATCHED_TOKENS).filter(m -> m > 1).toArray() : TOKENS) {
                double ms = median(i -> matmul.awqGemm(weights.get(i % sets), y, x, m, workspace), sets);
                row("awq_gemm bm" + matmul.awqPlan(m, weights.get(0)).blockM(), k, n, m, ms,
                        setBytes + 2L * m * k + 2L * m * n, copy);
            }
            if (!gemvOnly) {
                dequantized(weights, x, y, k, n, setBytes, copy);
            }
        } finally {
            weights.forEach(AwqDeviceWeights::close);
            owned.forEach(DeviceBuffer::close);
        }
    }

    /**
     * Milliseconds a device-to-device copy takes that reads and writes {@code bytes} in all (half each way, rotating
     * among slices as the weights rotate): what one launch moving a layer's bytes can reach at that size, beside the
     * large copy the GEMV's target is set against.
     */
    private double sameBytesCopy(long bytes) {
        long half = Math.max(16, bytes / 2 / 16 * 16);
        int sets = sets(bytes);
        try (DeviceBuffer src = device.allocate(half * sets, "copy src"); DeviceBuffer dst = device.allocate(half * sets,
                "copy dst")) {
            fill.randomBits(src, seed++);
            List<DeviceBuffer[]> pairs = new ArrayList<>();
            for (int i = 0; i < sets; i++) {
                pairs.add(new DeviceBuffer[] {dst.slice(i * half, half, "dst" + i), src.slice(i * half, half, "src" + i)});
            }
            return median(i -> GpuTimer.copy(pairs.get(i % sets)[0], pairs.get(i % sets)[1], half), sets);
        }
    }

    /** The layer dequantized into [N, K] fp16 alone, then with the dense GEMM after it at prefill token counts. */
    private void dequantized(List<AwqDeviceWeights> weights, DeviceBuffer x, DeviceBuffer y, int k, int n, long setBytes,
            double copy) {
        int sets = weights.size();
        long ws = 0;
        for (int m : DEQUANT_TOKENS) {
            ws = Math.max(ws, GpuMatmul.awqDequantGemmWorkspaceBytes(m, n, k, device.multiprocessors()));
        }
        try (DeviceBuffer workspace = device.allocate(ws, "dequantized workspace")) {
            double deq = median(i -> matmul.awqDequantize(weights.get(i % sets), workspace), sets);
            row("awq_dequantize", k, n, 0, deq, setBytes + 2L * n * k, copy);
            for (int m : DEQUANT_TOKENS) {
                double ms = median(i -> matmul.awqDequantGemm(weights.get(i % sets), y, x, m, workspace), sets);
                row("awq_deq+gemm", k, n, m, ms, setBytes + 2L * m * k + 2L * m * n, copy);
            }
        }
    }

    private void denseShapes(int k, int n, double copy) {
        long setBytes = 2L * n * k;
        int sets = sets(setBytes);
        for (ActivationType t : ActivationType.values()) {
            List<DeviceBuffer> owned = new ArrayList<>();
            try {
                List<DeviceBuffer> w = new ArrayList<>();
                for (int i = 0; i < sets; i++) {
                    DeviceBuffer b = own(owned, device.allocate(setBytes, "w" + i));
                    fill.uniform(t, b, seed++, -0.05f, 0.05f);
                    w.add(b);
                }
                int maxM = Arrays.stream(TOKENS).max().orElseThrow();
                DeviceBuffer a = own(owned, device.allocate(2L * maxM * k, "a"));
                fill.uniform(t, a, seed++, -1f, 1f);
                DeviceBuffer out = own(owned, device.allocate(2L * maxM * n, "out"));
                long ws = 16;
                for (int m : TOKENS) {
                    ws = Math.max(ws, matmul.densePlan(m, n, k).workspaceBytes(m, n));
                }
                DeviceBuffer workspace = own(owned, device.allocate(ws, "workspace"));
                for (int m : TOKENS) {
                    GemmPlan plan = matmul.densePlan(m, n, k);
                    double ms = median(i -> matmul.gemm(t, out, a, w.get(i % sets), m, n, k, workspace), sets);
                    row("gemm_" + t.suffix() + " bm" + plan.blockM(), k, n, m, ms, setBytes + 2L * m * k + 2L * m * n, copy);
                }
            } finally {
                owned.forEach(DeviceBuffer::close);
            }
        }
    }

    /**
     * Decode attention of {@code batch} sequences of {@code context} tokens each (the planned split, merge included),
     * on each decode kernel that differs for the shape (a block a query head; a block a GQA group's heads): the KV
     * cache holds two sets of the batch's blocks, shuffled as a cache is after some traffic, and launches alternate
     * between them, so that a launch does not find the previous one's keys in L2. The row's bytes are the keys and
     * values read once (the queries and outputs are a few KB); its TFLOP/s counts q.k and p.v.
     */
    private void decodeAttention(int heads, int kvHeads, int batch, int context, double copy) {
        ModelKernels.Attention a = new ModelKernels.Attention(heads, kvHeads, HEAD_DIM, KV_BLOCK, 0,
                (float) (1 / Math.sqrt(HEAD_DIM)));
        int width = (context + KV_BLOCK - 1) / KV_BLOCK;
        int blocks = 2 * batch * width;
        int[] rows = new int[batch];
        int[] positions = new int[batch];
        int[][] tableRows = new int[2][batch];
        for (int i = 0; i < batch; i++) {
            rows[i] = i;
            positions[i] = context - 1;
            tableRows[0][i] = i;
            tableRows[1][i] = batch + i;
        }
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            AttentionBuffers b = attentionBuffers(a, blocks, batch, owned);
            DeviceBuffer table = own(owned, shuffledBlocks(blocks)); // set s, sequence i: row s * batch + i
            DeviceBuffer rowBuffer = own(owned, device.allocate(4L * batch, "rows"));
            rowBuffer.upload(rows);
            DeviceBuffer positionBuffer = own(owned, device.allocate(4L * batch, "positions"));
            positionBuffer.upload(positions);
            List<DeviceBuffer> sets = new ArrayList<>();
            for (int[] r : tableRows) {
                DeviceBuffer set = own(owned, device.allocate(4L * batch, "table rows"));
                set.upload(r);
                sets.add(set);
            }
            for (ModelKernels.DecodeKernel kernel : ModelKernels.DecodeKernel.values()) {
                int perBlock = kernel.headsPerBlock(a);
                if (kernel != ModelKernels.DecodeKernel.GROUPED
                        && perBlock == ModelKernels.DecodeKernel.GROUPED.headsPerBlock(a)) {
                    continue; // the same kernel as the row above
                }
                ModelKernels.DecodeSplit planned = ModelKernels.DecodeSplit.plan(batch, heads / perBlock,
                        (long) width * KV_BLOCK, device.multiprocessors());
                for (ModelKernels.DecodeSplit split : decodeSplits(planned, context)) {
                    DeviceBuffer partial = own(owned, device.allocate(
                            Math.max(16, split.partialBytes(batch, heads, HEAD_DIM)), "partial"));
                    double ms = median(i -> modelKernels.decode(kernel, ActivationType.F16, a, b.out(), b.q(), batch,
                            b.keys(), b.values(), table, 2 * batch, width, rowBuffer, sets.get(i % 2),
                            positionBuffer, batch, split, partial), 2);
                    long kvBytes = 2L * batch * context * a.kvDim() * 2;
                    double gbs = kvBytes / (ms * 1e6);
                    double tflops = 4.0 * batch * heads * context * HEAD_DIM / (ms * 1e9);
                    line("decode_attn" + (perBlock > 1 ? "_h" + perBlock : "") + " " + heads + "/" + kvHeads,
                            "ctx " + context + (split.splits() > 1 ? " x" + split.splits() : "")
                                    + (split.equals(planned) ? "" : "?"), batch, ms, tflops, gbs, copy);
                }
            }
        } finally {
            owned.forEach(DeviceBuffer::close);
        }
    }

    /**
     * The planned split and, where the plan splits, twice and four times as many splits (keys a split a multiple of
     * 128, at least 128; rows marked "?"): whether more blocks in flight than the plan's ~2 a multiprocessor pay.
     */
    private static List<ModelKernels.DecodeSplit> decodeSplits(ModelKernels.DecodeSplit planned, int context) {
        List<ModelKernels.DecodeSplit> splits = new ArrayList<>(List.of(planned));
        if (planned.splits() > 1) {
            for (int more : new int[] {2, 4}) {
                int keys = Math.max(128, planned.splitKeys() / more / 128 * 128);
                ModelKernels.DecodeSplit s = new ModelKernels.DecodeSplit((context + keys - 1) / keys, keys);
                if (!splits.contains(s)) {
                    splits.add(s);
                }
            }
        }
        return splits;
    }

    /**
     * Prefill attention over one prompt of {@code tokens} tokens, its keys and values already in the cache (shuffled
     * blocks), causal, on each kernel (CUDA cores, tensor cores): TFLOP/s of q.k and p.v over the causal half; GB/s
     * of the queries, outputs, keys and values once.
     */
    private void prefillAttention(int heads, int kvHeads, int tokens, double copy) {
        ModelKernels.Attention a = new ModelKernels.Attention(heads, kvHeads, HEAD_DIM, KV_BLOCK, 0,
                (float) (1 / Math.sqrt(HEAD_DIM)));
        int blocks = (tokens + KV_BLOCK - 1) / KV_BLOCK;
        List<DeviceBuffer> owned = new ArrayList<>();
        try {
            AttentionBuffers b = attentionBuffers(a, blocks, tokens, owned);
            DeviceBuffer table = own(owned, shuffledBlocks(blocks));
            for (ModelKernels.PrefillKernel kernel : ModelKernels.PrefillKernel.values()) {
                double ms = median(i -> modelKernels.prefill(kernel, ActivationType.F16, a, b.out(), b.q(), tokens,
                        b.keys(), b.values(), table, blocks, 0, 0, tokens), 1);
                double tflops = 4.0 * heads * HEAD_DIM * tokens * (tokens + 1) / 2 / (ms * 1e9);
                long bytes = 2L * 2 * tokens * a.qDim() + 2L * 2 * tokens * a.kvDim();
                line("prefill " + kernel.name().toLowerCase(Locale.ROOT) + " " + heads + "/" + kvHeads,
                        tokens + " tokens", 1, ms, tflops, bytes / (ms * 1e6), copy);
            }
        } finally {
            owned.forEach(DeviceBuffer::close);
        }
    }

    /** f16 K and V pools of a layer, query rows and their output rows. */
    private record AttentionBuffers(DeviceBuffer keys, DeviceBuffer values, DeviceBuffer q, DeviceBuffer out) {
    }

    /** Random pools of {@code blocks} KV blocks for {@code a}, and {@code rows} random query rows (outputs unset). */
    private AttentionBuffers attentionBuffers(ModelKernels.Attention a, int blocks, int rows, List<DeviceBuffer> owned) {
        long poolBytes = (long) blocks * KV_BLOCK * a.kvDim() * 2;
        AttentionBuffers b = new AttentionBuffers(own(owned, device.allocate(poolBytes, "k pool")),
                own(owned, device.allocate(poolBytes, "v pool")), own(owned, device.allocate(2L * rows * a.qDim(), "q")),
                own(owned, device.allocate(2L * rows * a.qDim(), "attention out")));
        fill.uniform(ActivationType.F16, b.keys(), seed++, -1f, 1f);
        fill.uniform(ActivationType.F16, b.values(), seed++, -1f, 1f);
        fill.uniform(ActivationType.F16, b.q(), seed++, -1f, 1f);
        return b;
    }

    /** A block table of blocks 0 .. blocks-1 in a shuffled order (as a cache hands them out after some traffic). */
    private DeviceBuffer shuffledBlocks(int blocks) {
        List<Integer> order = new ArrayList<>();
        for (int b = 0; b < blocks; b++) {
            order.add(b);
        }
        Collections.shuffle(order, new Random(seed++));
        DeviceBuffer table = device.allocate(4L * blocks, "block table");
        table.upload(order.stream().mapToInt(Integer::intValue).toArray());
        return table;
    }

    private void row(String kernel, int k, int n, int m, double ms, long bytes, double copy) {
        line(kernel, k + "->" + n, m, ms, 2.0 * m * n * k / (ms * 1e9), bytes / (ms * 1e6), copy);
    }

    private void line(String kernel, String shape, int m, double ms, double tflops, double gbs, double copy) {
        lines.add(String.format(Locale.ROOT, "%-20s %-13s %5d %10.2f %9.1f %9.0f %6.0f%%", kernel, shape, m, ms * 1e3,
                tflops, gbs, 100 * gbs / copy));
    }

    private int sets(long setBytes) {
        return (int) Math.clamp((rotateBytes + setBytes - 1) / setBytes, 1, 32);
    }

    private static DeviceBuffer own(List<DeviceBuffer> owned, DeviceBuffer b) {
        owned.add(b);
        return b;
    }

    /**
     * Milliseconds per launch: warm-up, then batches of launches (launch i uses input set i % sets) queued behind a
     * GPU-side wait long enough for the host to queue the whole batch, timed by events; the median batch.
     */
    private double median(IntConsumer launch, int sets) {
        if (smoke) {
            timer.start();
            launch.accept(0);
            timer.stop();
            return Math.max(1e-6, timer.elapsedMillis());
        }
        for (int i = 0; i < Math.max(3, sets); i++) {
            launch.accept(i);
        }
        device.synchronize();
        // size a batch to about 2 ms of GPU time, and learn the host's time to queue it
        timer.start();
        launch.accept(0);
        timer.stop();
        double one = Math.max(1e-4, timer.elapsedMillis());
        int perBatch = (int) Math.clamp(Math.ceil(2.0 / one), 3, 400);
        long hostStart = System.nanoTime();
        for (int i = 0; i < perBatch; i++) {
            launch.accept(i);
        }
        long hostNanos = System.nanoTime() - hostStart;
        device.synchronize();
        double[] perLaunch = new double[BATCHES];
        int next = 0;
        for (int b = 0; b < BATCHES; b++) {
            fill.spin(2 * hostNanos + 1_000_000);
            timer.start();
            for (int i = 0; i < perBatch; i++) {
                launch.accept(next++);
            }
            timer.stop();
            perLaunch[b] = timer.elapsedMillis() / perBatch;
        }
        Arrays.sort(perLaunch);
        return perLaunch[BATCHES / 2];
    }
}
