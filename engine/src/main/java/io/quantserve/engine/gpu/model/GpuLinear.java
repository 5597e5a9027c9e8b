package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.ModelKernels;
import java.util.List;

/**
 * One linear layer on the device, {@code y [m, out] = x [m, in] . W^T (+ bias)}: a float weight in the activation
 * type, or a packed 4-bit weight in AutoAWQ's layout (AWQ as stored, GPTQ repacked). {@link LinearDispatch} picks
 * the kernel per call: the tensor-core GEMM (else the simple dense kernel) for {@link Dense}; the GEMV for one row,
 * the W4A16 GEMM for several, the layer dequantized for the dense GEMM for many (prefill), for {@link Awq}. The
 * bias is added by a kernel of its own. Layers of one input (q/k/v, gate/up) are one such layer with their weights
 * stacked ({@link WeightUpload#stacked}), or a {@link Stacked} where their formats differ.
 */
sealed interface GpuLinear extends AutoCloseable {

    int inFeatures();

    int outFeatures();

    /** Bytes of split-K partials this layer needs for any m up to {@code maxTokens}, AWQ products on {@code awq}. */
    long workspaceBytes(int maxTokens, int multiprocessors, AwqKernelTable awq);

    /** y = x W^T (+ bias) for m rows; y in the activation type, or fp32 when {@code f32Out} (logits). */
    void apply(Ops ops, DeviceBuffer x, DeviceBuffer y, int m, boolean f32Out);

    @Override
    void close();

    /**
     * What a layer needs to run: the kernels, the activation type, the split-K workspace (shared by all) and the
     * AWQ kernel each fp16 product runs on.
     */
    record Ops(GpuKernels kernels, ModelKernels model, GpuMatmul matmul, ActivationType type, DeviceBuffer workspace,
            AwqKernelTable awq) {
        /** The same with another workspace (a slice of this one). */
        Ops withWorkspace(DeviceBuffer ws) {
            return new Ops(kernels, model, matmul, type, ws, awq);
        }
    }

    /** A float weight [out, in] in the activation type; bias [out] or null. */
    record Dense(DeviceBuffer weight, DeviceBuffer bias, int inFeatures, int outFeatures) implements GpuLinear {
        @Override
        public long workspaceBytes(int maxTokens, int multiprocessors, AwqKernelTable awq) {
            return LinearDispatch.denseWorkspaceBytes(outFeatures, inFeatures, maxTokens, multiprocessors);
        }

        @Override
        public void apply(Ops ops, DeviceBuffer x, DeviceBuffer y, int m, boolean f32Out) {
            if (LinearDispatch.dense(m, outFeatures, inFeatures) == LinearDispatch.Kernel.MMA_GEMM) {
                ops.matmul().gemm(ops.type(), y, f32Out, x, weight, m, outFeatures, inFeatures, ops.workspace());
            } else {
                ops.model().denseMatmul(ops.type(), y, f32Out, x, weight, m, outFeatures, inFeatures);
            }
            addBias(ops, bias, y, m, outFeatures, f32Out);
        }

        @Override
        public void close() {
            weight.close();
            if (bias != null) {
                bias.close();
            }
        }
    }

    /**
     * An AutoAWQ "gemm" layer (as stored, or a GPTQ layer repacked so, {@link GptqRepack}): awq_gemv.cu per row, or
     * gemm.cu's W4A16 GEMM for several; {@code perm} [in] int32, or null, the order an act-order GPTQ layer reads
     * its input in (gathered into the head of the workspace first); bias [out] fp16 or null.
     */
    record Awq(AwqDeviceWeights weights, DeviceBuffer perm, DeviceBuffer bias) implements GpuLinear {
        Awq(AwqDeviceWeights weights, DeviceBuffer bias) {
            this(weights, null, bias);
        }

        @Override
        public int inFeatures() {
            return weights.inFeatures();
        }

        @Override
        public int outFeatures() {
            return weights.outFeatures();
        }

        @Override
        public long workspaceBytes(int maxTokens, int multiprocessors, AwqKernelTable awq) {
            return gatheredBytes(maxTokens) + awq.workspaceBytes(weights, maxTokens, multiprocessors);
        }

        /** The gathered input of m rows, rounded up to 256 bytes so that the split-K partials after it stay aligned. */
        private long gatheredBytes(int m) {
            return perm == null ? 0 : (2L * m * inFeatures() + 255) / 256 * 256;
        }

        @Override
        public void apply(Ops ops, DeviceBuffer x, DeviceBuffer y, int m, boolean f32Out) {
            if (perm != null) {
                DeviceBuffer ws = ops.workspace();
                long head = gatheredBytes(m);
                DeviceBuffer gathered = ws.slice(0, 2L * m * inFeatures(), "gathered input");
                ops.model().gatherColumns(gathered, x, perm, m, inFeatures());
                x = gathered;
                ops = ops.withWorkspace(ws.slice(head, ws.bytes() - head, ws.label() + " after the gathered input"));
            }
            product(ops, ops.awq().choose(weights, m, f32Out), weights, x, y, m, f32Out);
            addBias(ops, bias, y, m, weights.outFeatures(), f32Out);
        }

        /** y [m, N] = x [m, K] W on the kernel {@code choice} names (the tuner times the same calls). */
        static void product(Ops ops, LinearDispatch.AwqChoice choice, AwqDeviceWeights weights, DeviceBuffer x,
                DeviceBuffer y, int m, boolean f32Out) {
            DeviceBuffer ws = ops.workspace();
            switch (choice.kernel()) {
                case AWQ_GEMM -> ops.matmul().awqGemm(weights, y, x, m, ws); // fp16 out only: never chosen for f32
                case AWQ_DEQUANT_GEMM -> ops.matmul().awqDequantGemm(weights, y, x, m, ws); // likewise
                case AWQ_BATCHED_GEMV -> ops.kernels().awqGemvTokens(weights, x, y, m, f32Out, ws);
                case AWQ_MMA -> ops.kernels().awqMma(weights, x, y, m, f32Out, ws);
                case AWQ_GEMV -> {
                    long inBytes = 2L * weights.inFeatures();
                    long outBytes = (long) weights.outFeatures() * (f32Out ? 4 : 2);
                    for (int r = 0; r < m; r++) {
                        ops.kernels().awqGemv(choice.gemv(), weights,
                                x.slice(r * inBytes, inBytes, x.label() + "[" + r + "]"),
                                y.slice(r * outBytes, outBytes, y.label() + "[" + r + "]"), f32Out, ws);
                    }
                }
                case MMA_GEMM, DENSE_SIMPLE -> throw new IllegalArgumentException(choice + " runs no AWQ layer");
            }
        }

        @Override
        public void close() {
            weights.close();
            if (perm != null) {
                perm.close();
            }
            if (bias != null) {
                bias.close();
            }
        }
    }

    /**
     * Layers of one input whose weights cannot be one product (their formats differ), run one after the other, each
     * into the head of the workspace and copied from there into its columns of y [m, sum of outs].
     */
    record Stacked(List<GpuLinear> parts) implements GpuLinear {
        public Stacked {
            List<GpuLinear> all = List.copyOf(parts);
            if (all.stream().anyMatch(p -> p.inFeatures() != all.getFirst().inFeatures())) {
                throw new IllegalArgumentException("stacked layers of different inputs: " + all.stream()
                        .map(p -> p.inFeatures() + " -> " + p.outFeatures()).toList());
            }
            parts = all;
        }

        @Override
        public int inFeatures() {
            return parts.getFirst().inFeatures();
        }

        @Override
        public int outFeatures() {
            return parts.stream().mapToInt(GpuLinear::outFeatures).sum();
        }

        @Override
        public long workspaceBytes(int maxTokens, int multiprocessors, AwqKernelTable awq) {
            long most = parts.stream().mapToLong(p -> p.workspaceBytes(maxTokens, multiprocessors, awq)).max()
                    .orElseThrow();
            return outputBytes(maxTokens) + most;
        }

        /** One part's output of m rows (fp32 at most), rounded up to 256 bytes so that what follows stays aligned. */
        private long outputBytes(int m) {
            int widest = parts.stream().mapToInt(GpuLinear::outFeatures).max().orElseThrow();
            return (4L * m * widest + 255) / 256 * 256;
        }

        @Override
        public void apply(Ops ops, DeviceBuffer x, DeviceBuffer y, int m, boolean f32Out) {
            DeviceBuffer ws = ops.workspace();
            long head = outputBytes(m);
            Ops after = ops.withWorkspace(
                    ws.slice(head, ws.bytes() - head, ws.label() + " after a stacked part's output"));
            int size = f32Out ? 4 : ops.type().bytes();
            long pitch = (long) outFeatures() * size;
            long column = 0;
            for (GpuLinear part : parts) {
                long rowBytes = (long) part.outFeatures() * size;
                DeviceBuffer out = ws.slice(0, m * rowBytes, "stacked part output");
                part.apply(after, x, out, m, f32Out);
                ops.kernels().copyRows(y.slice(column, y.bytes() - column, y.label() + " columns"), pitch, out, rowBytes,
                        rowBytes, m);
                column += rowBytes;
            }
        }

        @Override
        public void close() {
            parts.forEach(GpuLinear::close);
        }
    }

    private static void addBias(Ops ops, DeviceBuffer bias, DeviceBuffer y, int m, int n, boolean f32Out) {
        if (bias == null) {
            return;
        }
        if (f32Out) {
            throw new UnsupportedOperationException("a bias on fp32 outputs (the LM head) is not supported on the GPU");
        }
        ops.model().addBiasRows(ops.type(), y, bias, m, n);
    }
}
