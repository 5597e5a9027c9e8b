package io.quantserve.registry.model;

/** The files are not a usable model; the message names the file and the problem. */
public class InvalidModelException extends RuntimeException {
    public InvalidModelException(String message) {
        super(message);
    }

    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
