package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.helpers.ChatCompletionAccumulator;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionToolChoiceOption;
import io.quantserve.testing.TestFixtures;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Function tools on chat completions (stories260K, the hermes parser on), over plain HTTP as clients send them and
 * through the official OpenAI SDK.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ToolCallingApiTest {
    static final String WEATHER = """
            {"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
             "parameters": {"type": "object", "properties": {"city": {"type": "string", "maxLength": 12},
              "unit": {"enum": ["celsius", "fahrenheit"]}}, "required": ["city", "unit"],
              "additionalProperties": false}}}""";
    static final String TIME = """
            {"type": "function", "function": {"name": "get_time", "parameters": {"type": "object",
             "properties": {"zone": {"type": "string", "maxLength": 8}}, "required": ["zone"],
             "additionalProperties": false}}}""";
    static final String TOOLS = "[" + WEATHER + ", " + TIME + "]";
    static final JsonMapper JSON = NodeHttp.JSON;
    static final String CHAT = "/v1/chat/completions";

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
        registry.add("quantserve.node.tool-call-parser", () -> "hermes");
    }

    @LocalServerPort
    int port;

    @Test
    void namedToolChoiceAnswersWithThatFunctionsArgumentsMatchingItsSchema() throws Exception {
        for (int seed = 0; seed < 3; seed++) {
            JsonNode choice = chat(body("\"tool_choice\": {\"type\": \"function\", \"function\": {\"name\":"
                    + " \"get_weather\"}}, \"temperature\": 1.0, \"seed\": " + seed)).path("choices").get(0);
            assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
            JsonNode message = choice.path("message");
            assertThat(message.path("content").isNull()).isTrue();
            JsonNode call = message.path("tool_calls").get(0);
            assertThat(message.path("tool_calls")).hasSize(1);
            assertThat(call.path("id").asString()).startsWith("chatcmpl-tool-");
            assertThat(call.path("type").asString()).isEqualTo("function");
            assertThat(call.path("function").path("name").asString()).isEqualTo("get_weather");
            JsonNode arguments = JSON.readTree(call.path("function").path("arguments").asString());
            assertThat(arguments.propertyNames()).containsExactly("city", "unit");
            assertThat(arguments.path("city").asString().length()).isLessThanOrEqualTo(12);
            assertThat(arguments.path("unit").asString()).isIn("celsius", "fahrenheit");
        }
    }

    @Test
    void namedToolChoiceStreamsTheArgumentsAsTheyAreGenerated() throws Exception {
        String fields = "\"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"get_weather\"}},"
                + " \"temperature\": 1.0, \"seed\": 7";
        String whole = chat(body(fields)).path("choices").get(0).path("message").path("tool_calls").get(0)
                .path("function").path("arguments").asString();
        List<JsonNode> chunks = stream(body(fields + ", \"stream\": true"));
        StringBuilder arguments = new StringBuilder();
        List<JsonNode> pieces = new ArrayList<>();
        for (JsonNode chunk : chunks) {
            JsonNode calls = chunk.path("choices").get(0).path("delta").path("tool_calls");
            if (calls.isArray()) {
                pieces.add(calls.get(0));
                arguments.append(calls.get(0).path("function").path("arguments").asString());
            }
        }
        assertThat(pieces.size()).as("the arguments come in several pieces").isGreaterThan(1);
        assertThat(pieces.getFirst().path("id").asString()).startsWith("chatcmpl-tool-");
        assertThat(pieces.getFirst().path("function").path("name").asString()).isEqualTo("get_weather");
        assertThat(pieces.subList(1, pieces.size())).allSatisfy(p -> {
            assertThat(p.has("id")).isFalse();
            assertThat(p.path("index").asInt()).isZero();
        });
        assertThat(arguments.toString()).isEqualTo(whole);
        assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asString()).isEqualTo("stop");
    }

    @Test
    void requiredToolChoiceCallsTheToolsAndFinishesWithToolCalls() throws Exception {
        for (int seed = 0; seed < 3; seed++) {
            String fields = "\"tool_choice\": \"required\", \"parallel_tool_calls\": false, \"temperature\": 1.0,"
                    + " \"seed\": " + seed;
            JsonNode choice = chat(body(fields)).path("choices").get(0);
            assertThat(choice.path("finish_reason").asString()).isEqualTo("tool_calls");
            JsonNode calls = choice.path("message").path("tool_calls");
            assertThat(calls).hasSize(1); // parallel_tool_calls false: exactly one
            JsonNode call = calls.get(0);
            String name = call.path("function").path("name").asString();
            assertThat(name).isIn("get_weather", "get_time");
            JsonNode arguments = JSON.readTree(call.path("function").path("arguments").asString());
            assertThat(arguments.propertyNames()).containsExactlyElementsOf(
                    name.equals("get_weather") ? List.of("city", "unit") : List.of("zone"));

            // streamed: the same call, its arguments in pieces as they are generated
            List<JsonNode> chunks = stream(body(fields + ", \"stream\": true"));
            List<JsonNode> pieces = chunks.stream().map(c -> c.path("choices").get(0).path("delta").path("tool_calls"))
                    .filter(JsonNode::isArray).map(deltaCalls -> deltaCalls.get(0)).toList();
            assertThat(pieces.size()).as("the arguments come in several pieces").isGreaterThan(1);
            assertThat(pieces.getFirst().path("function").path("name").asString()).isEqualTo(name);
            String streamedArguments = pieces.stream().map(p -> p.path("function").path("arguments").asString())
                    .collect(java.util.stream.Collectors.joining());
            assertThat(streamedArguments).isEqualTo(call.path("function").path("arguments").asString());
            assertThat(chunks.getLast().path("choices").get(0).path("finish_reason").asString())
                    .isEqualTo("tool_calls");
        }
    }

    @Test
    void requiredToolChoiceKeepsEachToolsOwnReferences() throws Exception {
        // $defs (as Pydantic writes them) and "#" (the tool's own schema) still mean what they do in the tool
        String tree = """
                {"type": "function", "function": {"name": "plant", "parameters": {"type": "object",
                 "properties": {"leaf": {"$ref": "#/$defs/Leaf"}, "kids": {"type": "array", "maxItems": 1,
                  "items": {"$ref": "#"}}}, "required": ["leaf", "kids"], "additionalProperties": false,
                 "$defs": {"Leaf": {"type": "integer", "minimum": 0, "maximum": 9}}}}}""";
        for (int seed = 0; seed < 3; seed++) {
            JsonNode choice = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"Plant\"}], \"tools\": ["
                    + tree + "], \"tool_choice\": \"required\", \"parallel_tool_calls\": false,"
                    + " \"max_completion_tokens\": 600, \"temperature\": 1.0, \"seed\": " + seed + "}")
                    .path("choices").get(0);
            JsonNode calls = choice.path("message").path("tool_calls");
            assertThat(calls.size()).as(choice.toString()).isPositive();
            for (JsonNode call : calls) {
                assertPlant(JSON.readTree(call.path("function").path("arguments").asString()));
            }
        }
    }

    /** {"leaf": 0-9, "kids": [at most one such plant]}, and nothing else. */
    private static void assertPlant(JsonNode plant) {
        assertThat(plant.propertyNames()).containsExactly("leaf", "kids");
        assertThat(plant.path("leaf").isInt()).as(plant.toString()).isTrue();
        assertThat(plant.path("leaf").asInt()).isBetween(0, 9);
        assertThat(plant.path("kids").size()).isLessThanOrEqualTo(1);
        plant.path("kids").forEach(ToolCallingApiTest::assertPlant);
    }

    @Test
    void autoToolChoiceLeavesAReplyWithoutToolCallBlocksAsContent() throws Exception {
        // stories260K's template ignores tools: the reply is the one the conversation gets without them
        JsonNode withTools = chat(body("\"temperature\": 0", 12)).path("choices").get(0);
        JsonNode without = chat("{\"messages\": [{\"role\": \"user\", \"content\": \"What is the weather in Paris?\"}],"
                + " \"max_completion_tokens\": 12, \"temperature\": 0}").path("choices").get(0);
        assertThat(withTools.path("message").path("content").asString())
                .isEqualTo(without.path("message").path("content").asString()).isNotBlank();
        assertThat(withTools.path("message").has("tool_calls")).isFalse();
        assertThat(withTools.path("finish_reason").asString()).isIn("stop", "length");
        // streamed: the same content, nothing held back at the end
        StringBuilder content = new StringBuilder();
        for (JsonNode chunk : stream(body("\"temperature\": 0, \"stream\": true", 12))) {
            content.append(chunk.path("choices").get(0).path("delta").path("content").asString(""));
        }
        assertThat(content.toString()).isEqualTo(without.path("message").path("content").asString());
    }

    @Test
    void aConversationWithToolCallsAndToolResultsGoesThroughTheTemplate() throws Exception {
        String messages = """
                [{"role": "user", "content": "Weather in Paris?"},
                 {"role": "assistant", "content": null, "tool_calls": [{"id": "call_1", "type": "function",
                   "function": {"name": "get_weather", "arguments": "{\\"city\\": \\"Paris\\", \\"unit\\": \\"celsius\\"}"}}]},
                 {"role": "tool", "tool_call_id": "call_1", "content": "18 degrees"}]""";
        JsonNode reply = chat("{\"messages\": " + messages + ", \"tools\": " + TOOLS
                + ", \"tool_choice\": \"none\", \"max_completion_tokens\": 5, \"temperature\": 0}");
        assertThat(reply.path("choices").get(0).path("message").path("content").asString()).isNotEmpty();

        HttpResponse<String> bad = post("{\"messages\": " + messages.replace("\\\"celsius\\\"}", "\\\"celsius\\\"")
                + ", \"max_completion_tokens\": 5}");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(JSON.readTree(bad.body()).path("error").path("param").asString())
                .isEqualTo("messages[1].tool_calls[0].function.arguments");
    }

    @Test
    void refusesToolChoicesItCannotHonourNamingTheField() throws Exception {
        assertRefused(body("\"tool_choice\": {\"type\": \"function\", \"function\": {\"name\": \"get_news\"}}"),
                "tool_choice", "get_news");
        assertRefused("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tool_choice\": \"required\"}",
                "tool_choice", "needs tools");
        assertRefused(body("\"tool_choice\": \"sometimes\""), "tool_choice", "sometimes");
        assertRefused(body("\"tool_choice\": \"required\", \"response_format\": {\"type\": \"json_object\"}"),
                "response_format", "tool_choice");
        assertRefused(body("\"tool_choice\": \"required\", \"structured_outputs\": {\"choice\": [\"a\"]}"),
                "structured_outputs.choice", "tool_choice");
        assertRefused("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [{\"type\": \"function\","
                + " \"function\": {\"name\": \"has space\"}}]}", "tools[0].function.name", "has space");
        // a schema keyword the guide cannot enforce, in the function the choice names
        assertRefused("{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"tools\": [" + WEATHER + ","
                + " {\"type\": \"function\", \"function\": {\"name\": \"g\", \"parameters\": {\"type\": \"array\","
                + " \"uniqueItems\": true}}}], \"tool_choice\": {\"type\": \"function\", \"function\":"
                + " {\"name\": \"g\"}}}",
                "tools[1].function.parameters", "uniqueItems");
    }

    @Test
    void theOfficialSdkReadsTheCallsWholeAndAccumulatesThemStreamed() throws Exception {
        OpenAIClient client = OpenAiClients.of(port);
        var parameters = FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(Map.of("zone", Map.of("type", "string",
                        "maxLength", 8))))
                .putAdditionalProperty("required", JsonValue.from(List.of("zone")))
                .putAdditionalProperty("additionalProperties", JsonValue.from(false)).build();
        var params = ChatCompletionCreateParams.builder().model("stories260K").addUserMessage("What time is it?")
                .addFunctionTool(FunctionDefinition.builder().name("get_time").parameters(parameters).build())
                .toolChoice(ChatCompletionToolChoiceOption.Auto.REQUIRED).parallelToolCalls(false)
                .maxCompletionTokens(300).temperature(1.0)
                .seed(3L).build();
        ChatCompletion completion = client.chat().completions().create(params);
        ChatCompletion.Choice choice = completion.choices().getFirst();
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().content()).isEmpty();
        var call = choice.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(call.function().name()).isEqualTo("get_time");
        assertThat(JSON.readTree(call.function().arguments()).path("zone").isString()).isTrue();

        ChatCompletionAccumulator accumulated = ChatCompletionAccumulator.create();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params)) {
            stream.stream().forEach(accumulated::accumulate);
        }
        ChatCompletion.Choice streamed = accumulated.chatCompletion().choices().getFirst();
        assertThat(streamed.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        var streamedCall = streamed.message().toolCalls().orElseThrow().getFirst().asFunction();
        assertThat(streamedCall.function()).isEqualTo(call.function()); // same seed: the same call
    }

    /** The Responses API's flat tools: the same two functions. */
    static final String FLAT_TOOLS = TOOLS.replace("\"function\", \"function\": {", "\"function\", ")
            .replace("}}}", "}}");

    @Test
    void responsesApiAnswersANamedToolChoiceWithAFunctionCallItemWholeAndStreamed() throws Exception {
        String request = "{\"input\": \"What is the weather in Paris?\", \"tools\": " + FLAT_TOOLS
                + ", \"tool_choice\": {\"type\": \"function\", \"name\": \"get_weather\"},"
                + " \"max_output_tokens\": 300, \"temperature\": 1.0, \"seed\": 3";
        JsonNode response = http().ok("/v1/responses", request + "}");
        assertThat(response.path("status").asString()).isEqualTo("completed");
        JsonNode call = response.path("output").get(0);
        assertThat(response.path("output")).hasSize(1);
        assertThat(call.path("type").asString()).isEqualTo("function_call");
        assertThat(call.path("name").asString()).isEqualTo("get_weather");
        assertThat(call.path("call_id").asString()).startsWith("chatcmpl-tool-");
        JsonNode arguments = JSON.readTree(call.path("arguments").asString());
        assertThat(arguments.propertyNames()).containsExactly("city", "unit");

        String body = http().post("/v1/responses", request + ", \"stream\": true}").body();
        StringBuilder deltas = new StringBuilder();
        String done = null;
        for (String line : body.split("\n")) {
            if (line.startsWith("data: ")) {
                JsonNode event = JSON.readTree(line.substring(6));
                switch (event.path("type").asString()) {
                    case "response.function_call_arguments.delta" -> deltas.append(event.path("delta").asString());
                    case "response.function_call_arguments.done" -> done = event.path("arguments").asString();
                    case "response.output_text.delta" -> throw new AssertionError("text in a named call: " + event);
                    default -> { }
                }
            }
        }
        assertThat(deltas.toString()).isEqualTo(done).isEqualTo(call.path("arguments").asString()); // same seed
    }

    @Test
    void responsesApiTakesEarlierCallsAndTheirOutputsAsInputItems() throws Exception {
        JsonNode response = http().ok("/v1/responses", "{\"tools\": " + FLAT_TOOLS + ", \"max_output_tokens\": 5,"
                + " \"input\": [{\"role\": \"user\", \"content\": \"Weather in Paris?\"},"
                + " {\"type\": \"function_call\", \"call_id\": \"c1\", \"name\": \"get_weather\","
                + " \"arguments\": \"{\\\"city\\\": \\\"Paris\\\", \\\"unit\\\": \\\"celsius\\\"}\"},"
                + " {\"type\": \"function_call_output\", \"call_id\": \"c1\", \"output\": \"18\"}],"
                + " \"tool_choice\": \"none\"}");
        assertThat(response.path("output").get(0).path("type").asString()).isEqualTo("message");
        http().assertRefused("/v1/responses", "{\"input\": [{\"type\": \"function_call\", \"name\": \"f\"}]}",
                "input[0].call_id", "call_id is required");
        http().assertRefused("/v1/responses", "{\"input\": \"x\", \"tools\": [{\"type\": \"web_search\"}]}",
                "tools[0].type", "only function tools");
    }

    /** The weather question with both tools, room for a call's JSON, and {@code fields}. */
    private static String body(String fields) {
        return body(fields, 300); // stories260K's 512-token vocabulary spells JSON nearly a character a token
    }

    private static String body(String fields, int maxTokens) {
        return "{\"messages\": [{\"role\": \"user\", \"content\": \"What is the weather in Paris?\"}], \"tools\": "
                + TOOLS + ", \"max_completion_tokens\": " + maxTokens + ", " + fields + "}";
    }

    private void assertRefused(String body, String param, String inMessage) throws Exception {
        http().assertRefused(CHAT, body, param, inMessage);
    }

    private JsonNode chat(String body) throws Exception {
        return http().ok(CHAT, body);
    }

    private List<JsonNode> stream(String body) throws Exception {
        return http().stream(CHAT, body);
    }

    private HttpResponse<String> post(String body) throws Exception {
        return http().post(CHAT, body);
    }

    private NodeHttp http() {
        return new NodeHttp(port);
    }
}
