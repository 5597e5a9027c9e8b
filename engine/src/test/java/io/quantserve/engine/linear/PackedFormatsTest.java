package io.quantserve.engine.linear;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.tensor.DType;
import io.quantserve.engine.testing.MapSource;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Round trips: random integers, fp16 scales and zeros packed by the published-layout packers come back from the
 * loaders integer for integer, and the repacked layer dequantizes to exactly (q - zero) * scale.
 */
class PackedFormatsTest {
    static final String P = "model.layers.0.mlp.down_proj";

    @ParameterizedTest(name = "awq out={0} in={1} group={2}")
    @CsvSource({"8, 32, 32", "24, 96, 32", "40, 176, 16", "64, 224, -1", "16, 352, 32", "8, 1024, 128"})
    void awqRoundTrip(int out, int in, int groupSize) {
        RtnQuantized r = random(out, in, 4, groupSize, false, 0, new Random(out * 31 + in));
        int groups = r.groups();
        MapSource src = new MapSource()
                .ints(P + ".qweight", new long[] {in, out / 8}, PublishedPacking.awqPack(r.q(), in, out))
                .ints(P + ".qzeros", new long[] {groups, out / 8}, PublishedPacking.awqPack(r.zeros(), groups, out))
                .put(P + ".scales", DType.F16, new long[] {groups, out}, r.scalesF16());
        GroupIntLinear layer = (GroupIntLinear) new AwqConfig(groupSize, java.util.List.of()).load(src, P, in, out);
        assertSame(layer, r);
    }

    @ParameterizedTest(name = "gptq bits={0} out={1} in={2} group={3} v2={4} g_idx={5}")
    @CsvSource({
        "4, 8, 64, 32, false, sorted", "4, 24, 96, 32, true, sorted", "4, 40, 176, 16, false, shuffled",
        "4, 16, 224, -1, true, none", "8, 12, 172, -1, false, none", "8, 20, 352, 32, true, shuffled",
        "2, 32, 128, 64, false, shuffled", "2, 16, 224, 32, true, sorted", "4, 8, 1024, 128, false, none"})
    void gptqRoundTrip(int bits, int out, int in, int groupSize, boolean v2, String gIdx) {
        Random rnd = new Random(bits * 1000 + out * 31 + in);
        int width = groupSize == -1 ? in : groupSize;
        int[] groupOf = gIdx.equals("shuffled")
                ? RtnQuantized.shuffledGroups(in, width, rnd)
                : RtnQuantized.contiguousGroups(in, groupSize);
        RtnQuantized r = random(out, in, bits, groupSize, !v2, groupOf, rnd);
        int groups = r.groups();
        int perInt = 32 / bits;
        MapSource src = new MapSource()
                .ints(P + ".qweight", new long[] {in / perInt, out}, PublishedPacking.gptqPackRows(r.q(), in, out, bits))
                .ints(P + ".qzeros", new long[] {groups, out / perInt},
                        PublishedPacking.gptqPackColumns(v2 ? r.zeros() : r.zerosMinusOne(), groups, out, bits))
                .put(P + ".scales", DType.F16, new long[] {groups, out}, r.scalesF16())
                .floats(P + ".bias", new long[] {out}, new float[out]);
        if (!gIdx.equals("none")) {
            src.ints(P + ".g_idx", new long[] {in}, groupOf);
        }
        GptqConfig config = new GptqConfig(bits, groupSize, gIdx.equals("shuffled"), false, v2, false);
        GroupIntLinear layer = (GroupIntLinear) config.load(src, P, in, out);
        assertSame(layer, r);
    }

    private static RtnQuantized random(int out, int in, int bits, int groupSize, boolean zeroAtLeastOne, int seed,
            Random rnd) {
        return random(out, in, bits, groupSize, zeroAtLeastOne, RtnQuantized.contiguousGroups(in, groupSize), rnd);
    }

    /** Uniformly random integers and zeros (v1 zeros at least 1), fp16 scales of both signs of exponent. */
    private static RtnQuantized random(int out, int in, int bits, int groupSize, boolean zeroAtLeastOne, int[] groupOf,
            Random rnd) {
        int groups = in / (groupSize == -1 ? in : groupSize);
        int maxq = (1 << bits) - 1;
        int[] q = new int[in * out];
        for (int i = 0; i < q.length; i++) {
            q[i] = rnd.nextInt(maxq + 1);
        }
        float[] scales = new float[groups * out];
        int[] zeros = new int[groups * out];
        for (int i = 0; i < scales.length; i++) {
            scales[i] = RtnQuantized.fp16((float) (Math.exp(rnd.nextGaussian() * 3) * 1e-2));
            zeros[i] = zeroAtLeastOne ? 1 + rnd.nextInt(maxq) : rnd.nextInt(maxq + 1);
        }
        return new RtnQuantized(out, in, bits, groups, groupOf, q, scales, zeros);
    }

    private static void assertSame(GroupIntLinear layer, RtnQuantized r) {
        for (int o = 0; o < r.out(); o++) {
            for (int k = 0; k < r.in(); k++) {
                if (layer.quantAt(o, k) != r.q()[k * r.out() + o]) {
                    throw new AssertionError("q differs at out " + o + ", in " + k + ": " + layer.quantAt(o, k)
                            + " != " + r.q()[k * r.out() + o]);
                }
            }
        }
        assertThat(layer.dequantize()).containsExactly(r.dequantize());
    }
}
