package io.quantserve.node.artifact;

/** The model could not be made available locally; the message says which reference, file or server, and why. */
public class ModelPullException extends RuntimeException {

    public ModelPullException(String message) {
        super(message);
    }

    public ModelPullException(String message, Throwable cause) {
        super(message, cause);
    }
}
