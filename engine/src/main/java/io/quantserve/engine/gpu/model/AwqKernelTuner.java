package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.ActivationType;
import io.quantserve.engine.gpu.AwqDeviceWeights;
import io.quantserve.engine.gpu.AwqGemvKernel;
import io.quantserve.engine.gpu.AwqTokensPlan;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.CudaException;
import io.quantserve.engine.gpu.DeviceBuffer;
import io.quantserve.engine.gpu.DeviceFill;
import io.quantserve.engine.gpu.GpuKernels;
import io.quantserve.engine.gpu.GpuMatmul;
import io.quantserve.engine.gpu.GpuTimer;
import io.quantserve.engine.gpu.ModelKernels;
import io.quantserve.engine.gpu.model.AwqKernelTable.Bucket;
import io.quantserve.engine.gpu.model.AwqKernelTable.Shape;
import io.quantserve.engine.gpu.model.LinearDispatch.AwqChoice;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Chooses, on the device at load, the kernel of every AWQ layer shape's fp16 products by timing them: which of
 * awq_gemv.cu's partial-sum kernels, the W4A16 GEMM, the batched GEMV or the tensor-core product is fastest for a few
 * rows, and from how many rows dequantizing the layer for the dense GEMM beats the W4A16 GEMM, depends on the GPU, the
 * shape and the row count, so a measurement decides instead of a rule ({@link LinearDispatch#awqCandidates}, for each
 * of {@link AwqKernelTable#BUCKETS}).
 *
 * <p>Each candidate runs on random x ±1 over the model's layers of that shape in turn (as a decode step reads them:
 * for real models more weights than the L2 cache holds; at prefill sizes, compute-bound, over the first {@value
 * #PREFILL_LAYERS}), once to warm up, then {@value #PASSES} times between CUDA events; µs a call. It is checked
 * against the untuned choice ({@link LinearDispatch#awqConfigured}, the reference) before and after its timing, its
 * output poisoned with NaN first: a candidate that differs by more than {@value #TOLERANCE} of the reference's largest
 * output, writes a non-finite value, or whose launch the driver refuses, is left out (logged); one after which the
 * context runs nothing more (a fault inside its kernel) fails the load and is recorded in the cache, which leaves it
 * out of every later load's tuning on that device ({@link AwqKernelCache#markFaulted}). The choice is the first
 * candidate, the reference first, within {@value #NOISE} of the fastest: two starts of a node choose alike where
 * timings differ by noise only, and a kernel measured before stays unless another is clearly faster. A bucket with
 * one candidate is not timed. What was chosen is kept on disk ({@link AwqKernelCache}) and run at the next load on
 * the same device and kernel build, each kept choice checked against the reference first. On unless {@value
 * #PROPERTY}{@code =false} or a kernel is named by {@value
 * LinearDispatch#AWQ_DECODE_PROPERTY}, {@value AwqGemvKernel#PROPERTY} or {@value
 * LinearDispatch#AWQ_DEQUANT_ROWS_PROPERTY} (the properties' choice then holds).
 */
final class AwqKernelTuner {
    static final String PROPERTY = "quantserve.gpu.awq-tune";
    static final int PASSES = 3;
    static final double TOLERANCE = 1e-2;
    static final int PREFILL_LAYERS = 4;
    /** How much slower than the fastest a candidate ahead of it in order may be and still be chosen. */
    static final double NOISE = 0.03;
    private static final Logger LOG = LoggerFactory.getLogger(AwqKernelTuner.class);

    /** One product on one choice: y [m, N] = x [m, K] W, fp16 outputs. */
    interface Product {
        void run(AwqChoice choice, AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, int m);
    }

    private final CudaDevice device;
    private final Product product;
    private final AwqKernelCache cache;
    /** Candidates after which the context ran nothing more, at an earlier load: never run again (from the cache). */
    private Set<AwqChoice> faulted = Set.of();

    AwqKernelTuner(CudaDevice device, Product product, AwqKernelCache cache) {
        this.device = device;
        this.product = product;
        this.cache = cache;
    }

    /** A tuner that keeps nothing on disk. */
    AwqKernelTuner(CudaDevice device, Product product) {
        this(device, product, AwqKernelCache.OFF);
    }

    /** Whether a model's AWQ kernels are tuned at load: {@value #PROPERTY} not false and no kernel named. */
    static boolean enabled() {
        return !"false".equalsIgnoreCase(System.getProperty(PROPERTY, "true").strip())
                && System.getProperty(LinearDispatch.AWQ_DECODE_PROPERTY) == null
                && System.getProperty(AwqGemvKernel.PROPERTY) == null
                && System.getProperty(LinearDispatch.AWQ_DEQUANT_ROWS_PROPERTY) == null;
    }

    /** The AWQ weights of a layer: itself, a stacked layer's AWQ parts, none for a float layer. */
    static Stream<AwqDeviceWeights> awqWeights(GpuLinear linear) {
        return switch (linear) {
            case GpuLinear.Awq a -> Stream.of(a.weights());
            case GpuLinear.Stacked s -> s.parts().stream().flatMap(AwqKernelTuner::awqWeights);
            case GpuLinear.Dense d -> Stream.empty();
        };
    }

    /** Tunes {@code layers} (the model's AWQ weights) with the kernels the model runs, in a workspace of its own. */
    static AwqKernelTable tune(CudaDevice device, GpuKernels kernels, ModelKernels model, GpuMatmul matmul,
            List<AwqDeviceWeights> layers) {
        long bytes = 0;
        for (Shape s : byShape(layers).keySet()) {
            bytes = Math.max(bytes, LinearDispatch.awqCandidatesWorkspaceBytes(s.outFeatures(), s.inFeatures(),
                    s.groupSize(), AwqKernelTable.LARGEST_BUCKET, device.multiprocessors()));
        }
        try (DeviceBuffer ws = device.allocate(Math.max(bytes, 256), "AWQ tuning workspace")) {
            GpuLinear.Ops ops = new GpuLinear.Ops(kernels, model, matmul, ActivationType.F16, ws,
                    AwqKernelTable.CONFIGURED);
            return new AwqKernelTuner(device, (c, w, x, y, m) -> GpuLinear.Awq.product(ops, c, w, x, y, m, false),
                    AwqKernelCache.configured(device)).tune(layers);
        }
    }

    /**
     * The kernel table for {@code layers}: each shape's choices as kept in the cache where they still match the
     * reference on this device, else timed (and then kept).
     */
    AwqKernelTable tune(List<AwqDeviceWeights> layers) {
        long start = System.nanoTime();
        Map<Shape, List<AwqDeviceWeights>> shapes = byShape(layers);
        AwqKernelCache.Kept onDisk = cache.load();
        Map<Shape, List<Bucket>> kept = onDisk.shapes();
        faulted = onDisk.faulted().keySet();
        onDisk.faulted().values().forEach(f -> LOG.warn("AWQ kernel {} left out of tuning: the CUDA context ran nothing more after "
                + "it ran on {} at an earlier load ({}; recorded in {})", f.choice(), f.where(), f.error(), cache.file()));
        int rows = AwqKernelTable.LARGEST_BUCKET;
        long xBytes = 2L * rows * shapes.keySet().stream().mapToInt(Shape::inFeatures).max().orElse(1);
        long yBytes = 2L * rows * shapes.keySet().stream().mapToInt(Shape::outFeatures).max().orElse(1);
        Map<Shape, List<Bucket>> table = new LinkedHashMap<>();
        Map<Shape, List<Bucket>> timed = new LinkedHashMap<>();
        try (DeviceBuffer x = device.allocate(xBytes, "AWQ tuning x");
                DeviceBuffer y = device.allocate(yBytes, "AWQ tuning y");
                GpuTimer timer = new GpuTimer(device)) {
            new DeviceFill(device).uniform(ActivationType.F16, x, 1, -1f, 1f);
            shapes.forEach((shape, same) -> {
                List<Bucket> before = kept.get(shape);
                if (before != null && stillMatch(shape, same.getFirst(), before, x, y)) {
                    table.put(shape, before);
                    return;
                }
                List<Bucket> buckets = new ArrayList<>();
                for (int m : AwqKernelTable.BUCKETS) {
                    buckets.add(bucket(shape, same, m, x, y, timer));
                }
                table.put(shape, buckets);
                timed.put(shape, buckets);
            });
        }
        if (!timed.isEmpty()) {
            cache.save(timed);
        }
        AwqKernelTable tuned = new AwqKernelTable(table);
        LOG.info("AWQ kernels for {} chosen in {} ms: {} shape(s) timed, {} as kept in {} (µs a call at m rows):\n  {}",
                device.name(), (System.nanoTime() - start) / 1_000_000, timed.size(), table.size() - timed.size(),
                cache.file() == null ? "no cache" : cache.file(), String.join("\n  ", tuned.describe()));
        return tuned;
    }

    /**
     * Whether the kept choices of a shape still hold: each one a candidate for its bucket now, and its output within
     * {@value #TOLERANCE} of the reference's on this device (as when it was timed). Where not, the shape is timed
     * again (logged).
     */
    private boolean stillMatch(Shape shape, AwqDeviceWeights first, List<Bucket> buckets, DeviceBuffer x,
            DeviceBuffer y) {
        for (int i = 0; i < AwqKernelTable.BUCKETS.length; i++) {
            int m = AwqKernelTable.BUCKETS[i];
            AwqChoice c = buckets.get(i).choice();
            AwqChoice reference = LinearDispatch.awqConfigured(m, shape.outFeatures(), shape.inFeatures(),
                    shape.groupSize(), false);
            if (c.equals(reference)) {
                continue;
            }
            String where = shape + " at " + m + " rows";
            String wrong;
            if (!LinearDispatch.awqCandidates(m, shape.outFeatures(), shape.inFeatures(), shape.groupSize()).contains(c)) {
                wrong = "not a candidate there";
            } else if (faulted.contains(c)) {
                wrong = "it broke the CUDA context at an earlier load";
            } else {
                try {
                    wrong = mismatch(outputs(reference, first, x, y, m), outputs(c, first, x, y, m));
                } catch (CudaException e) {
                    wrong = "the driver refused it: " + e.getMessage();
                    requireUsableContext(reference, first, x, y, m, c, where, e);
                }
            }
            if (wrong != null) {
                LOG.warn("AWQ kernel choice kept for {}, {}, no longer holds ({}); timing the shape again", where, c,
                        wrong);
                return false;
            }
        }
        return true;
    }

    private Bucket bucket(Shape shape, List<AwqDeviceWeights> same, int m, DeviceBuffer x, DeviceBuffer y,
            GpuTimer timer) {
        int n = shape.outFeatures();
        AwqChoice reference = LinearDispatch.awqConfigured(m, n, shape.inFeatures(), shape.groupSize(), false);
        List<AwqChoice> candidates = new ArrayList<>(
                LinearDispatch.awqCandidates(m, n, shape.inFeatures(), shape.groupSize()));
        candidates.remove(reference);
        candidates.removeAll(faulted);
        candidates.addFirst(reference);
        if (candidates.size() == 1) {
            return new Bucket(reference, Map.of());
        }
        List<AwqDeviceWeights> timed = m > AwqTokensPlan.MAX_TOKENS
                ? same.subList(0, Math.min(same.size(), PREFILL_LAYERS)) : same;
        AwqDeviceWeights first = same.getFirst();
        float[] expected = outputs(reference, first, x, y, m);
        String where = shape + " at " + m + " rows";
        if (!allFinite(expected)) {
            LOG.warn("AWQ tuning of {}: the reference {} wrote non-finite outputs; not tuned", where, reference);
            return new Bucket(reference, Map.of());
        }
        Map<AwqChoice, Double> micros = new LinkedHashMap<>();
        for (AwqChoice c : candidates) {
            try {
                String wrong = mismatch(expected, outputs(c, first, x, y, m));
                if (wrong == null) {
                    double us = micros(c, timed, x, y, m, timer);
                    wrong = mismatch(expected, outputs(c, first, x, y, m)); // and after its timing
                    if (wrong == null) {
                        micros.put(c, us);
                        continue;
                    }
                }
                LOG.warn("AWQ tuning of {}: {} left out, its output differs from {}'s: {}", where, c, reference, wrong);
            } catch (CudaException e) {
                if (c.equals(reference)) {
                    throw e;
                }
                LOG.warn("AWQ tuning of {}: {} left out, the driver refused it: {}", where, c, e.getMessage());
                requireUsableContext(reference, first, x, y, m, c, where, e);
            }
        }
        return new Bucket(choice(micros, reference), micros);
    }

    /** The first of {@code micros} (in candidate order) within {@value #NOISE} of the fastest; none timed: fallback. */
    static AwqChoice choice(Map<AwqChoice, Double> micros, AwqChoice fallback) {
        double fastest = micros.values().stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
        return micros.entrySet().stream().filter(e -> e.getValue() <= fastest * (1 + NOISE)).map(Map.Entry::getKey)
                .findFirst().orElse(fallback);
    }

    /**
     * After a candidate's failure, whether the context still runs the reference: a launch refused (too many resources,
     * say) leaves it usable; a fault inside a kernel (an illegal address) does not, and nothing on this device can
     * run any more (CUDA's sticky errors: only a new process is sure to run kernels again), so the candidate is
     * recorded in the cache, which leaves it out of every later load's tuning on this device, and this load fails
     * naming it.
     */
    private void requireUsableContext(AwqChoice reference, AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, int m,
            AwqChoice failed, String where, CudaException cause) {
        try {
            outputs(reference, w, x, y, m);
        } catch (CudaException e) {
            String recorded = cache.markFaulted(failed, where, cause.getMessage())
                    ? "it is left out of tuning on this device from the next start on (recorded in " + cache.file() + "); "
                    : "";
            IllegalStateException fatal = new IllegalStateException("AWQ kernel tuning: " + failed + " failed on "
                    + where + " (" + cause.getMessage() + ") and the CUDA context no longer runs kernels; " + recorded
                    + "start with -D" + PROPERTY + "=false to run the configured kernels without timing the others",
                    cause);
            fatal.addSuppressed(e);
            throw fatal;
        }
    }

    /** One product on the first layer of the shape, into y poisoned with NaN first; the outputs as floats. */
    private float[] outputs(AwqChoice c, AwqDeviceWeights w, DeviceBuffer x, DeviceBuffer y, int m) {
        y.fill((byte) 0xFF);
        product.run(c, w, x, y, m);
        int count = m * w.outFeatures();
        short[] half = y.downloadShorts(count);
        float[] out = new float[count];
        for (int i = 0; i < count; i++) {
            out[i] = Float.float16ToFloat(half[i]);
        }
        return out;
    }

    /** µs a call: a warm-up pass over the layers, then {@value #PASSES} passes between two events. */
    private double micros(AwqChoice c, List<AwqDeviceWeights> layers, DeviceBuffer x, DeviceBuffer y, int m,
            GpuTimer timer) {
        layers.forEach(w -> product.run(c, w, x, y, m));
        timer.start();
        for (int p = 0; p < PASSES; p++) {
            layers.forEach(w -> product.run(c, w, x, y, m));
        }
        timer.stop();
        return 1000.0 * timer.elapsedMillis() / (PASSES * layers.size());
    }

    /** Null where {@code got} is within {@value #TOLERANCE} of the largest |expected| everywhere, else why not. */
    static String mismatch(float[] expected, float[] got) {
        double largest = 0;
        for (float e : expected) {
            largest = Math.max(largest, Math.abs(e));
        }
        double bound = TOLERANCE * Math.max(largest, 1e-6);
        for (int i = 0; i < expected.length; i++) {
            if (!Float.isFinite(got[i]) || Math.abs(got[i] - expected[i]) > bound) {
                return "output " + i + " is " + got[i] + ", expected " + expected[i] + " (bound " + (float) bound + ")";
            }
        }
        return null;
    }

    private static boolean allFinite(float[] values) {
        for (float v : values) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    private static Map<Shape, List<AwqDeviceWeights>> byShape(List<AwqDeviceWeights> layers) {
        Map<Shape, List<AwqDeviceWeights>> shapes = new LinkedHashMap<>();
        for (AwqDeviceWeights w : layers) {
            shapes.computeIfAbsent(Shape.of(w), s -> new ArrayList<>()).add(w);
        }
        return shapes;
    }
}
