package io.quantserve.engine.benchserve;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ArrivalScheduleTest {

    @Test
    void poissonArrivalsShouldHaveExponentialGapsWithMeanOneOverTheRate() {
        double rate = 4;
        int n = 200_000;
        double[] offsets = ArrivalSchedule.offsetsSeconds(n, rate, new Random(42));
        double sum = 0;
        double sumSquares = 0;
        double previous = 0;
        for (double offset : offsets) {
            double gap = offset - previous;
            assertThat(gap).isPositive();
            sum += gap;
            sumSquares += gap * gap;
            previous = offset;
        }
        double mean = sum / n;
        double variance = sumSquares / n - mean * mean;
        // Standard error of the mean is 0.25 / sqrt(200000) ~ 0.00056; 1% is about 4.5 standard errors.
        assertThat(mean).isCloseTo(1 / rate, within(0.01 / rate));
        // An exponential distribution's variance is the square of its mean (a fixed-gap schedule would have none).
        assertThat(variance).isCloseTo(1 / (rate * rate), within(0.05 / (rate * rate)));
    }

    @Test
    void theSameSeedShouldGiveTheSameSchedule() {
        assertThat(ArrivalSchedule.offsetsSeconds(100, 2.5, new Random(7)))
                .containsExactly(ArrivalSchedule.offsetsSeconds(100, 2.5, new Random(7)));
    }

    @Test
    void anInfiniteRateShouldSendEverythingAtOnce() {
        assertThat(ArrivalSchedule.offsetsSeconds(5, Double.POSITIVE_INFINITY, new Random(1))).containsOnly(0.0);
    }

    @Test
    void shouldRejectANonPositiveRate() {
        assertThatThrownBy(() -> ArrivalSchedule.offsetsSeconds(5, 0, new Random(1)))
                .hasMessageContaining("request rate");
    }
}
