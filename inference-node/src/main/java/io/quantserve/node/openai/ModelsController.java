package io.quantserve.node.openai;

import io.quantserve.node.engine.NodeEngine;
import io.quantserve.node.engine.ServedModel;
import java.util.List;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RestController;

/** {@code GET /v1/models}: the one model this node serves. */
@RestController
class ModelsController {
    record ModelList(String object, List<ModelCard> data) {
    }

    /** OpenAI's model object plus vLLM's max_model_len. */
    record ModelCard(String id, String object, long created, String ownedBy, int maxModelLen) {
    }

    private final NodeEngine engine;

    ModelsController(NodeEngine engine) {
        this.engine = engine;
    }

    @GetMapping("/v1/models")
    ModelList list() {
        return new ModelList("list", List.of(card()));
    }

    @GetMapping("/v1/models/{*id}")
    ModelCard get(@PathVariable String id) {
        String name = id.startsWith("/") ? id.substring(1) : id;
        if (!name.equals(engine.model().name())) {
            throw new OpenAiException(org.springframework.http.HttpStatus.NOT_FOUND, "invalid_request_error", "model",
                    "model_not_found", "The model `" + name + "` does not exist.");
        }
        return card();
    }

    private ModelCard card() {
        ServedModel m = engine.model();
        return new ModelCard(m.name(), "model", m.created(), "quantserve", m.maxModelLen());
    }
}
