package io.quantserve.engine.chat;

import java.util.Objects;

/**
 * One turn of a conversation as chat templates see it: {@code {"role": ..., "content": ...}}.
 *
 * <p>Kept to role and content for now; tool calls and multi-part content can be added as extra
 * components later without changing how templates receive messages (see {@link #toTemplateMap()}).
 */
public record ChatMessage(String role, String content) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
    }

    public static ChatMessage system(String content) {
        return new ChatMessage("system", content);
    }

    public static ChatMessage user(String content) {
        return new ChatMessage("user", content);
    }

    public static ChatMessage assistant(String content) {
        return new ChatMessage("assistant", content);
    }

    /** The dict a Jinja template indexes as {@code message['role']} / {@code message.content}. */
    java.util.Map<String, Object> toTemplateMap() {
        var map = new java.util.LinkedHashMap<String, Object>();
        map.put("role", role);
        map.put("content", content);
        return map;
    }
}
