package io.quantserve.engine.gpu;

import static io.quantserve.engine.gpu.KernelSpec.Param.INT;
import static io.quantserve.engine.gpu.KernelSpec.Param.POINTER;

import java.util.List;

/**
 * Token sampling on the device (sampling.cu): one block per row of logits, temperature, top-k, top-p and min-p as
 * the CPU Sampler applies them, each row drawing with the uniform number the host gives it ({@link SampleRow}). A row
 * whose logits have no finite maximum gives -1.
 */
public final class GpuSampling {
    static final String MODULE = "sampling";
    static final int THREADS = 512;
    static final List<String> LOGIT_TYPES = List.of("f32", "f16", "bf16");

    private final CudaDevice device;

    public GpuSampling(CudaDevice device) {
        this.device = device;
    }

    public static List<KernelSpec> specs() {
        return LOGIT_TYPES.stream().map(GpuSampling::spec).toList();
    }

    static KernelSpec spec(String logitsType) {
        if (!LOGIT_TYPES.contains(logitsType)) {
            throw new IllegalArgumentException("logits type '" + logitsType + "' is not one of " + LOGIT_TYPES);
        }
        return KernelSpec.of(MODULE, "sample_" + logitsType, POINTER, POINTER, POINTER, POINTER, INT);
    }

    /** Bytes of the fp32 weights workspace for {@code rows} rows of {@code n} logits. */
    public static long workspaceBytes(int rows, int n) {
        return 4L * rows * n;
    }

    static LaunchShape shape(int rows) {
        return LaunchShape.perRow(rows, THREADS);
    }

    /**
     * out[r] (int32) = the token drawn for row r of logits [rows.size(), n] (type "f32", "f16" or "bf16");
     * {@code rowsBuffer} receives the packed rows (at least {@link SampleRow#BYTES} each), {@code workspace} the
     * weights ({@link #workspaceBytes}).
     */
    public void sample(String logitsType, DeviceBuffer out, DeviceBuffer logits, int n, List<SampleRow> rows,
            DeviceBuffer rowsBuffer, DeviceBuffer workspace) {
        KernelSpec spec = spec(logitsType);
        check(spec, rows.size(), n);
        long rowCount = rows.size();
        GpuMatmul.need(spec, "out", out, 4L * rowCount);
        GpuMatmul.need(spec, "logits", logits, rowCount * n * (logitsType.equals("f32") ? 4 : 2));
        GpuMatmul.need(spec, "rows", rowsBuffer, rowCount * SampleRow.BYTES);
        GpuMatmul.need(spec, "workspace", workspace, workspaceBytes(rows.size(), n));
        rowsBuffer.upload(SampleRow.pack(rows));
        device.kernel(spec).launch(shape(rows.size()), new KernelArgs().buffer(out).buffer(workspace).buffer(logits)
                .buffer(rowsBuffer).i32(n));
    }

    static void check(KernelSpec spec, int rows, int n) {
        if (rows < 1) {
            throw new IllegalArgumentException(spec.name() + ": no rows to sample");
        }
        if (n < 1) {
            throw new IllegalArgumentException(spec.name() + ": vocabulary size n must be at least 1, is " + n);
        }
    }
}
