package io.quantserve.engine.linear;

import io.quantserve.engine.format.safetensors.Checkpoint;
import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.tensor.DType;
import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Pattern;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ObjectNode;

/**
 * Writes a fixture model as an AWQ or GPTQ checkpoint (every linear layer RTN-quantized and packed in the published
 * layout; embeddings, norms and biases as they were) and, beside it, the same model with the dequantized float
 * weights as a plain checkpoint: the two must give the same logits.
 */
final class AwqGptqCheckpoints {
    private static final Pattern LAYER = Pattern.compile("model\\.layers\\.\\d+\\.(self_attn|mlp)\\.\\w+_proj");
    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * @param method        "awq" or "gptq"
     * @param groupSize     input channels per group, -1 per output channel
     * @param v2            GPTQ checkpoint_format gptq_v2
     * @param descAct       GPTQ act-order with a shuffled g_idx
     * @param autoGptqFile  config in quantize_config.json (AutoGPTQ) rather than config.json
     * @param notConverted  AWQ modules_to_not_convert (those layers stay float)
     * @param lmHead        GPTQ lm_head quantized too
     */
    record Scheme(String method, int bits, int groupSize, boolean sym, boolean v2, boolean descAct,
            boolean autoGptqFile, List<String> notConverted, boolean lmHead) {

        static Scheme awq(int groupSize, String... notConverted) {
            return new Scheme("awq", 4, groupSize, false, false, false, false, List.of(notConverted), false);
        }

        static Scheme gptq(int bits, int groupSize, boolean sym, boolean v2) {
            return new Scheme("gptq", bits, groupSize, sym, v2, false, false, List.of(), false);
        }

        Scheme withDescAct() {
            return new Scheme(method, bits, groupSize, sym, v2, true, autoGptqFile, notConverted, lmHead);
        }

        Scheme inQuantizeConfigFile() {
            return new Scheme(method, bits, groupSize, sym, v2, descAct, true, notConverted, lmHead);
        }

        Scheme withLmHead() {
            return new Scheme(method, bits, groupSize, sym, v2, descAct, autoGptqFile, notConverted, true);
        }

        ObjectNode json() {
            ObjectNode q = JSON.createObjectNode();
            if (!autoGptqFile) {
                q.put("quant_method", method);
            }
            q.put("bits", bits);
            q.put("group_size", groupSize);
            if (method.equals("awq")) {
                q.put("zero_point", true);
                q.put("version", "gemm");
                var skip = q.putArray("modules_to_not_convert");
                notConverted.forEach(skip::add);
            } else {
                q.put("desc_act", descAct);
                q.put("sym", sym);
                q.put("checkpoint_format", v2 ? "gptq_v2" : "gptq");
                q.put("lm_head", lmHead);
            }
            return q;
        }

        boolean quantizes(String prefix) {
            if (prefix.equals("lm_head")) {
                return lmHead;
            }
            return LAYER.matcher(prefix).matches() && notConverted.stream().noneMatch(prefix::contains);
        }
    }

    private AwqGptqCheckpoints() {
    }

    /** Writes {@code quantDir} (packed) and {@code floatDir} (dequantized, plain) from the model in {@code source}. */
    static void write(Path source, Scheme scheme, Path quantDir, Path floatDir) throws IOException {
        SafetensorsWriter quant = new SafetensorsWriter();
        SafetensorsWriter plain = new SafetensorsWriter();
        Random rnd = new Random(42);
        try (Checkpoint ckpt = Checkpoint.open(source)) {
            for (Map.Entry<String, Tensor> e : ckpt.tensors().entrySet()) {
                String name = e.getKey();
                Tensor t = e.getValue();
                String prefix = name.endsWith(".weight") ? name.substring(0, name.length() - ".weight".length()) : null;
                if (prefix == null || !scheme.quantizes(prefix)) {
                    byte[] raw = t.data().toArray(ValueLayout.JAVA_BYTE);
                    quant.add(name, t.dtype(), t.shape(), raw);
                    plain.add(name, t.dtype(), t.shape(), raw);
                    continue;
                }
                int out = t.dim(0);
                int in = t.dim(1);
                int width = scheme.groupSize == -1 ? in : scheme.groupSize;
                int groups = in / width;
                int[] groupOf = scheme.descAct
                        ? RtnQuantized.shuffledGroups(in, width, rnd)
                        : RtnQuantized.contiguousGroups(in, scheme.groupSize);
                boolean v1Asym = scheme.method.equals("gptq") && !scheme.v2 && !scheme.sym;
                RtnQuantized r = RtnQuantized.of(t.toFloatArray(), out, in, scheme.bits, groups, groupOf, scheme.sym,
                        v1Asym ? 1 : 0);
                plain.addF32(name, new long[] {out, in}, r.dequantize());
                if (scheme.method.equals("awq")) {
                    quant.addI32(prefix + ".qweight", new long[] {in, out / 8}, PublishedPacking.awqPack(r.q(), in, out));
                    quant.addI32(prefix + ".qzeros", new long[] {groups, out / 8},
                            PublishedPacking.awqPack(r.zeros(), groups, out));
                } else {
                    int perInt = 32 / scheme.bits;
                    quant.addI32(prefix + ".qweight", new long[] {in / perInt, out},
                            PublishedPacking.gptqPackRows(r.q(), in, out, scheme.bits));
                    quant.addI32(prefix + ".qzeros", new long[] {groups, out / perInt}, PublishedPacking.gptqPackColumns(
                            scheme.v2 ? r.zeros() : r.zerosMinusOne(), groups, out, scheme.bits));
                    quant.addI32(prefix + ".g_idx", new long[] {in}, groupOf);
                }
                quant.add(prefix + ".scales", DType.F16, new long[] {groups, out}, r.scalesF16());
            }
        }
        Files.createDirectories(quantDir);
        Files.createDirectories(floatDir);
        quant.write(quantDir.resolve("model.safetensors"));
        plain.write(floatDir.resolve("model.safetensors"));
        ObjectNode config = (ObjectNode) JSON.readTree(source.resolve("config.json").toFile());
        Files.writeString(floatDir.resolve("config.json"), JSON.writeValueAsString(config));
        if (scheme.autoGptqFile) {
            Files.writeString(quantDir.resolve("quantize_config.json"), JSON.writeValueAsString(scheme.json()));
        } else {
            config.set("quantization_config", scheme.json());
        }
        Files.writeString(quantDir.resolve("config.json"), JSON.writeValueAsString(config));
    }
}
