package io.quantserve.engine.gpu.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.gpu.AwqGemvKernel;
import io.quantserve.engine.gpu.model.AwqKernelTable.Bucket;
import io.quantserve.engine.gpu.model.AwqKernelTable.Shape;
import io.quantserve.engine.gpu.model.LinearDispatch.AwqChoice;
import io.quantserve.engine.gpu.model.LinearDispatch.Kernel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@link AwqKernelCache} without a device: where the file goes, what it keeps, and what it refuses to read back. */
class AwqKernelCacheTest {
    private static final Shape QKV = new Shape(4096, 12288, 128);
    private static final Shape DOWN = new Shape(11008, 4096, 128);
    private static final AwqChoice GEMV = new AwqChoice(Kernel.AWQ_GEMV, AwqGemvKernel.RING);
    private static final AwqChoice GEMM = new AwqChoice(Kernel.AWQ_GEMM);

    @TempDir
    Path dir;

    /** A bucket list: {@code first} at one row, the GEMM elsewhere, with what each took. */
    private static List<Bucket> buckets(AwqChoice first) {
        List<Bucket> buckets = new ArrayList<>();
        for (int m : AwqKernelTable.BUCKETS) {
            AwqChoice c = m == 1 ? first : GEMM;
            buckets.add(new Bucket(c, Map.of(c, 10.0 + m)));
        }
        return buckets;
    }

    @Test
    void foldersComeFromThePropertyElseTheUsersCache() {
        assertThat(AwqKernelCache.folder("/srv/tuning", "/x", "/home/q")).contains(Path.of("/srv/tuning"));
        assertThat(AwqKernelCache.folder(" OFF ", "/x", "/home/q")).isEmpty();
        assertThat(AwqKernelCache.folder(null, "/x", "/home/q")).contains(Path.of("/x/quantserve/awq-kernels"));
        assertThat(AwqKernelCache.folder("", null, "/home/q")).contains(Path.of("/home/q/.cache/quantserve/awq-kernels"));
        assertThat(AwqKernelCache.folder(null, null, null)).isEmpty();
    }

    @Test
    void aFileIsNamedByTheDeviceAndTheFingerprintOfWhatAChoiceDependsOn() {
        String a = AwqKernelCache.fingerprint("NVIDIA H100 80GB HBM3", 9, 0, 132, 13000, false, List.of("gemm abc"));
        assertThat(a).contains("NVIDIA H100 80GB HBM3", "sm_90", "132 SMs", "driver 13000", "gemm abc");
        String name = AwqKernelCache.fileName("NVIDIA H100 80GB HBM3", 9, 0, a);
        assertThat(name).matches("NVIDIA-H100-80GB-HBM3-sm90-[0-9a-f]{16}\\.json");
        // another driver, kernel build or PTX-only load: another file
        assertThat(AwqKernelCache.fileName("NVIDIA H100 80GB HBM3", 9, 0, AwqKernelCache.fingerprint(
                "NVIDIA H100 80GB HBM3", 9, 0, 132, 13010, false, List.of("gemm abc")))).isNotEqualTo(name);
        assertThat(AwqKernelCache.fileName("NVIDIA H100 80GB HBM3", 9, 0, AwqKernelCache.fingerprint(
                "NVIDIA H100 80GB HBM3", 9, 0, 132, 13000, false, List.of("gemm abd")))).isNotEqualTo(name);
        assertThat(AwqKernelCache.fileName("NVIDIA H100 80GB HBM3", 9, 0, AwqKernelCache.fingerprint(
                "NVIDIA H100 80GB HBM3", 9, 0, 132, 13000, true, List.of("gemm abc")))).isNotEqualTo(name);
    }

    @Test
    void keepsEveryShapesBucketsAndMergesAnotherModelsShapes() throws IOException {
        Path file = dir.resolve("sub").resolve("h100.json");
        AwqKernelCache cache = new AwqKernelCache(file, "fp 1");
        assertThat(cache.load().shapes()).isEmpty(); // no file yet
        cache.save(Map.of(QKV, buckets(GEMV)));
        cache.save(Map.of(DOWN, buckets(GEMM))); // another model's shape joins the first
        Map<Shape, List<Bucket>> loaded = cache.load().shapes();
        assertThat(loaded).containsOnlyKeys(QKV, DOWN);
        assertThat(loaded.get(QKV)).isEqualTo(buckets(GEMV));
        assertThat(loaded.get(DOWN)).isEqualTo(buckets(GEMM));
        try (var files = Files.list(file.getParent())) {
            assertThat(files).containsExactly(file); // no temporary left
        }
        // the same shape timed again replaces its buckets
        cache.save(Map.of(QKV, buckets(GEMM)));
        assertThat(cache.load().shapes().get(QKV)).isEqualTo(buckets(GEMM));
    }

    @Test
    void aFileForAnotherFingerprintOrThatCannotBeReadIsTimedOver() throws IOException {
        Path file = dir.resolve("c.json");
        new AwqKernelCache(file, "fp 1").save(Map.of(QKV, buckets(GEMV)));
        assertThat(new AwqKernelCache(file, "fp 2").load().shapes()).isEmpty();
        Files.writeString(file, "{\"fingerprint\": \"fp 1\", \"shapes\": [");
        assertThat(new AwqKernelCache(file, "fp 1").load().shapes()).isEmpty();
        // a shape naming a choice no kernel has, or another bucket set, is left out; the others stay
        new AwqKernelCache(file, "fp 1").save(Map.of(QKV, buckets(GEMV), DOWN, buckets(GEMM)));
        String json = Files.readString(file);
        Files.writeString(file, json.replace("gemv-ring", "gemv-warp-specialized"));
        assertThat(new AwqKernelCache(file, "fp 1").load().shapes()).containsOnlyKeys(DOWN);
        Files.writeString(file, json.replaceFirst("\"rows\" : 512", "\"rows\" : 1024"));
        assertThat(new AwqKernelCache(file, "fp 1").load().shapes()).hasSize(1);
        // off keeps nothing and reads nothing
        AwqKernelCache.OFF.save(Map.of(QKV, buckets(GEMV)));
        assertThat(AwqKernelCache.OFF.load().shapes()).isEmpty();
    }

    /**
     * A candidate that broke the CUDA context stays listed through later saves of choices (and a file written before
     * faults were kept reads as having none); another fingerprint's faults are not this one's.
     */
    @Test
    void keepsTheCandidatesThatBrokeTheContextBesideTheChoices() throws IOException {
        Path file = dir.resolve("f.json");
        AwqKernelCache cache = new AwqKernelCache(file, "fp 1");
        assertThat(cache.load().faulted()).isEmpty();
        cache.save(Map.of(QKV, buckets(GEMV)));
        assertThat(cache.markFaulted(GEMV, "4096->12288 group 128 at 1 rows", "CUDA_ERROR_ILLEGAL_ADDRESS")).isTrue();
        cache.save(Map.of(DOWN, buckets(GEMM)));
        assertThat(cache.load().shapes()).as("the choices kept with the fault").containsOnlyKeys(QKV, DOWN);
        assertThat(cache.load().faulted()).containsOnlyKeys(GEMV);
        assertThat(cache.load().faulted().get(GEMV).where()).isEqualTo("4096->12288 group 128 at 1 rows");
        assertThat(cache.load().faulted().get(GEMV).error()).isEqualTo("CUDA_ERROR_ILLEGAL_ADDRESS");
        AwqChoice mma = new AwqChoice(Kernel.AWQ_MMA);
        cache.markFaulted(mma, "11008->4096 group 128 at 8 rows", "CUDA_ERROR_MISALIGNED_ADDRESS");
        assertThat(cache.load().faulted()).containsOnlyKeys(GEMV, mma);
        assertThat(new AwqKernelCache(file, "fp 2").load().faulted()).isEmpty();

        Files.writeString(file, Files.readString(file).replaceFirst(",\\s*\"faulted\"[\\s\\S]*\\]\\s*}\\s*$", "}"));
        assertThat(Files.readString(file)).doesNotContain("faulted");
        assertThat(cache.load().shapes()).containsOnlyKeys(QKV, DOWN);
        assertThat(cache.load().faulted()).isEmpty();
        assertThat(AwqKernelCache.OFF.markFaulted(GEMV, "anywhere", "any")).isFalse();
    }

    @Test
    void everyAwqChoiceIsNamedBackFromItsName() {
        for (Kernel k : Kernel.values()) {
            for (AwqGemvKernel g : AwqGemvKernel.values()) {
                AwqChoice c = new AwqChoice(k, k == Kernel.AWQ_GEMV ? g : AwqGemvKernel.REGISTERS);
                Optional<AwqChoice> back = AwqChoice.named(c.toString());
                if (k.name().startsWith("AWQ_")) {
                    assertThat(back).contains(c);
                } else {
                    assertThat(back).isEmpty(); // float kernels are never an AWQ choice
                }
            }
        }
        assertThat(AwqChoice.named("gemv-warp-specialized")).isEmpty();
    }
}
