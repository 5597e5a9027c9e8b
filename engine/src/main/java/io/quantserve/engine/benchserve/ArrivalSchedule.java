package io.quantserve.engine.benchserve;

import java.util.Random;

/** When each request is sent, as offsets from the start of the run. */
public final class ArrivalSchedule {
    private ArrivalSchedule() {
    }

    /**
     * Send offsets in seconds for {@code n} requests. A finite rate gives a Poisson process: exponential inter-arrival
     * times with mean {@code 1/rate}, drawn by inverse transform from the seeded RNG so a run is reproducible. An
     * infinite rate sends everything at once (offset 0). Offsets are cumulative so that sleeping to each one does not
     * accumulate the scheduler's lateness.
     */
    public static double[] offsetsSeconds(int n, double rate, Random random) {
        if (!(rate > 0)) {
            throw new IllegalArgumentException("request rate must be positive or inf, got " + rate);
        }
        double[] offsets = new double[n];
        if (Double.isInfinite(rate)) {
            return offsets;
        }
        double t = 0;
        for (int i = 0; i < n; i++) {
            // 1 - nextDouble() is in (0, 1], so the logarithm is finite.
            t += -Math.log(1 - random.nextDouble()) / rate;
            offsets[i] = t;
        }
        return offsets;
    }
}
