package io.quantserve.node.openai;

import io.quantserve.node.openai.ResponseBodies.Response;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * The Responses API's stored responses ({@code store}, the default): the last {@link #CAPACITY} in memory, each with
 * the conversation that a later request's {@code previous_response_id} continues. A restarted node has none, as a
 * replica has only its own (vLLM's store is per server too).
 */
@Component
class ResponseStore {
    static final int CAPACITY = 1024;

    /** A response as {@code GET /v1/responses/{id}} returns it, and the turns up to and including its reply. */
    record Stored(Response response, List<ChatCompletionRequest.Message> conversation) {
    }

    private final Map<String, Stored> stored = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Stored> eldest) {
            return size() > CAPACITY;
        }
    };

    synchronized void put(Stored response) {
        stored.put(response.response().id(), response);
    }

    synchronized Optional<Stored> get(String id) {
        return Optional.ofNullable(stored.get(id));
    }

    synchronized boolean remove(String id) {
        return stored.remove(id) != null;
    }
}
