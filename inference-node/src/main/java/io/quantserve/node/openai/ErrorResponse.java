package io.quantserve.node.openai;

/** OpenAI's error body: {@code {"error": {"message", "type", "param", "code"}}}. */
record ErrorResponse(Error error) {
    record Error(String message, String type, String param, String code) {
    }

    static ErrorResponse of(String message, String type, String param, String code) {
        return new ErrorResponse(new Error(message, type, param, code));
    }
}
