package io.quantserve.node.engine;

/** The model reference could not be pulled or loaded: the node must not start. */
public class ModelStartupException extends RuntimeException {
    public ModelStartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
