package io.quantserve.node.engine;

import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.model.GenerationConfig;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.Set;

/**
 * The model this node serves, as the API layer sees it.
 *
 * @param name        what clients pass as {@code model}
 * @param maxModelLen longest prompt + completion accepted, in tokens
 * @param created     when it was loaded (seconds since the epoch), for {@code /v1/models}
 */
public record ServedModel(String name, LoadedModel loaded, Tokenizer tokenizer, int maxModelLen, long created) {

    public ChatTemplate chatTemplate() {
        return loaded.chatTemplate();
    }

    public GenerationConfig generationConfig() {
        return loaded.generationConfig();
    }

    public Set<Integer> eosIds() {
        return loaded.eosIds();
    }
}
