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
import java.lang.reflect.Array;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

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
        return stacked(List.of(prefix), in, out);
    }

    /**
     * Layers reading the same input (q/k/v, gate/up) as one product, {@code [in -> sum of outs]}, their outputs side
     * by side in {@code prefixes}' order: float weights stacked by rows; AWQ (and repacked GPTQ) weights side by side
     * by columns where they share the group size and the input order. Layers that cannot share one product (their
     * formats differ) run one by one into their columns ({@link GpuLinear.Stacked}).
     */
    GpuLinear stacked(List<String> prefixes, int in, int... outs) {
        if (outs.length != prefixes.size()) {
            throw new IllegalArgumentException(prefixes + ": " + outs.length + " output sizes");
        }
        List<LinearMethod> methods = prefixes.stream().map(quant::linearMethod).toList();
        if (methods.stream().allMatch(m -> m == Unquantized.INSTANCE)) {
            List<short[]> weights = new ArrayList<>();
            for (int i = 0; i < outs.length; i++) {
                weights.add(halves(source.tensor(prefixes.get(i) + ".weight").requireShape(outs[i], in), type));
            }
            short[] bias = bias(prefixes, outs);
            String name = String.join("+", prefixes);
            DeviceBuffer weight = upload(name + ".weight", sideBySide(weights, 1));
            try {
                return new GpuLinear.Dense(weight, bias == null ? null : upload(name + ".bias", bias), in,
                        IntStream.of(outs).sum());
            } catch (RuntimeException e) {
                weight.close();
                throw e;
            }
        }
        List<PackedLayer> packed = new ArrayList<>();
        for (int i = 0; i < outs.length; i++) {
            packed.add(methods.get(i) == Unquantized.INSTANCE ? null : packed(prefixes.get(i), methods.get(i), in, outs[i]));
        }
        PackedLayer first = packed.getFirst();
        if (packed.stream().allMatch(l -> l != null && l.groupSize() == first.groupSize()
                && Arrays.equals(l.perm(), first.perm()))) {
            return upload(String.join("+", prefixes), packed, bias(prefixes, outs));
        }
        List<GpuLinear> parts = new ArrayList<>();
        try {
            for (int i = 0; i < outs.length; i++) {
                String prefix = prefixes.get(i);
                parts.add(packed.get(i) == null ? dense(prefix, in, outs[i])
                        : upload(prefix, List.of(packed.get(i)), bias(List.of(prefix), outs[i])));
            }
        } catch (RuntimeException e) {
            parts.forEach(GpuLinear::close);
            throw e;
        }
        return new GpuLinear.Stacked(parts);
    }

    private GpuLinear dense(String prefix, int in, int out) {
        DeviceBuffer weight = matrix(prefix + ".weight", out, in);
        DeviceBuffer bias = source.find(prefix + ".bias").map(b -> vector(b.requireShape(out))).orElse(null);
        return new GpuLinear.Dense(weight, bias, in, out);
    }

    /**
     * A 4-bit layer in AutoAWQ's gemm packing on the host: qweight int32 [in, out/8], qzeros int32 [groups, out/8],
     * scales fp16 [groups, out]; {@code perm} the input order of an act-order GPTQ layer, or null.
     */
    private record PackedLayer(int[] qweight, int[] qzeros, short[] scales, int in, int out, int groupSize, int[] perm) {
    }

    private PackedLayer packed(String prefix, LinearMethod method, int in, int out) {
        if (type != ActivationType.F16) {
            throw new UnsupportedOperationException(prefix + ": " + (method instanceof AwqConfig ? "AWQ" : "GPTQ")
                    + " layers run with f16 activations, not " + type.suffix());
        }
        if (method instanceof GptqConfig gptq) {
            GptqRepack r = GptqRepack.of(prefix, gptq.read(source, prefix, in, out));
            return new PackedLayer(r.layout().qweight(), r.layout().qzeros(), r.scalesF16(), in, out, r.groupSize(), r.perm());
        }
        if (!(method instanceof AwqConfig awq)) {
            throw unsupported(prefix, quant);
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
        return new PackedLayer(qweight, qzeros, scales, in, out, group, null);
    }

    /** Packed layers of one group size and input order side by side (their columns), on the device. */
    private GpuLinear upload(String name, List<PackedLayer> layers, short[] bias) {
        int in = layers.getFirst().in();
        int groups = in / layers.getFirst().groupSize();
        int out = layers.stream().mapToInt(PackedLayer::out).sum();
        List<AutoCloseable> done = new ArrayList<>();
        try {
            AwqDeviceWeights w = track(done, AwqDeviceWeights.upload(device, name,
                    sideBySide(layers.stream().map(PackedLayer::qweight).toList(), in),
                    sideBySide(layers.stream().map(PackedLayer::qzeros).toList(), groups),
                    sideBySide(layers.stream().map(PackedLayer::scales).toList(), groups), in, out,
                    layers.getFirst().groupSize()));
            int[] order = layers.getFirst().perm();
            DeviceBuffer perm = order == null ? null : track(done, device.allocate(4L * in, name + ".perm"));
            if (perm != null) {
                perm.upload(order);
            }
            return new GpuLinear.Awq(w, perm, bias == null ? null : track(done, upload(name + ".bias", bias)));
        } catch (RuntimeException e) {
            for (int i = done.size() - 1; i >= 0; i--) {
                try {
                    done.get(i).close();
                } catch (Exception suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    private static <T extends AutoCloseable> T track(List<AutoCloseable> done, T resource) {
        done.add(resource);
        return resource;
    }

    /** The layers' biases side by side (zeros for a layer without one), or null when none has one. */
    private short[] bias(List<String> prefixes, int... outs) {
        List<short[]> parts = new ArrayList<>();
        boolean any = false;
        for (int i = 0; i < outs.length; i++) {
            Tensor t = source.find(prefixes.get(i) + ".bias").orElse(null);
            any |= t != null;
            parts.add(t == null ? new short[outs[i]] : halves(t.requireShape(outs[i]), type));
        }
        return any ? sideBySide(parts, 1) : null;
    }

    /**
     * Row-major matrices of {@code rows} rows each (int[] or short[]), side by side: row r of the result is row r of
     * each part in turn. With one row, the parts one after the other.
     */
    static <A> A sideBySide(List<A> parts, int rows) {
        if (parts.size() == 1) {
            return parts.getFirst();
        }
        int total = parts.stream().mapToInt(Array::getLength).sum();
        @SuppressWarnings("unchecked")
        A out = (A) Array.newInstance(parts.getFirst().getClass().getComponentType(), total);
        int at = 0;
        for (int r = 0; r < rows; r++) {
            for (A part : parts) {
                int width = Array.getLength(part) / rows;
                System.arraycopy(part, r * width, out, at, width);
                at += width;
            }
        }
        return out;
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
        return upload(t.name(), halves(t, type));
    }

    private DeviceBuffer upload(String name, short[] values) {
        DeviceBuffer b = device.allocate(2L * values.length, name);
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
