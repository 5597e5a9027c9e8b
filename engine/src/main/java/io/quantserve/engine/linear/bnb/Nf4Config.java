package io.quantserve.engine.linear.bnb;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.LinearMethod;
import io.quantserve.engine.linear.QuantizationConfig;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.tensor.DType;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * bitsandbytes 4-bit checkpoints as transformers saves them ({@code quant_method: bitsandbytes},
 * {@code load_in_4bit}). Each quantized linear layer stores, beside {@code prefix.weight} (the packed codes):
 * {@code weight.absmax}, {@code weight.quant_map}, for double quantization {@code weight.nested_absmax} and
 * {@code weight.nested_quant_map}, and {@code weight.quant_state.bitsandbytes__nf4}, the UTF-8 bytes of a JSON
 * object with quant_type, blocksize, dtype, shape and the nested_* scalars (bitsandbytes' QuantState.as_dict).
 * Layers transformers left in float (lm_head, {@code llm_int8_skip_modules}) load as {@link Unquantized}.
 */
public final class Nf4Config implements QuantizationConfig, LinearMethod {
    private static final String QUANT_STATE = ".weight.quant_state.bitsandbytes__";

    private final List<String> skipModules;
    private final String computeDtype;

    private Nf4Config(List<String> skipModules, String computeDtype) {
        this.skipModules = List.copyOf(skipModules);
        this.computeDtype = computeDtype;
    }

    /** Reads a transformers BitsAndBytesConfig; LLM.int8 and FP4 are refused by name. */
    public static Nf4Config from(JsonNode section) {
        if (flag(section, "load_in_8bit")) {
            throw new IllegalArgumentException("bitsandbytes load_in_8bit (LLM.int8) is not supported, only 4-bit nf4");
        }
        if (!flag(section, "load_in_4bit")) {
            throw new IllegalArgumentException("bitsandbytes: load_in_4bit is not true (only 4-bit nf4 is supported)");
        }
        // transformers' default 4-bit type is fp4
        String type = text(section, "bnb_4bit_quant_type", "fp4");
        if (!type.equals("nf4")) {
            throw new IllegalArgumentException("bitsandbytes: bnb_4bit_quant_type '" + type
                    + "' is not supported (only nf4)");
        }
        List<String> skip = new ArrayList<>();
        JsonNode modules = section.get("llm_int8_skip_modules");
        if (modules != null && !modules.isNull()) {
            if (!modules.isArray()) {
                throw new IllegalArgumentException("bitsandbytes: llm_int8_skip_modules must be a list of names");
            }
            modules.forEach(m -> skip.add(m.asString()));
        }
        return new Nf4Config(skip, text(section, "bnb_4bit_compute_dtype", "float32"));
    }

    private static boolean flag(JsonNode section, String name) {
        JsonNode v = section.hasNonNull(name) ? section.get(name) : section.get("_" + name);
        return v != null && v.asBoolean();
    }

    private static String text(JsonNode section, String name, String fallback) {
        return section.hasNonNull(name) ? section.get(name).asString() : fallback;
    }

    @Override
    public String name() {
        return "bitsandbytes-nf4";
    }

    /** The compute dtype the checkpoint asks for; this engine computes in float32 regardless. */
    public String computeDtype() {
        return computeDtype;
    }

    @Override
    public LinearMethod linearMethod(String prefix) {
        return skipped(prefix) ? Unquantized.INSTANCE : this;
    }

    /** Matches whole dotted components, as transformers matches module names against its skip list. */
    private boolean skipped(String prefix) {
        for (String m : skipModules) {
            if (prefix.equals(m) || prefix.endsWith("." + m) || prefix.startsWith(m + ".")
                    || prefix.contains("." + m + ".")) {
                return true;
            }
        }
        return false;
    }

    @Override
    public Linear load(TensorSource source, String prefix, int inFeatures, int outFeatures) {
        if (source.find(prefix + QUANT_STATE + "fp4").isPresent()) {
            throw new IllegalArgumentException(prefix + ": quant_type fp4 is not supported (only nf4)");
        }
        Optional<Tensor> state = source.find(prefix + QUANT_STATE + "nf4");
        if (state.isEmpty()) {
            Tensor weight = source.tensor(prefix + ".weight");
            if (weight.dtype() == DType.F32 || weight.dtype() == DType.F16 || weight.dtype() == DType.BF16) {
                return Unquantized.INSTANCE.load(source, prefix, inFeatures, outFeatures); // left in float
            }
            throw new IllegalArgumentException(prefix + ": weight is " + weight.dtype() + " but "
                    + prefix + QUANT_STATE + "nf4 is missing");
        }
        Nf4QuantState qs = Nf4QuantState.parse(prefix, state.get());
        if (!qs.quantType().equals("nf4")) {
            throw new IllegalArgumentException(prefix + ": quant_state quant_type '" + qs.quantType()
                    + "' is not supported (only nf4)");
        }
        if (!Arrays.equals(qs.shape(), new long[] {outFeatures, inFeatures})) {
            throw new IllegalArgumentException(prefix + ": quant_state shape " + Arrays.toString(qs.shape())
                    + ", expected [" + outFeatures + ", " + inFeatures + "]");
        }
        if (!Nf4.validBlocksize(qs.blocksize())) {
            throw new IllegalArgumentException(prefix + ": quant_state blocksize " + qs.blocksize()
                    + " is not a power of two in [32, 4096]");
        }
        long n = (long) outFeatures * inFeatures;
        int blocks = Math.toIntExact((n + qs.blocksize() - 1) / qs.blocksize());

        Tensor weight = source.tensor(prefix + ".weight");
        long bytes = weight.elementCount() * weight.dtype().bytes(); // any bnb_4bit_quant_storage dtype: raw bytes
        if (bytes != (n + 1) / 2) {
            throw new IllegalArgumentException(prefix + ".weight: " + bytes + " bytes of packed codes (shape "
                    + Arrays.toString(weight.shape()) + "), expected " + (n + 1) / 2 + " for " + outFeatures + "x"
                    + inFeatures);
        }
        source.find(prefix + ".weight.quant_map").ifPresent(map -> checkQuantMap(prefix, map));
        float[] absmax = qs.nested() ? nestedAbsmax(source, prefix, qs, blocks) : plainAbsmax(source, prefix, blocks);
        float[] bias = source.find(prefix + ".bias").map(b -> b.requireShape(outFeatures).toFloatArray()).orElse(null);
        return new Nf4Linear(inFeatures, outFeatures, bias, weight.data().asSlice(0, bytes), absmax, qs.blocksize());
    }

    private static float[] plainAbsmax(TensorSource source, String prefix, int blocks) {
        Tensor t = source.tensor(prefix + ".weight.absmax");
        requireCount(prefix, "weight.absmax", t, blocks);
        if (t.dtype() == DType.U8 || t.dtype() == DType.I8) {
            throw new IllegalArgumentException(prefix + ".weight.absmax is " + t.dtype()
                    + " (double-quantized) but the quant_state has no nested_* fields");
        }
        return t.toFloatArray();
    }

    private static float[] nestedAbsmax(TensorSource source, String prefix, Nf4QuantState qs, int blocks) {
        Tensor q = source.tensor(prefix + ".weight.absmax");
        requireCount(prefix, "weight.absmax", q, blocks);
        if (q.dtype() != DType.U8) {
            throw new IllegalArgumentException(prefix + ".weight.absmax: double-quantized absmax must be U8, is "
                    + q.dtype());
        }
        if (qs.nestedBlocksize() < 1) {
            throw new IllegalArgumentException(prefix + ": quant_state nested_blocksize " + qs.nestedBlocksize());
        }
        Tensor nested = source.tensor(prefix + ".weight.nested_absmax");
        requireCount(prefix, "weight.nested_absmax", nested, (blocks + qs.nestedBlocksize() - 1) / qs.nestedBlocksize());
        Tensor map = source.tensor(prefix + ".weight.nested_quant_map");
        requireCount(prefix, "weight.nested_quant_map", map, 256);
        return decodeNestedAbsmax(q.data().toArray(ValueLayout.JAVA_BYTE), nested.toFloatArray(), map.toFloatArray(),
                qs.nestedBlocksize(), qs.nestedOffset());
    }

    /**
     * bitsandbytes' double quantization undone: absmax[i] = nested_quant_map[q[i]] * nested_absmax[i / nested_blocksize]
     * + nested_offset, in float32 as its dequantize_blockwise and the following add compute it.
     */
    static float[] decodeNestedAbsmax(byte[] q, float[] nestedAbsmax, float[] nestedQuantMap, int nestedBlocksize,
            float nestedOffset) {
        float[] out = new float[q.length];
        for (int i = 0; i < q.length; i++) {
            out[i] = nestedQuantMap[q[i] & 0xFF] * nestedAbsmax[i / nestedBlocksize] + nestedOffset;
        }
        return out;
    }

    private static void checkQuantMap(String prefix, Tensor map) {
        requireCount(prefix, "weight.quant_map", map, 16);
        float[] values = map.toFloatArray();
        for (int i = 0; i < 16; i++) {
            if (Math.abs(values[i] - Nf4.CODES[i]) > 1e-6f) {
                throw new IllegalArgumentException(prefix + ".weight.quant_map[" + i + "] = " + values[i]
                        + " is not the NF4 code " + Nf4.CODES[i]);
            }
        }
    }

    private static void requireCount(String prefix, String field, Tensor t, long count) {
        if (t.elementCount() != count) {
            throw new IllegalArgumentException(prefix + "." + field + " has shape " + Arrays.toString(t.shape())
                    + ", expected " + count + " values");
        }
    }
}
