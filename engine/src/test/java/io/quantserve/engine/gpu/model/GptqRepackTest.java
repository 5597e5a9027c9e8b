package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.format.TensorSource;
import io.quantserve.engine.format.safetensors.Tensor;
import io.quantserve.engine.linear.AwqConfig;
import io.quantserve.engine.linear.GptqConfig;
import io.quantserve.engine.linear.Linear;
import io.quantserve.engine.linear.PackedLinear;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.quant.QuantizedWeight;
import io.quantserve.engine.quant.write.GptqPacker;
import io.quantserve.engine.quant.write.PackedTensor;
import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.MapSource;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * GPTQ on the GPU runs in AWQ's layout (host side, no device needed): the repacked layer, read back by the AWQ
 * loader, must hold exactly the GPTQ checkpoint's weights with its input channels in {@code perm}'s order.
 */
class GptqRepackTest {
    private static final String PREFIX = "model.layers.0.mlp.down_proj";
    private static final int IN = 256;
    private static final int OUT = 48;
    private static final int GROUP = 64;

    @Test
    void anActOrderCheckpointRepacksToItsWeightsWithTheInputPermuted() {
        QuantizedWeight stored = random(actOrder(new Random(3)), new Random(4));
        GptqConfig config = new GptqConfig(4, GROUP, true, false, false, false);
        // through the checkpoint: AutoGPTQ's v1 layout, read back as the GPU loader reads it
        QuantizedWeight read = config.read(source(GptqPacker.pack(PREFIX, stored)), PREFIX, IN, OUT);
        assertThat(read.q()).isEqualTo(stored.q());
        assertThat(read.zeros()).isEqualTo(stored.zeros());
        assertThat(read.scales()).isEqualTo(stored.scales());
        assertThat(read.gIdx()).isEqualTo(stored.gIdx());

        GptqRepack r = GptqRepack.of(PREFIX, read);
        assertThat(r.perm()).isNotNull();
        assertThat(Arrays.stream(r.perm()).sorted().toArray()).isEqualTo(IntStream.range(0, IN).toArray());
        for (int j = 0; j < IN; j++) {
            assertThat(stored.gIdx()[r.perm()[j]]).as("row %d's group", j).isEqualTo(j / GROUP);
        }
        float[] expected = stored.dequantize();
        float[] awq = dequantizedAwq(r);
        for (int o = 0; o < OUT; o++) {
            for (int j = 0; j < IN; j++) {
                assertThat(awq[o * IN + j]).as("w[%d][perm[%d]]", o, j).isEqualTo(expected[o * IN + r.perm()[j]]);
            }
        }
    }

    @Test
    void groupsInOrderNeedNoPermutation() {
        QuantizedWeight w = random(QuantizedWeight.sequentialGroups(IN, GROUP), new Random(5));
        GptqRepack r = GptqRepack.of(PREFIX, w);
        assertThat(r.perm()).isNull();
        assertThat(dequantizedAwq(r)).isEqualTo(w.dequantize());
    }

    @Test
    void unequalGroupsAndOtherBitWidthsAreRefusedByLayer() {
        int[] gIdx = QuantizedWeight.sequentialGroups(IN, GROUP);
        gIdx[70] = 0; // group 0 gets 65 channels, group 1 gets 63
        assertThatThrownBy(() -> GptqRepack.of(PREFIX, random(gIdx, new Random(6))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PREFIX).hasMessageContaining("65 input channels in group 0");
        QuantizedWeight eightBit = new QuantizedWeight(8, GROUP, OUT, IN, new int[OUT * IN], new float[OUT * IN / GROUP],
                new float[OUT * IN / GROUP], QuantizedWeight.sequentialGroups(IN, GROUP), true);
        assertThatThrownBy(() -> GptqRepack.of(PREFIX, eightBit))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining(PREFIX).hasMessageContaining("4-bit GPTQ").hasMessageContaining("8 bits");
    }

    /** A v1 asymmetric zero of 0 is stored as -1 and read back as 16, which AWQ's 4-bit zeros cannot hold. */
    @Test
    void aZeroPointBeyondFourBitsIsRefusedByLayer() {
        QuantizedWeight w = random(QuantizedWeight.sequentialGroups(IN, GROUP), new Random(7));
        w.zeros()[5] = 16;
        assertThatThrownBy(() -> GptqRepack.of(PREFIX, w))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining(PREFIX).hasMessageContaining("zero point 16");
    }

    @Test
    void theGpuTakes4BitGptqModelsAndRefusesOthersBeforeUploading() throws Exception {
        ModelConfig c = ModelConfig.load(Fixtures.model("tiny-llama"));
        WeightUpload.requireSupported(c, new GptqConfig(4, 32, true, true, false, false));
        assertThatThrownBy(() -> WeightUpload.requireSupported(c, new GptqConfig(8, 32, false, true, false, false)))
                .isInstanceOf(UnsupportedOperationException.class)
                .hasMessageContaining("model.layers.0.self_attn.q_proj is stored as 8-bit gptq")
                .hasMessageContaining("--backend cpu");
    }

    /** The repacked arrays as the CPU's AWQ loader reads them, dequantized. */
    private static float[] dequantizedAwq(GptqRepack r) {
        Map<String, Tensor> t = new HashMap<>();
        t.put(PREFIX + ".qweight", tensor(PREFIX + ".qweight", PackedTensor.i32(r.layout().qweight(), IN, OUT / 8)));
        t.put(PREFIX + ".qzeros", tensor(PREFIX + ".qzeros", PackedTensor.i32(r.layout().qzeros(), IN / GROUP, OUT / 8)));
        t.put(PREFIX + ".scales", tensor(PREFIX + ".scales", PackedTensor.floats(
                DType.F16, r.layout().scales(), IN / GROUP, OUT)));
        Linear l = new AwqConfig(r.groupSize(), List.of()).load(MapSource.of(t), PREFIX, IN, OUT);
        float[] w = new float[OUT * IN];
        ((PackedLinear) l).dequantizeRows(0, OUT, w);
        return w;
    }

    /** Act-order's g_idx: every group holds GROUP channels, scattered over the input. */
    private static int[] actOrder(Random rnd) {
        List<Integer> channels = IntStream.range(0, IN).boxed().collect(Collectors.toList());
        Collections.shuffle(channels, rnd);
        int[] gIdx = new int[IN];
        for (int i = 0; i < IN; i++) {
            gIdx[channels.get(i)] = i / GROUP;
        }
        return gIdx;
    }

    /** Codes in [0, 16), whole zeros in [1, 15] (v1 cannot store 0), fp16 scales. */
    private static QuantizedWeight random(int[] gIdx, Random rnd) {
        int groups = IN / GROUP;
        int[] q = rnd.ints(OUT * IN, 0, 16).toArray();
        float[] zeros = new float[OUT * groups];
        float[] scales = new float[OUT * groups];
        for (int i = 0; i < zeros.length; i++) {
            zeros[i] = 1 + rnd.nextInt(15);
            scales[i] = Float.float16ToFloat(Float.floatToFloat16(0.001f + rnd.nextFloat() * 0.05f));
        }
        return new QuantizedWeight(4, GROUP, OUT, IN, q, scales, zeros, gIdx, false);
    }

    private static TensorSource source(Map<String, PackedTensor> packed) {
        Map<String, Tensor> t = new HashMap<>();
        packed.forEach((name, p) -> t.put(name, tensor(name, p)));
        return MapSource.of(t);
    }

    private static Tensor tensor(String name, PackedTensor p) {
        return new Tensor(name, p.dtype(), p.shape(), MemorySegment.ofArray(p.bytes()));
    }

}
