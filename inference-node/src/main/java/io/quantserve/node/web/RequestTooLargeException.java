package io.quantserve.node.web;

import java.io.IOException;

/** A request body above {@code quantserve.node.max-request-size} (HTTP 413). */
public class RequestTooLargeException extends IOException {
    public RequestTooLargeException(long limit) {
        super("The request body exceeds this node's limit of " + limit + " bytes (quantserve.node.max-request-size)");
    }
}
