package io.quantserve.engine.serve;

import java.util.List;

/**
 * One step's plan: the chunks to run as one batch (decodes first), and the sequences the step ended without running,
 * because they cannot fit the cache even alone.
 */
public record SchedulerOutput(List<ScheduledChunk> chunks, List<Sequence> failed) {
    public int numTokens() {
        return chunks.stream().mapToInt(c -> c.tokens().length).sum();
    }
}
