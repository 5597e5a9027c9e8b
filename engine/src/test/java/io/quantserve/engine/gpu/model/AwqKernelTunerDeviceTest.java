package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.CudaException;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.DeviceTest;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.ModelKernels;
import io.quantserve.engine.gpu.model.LinearDispatch.AwqChoice;
import io.quantserve.engine.gpu.model.LinearDispatch.Kernel;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.model.Architecture;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.model.RopeScaling;
import io.quantserve.engine.gpu.model.AwqKernelTable.Bucket;
import io.quantserve.engine.gpu.model.AwqKernelTable.Shape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link AwqKernelTuner} on random AWQ layers: every candidate timed and the fastest kept per shape and bucket; a
 * candidate that writes wrong or no outputs left out; a tuned layer against the CPU; a model tuned at load against
 * the same model untuned. Timings on the emulated device mean nothing; what the choice is made of does.
 */
class AwqKernelTunerDeviceTest extends DeviceTest {
    @TempDir
    static Path cacheFolder;
    private static String cacheBefore;

    AwqKernelTunerDeviceTest() {
        super(new Random(3));
    }

    /** Tuning at load keeps its choices in a folder of the test's, not the user's cache. */
    @BeforeAll
    static void cacheInATemporaryFolder() {
        cacheBefore = System.getProperty(AwqKernelCache.PROPERTY);
        System.setProperty(AwqKernelCache.PROPERTY, cacheFolder.toString());
    }

    @AfterAll
    static void cacheAsBefore() {
        if (cacheBefore == null) {
            System.clearProperty(AwqKernelCache.PROPERTY);
        } else {
            System.setProperty(AwqKernelCache.PROPERTY, cacheBefore);
        }
    }

    @Test
    void timesEveryCandidateAndRunsTheFastestPerShapeAndBucket() {
        List<RandomAwq> layers = List.of(randomAwq(128, 64, 32), randomAwq(128, 64, 32), randomAwq(64, 96, 64));
        List<AwqDeviceWeights> weights = new ArrayList<>();
        for (RandomAwq l : layers) {
            weights.add(trackWeights(l.upload()));
        }
        AwqKernelTable table = AwqKernelTuner.tune(device, new GpuKernels(device), new ModelKernels(device),
                new GpuMatmul(device), weights);

        assertThat(table.describe()).hasSize(2).allSatisfy(line -> assertThat(line).contains("m=1 ", "m=32 ",
                "m=512 "));
        assertThat(AwqKernelCache.configured(device).load().shapes()).as("kept in the configured folder")
                .containsOnlyKeys(AwqKernelTable.Shape.of(weights.get(0)), AwqKernelTable.Shape.of(weights.get(2)));
        for (AwqDeviceWeights w : List.of(weights.get(0), weights.get(2))) {
            for (int m : new int[] {1, 2, 3, 4, 5, 8, 9, 16, 17, 32, 33, 100, 300, 512, 700}) {
                List<AwqChoice> candidates = LinearDispatch.awqCandidates(m, w.outFeatures(), w.inFeatures(),
                        w.groupSize());
                AwqChoice chosen = table.choose(w, m, false);
                assertThat(candidates).as("m=%d", m).contains(chosen);
            }
        }
        // every candidate matched the reference here, so each was timed
        assertThat(table.describe()).allSatisfy(line -> assertThat(line)
                .contains("gemv-registers", "gemv-prefetch", "gemv-ring ", "gemv-ring1", "gemm", "batched-gemv", "mma",
                        "dequant-gemm"));

        // a tuned layer's products at row counts between buckets (decode, prefill) against the CPU
        RandomAwq awq = layers.getFirst();
        GpuLinear.Awq layer = new GpuLinear.Awq(weights.getFirst(), null);
        for (int m : new int[] {3, 100}) {
            float[] x = rounded(ActivationType.F16, gaussian(m * awq.k(), 1));
            float[] expected = new float[m * awq.n()];
            awq.cpu().apply(x, expected, m);
            DeviceBuffer ws = track(device.allocate(layer.workspaceBytes(m, device.multiprocessors(), table),
                    "workspace"));
            DeviceBuffer y = poisoned(2L * m * awq.n(), "y");
            layer.apply(new GpuLinear.Ops(new GpuKernels(device), new ModelKernels(device), new GpuMatmul(device),
                    ActivationType.F16, ws, table), upload(ActivationType.F16, x), y, m, false);
            assertClose(download(ActivationType.F16, y, m * awq.n()), expected, 2e-3, "tuned " + table.choose(
                    weights.getFirst(), m, false) + " at " + m + " rows");
        }
    }

    @Test
    void leavesOutACandidateWhoseOutputIsWrongOrNeverWritten() {
        AwqDeviceWeights w = trackWeights(randomAwq(128, 64, 32).upload());
        GpuKernels kernels = new GpuKernels(device);
        DeviceBuffer ws = track(device.allocate(LinearDispatch.awqCandidatesWorkspaceBytes(64, 128, 32,
                AwqKernelTable.LARGEST_BUCKET, device.multiprocessors()), "workspace"));
        GpuLinear.Ops ops = new GpuLinear.Ops(kernels, new ModelKernels(device), new GpuMatmul(device),
                ActivationType.F16, ws, AwqKernelTable.CONFIGURED);
        AwqKernelTuner tuner = new AwqKernelTuner(device, (c, weights, x, y, m) -> {
            if (c.kernel() == Kernel.AWQ_MMA) {
                return; // writes nothing: the poison stays
            }
            GpuLinear.Awq.product(ops, c, weights, x, y, m, false);
            if (c.kernel() == Kernel.AWQ_BATCHED_GEMV) {
                y.fill((byte) 0); // wrong: zeros
            }
        });
        AwqKernelTable table = tuner.tune(List.of(w));

        String line = table.describe().getFirst();
        assertThat(line).doesNotContain("mma", "batched-gemv").contains("gemv-registers", "gemv-ring1", "gemm");
        for (int m : AwqKernelTable.BUCKETS) {
            assertThat(table.choose(w, m, false).kernel()).isNotIn(Kernel.AWQ_MMA, Kernel.AWQ_BATCHED_GEMV);
        }
    }

    /**
     * Choices kept on disk run at the next load after one check each against the reference (no timing); a kept
     * choice whose output no longer matches sends its shape back to timing, and the file is rewritten.
     */
    @Test
    void runsTheChoicesKeptOnDiskOnceEachMatchesTheReferenceAgain() {
        AwqDeviceWeights w = trackWeights(randomAwq(128, 64, 32).upload());
        Shape shape = Shape.of(w);
        DeviceBuffer ws = track(device.allocate(LinearDispatch.awqCandidatesWorkspaceBytes(64, 128, 32,
                AwqKernelTable.LARGEST_BUCKET, device.multiprocessors()), "workspace"));
        GpuLinear.Ops ops = new GpuLinear.Ops(new GpuKernels(device), new ModelKernels(device), new GpuMatmul(device),
                ActivationType.F16, ws, AwqKernelTable.CONFIGURED);
        AwqKernelCache cache = new AwqKernelCache(cacheFolder.resolve("kept.json"), "this device");
        // as a start before left it: the tensor-core product at one row, the untuned choice elsewhere
        AwqChoice mma = new AwqChoice(Kernel.AWQ_MMA);
        List<Bucket> kept = new ArrayList<>();
        for (int m : AwqKernelTable.BUCKETS) {
            AwqChoice c = m == 1 ? mma : LinearDispatch.awqConfigured(m, 64, 128, 32, false);
            kept.add(new Bucket(c, Map.of(c, 5.0)));
        }
        cache.save(Map.of(shape, kept));

        List<AwqChoice> ran = new ArrayList<>();
        AwqKernelTable table = new AwqKernelTuner(device, (c, weights, x, y, m) -> {
            ran.add(c);
            GpuLinear.Awq.product(ops, c, weights, x, y, m, false);
        }, cache).tune(List.of(w));
        assertThat(table.choose(w, 1, false)).isEqualTo(mma);
        assertThat(ran).as("the reference and the kept choice once, nothing timed")
                .containsExactly(LinearDispatch.awqConfigured(1, 64, 128, 32, false), mma);

        // the tensor-core product now writes zeros: the shape is timed again, without it, and kept so
        AwqKernelTable retimed = new AwqKernelTuner(device, (c, weights, x, y, m) -> {
            GpuLinear.Awq.product(ops, c, weights, x, y, m, false);
            if (c.kernel() == Kernel.AWQ_MMA) {
                y.fill((byte) 0);
            }
        }, cache).tune(List.of(w));
        assertThat(retimed.describe().getFirst()).doesNotContain("mma");
        assertThat(cache.load().shapes().get(shape)).extracting(Bucket::choice).doesNotContain(mma);
    }

    /**
     * A launch the driver refuses leaves the candidate out and tuning goes on; where the context runs nothing after a
     * candidate (a fault inside a kernel), the load fails naming it and the property that starts without tuning, and
     * the cache records it: the next load's tuning never runs it.
     */
    @Test
    void goesOnPastARefusedLaunchAndStopsByNameWhereTheContextIsLost() {
        AwqDeviceWeights w = trackWeights(randomAwq(128, 64, 32).upload());
        DeviceBuffer ws = track(device.allocate(LinearDispatch.awqCandidatesWorkspaceBytes(64, 128, 32,
                AwqKernelTable.LARGEST_BUCKET, device.multiprocessors()), "workspace"));
        GpuLinear.Ops ops = new GpuLinear.Ops(new GpuKernels(device), new ModelKernels(device), new GpuMatmul(device),
                ActivationType.F16, ws, AwqKernelTable.CONFIGURED);
        int launchOutOfResources = 701;
        AwqKernelTable table = new AwqKernelTuner(device, (c, weights, x, y, m) -> {
            if (c.kernel() == Kernel.AWQ_MMA) {
                throw new CudaException("cuLaunchKernel(awq_mma_f16)", launchOutOfResources);
            }
            GpuLinear.Awq.product(ops, c, weights, x, y, m, false);
        }).tune(List.of(w));
        assertThat(table.describe().getFirst()).doesNotContain("mma").contains("batched-gemv");

        boolean[] lost = {false};
        AwqKernelCache cache = new AwqKernelCache(cacheFolder.resolve("faults.json"), "this device");
        AwqKernelTuner broken = new AwqKernelTuner(device, (c, weights, x, y, m) -> {
            if (lost[0] || c.kernel() == Kernel.AWQ_MMA) {
                lost[0] = true;
                throw new CudaException("cuLaunchKernel(" + c + ")", 700); // CUDA_ERROR_ILLEGAL_ADDRESS: sticky
            }
            GpuLinear.Awq.product(ops, c, weights, x, y, m, false);
        }, cache);
        assertThatThrownBy(() -> broken.tune(List.of(w))).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("mma failed on 128->64 group 32 at 1 rows")
                .hasMessageContaining("left out of tuning on this device from the next start on (recorded in "
                        + cache.file() + ")")
                .hasMessageContaining("-Dquantserve.gpu.awq-tune=false");
        AwqChoice mma = new AwqChoice(Kernel.AWQ_MMA);
        assertThat(cache.load().faulted()).containsOnlyKeys(mma);

        // the next start (a new context): tuned without it
        List<AwqChoice> ran = new ArrayList<>();
        AwqKernelTable next = new AwqKernelTuner(device, (c, weights, x, y, m) -> {
            ran.add(c);
            GpuLinear.Awq.product(ops, c, weights, x, y, m, false);
        }, cache).tune(List.of(w));
        assertThat(ran).contains(new AwqChoice(Kernel.AWQ_BATCHED_GEMV)).doesNotContain(mma);
        assertThat(next.describe().getFirst()).doesNotContain("mma");
        assertThat(cache.load().shapes()).containsOnlyKeys(Shape.of(w));
        assertThat(cache.load().faulted()).as("still listed after the choices are saved").containsOnlyKeys(mma);
    }

    /** A tiny model tuned at load computes what the same weights untuned do (within fp16 sums' order). */
    @Test
    void aModelTunedAtLoadMatchesTheSameModelUntuned() {
        // smaller than the "tiny" shape, one layer: the emulation times every candidate 10 buckets x 4 shapes over
        ModelConfig c = new ModelConfig(Architecture.LLAMA, 128, 192, 1, 4, 2, 32, 512, 1e-5f, 10000.0,
                new RopeScaling.None(), 256, false, false, 0, 1, List.of(2));
        String before = System.getProperty(AwqKernelTuner.PROPERTY);
        try {
            System.setProperty(AwqKernelTuner.PROPERTY, "true");
            try (GpuLlamaModel tuned = GpuLlamaModel.random(device, c, 32, 3)) {
                System.setProperty(AwqKernelTuner.PROPERTY, "false");
                try (GpuLlamaModel plain = GpuLlamaModel.random(device, c, 32, 3)) {
                    assertThat(tuned.awqKernelChoices()).hasSize(4); // qkv, o, gate/up, down
                    assertThat(plain.awqKernelChoices()).isEmpty();
                    int[] prompt = {5, 17, 300, 42, 9};
                    float[][] got = logits(tuned, prompt);
                    float[][] expected = logits(plain, prompt);
                    GpuLlamaModelDeviceTest.assertClose("prefill of 5", got[0], expected[0], 1e-2);
                    GpuLlamaModelDeviceTest.assertClose("decode step", got[1], expected[1], 1e-2);
                }
            }
        } finally {
            if (before == null) {
                System.clearProperty(AwqKernelTuner.PROPERTY);
            } else {
                System.setProperty(AwqKernelTuner.PROPERTY, before);
            }
        }
    }

    /** The prompt's logits (all rows), then one decode step's. */
    private static float[][] logits(GpuLlamaModel model, int[] prompt) {
        try (GpuKvCache cache = model.newKvCache(2); GpuBatchState state = model.newBatchState(cache, 8)) {
            BlockTable table = BlockTable.of(16, 1, 0);
            float[] prefill = model.forward(state, table, prompt, 0, true);
            float[] step = model.forward(state, table, new int[] {7}, prompt.length, false);
            return new float[][] {prefill, step};
        }
    }

    private AwqDeviceWeights trackWeights(AwqDeviceWeights w) {
        track(w.qweight());
        track(w.qzeros());
        track(w.scales());
        return w;
    }
}
