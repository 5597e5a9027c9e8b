package io.quantserve.engine.serve;

import java.util.Arrays;

/**
 * Proposes the tokens that may follow a sequence by finding its last n tokens earlier in it (prompt and output so
 * far): whatever followed them there is the draft. As vLLM's n-gram proposer: the longest n in
 * [{@code promptLookupMin}, {@code promptLookupMax}] that occurs, at its earliest place. Costs a scan of the sequence
 * per step, small beside a forward.
 */
final class NgramProposer {
    private final int minN;
    private final int maxN;
    private final int maxDraft;

    NgramProposer(SpeculativeConfig config) {
        this.minN = config.promptLookupMin();
        this.maxN = config.promptLookupMax();
        this.maxDraft = config.numSpeculativeTokens();
    }

    /**
     * The draft for what follows {@code tokens[0, length)}: at most {@code limit} (and the configured count) tokens,
     * empty when no n-gram of the end occurs before it.
     */
    int[] propose(int[] tokens, int length, int limit) {
        int want = Math.min(maxDraft, limit);
        if (want <= 0 || length <= minN) {
            return new int[0];
        }
        int bestN = 0;
        int bestEnd = -1; // the match's end: the draft starts there
        // every earlier place the sequence's end could match ends before the last token, leaving one to propose
        for (int end = minN; end < length; end++) {
            int n = 0;
            while (n < maxN && n < end && tokens[end - 1 - n] == tokens[length - 1 - n]) {
                n++;
            }
            if (n >= minN && n > bestN) {
                bestN = n;
                bestEnd = end;
                if (n == maxN) {
                    break; // the longest there can be, at its earliest place
                }
            }
        }
        if (bestEnd < 0) {
            return new int[0];
        }
        return Arrays.copyOfRange(tokens, bestEnd, bestEnd + Math.min(want, length - bestEnd));
    }
}
