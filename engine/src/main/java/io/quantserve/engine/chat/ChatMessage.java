package io.quantserve.engine.chat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One turn of a conversation as chat templates see it: {@code {"role": ..., "content": ...}}, plus what tool calling
 * adds: an assistant turn's {@code tool_calls} (each {@code {"id", "type": "function", "function": {"name",
 * "arguments": {...}}}}, arguments as a mapping, as vLLM hands them to templates) and a tool turn's
 * {@code tool_call_id}.
 *
 * @param toolCalls  null when the turn called no tool
 * @param toolCallId null unless this is a tool's answer
 */
public record ChatMessage(String role, String content, List<Map<String, Object>> toolCalls, String toolCallId) {

    public ChatMessage {
        Objects.requireNonNull(role, "role");
        Objects.requireNonNull(content, "content");
        toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
    }

    public ChatMessage(String role, String content) {
        this(role, content, null, null);
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

    /** The dict a Jinja template indexes as {@code message['role']} / {@code message.content} / {@code message.tool_calls}. */
    Map<String, Object> toTemplateMap() {
        var map = new LinkedHashMap<String, Object>();
        map.put("role", role);
        map.put("content", content);
        if (toolCalls != null) {
            map.put("tool_calls", toolCalls);
        }
        if (toolCallId != null) {
            map.put("tool_call_id", toolCallId);
        }
        return map;
    }
}
