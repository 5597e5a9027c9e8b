package io.quantserve.engine.gpu;

import io.quantserve.engine.sampling.SamplingParams;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;

/**
 * One row's sampling parameters for sampling.cu, with the uniform number {@code u} the draw uses (the host's random
 * stream, so that a row is reproducible and gives the CPU {@link io.quantserve.engine.sampling.Sampler}'s token for
 * the same u). Penalties are not here: they change the logits before sampling.
 *
 * @param u           uniform in [0, 1)
 * @param temperature 0 = greedy
 * @param topP        in (0, 1]; 1 = off
 * @param minP        in [0, 1]; 0 = off
 * @param topK        -1 or 0 = off, else the number of tokens kept
 */
public record SampleRow(double u, float temperature, float topP, float minP, int topK) {
    /** Bytes per row as the kernel reads them: double u, float temperature, top_p, min_p, int top_k. */
    public static final int BYTES = 24;

    public SampleRow {
        if (!(u >= 0 && u < 1)) {
            throw new IllegalArgumentException("u must be in [0, 1), is " + u);
        }
        if (!(temperature >= 0 && Float.isFinite(temperature))) {
            throw new IllegalArgumentException("temperature must be a finite number >= 0, is " + temperature);
        }
        if (!(topP > 0 && topP <= 1)) {
            throw new IllegalArgumentException("top_p must be in (0, 1], is " + topP);
        }
        if (!(minP >= 0 && minP <= 1)) {
            throw new IllegalArgumentException("min_p must be in [0, 1], is " + minP);
        }
        if (topK < -1) {
            throw new IllegalArgumentException("top_k must be >= 1, or 0 / -1 to disable, is " + topK);
        }
    }

    /** The row for a request's parameters and the next uniform of its random stream. */
    public static SampleRow of(SamplingParams params, double u) {
        return new SampleRow(u, params.temperature(), params.topP(), params.minP(), params.topK());
    }

    /** The rows in the kernel's layout, little-endian. */
    public static byte[] pack(List<SampleRow> rows) {
        ByteBuffer b = ByteBuffer.allocate(rows.size() * BYTES).order(ByteOrder.LITTLE_ENDIAN);
        for (SampleRow r : rows) {
            b.putDouble(r.u).putFloat(r.temperature).putFloat(r.topP).putFloat(r.minP).putInt(r.topK);
        }
        return b.array();
    }
}
