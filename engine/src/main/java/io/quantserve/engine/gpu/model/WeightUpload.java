package io.quantserve.engine.gpu.model;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.GptqConfig;
import io.quantserve.engine.linear.LinearMethod;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads a checkpoint's tensors and puts them on the device: float tensors (F32/F16/BF16) in the activation type,
 * AutoAWQ layers in their stored packing, 4-bit GPTQ layers repacked into AWQ's ({@link GptqRepack}). Any other
 * quantization format is refused by name: the GPU runner has no kernels for it.
 */
final class WeightUpload {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    /** Largest finite fp16 value: float weights beyond it would turn into infinities. */
    private static final float F16_MAX = 65504f;

    private final CudaDevice device;
    private final TensorSource source;
    private final QuantizationConfig quant;
    private final ActivationType type;

    WeightUpload(CudaDevice device, TensorSource source, QuantizationConfig quant, ActivationType type) {
        this.device = device;
        this.source = source;
        this.quant = quant;
        this.type = type;
    }

    /**
     * Fails, naming the first layer and the format, unless every linear layer of a model of {@code c} is float, AWQ
     * gemm or 4-bit GPTQ: checked before anything is uploaded.
     */
    static void requireSupported(io.quantserve.engine.model.ModelConfig c, QuantizationConfig quant) {
        List<String> prefixes = new ArrayList<>();
        for (int i = 0; i < c.numLayers(); i++) {
            for (String l : List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj")) {
                prefixes.add("model.layers." + i + "." + l);
            }
        }
        if (!c.tieWordEmbeddings()) {
            prefixes.add("lm_head");
        }
        for (String prefix : prefixes) {
            LinearMethod method = quant.linearMethod(prefix);
            boolean gptq4 = method instanceof GptqConfig g && g.bits() == 4;
            if (method != Unquantized.INSTANCE && !(method instanceof AwqConfig) && !gptq4) {
                throw unsupported(prefix, quant);
            }
        }
    }

    private static UnsupportedOperationException unsupported(String prefix, QuantizationConfig quant) {
        String stored = quant instanceof GptqConfig g ? g.bits() + "-bit gptq" : "'" + quant.name() + "'";
        return new UnsupportedOperationException("the GPU backend runs float (f32/f16/bf16), AWQ gemm and 4-bit GPTQ"
                + " checkpoints; layer " + prefix + " is stored as " + stored + " (use --backend cpu)");
    }

    /** The linear layer at {@code prefix} ({@code model.layers.0.self_attn.q_proj}), [in -> out]. */
    GpuLinear linear(String prefix, int in, int out) {
        LinearMethod method = quant.linearMethod(prefix);
        if (method == Unquantized.INSTANCE) {
            return dense(prefix, in, out);
        }
        if (method instanceof AwqConfig awq) {
            return awq(prefix, awq, in, out);
        }
        if (method instanceof GptqConfig gptq) {
            return gptq(prefix, gptq, in, out);
        }
        throw unsupported(prefix, quant);
    }

    GpuLinear dense(String prefix, int in, int out) {
        DeviceBuffer weight = matrix(prefix + ".weight", out, in);
        DeviceBuffer bias = source.find(prefix + ".bias").map(b -> vector(b.requireShape(out))).orElse(null);
        return new GpuLinear.Dense(weight, bias, in, out);
    }

    private GpuLinear awq(String prefix, AwqConfig awq, int in, int out) {
        if (type != ActivationType.F16) {
            throw new UnsupportedOperationException(prefix + ": AWQ layers run with f16 activations, not " + type.suffix());
        }
        if (out % 8 != 0) {
            throw new IllegalArgumentException(prefix + ": AWQ out_features " + out + " is not a multiple of 8");
        }
        int group = awq.groupSize() == -1 ? in : awq.groupSize();
        if (group < 1 || in % group != 0) {
            throw new IllegalArgumentException(prefix + ": group_size " + awq.groupSize() + " does not divide in_features " + in);
        }
        int words = out / 8;
        int[] qweight = ints(source.tensor(prefix + ".qweight").requireShape(in, words));
        int[] qzeros = ints(source.tensor(prefix + ".qzeros").requireShape(in / group, words));
        short[] scales = halves(source.tensor(prefix + ".scales").requireShape(in / group, out), ActivationType.F16);
        AwqDeviceWeights w = AwqDeviceWeights.upload(device, prefix, qweight, qzeros, scales, in, out, awq.groupSize());
        DeviceBuffer bias = source.find(prefix + ".bias").map(b -> vector(b.requireShape(out))).orElse(null);
        return new GpuLinear.Awq(w, bias);
    }

    private GpuLinear gptq(String prefix, GptqConfig gptq, int in, int out) {
        if (type != ActivationType.F16) {
            throw new UnsupportedOperationException(prefix + ": GPTQ layers run with f16 activations, not " + type.suffix());
        }
        GptqRepack r = GptqRepack.of(prefix, gptq.read(source, prefix, in, out));
        DeviceBuffer bias = source.find(prefix + ".bias").map(b -> vector(b.requireShape(out))).orElse(null);
        AwqDeviceWeights w = null;
        DeviceBuffer perm = null;
        try {
            w = AwqDeviceWeights.upload(device, prefix, r.layout().qweight(), r.layout().qzeros(), r.scalesF16(), in, out,
                    r.groupSize());
            if (r.perm() != null) {
                perm = device.allocate(4L * in, prefix + ".perm");
                perm.upload(r.perm());
            }
            return new GpuLinear.Awq(w, perm, bias);
        } catch (RuntimeException e) {
            for (AutoCloseable c : new AutoCloseable[] {perm, w, bias}) {
                if (c != null) {
                    try {
                        c.close();
                    } catch (Exception suppressed) {
                        e.addSuppressed(suppressed);
                    }
                }
            }
            throw e;
        }
    }

    /** A float matrix [rows, cols] in the activation type. */
    DeviceBuffer matrix(String name, int rows, int cols) {
        return upload(source.tensor(name).requireShape(rows, cols));
    }

    /** A float vector (norm weights, biases) in the activation type. */
    DeviceBuffer vector(String name, int n) {
        return upload(source.tensor(name).requireShape(n));
    }

    private DeviceBuffer vector(Tensor t) {
        return upload(t);
    }

    private DeviceBuffer upload(Tensor t) {
        short[] values = halves(t, type);
        DeviceBuffer b = device.allocate(2L * values.length, t.name());
        try {
            b.upload(values);
        } catch (RuntimeException e) {
            b.close();
            throw e;
        }
        return b;
    }

    /** The tensor's values as 16-bit patterns of {@code to}: copied as they are when stored so, else rounded. */
    static short[] halves(Tensor t, ActivationType to) {
        DType from = t.dtype();
        if (from != DType.F32 && from != DType.F16 && from != DType.BF16) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' is " + from + ", expected F32, F16 or BF16");
        }
        int n = Math.toIntExact(t.elementCount());
        MemorySegment data = t.data();
        short[] out = new short[n];
        boolean same = (from == DType.F16 && to == ActivationType.F16) || (from == DType.BF16 && to == ActivationType.BF16);
        if (same) {
            MemorySegment.copy(data, I16, 0, out, 0, n);
            return out;
        }
        for (int i = 0; i < n; i++) {
            float v = switch (from) {
                case F32 -> data.getAtIndex(F32, i);
                case F16 -> Float.float16ToFloat(data.getAtIndex(I16, i));
                default -> Float.intBitsToFloat((data.getAtIndex(I16, i) & 0xffff) << 16);
            };
            if (to == ActivationType.F16 && Math.abs(v) > F16_MAX && Float.isFinite(v)) {
                throw new IllegalArgumentException("tensor '" + t.name() + "' holds " + v + " at " + i
                        + ", beyond fp16's range: run it with bf16 activations");
            }
            out[i] = to.fromFloat(v);
        }
        return out;
    }

    static int[] ints(Tensor t) {
        if (t.dtype() != DType.I32) {
            throw new IllegalArgumentException("tensor '" + t.name() + "' must be I32, is " + t.dtype());
        }
        int[] out = new int[Math.toIntExact(t.elementCount())];
        MemorySegment.copy(t.data(), I32, 0, out, 0, out.length);
        return out;
    }
}
