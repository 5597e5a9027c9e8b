package io.quantserve.registry.web;

/** 404: the thing a request names does not exist. */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String kind, Object id) {
        super(kind + " " + id + " not found");
    }
}
