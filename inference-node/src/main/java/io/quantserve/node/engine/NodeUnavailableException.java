package io.quantserve.node.engine;

/** The node cannot take requests now: still starting, or draining before it stops. */
public class NodeUnavailableException extends RuntimeException {
    public NodeUnavailableException(String message) {
        super(message);
    }
}
