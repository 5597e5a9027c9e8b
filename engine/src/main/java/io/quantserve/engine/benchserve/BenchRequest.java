package io.quantserve.engine.benchserve;

/**
 * One prompt to send: either text or token ids (exactly one is non-null).
 *
 * @param inputTokens prompt length when known without a tokenizer (token-id prompts), else -1; the server's usage
 *                    chunk, when it sends one, is preferred anyway
 * @param outputTokens {@code max_tokens}; with {@code ignore_eos} the server generates exactly this many
 */
public record BenchRequest(String text, int[] tokenIds, int inputTokens, int outputTokens) {
    public BenchRequest {
        if ((text == null) == (tokenIds == null)) {
            throw new IllegalArgumentException("a request has either a text or a token-id prompt");
        }
        if (outputTokens < 1) {
            throw new IllegalArgumentException("output length must be at least 1, got " + outputTokens);
        }
    }

    static BenchRequest ofText(String text, int outputTokens) {
        return new BenchRequest(text, null, -1, outputTokens);
    }

    static BenchRequest ofTokens(int[] tokenIds, int outputTokens) {
        return new BenchRequest(null, tokenIds, tokenIds.length, outputTokens);
    }
}
