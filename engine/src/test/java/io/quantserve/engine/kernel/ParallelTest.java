package io.quantserve.engine.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

class ParallelTest {
    @Test
    void coversEveryIndexExactlyOnce() {
        for (int n : new int[] {0, 1, 2, 7, 100, 1001}) {
            for (int minChunk : new int[] {1, 3, 64}) {
                AtomicIntegerArray seen = new AtomicIntegerArray(n);
                Parallel.forRange(n, minChunk, (from, to) -> {
                    for (int i = from; i < to; i++) {
                        seen.incrementAndGet(i);
                    }
                });
                for (int i = 0; i < n; i++) {
                    assertThat(seen.get(i)).as("n=%d minChunk=%d index %d", n, minChunk, i).isEqualTo(1);
                }
            }
        }
    }

    @Test
    void nestedCallsFinish() {
        AtomicIntegerArray seen = new AtomicIntegerArray(64);
        Parallel.forRange(8, 1, (from, to) -> {
            for (int i = from; i < to; i++) {
                int base = i * 8;
                Parallel.forRange(8, 1, (f, t) -> {
                    for (int j = f; j < t; j++) {
                        seen.incrementAndGet(base + j);
                    }
                });
            }
        });
        for (int i = 0; i < 64; i++) {
            assertThat(seen.get(i)).isEqualTo(1);
        }
    }

    @Test
    void rethrowsTheBodysFailureInTheCaller() {
        assertThatThrownBy(() -> Parallel.forRange(100, 1, (from, to) -> {
            if (from <= 50 && 50 < to) {
                throw new IllegalStateException("chunk failed");
            }
        })).isInstanceOf(IllegalStateException.class).hasMessage("chunk failed");
    }
}
