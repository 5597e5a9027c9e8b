package io.quantserve.engine.benchserve;

import java.util.List;

/**
 * What one request measured; times in seconds from the moment it was sent.
 *
 * @param promptTokens prompt length from the server's usage, else the dataset's, else -1 (unknown)
 * @param outputTokens generated tokens from the server's usage, else the number of content chunks
 * @param ttft time to the first chunk carrying text (NaN if none arrived)
 * @param interTokenLatencies gaps between successive content chunks
 * @param error why it failed, null on success
 */
public record RequestResult(boolean success, int promptTokens, int outputTokens, double ttft,
        List<Double> interTokenLatencies, double latency, String error) {

    static RequestResult failed(String error, double latency) {
        return new RequestResult(false, -1, 0, Double.NaN, List.of(), latency, error);
    }

    /** (latency - TTFT) / (tokens - 1): the decode speed seen by the client, undefined for a single token. */
    public double tpot() {
        return outputTokens > 1 ? (latency - ttft) / (outputTokens - 1) : Double.NaN;
    }
}
