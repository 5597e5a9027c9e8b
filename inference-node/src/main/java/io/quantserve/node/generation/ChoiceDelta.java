package io.quantserve.node.generation;

import io.quantserve.engine.sampling.TokenLogprob;
import java.util.List;

/**
 * New output of one choice: text that became final (never a partial UTF-8 character, never a possible start of a stop
 * string), the tokens that arrived with it and, on the last delta, why the choice ended.
 *
 * @param logprobs     one per token when asked for, else empty
 * @param promptLogprobs on the choice's first delta when asked for: one per prompt token after the first; else empty
 * @param finishReason "stop" or "length" on the last delta, else null
 */
public record ChoiceDelta(int index, String text, int[] tokens, List<TokenLogprob> logprobs,
        List<TokenLogprob> promptLogprobs, String finishReason) {
    public boolean last() {
        return finishReason != null;
    }
}
