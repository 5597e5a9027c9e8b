package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.kernel.VectorOps;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The model runner's kernels (attention.cu, dense.cu) against the CPU: {@link VectorOps#pagedAttention} (scale
 * 1/sqrt(headDim), softmax in fp32) over the same paged pools with shuffled block tables, and a float matmul, at
 * awkward sizes; inputs rounded to the device type first, outputs poisoned with NaN; error ||gpu - cpu|| / ||cpu||.
 * Skipped where no CUDA device is usable.
 */
class ModelKernelsDeviceTest extends DeviceTest {
    private static final int BLOCK = 16;

    private static ModelKernels kernels;

    ModelKernelsDeviceTest() {
        super(new Random(7));
    }

    @BeforeAll
    static void kernels() {
        if (device != null) {
            kernels = new ModelKernels(device);
        }
    }

    /** A pool of random keys/values and, per sequence, a table of shuffled distinct blocks. */
    private record Pool(int numBlocks, int kvDim, float[] keys, float[] values, int[][] tables) {
    }

    private Pool pool(ActivationType t, int kvDim, int[] lengths) {
        int needed = 0;
        for (int len : lengths) {
            needed += (len + BLOCK - 1) / BLOCK;
        }
        int numBlocks = needed + 3; // some blocks belong to nobody
        List<Integer> ids = new ArrayList<>();
        for (int b = 0; b < numBlocks; b++) {
            ids.add(b);
        }
        Collections.shuffle(ids, random);
        int[][] tables = new int[lengths.length][];
        int next = 0;
        for (int s = 0; s < lengths.length; s++) {
            tables[s] = new int[(lengths[s] + BLOCK - 1) / BLOCK];
            for (int b = 0; b < tables[s].length; b++) {
                tables[s][b] = ids.get(next++);
            }
        }
        return new Pool(numBlocks, kvDim, rounded(t, gaussian(numBlocks * BLOCK * kvDim)),
                rounded(t, gaussian(numBlocks * BLOCK * kvDim)), tables);
    }

    /** The CPU's output row for query row qRow of q [.., heads*headDim] at position pos of a sequence's table. */
    private static void reference(float[] q, int qRow, float[] out, Pool p, int[] table, int pos, ModelKernels.Attention a) {
        int group = a.numHeads() / a.numKvHeads();
        int first = a.window() > 0 ? Math.max(0, pos - a.window() + 1) : 0;
        float[] scores = new float[pos + 1];
        for (int h = 0; h < a.numHeads(); h++) {
            int off = qRow * a.qDim() + h * a.headDim();
            VectorOps.scalar().pagedAttention(q, off, p.keys, p.values, table, BLOCK, p.kvDim, (h / group) * a.headDim(),
                    first, pos - first + 1, a.headDim(), a.scale(), scores, out, off);
        }
    }

    @ParameterizedTest(name = "{0} heads={1}/{2} headDim={3} window={4}")
    @CsvSource({"F16, 8, 4, 8, 0", "BF16, 8, 4, 8, 0", "F16, 6, 2, 16, 0", "F16, 32, 8, 128, 0", "BF16, 32, 8, 128, 0",
        "F16, 4, 1, 256, 0", "F16, 5, 5, 10, 0", "F16, 12, 4, 64, 20", "BF16, 7, 7, 72, 37", "F16, 16, 2, 64, 0",
        "BF16, 16, 2, 128, 50", "F16, 12, 2, 40, 0", "BF16, 14, 2, 128, 0", "F16, 8, 1, 104, 0"})
    void shouldDecodeABatchOfSequencesAsTheCpuPagedAttention(ActivationType t, int heads, int kvHeads, int headDim,
            int window) {
        ModelKernels.Attention a = new ModelKernels.Attention(heads, kvHeads, headDim, BLOCK, window,
                (float) (1.0 / Math.sqrt(headDim)));
        int[] lengths = {1, 15, 16, 17, 100, 333, 1030};
        Pool p = pool(t, a.kvDim(), lengths);
        int items = lengths.length;
        float[] q = rounded(t, gaussian(items * a.qDim()));
        float[] expected = new float[q.length];
        int width = 0;
        for (int[] table : p.tables) {
            width = Math.max(width, table.length);
        }
        int[] flat = new int[items * width];
        int[] rows = new int[items];
        int[] tables = new int[items];
        int[] positions = new int[items];
        for (int i = 0; i < items; i++) {
            System.arraycopy(p.tables[i], 0, flat, i * width, p.tables[i].length);
            rows[i] = items - 1 - i; // rows in another order than the items
            tables[i] = i;
            positions[i] = lengths[i] - 1;
            reference(q, rows[i], expected, p, p.tables[i], positions[i], a);
        }
        DeviceBuffer qd = upload(t, q);
        DeviceBuffer keys = upload(t, p.keys);
        DeviceBuffer values = upload(t, p.values);
        // each kernel (a block a query head; a block a GQA group's heads: 8, 4, 2 or, for groups of 7 or head_dim
        // past 128, 1), whole rows and split over the keys (flash-decoding): 5 splits of 256 keys, 9 of 128 (short
        // rows and windows leave most splits without keys), and the kernel's plan on a 132-multiprocessor device
        for (ModelKernels.DecodeKernel kernel : ModelKernels.DecodeKernel.values()) {
            int headBlocks = heads / kernel.headsPerBlock(a);
            for (ModelKernels.DecodeSplit split : List.of(ModelKernels.DecodeSplit.NONE,
                    new ModelKernels.DecodeSplit(5, 256), new ModelKernels.DecodeSplit(9, 128),
                    ModelKernels.DecodeSplit.plan(items, headBlocks, 16L * width, 132))) {
                DeviceBuffer out = poisoned(2L * q.length, "out");
                DeviceBuffer partial = poisoned(Math.max(4, split.partialBytes(items, heads, headDim)), "partial");
                kernels.decode(kernel, t, a, out, qd, items, keys, values, ints(flat), items, width, ints(rows),
                        ints(tables), ints(positions), items, split, partial);
                assertClose(download(t, out, q.length), expected, tolerance(t), "decode " + kernel + " " + split);
            }
        }
        // the merge holds at most 32 splits' weights
        ModelKernels.DecodeSplit tooMany = new ModelKernels.DecodeSplit(33, 32);
        DeviceBuffer partial = poisoned(tooMany.partialBytes(items, heads, headDim), "partial");
        int tableWidth = width;
        assertThatThrownBy(() -> kernels.decode(t, a, qd, qd, items, keys, values, ints(flat), items, tableWidth,
                ints(rows), ints(tables), ints(positions), items, tooMany, partial))
                .hasMessageContaining("more than the merge's 32");
    }

    @ParameterizedTest(name = "{0} heads={1}/{2} headDim={3} window={4} start={5} n={6}")
    @CsvSource({"F16, 8, 4, 8, 0, 0, 33", "BF16, 6, 2, 16, 0, 0, 5", "F16, 32, 8, 128, 0, 0, 100",
        "BF16, 32, 8, 128, 0, 47, 70", "F16, 4, 1, 256, 0, 20, 17", "F16, 5, 5, 10, 0, 3, 1", "F16, 12, 4, 64, 20, 5, 61",
        "F16, 8, 8, 96, 0, 250, 256", "BF16, 16, 2, 64, 100, 30, 200"})
    void shouldPrefillAChunkCausallyAsTheCpuPagedAttention(ActivationType t, int heads, int kvHeads, int headDim,
            int window, int start, int n) {
        for (ModelKernels.PrefillKernel kernel : ModelKernels.PrefillKernel.values()) {
            prefillAsTheCpu(kernel, t, heads, kvHeads, headDim, window, start, n);
        }
    }

    /** One prefill kernel (SIMT where the tensor-core one does not take the geometry) against the CPU. */
    private void prefillAsTheCpu(ModelKernels.PrefillKernel kernel, ActivationType t, int heads, int kvHeads,
            int headDim, int window, int start, int n) {
        ModelKernels.Attention a = new ModelKernels.Attention(heads, kvHeads, headDim, BLOCK, window,
                (float) (1.0 / Math.sqrt(headDim)));
        Pool p = pool(t, a.kvDim(), new int[] {start + n});
        int row0 = 3; // the chunk sits after other rows of the batch
        int qRows = row0 + n + 2;
        float[] q = rounded(t, gaussian(qRows * a.qDim()));
        float[] expected = new float[n * a.qDim()];
        float[] all = new float[q.length];
        for (int r = 0; r < n; r++) {
            reference(q, row0 + r, all, p, p.tables[0], start + r, a);
        }
        System.arraycopy(all, row0 * a.qDim(), expected, 0, expected.length);
        DeviceBuffer out = poisoned(2L * q.length, "out");
        kernels.prefill(kernel, t, a, out, upload(t, q), qRows, upload(t, p.keys), upload(t, p.values),
                ints(p.tables[0]), p.tables[0].length, row0, start, n);
        float[] got = download(t, out, q.length);
        float[] chunk = new float[expected.length];
        System.arraycopy(got, row0 * a.qDim(), chunk, 0, chunk.length);
        assertClose(chunk, expected, tolerance(t), "prefill " + kernel);
        short[] raw = out.downloadShorts(qRows * a.qDim());
        for (int i = 0; i < raw.length; i++) {
            if (i < row0 * a.qDim() || i >= (row0 + n) * a.qDim()) {
                assertThat(raw[i]).as("%s: rows outside the chunk are left alone", kernel).isEqualTo((short) 0xffff);
            }
        }
    }

    /**
     * Awkward heads; Llama-3-70B's 64 + 8 heads of 128 (4608 pairs, more than one pass of a 1024-thread block); MHA
     * (more value words than threads).
     */
    @ParameterizedTest(name = "{0} heads={1}/{2} headDim={3}")
    @CsvSource({"F16, 6, 2, 70", "BF16, 6, 2, 70", "F16, 64, 8, 128", "BF16, 8, 8, 64"})
    void shouldRotateTheFusedRowsAndPutKeysAndValuesInTheirSlots(ActivationType t, int heads, int kvHeads,
            int headDim) {
        int tokens = 5, half = headDim / 2, maxPos = 4100, slotsInPool = 4 * BLOCK;
        int qDim = heads * headDim, kvDim = kvHeads * headDim, width = qDim + 2 * kvDim;
        float[] cos = new float[maxPos * half];
        float[] sin = new float[maxPos * half];
        for (int p = 0; p < maxPos; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * Math.pow(10000, -2.0 * i / headDim);   // as LlamaModel fills its tables
                cos[p * half + i] = (float) Math.cos(angle);
                sin[p * half + i] = (float) Math.sin(angle);
            }
        }
        int[] positions = {0, 1, 17, 4095, 4099};
        int[] slots = {17, 0, 63, 18, 31};
        float[] qkv = rounded(t, gaussian(tokens * width));
        float[] q = new float[tokens * qDim];
        float[] keys = new float[slotsInPool * kvDim];
        float[] values = new float[slotsInPool * kvDim];
        for (int tok = 0; tok < tokens; tok++) {
            System.arraycopy(qkv, tok * width, q, tok * qDim, qDim);
            System.arraycopy(qkv, tok * width + qDim, keys, slots[tok] * kvDim, kvDim);
            System.arraycopy(qkv, tok * width + qDim + kvDim, values, slots[tok] * kvDim, kvDim);
            for (int h = 0; h < heads; h++) {
                VectorOps.scalar().rope(q, (tok * heads + h) * headDim, headDim, cos, sin, positions[tok] * half);
            }
            for (int h = 0; h < kvHeads; h++) {
                VectorOps.scalar().rope(keys, slots[tok] * kvDim + h * headDim, headDim, cos, sin, positions[tok] * half);
            }
        }
        DeviceBuffer qOut = poisoned(2L * q.length, "q");
        DeviceBuffer kPool = poisoned(2L * slotsInPool * kvDim, "k pool");
        DeviceBuffer vPool = poisoned(2L * slotsInPool * kvDim, "v pool");
        DeviceBuffer cosd = track(device.allocate(4L * cos.length, "cos"));
        DeviceBuffer sind = track(device.allocate(4L * sin.length, "sin"));
        cosd.upload(cos);
        sind.upload(sin);
        ModelKernels.Attention a = new ModelKernels.Attention(heads, kvHeads, headDim, BLOCK, 0, 1f);
        kernels.ropeQkv(t, a, qOut, kPool, vPool, slotsInPool, upload(t, qkv), ints(positions), ints(slots), cosd, sind,
                maxPos, tokens);
        assertClose(download(t, qOut, q.length), q, tolerance(t), "rotated queries");
        float[] kGot = download(t, kPool, keys.length);
        float[] vGot = download(t, vPool, values.length);
        for (int tok = 0; tok < tokens; tok++) {
            int at = slots[tok] * kvDim;
            assertClose(Arrays.copyOfRange(kGot, at, at + kvDim), Arrays.copyOfRange(keys, at, at + kvDim), tolerance(t),
                    "rotated keys of token " + tok);
            assertThat(Arrays.copyOfRange(vGot, at, at + kvDim)).as("values of token %d, as they are", tok)
                    .containsExactly(Arrays.copyOfRange(values, at, at + kvDim));
        }
        assertThat(Float.isNaN(kGot[kvDim]) && Float.isNaN(vGot[kvDim])).as("an unwritten slot is left alone").isTrue();
    }

    @ParameterizedTest(name = "{0} m={1} n={2} k={3}")
    @CsvSource({"F16, 1, 512, 64", "BF16, 1, 512, 64", "F16, 3, 172, 64", "F16, 9, 64, 172", "BF16, 17, 100, 37",
        "F16, 256, 384, 128", "F16, 1, 4096, 4096"})
    void shouldMultiplyFloatWeightsAsTheCpu(ActivationType t, int m, int n, int k) {
        float[] x = rounded(t, gaussian(m * k));
        float[] w = rounded(t, gaussian(n * k));
        float[] bias = rounded(t, gaussian(n));
        float[] expected = new float[m * n];
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < n; c++) {
                double sum = 0;
                for (int i = 0; i < k; i++) {
                    sum += (double) x[r * k + i] * w[c * k + i];
                }
                expected[r * n + c] = (float) sum;
            }
        }
        DeviceBuffer xd = upload(t, x);
        DeviceBuffer wd = upload(t, w);
        DeviceBuffer y32 = poisoned(4L * m * n, "y32");
        kernels.denseMatmul(t, y32, true, xd, wd, m, n, k);
        assertClose(y32.downloadFloats(m * n), expected, 1e-5, "dense f32 out");
        DeviceBuffer y = poisoned(2L * m * n, "y");
        kernels.denseMatmul(t, y, false, xd, wd, m, n, k);
        assertClose(download(t, y, m * n), expected, tolerance(t), "dense " + t.suffix() + " out");
        kernels.addBiasRows(t, y, upload(t, bias), m, n);
        for (int r = 0; r < m; r++) {
            for (int c = 0; c < n; c++) {
                expected[r * n + c] += bias[c];
            }
        }
        assertClose(download(t, y, m * n), expected, 2 * tolerance(t), "dense + bias");
    }

    @ParameterizedTest(name = "m={0} k={1}")
    @CsvSource({"1, 64", "3, 172", "17, 4096", "5, 11008"})
    void shouldGatherColumnsInTheOrderOfAPermutation(int m, int k) {
        float[] x = rounded(ActivationType.F16, gaussian(m * k));
        List<Integer> order = new ArrayList<>(IntStream.range(0, k).boxed().toList());
        Collections.shuffle(order, new Random(k));
        int[] perm = order.stream().mapToInt(Integer::intValue).toArray();
        DeviceBuffer out = poisoned(2L * m * k, "gathered");
        kernels.gatherColumns(out, upload(ActivationType.F16, x), ints(perm), m, k);
        float[] got = download(ActivationType.F16, out, m * k);
        for (int r = 0; r < m; r++) {
            for (int j = 0; j < k; j++) {
                assertThat(got[r * k + j]).as("row %d, column %d", r, j).isEqualTo(x[r * k + perm[j]]);
            }
        }
    }

    // ---- helpers ----

    private static double tolerance(ActivationType t) {
        return t == ActivationType.F16 ? 2e-3 : 1.6e-2;
    }

    private DeviceBuffer ints(int[] v) {
        DeviceBuffer b = track(device.allocate(4L * Math.max(1, v.length), "ints"));
        b.upload(v);
        return b;
    }

}
