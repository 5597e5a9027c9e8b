package io.quantserve.node.openai;

import io.quantserve.node.engine.NodeOverloadedException;
import io.quantserve.node.engine.NodeUnavailableException;
import io.quantserve.node.web.RequestTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.HttpRequestMethodNotSupportedException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.async.AsyncRequestNotUsableException;
import org.springframework.web.servlet.resource.NoResourceFoundException;

/** Every failure on {@code /v1} as OpenAI's error body, with the status OpenAI clients branch on. */
@RestControllerAdvice
class OpenAiErrorHandler {
    private static final Logger log = LoggerFactory.getLogger(OpenAiErrorHandler.class);

    @ExceptionHandler
    ResponseEntity<ErrorResponse> refused(OpenAiException e) {
        return body(e.status(), e.getMessage(), e.type(), e.param(), e.code());
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> overloaded(NodeOverloadedException e) {
        return ResponseEntity.status(HttpStatus.TOO_MANY_REQUESTS)
                .header(HttpHeaders.RETRY_AFTER, Integer.toString(e.retryAfterSeconds()))
                .body(ErrorResponse.of(e.getMessage(), "rate_limit_error", null, "server_overloaded"));
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> unavailable(NodeUnavailableException e) {
        return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
                .header(HttpHeaders.RETRY_AFTER, "5")
                .body(ErrorResponse.of(e.getMessage(), "service_unavailable_error", null, "service_unavailable"));
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> unreadable(HttpMessageNotReadableException e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof RequestTooLargeException tooLarge) {
                return tooLarge(tooLarge);
            }
        }
        String detail = e.getMostSpecificCause().getMessage();
        return body(HttpStatus.BAD_REQUEST, "The request body is not valid JSON for this endpoint: "
                + (detail == null ? e.getMessage() : detail.lines().findFirst().orElse(detail)),
                "invalid_request_error", null, null);
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> tooLarge(RequestTooLargeException e) {
        return body(HttpStatus.CONTENT_TOO_LARGE, e.getMessage(), "invalid_request_error", null, "request_too_large");
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> mediaType(HttpMediaTypeNotSupportedException e) {
        return body(HttpStatus.UNSUPPORTED_MEDIA_TYPE, "Send the request body as application/json ("
                + e.getMessage() + ")", "invalid_request_error", null, null);
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> method(HttpRequestMethodNotSupportedException e) {
        return body(HttpStatus.METHOD_NOT_ALLOWED, e.getMessage(), "invalid_request_error", null, null);
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> notFound(NoResourceFoundException e) {
        return body(HttpStatus.NOT_FOUND, "No such endpoint: " + e.getResourcePath(), "invalid_request_error", null,
                "not_found");
    }

    /** The client of a stream went away: its sequences were already freed, and nobody is left to answer. */
    @ExceptionHandler
    void clientGone(AsyncRequestNotUsableException e) {
        log.debug("client disconnected: {}", e.getMessage());
    }

    @ExceptionHandler
    ResponseEntity<ErrorResponse> unexpected(Exception e) {
        log.error("request failed", e);
        return body(HttpStatus.INTERNAL_SERVER_ERROR, "Internal error: " + e, "server_error", null, null);
    }

    private static ResponseEntity<ErrorResponse> body(HttpStatus status, String message, String type, String param,
            String code) {
        return ResponseEntity.status(status).body(ErrorResponse.of(message, type, param, code));
    }
}
