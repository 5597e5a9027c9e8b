package io.quantserve.registry.web;

/** 409: the request does not fit the current state (a model still importing, a job already finished...). */
public class ConflictException extends RuntimeException {
    public ConflictException(String message) {
        super(message);
    }
}
