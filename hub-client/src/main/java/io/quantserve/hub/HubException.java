package io.quantserve.hub;

/** A Hub or download failure with a reason fit for a person (it becomes the model's failure reason). */
public class HubException extends RuntimeException {
    private final int status;

    public HubException(String message, int status) {
        super(message);
        this.status = status;
    }

    public HubException(String message, Throwable cause) {
        super(message, cause);
        this.status = -1;
    }

    /** The HTTP status that caused it, or -1. */
    public int status() {
        return status;
    }
}
