package io.quantserve.engine.chat;

/**
 * A chat template could not be loaded or rendered. Also thrown, with the template's own message,
 * when the template calls {@code raise_exception(msg)} (e.g. "Conversation roles must alternate").
 */
public class ChatTemplateException extends RuntimeException {

    public ChatTemplateException(String message) {
        super(message);
    }

    public ChatTemplateException(String message, Throwable cause) {
        super(message, cause);
    }
}
