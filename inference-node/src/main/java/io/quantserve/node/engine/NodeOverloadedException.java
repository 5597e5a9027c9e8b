package io.quantserve.node.engine;

/** The waiting queue is full; the client should retry after {@link #retryAfterSeconds()}. */
public class NodeOverloadedException extends RuntimeException {
    private final int retryAfterSeconds;

    public NodeOverloadedException(String message, int retryAfterSeconds) {
        super(message);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
