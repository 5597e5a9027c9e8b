package io.quantserve.node.openai;

import org.springframework.http.HttpStatus;

/** A request the API refuses, rendered as an OpenAI error body with this status. */
class OpenAiException extends RuntimeException {
    private final HttpStatus status;
    private final String type;
    private final String param;
    private final String code;

    OpenAiException(HttpStatus status, String type, String param, String code, String message) {
        super(message);
        this.status = status;
        this.type = type;
        this.param = param;
        this.code = code;
    }

    static OpenAiException invalid(String param, String message) {
        return new OpenAiException(HttpStatus.BAD_REQUEST, "invalid_request_error", param, null, message);
    }

    static OpenAiException serverError(String message) {
        return new OpenAiException(HttpStatus.INTERNAL_SERVER_ERROR, "server_error", null, null, message);
    }

    HttpStatus status() {
        return status;
    }

    String type() {
        return type;
    }

    String param() {
        return param;
    }

    String code() {
        return code;
    }
}
