package io.quantserve.engine.serve;

/**
 * What one engine step produced for one request: the tokens it added (usually one, none when it just finished on a
 * stop token or was aborted) and, on the last output, why it ended.
 *
 * @param finishReason null while the request goes on
 * @param error        what went wrong, only with {@link FinishReason#ERROR}
 */
public record RequestOutput(String requestId, int[] newTokens, FinishReason finishReason, String error) {
    public boolean finished() {
        return finishReason != null;
    }

    static RequestOutput token(String id, int token) {
        return new RequestOutput(id, new int[] {token}, null, null);
    }

    static RequestOutput finished(String id, int[] tokens, FinishReason reason, String error) {
        return new RequestOutput(id, tokens, reason, error);
    }
}
