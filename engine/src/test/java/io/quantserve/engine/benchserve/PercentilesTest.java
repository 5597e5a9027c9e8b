package io.quantserve.engine.benchserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.junit.jupiter.api.Test;

class PercentilesTest {
    // Expected values are what numpy.percentile (default linear method) returns for the same inputs.

    @Test
    void shouldInterpolateLinearlyBetweenNeighboursLikeNumpy() {
        assertThat(Percentiles.ofSorted(new double[] {1, 2, 3, 4}, 50)).isEqualTo(2.5);
        assertThat(Percentiles.ofSorted(new double[] {1, 2, 3, 4, 7, 10}, 90)).isCloseTo(8.5, within(1e-12));
        assertThat(Percentiles.ofSorted(new double[] {15, 20, 35, 40, 50}, 40)).isCloseTo(29.0, within(1e-12));
        assertThat(Percentiles.ofSorted(new double[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, 99)).isCloseTo(9.91, within(1e-12));
    }

    @Test
    void shouldReturnTheEndsAtZeroAndHundred() {
        double[] values = {3, 5, 8};
        assertThat(Percentiles.ofSorted(values, 0)).isEqualTo(3);
        assertThat(Percentiles.ofSorted(values, 100)).isEqualTo(8);
        assertThat(Percentiles.ofSorted(new double[] {42}, 99)).isEqualTo(42);
    }

    @Test
    void shouldBeNanWithoutSamplesAndRejectPercentilesOutsideTheRange() {
        assertThat(Percentiles.ofSorted(new double[0], 50)).isNaN();
        assertThatThrownBy(() -> Percentiles.ofSorted(new double[] {1}, 101)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Percentiles.ofSorted(new double[] {1}, Double.NaN)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void latencyStatsShouldSortSecondsAndReportMilliseconds() {
        LatencyStats stats = LatencyStats.ofSeconds(List.of(0.004, 0.001, 0.003, 0.002));
        assertThat(stats.count()).isEqualTo(4);
        assertThat(stats.meanMs()).isCloseTo(2.5, within(1e-9));
        assertThat(stats.medianMs()).isCloseTo(2.5, within(1e-9));
        assertThat(stats.p99Ms()).isCloseTo(3.97, within(1e-9));
        assertThat(LatencyStats.ofSeconds(List.of()).meanMs()).isNaN();
    }
}
