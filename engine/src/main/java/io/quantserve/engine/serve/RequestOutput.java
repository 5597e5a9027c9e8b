package io.quantserve.engine.serve;

import io.quantserve.engine.sampling.TokenLogprob;

/**
 * What one engine step produced for one request: the tokens it added (usually one; several when speculative decoding
 * accepted drafted tokens; none when it just finished on a stop token or was aborted) and, on the last output, why it
 * ended.
 *
 * @param logprobs     one per new token when the request asked for them, else null
 * @param promptLogprobs on the request's first output, when it asked for them: one per prompt token after the first
 *                     (entry i is prompt token i + 1's); else null
 * @param finishReason null while the request goes on
 * @param error        what went wrong, only with {@link FinishReason#ERROR}
 * @param queueNanos   on the last output: how long the request waited before it first ran (-1 if it never ran);
 *                     -1 on the others
 */
public record RequestOutput(String requestId, int[] newTokens, TokenLogprob[] logprobs, FinishReason finishReason,
        String error, long queueNanos, TokenLogprob[] promptLogprobs) {
    public boolean finished() {
        return finishReason != null;
    }

    static RequestOutput tokens(String id, int[] tokens, TokenLogprob[] logprobs) {
        return new RequestOutput(id, tokens, logprobs, null, null, -1, null);
    }

    static RequestOutput finished(Sequence seq, int[] tokens, TokenLogprob[] logprobs, FinishReason reason,
            String error) {
        return new RequestOutput(seq.request().id(), tokens, logprobs, reason, error, seq.queueNanos(), null);
    }

    static RequestOutput finished(Sequence seq, FinishReason reason, String error) {
        return finished(seq, new int[0], null, reason, error);
    }

    /** A request the engine refused before it had a sequence. */
    static RequestOutput refused(String id, String error) {
        return new RequestOutput(id, new int[0], null, FinishReason.ERROR, error, -1, null);
    }

    /** This output with the request's prompt log-probabilities attached. */
    RequestOutput withPromptLogprobs(TokenLogprob[] prompt) {
        return new RequestOutput(requestId, newTokens, logprobs, finishReason, error, queueNanos, prompt);
    }
}
