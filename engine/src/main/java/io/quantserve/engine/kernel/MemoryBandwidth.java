package io.quantserve.engine.kernel;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * Measures the read bandwidth this machine can reach from Java, the ceiling for decode speed: a decode step must
 * stream every weight once, so tokens/s can never beat bandwidth / model bytes. Needs jdk.incubator.vector.
 */
public final class MemoryBandwidth {
    /** Far larger than any last-level cache, so the passes measure DRAM. */
    private static final long BYTES = 512L << 20;
    private static final int SLICE = 1 << 20;
    /**
     * Best of many: another process on a shared machine only ever makes a pass slower, never faster. Passes go on for
     * a while rather than a fixed count, because on a shared VM the slow spells last a good part of a second.
     */
    private static final int MIN_PASSES = 12;
    private static final long MIN_NANOS = 1_500_000_000L;
    /** Small enough to sit in cache, so that warm-up is cheap and no DRAM pass is taken before C2 compiles sum. */
    private static final long WARMUP_BYTES = 2L << 20;
    private static final int WARMUP_PASSES = 400;
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    /** Keeps the sums observable so that C2 cannot drop the loads. */
    private static volatile float sink;

    private MemoryBandwidth() {
    }

    /**
     * Best of many passes (1.5 s at least) over 512 MiB by all cores, alternately one and two streams per core, in
     * GB/s (10^9 bytes per second). The loops are compiled first on a small buffer: timed straight away, the first
     * passes ran in the interpreter or C1 and a run could report half the bandwidth of the next.
     */
    public static double measureReadGBps() {
        try (Arena arena = Arena.ofShared()) {
            MemorySegment small = arena.allocate(WARMUP_BYTES, 64);
            small.fill((byte) 1);
            int smallSlices = (int) (WARMUP_BYTES / SLICE);
            for (int i = 0; i < WARMUP_PASSES; i++) {
                Parallel.forRange(smallSlices, 1, (from, to) -> sink += sum(small, (long) from * SLICE, (long) to * SLICE)
                        + sum2(small, (long) from * SLICE, (long) to * SLICE));
            }
            MemorySegment seg = arena.allocate(BYTES, 64);
            // Fault every page in first; otherwise the first pass measures the kernel zeroing pages.
            seg.fill((byte) 1);
            int slices = (int) (BYTES / SLICE);
            double best = 0;
            long begin = System.nanoTime();
            for (int pass = 0; pass < MIN_PASSES || System.nanoTime() - begin < MIN_NANOS; pass++) {
                long start = System.nanoTime();
                boolean twoStreams = (pass & 1) != 0;
                Parallel.forRange(slices, 1, (from, to) -> sink += twoStreams
                        ? sum2(seg, (long) from * SLICE, (long) to * SLICE)
                        : sum(seg, (long) from * SLICE, (long) to * SLICE));
                best = Math.max(best, (double) BYTES / (System.nanoTime() - start));
            }
            return best;
        }
    }

    private static float sum(MemorySegment seg, long from, long to) {
        int step = F.vectorByteSize();
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (long o = from; o < to; o += 4L * step) {
            s0 = s0.add(FloatVector.fromMemorySegment(F, seg, o, ByteOrder.LITTLE_ENDIAN));
            s1 = s1.add(FloatVector.fromMemorySegment(F, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            s2 = s2.add(FloatVector.fromMemorySegment(F, seg, o + 2L * step, ByteOrder.LITTLE_ENDIAN));
            s3 = s3.add(FloatVector.fromMemorySegment(F, seg, o + 3L * step, ByteOrder.LITTLE_ENDIAN));
        }
        return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    }

    /**
     * The same sum over two streams, the halves of the range side by side: the decode kernels read two rows at a time
     * (more DRAM misses in flight per core), so the ceiling they are held to is the better of one and two streams.
     */
    private static float sum2(MemorySegment seg, long from, long to) {
        int step = F.vectorByteSize();
        long half = (to - from) / 2;
        FloatVector s0 = FloatVector.zero(F), s1 = s0, s2 = s0, s3 = s0;
        for (long o = from; o < from + half; o += 2L * step) {
            s0 = s0.add(FloatVector.fromMemorySegment(F, seg, o, ByteOrder.LITTLE_ENDIAN));
            s1 = s1.add(FloatVector.fromMemorySegment(F, seg, o + step, ByteOrder.LITTLE_ENDIAN));
            s2 = s2.add(FloatVector.fromMemorySegment(F, seg, o + half, ByteOrder.LITTLE_ENDIAN));
            s3 = s3.add(FloatVector.fromMemorySegment(F, seg, o + half + step, ByteOrder.LITTLE_ENDIAN));
        }
        return s0.add(s1).add(s2.add(s3)).reduceLanes(VectorOperators.ADD);
    }

    public static void main(String[] args) {
        System.out.printf("memory read bandwidth: %.1f GB/s (%d threads)%n", measureReadGBps(), Parallel.threads());
    }
}
