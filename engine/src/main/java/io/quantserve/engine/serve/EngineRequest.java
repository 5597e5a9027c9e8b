package io.quantserve.engine.serve;

import io.quantserve.engine.sampling.SamplingParams;
import java.util.Set;

/**
 * One generation request as the engine sees it: token ids in, token ids out (text, chat templates and stop strings
 * belong to the layer above).
 *
 * @param stopTokenIds ids that end the sequence with reason STOP and are not part of the output (EOS, unless ignored)
 */
public record EngineRequest(String id, int[] prompt, SamplingParams sampling, int maxTokens, Set<Integer> stopTokenIds) {
    public EngineRequest {
        if (id == null || id.isBlank()) {
            throw new IllegalArgumentException("a request needs an id");
        }
        if (prompt.length == 0) {
            throw new IllegalArgumentException("request " + id + ": the prompt has no tokens");
        }
        if (maxTokens < 1) {
            throw new IllegalArgumentException("request " + id + ": max tokens must be >= 1, got " + maxTokens);
        }
        prompt = prompt.clone();
        stopTokenIds = Set.copyOf(stopTokenIds);
    }
}
