package io.quantserve.engine.chat;

/**
 * Thrown when a template calls {@code raise_exception(msg)}: the template itself rejected the
 * conversation (wrong role order, unsupported role...). Callers typically map this to HTTP 400.
 */
public final class TemplateRaisedException extends ChatTemplateException {

    public TemplateRaisedException(String message) {
        super(message);
    }
}
