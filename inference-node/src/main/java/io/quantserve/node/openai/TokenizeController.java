package io.quantserve.node.openai;

import io.quantserve.engine.generate.Prompts;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.node.engine.NodeEngine;
import java.util.Arrays;
import java.util.List;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;
import tools.jackson.databind.JsonNode;

/**
 * vLLM's {@code POST /tokenize} and {@code POST /detokenize}: what the node's own requests would count, without
 * generating (a text prompt as completions encodes it, or a conversation through the chat template).
 */
@RestController
class TokenizeController {
    /**
     * {@code prompt} or {@code messages}; {@code add_special_tokens} (default true) adds BOS to a text prompt; the
     * conversation ends as the chat endpoint's would with the same two fields.
     */
    record TokenizeRequest(String model, String prompt, List<ChatCompletionRequest.Message> messages,
            Boolean addSpecialTokens, Boolean addGenerationPrompt, Boolean continueFinalMessage, JsonNode tools,
            JsonNode chatTemplateKwargs) {
    }

    record Tokens(int count, int maxModelLen, List<Integer> tokens) {
    }

    record DetokenizeRequest(String model, List<Integer> tokens) {
    }

    record Text(String prompt) {
    }

    private final NodeEngine engine;
    private final GenerationRequests requests;

    TokenizeController(NodeEngine engine, GenerationRequests requests) {
        this.engine = engine;
        this.requests = requests;
    }

    @PostMapping("/tokenize")
    Tokens tokenize(@RequestBody TokenizeRequest request) {
        requests.checkModel(request.model());
        Tokenizer tokenizer = engine.model().tokenizer();
        int[] ids;
        if (request.messages() != null) {
            if (request.prompt() != null) {
                throw OpenAiException.invalid("prompt", "give either prompt or messages, not both");
            }
            ids = requests.chatPrompt(request.messages(), GenerationRequests.ending(request.addGenerationPrompt(),
                    request.continueFinalMessage()), ToolCalling.offered(request.tools()).templateTools(),
                    request.chatTemplateKwargs());
        } else if (request.prompt() != null) {
            ids = Boolean.FALSE.equals(request.addSpecialTokens()) ? tokenizer.encode(request.prompt())
                    : Prompts.text(tokenizer, request.prompt());
        } else {
            throw OpenAiException.invalid("prompt", "prompt (text) or messages (a conversation) is required");
        }
        return new Tokens(ids.length, engine.model().maxModelLen(), Arrays.stream(ids).boxed().toList());
    }

    @PostMapping("/detokenize")
    Text detokenize(@RequestBody DetokenizeRequest request) {
        requests.checkModel(request.model());
        if (request.tokens() == null) {
            throw OpenAiException.invalid("tokens", "tokens (a list of token ids) is required");
        }
        Tokenizer tokenizer = engine.model().tokenizer();
        int[] ids = new int[request.tokens().size()];
        for (int i = 0; i < ids.length; i++) {
            Integer id = request.tokens().get(i);
            if (id == null || id < 0 || id >= tokenizer.vocabSize()) {
                throw OpenAiException.invalid("tokens", "tokens must be ids in [0, " + tokenizer.vocabSize()
                        + "); element " + i + " is " + id);
            }
            ids[i] = id;
        }
        return new Text(tokenizer.decode(ids, true));
    }
}
