package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStatus;
import com.openai.models.responses.ResponseStreamEvent;
import io.quantserve.testing.TestFixtures;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/** {@code /v1/responses} through the official OpenAI SDK: the chat path's reply, whole and as its events. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class ResponsesApiTest {
    static final String MODEL = "stories260K";

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
    }

    @LocalServerPort
    int port;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAiClients.of(port);
    }

    private static ResponseCreateParams.Builder ask(int maxOutputTokens) {
        return ResponseCreateParams.builder().model(MODEL).instructions("Tell a story.").input("Once upon a time")
                .maxOutputTokens(maxOutputTokens).temperature(0.0);
    }

    /** The chat endpoint's greedy reply to the same conversation. */
    private ChatCompletion chat(int maxTokens) {
        return client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addSystemMessage("Tell a story.").addUserMessage("Once upon a time").maxCompletionTokens(maxTokens)
                .temperature(0.0).build());
    }

    @Test
    void shouldAnswerAsTheChatEndpointDoesWithTheResponsesShape() {
        Response response = client.responses().create(ask(12).build());

        ChatCompletion chat = chat(12);
        assertThat(response.id()).startsWith("resp_");
        assertThat(response.text().orElseThrow().format().orElseThrow().isText()).isTrue();
        assertThat(response.status()).hasValue(ResponseStatus.INCOMPLETE);
        assertThat(response.incompleteDetails().orElseThrow().reason().orElseThrow().asString())
                .isEqualTo("max_output_tokens");
        assertThat(response.output()).singleElement().satisfies(item -> {
            var message = item.asMessage();
            assertThat(message.content()).singleElement().satisfies(part -> assertThat(part.asOutputText().text())
                    .isEqualTo(chat.choices().getFirst().message().content().orElseThrow()));
        });
        var usage = response.usage().orElseThrow();
        assertThat(usage.inputTokens()).isEqualTo(chat.usage().orElseThrow().promptTokens());
        assertThat(usage.outputTokens()).isEqualTo(12);
        assertThat(usage.totalTokens()).isEqualTo(usage.inputTokens() + 12);
    }

    @Test
    void shouldStreamEventsThatAddUpToTheWholeResponse() {
        List<ResponseStreamEvent> events = new ArrayList<>();
        try (StreamResponse<ResponseStreamEvent> stream = client.responses().createStreaming(ask(12).build())) {
            stream.stream().forEach(events::add);
        }
        assertThat(events.get(0).isCreated()).isTrue();
        assertThat(events.get(1).isInProgress()).isTrue();
        assertThat(events.get(2).isOutputItemAdded()).isTrue();
        assertThat(events.get(3).isContentPartAdded()).isTrue();
        List<ResponseStreamEvent> tail = events.subList(events.size() - 4, events.size());
        assertThat(tail.get(0).isOutputTextDone()).isTrue();
        assertThat(tail.get(1).isContentPartDone()).isTrue();
        assertThat(tail.get(2).isOutputItemDone()).isTrue();
        assertThat(tail.get(3).isIncomplete()).isTrue();
        StringBuilder deltas = new StringBuilder();
        for (ResponseStreamEvent e : events.subList(4, events.size() - 4)) {
            deltas.append(e.asOutputTextDelta().delta());
        }
        String whole = chat(12).choices().getFirst().message().content().orElseThrow();
        assertThat(deltas.toString()).isEqualTo(whole);
        assertThat(tail.get(0).asOutputTextDone().text()).isEqualTo(whole);
        Response last = tail.get(3).asIncomplete().response();
        assertThat(last.output().getFirst().asMessage().content().getFirst().asOutputText().text()).isEqualTo(whole);
        assertThat(last.usage().orElseThrow().outputTokens()).isEqualTo(12);
    }

    /** On the wire: each event named by its type, numbered from 0 without gaps, and no [DONE] after the last. */
    @Test
    void shouldNameAndNumberEveryEvent() throws Exception {
        String body = new NodeHttp(port).post("/v1/responses", "{\"input\": \"Once\", \"max_output_tokens\": 3,"
                + " \"stream\": true}").body();
        String[] events = body.strip().split("\n\n");
        assertThat(events.length).isGreaterThan(8);
        for (int i = 0; i < events.length; i++) {
            String[] lines = events[i].split("\n");
            assertThat(lines).hasSize(2);
            JsonNode data = NodeHttp.JSON.readTree(lines[1].substring("data: ".length()));
            assertThat(lines[0]).isEqualTo("event: " + data.path("type").asString());
            assertThat(data.path("sequence_number").asInt()).isEqualTo(i);
        }
        assertThat(body).doesNotContain("[DONE]");
    }

    @Test
    void shouldTakeMessageListsAndAJsonSchemaFormat() throws Exception {
        NodeHttp http = new NodeHttp(port);
        JsonNode response = http.ok("/v1/responses", """
                {"model": "stories260K", "max_output_tokens": 40, "temperature": 0,
                 "input": [{"role": "user", "content": [{"type": "input_text", "text": "Name a colour."}]},
                           {"type": "message", "role": "assistant", "content": "Red."},
                           {"role": "user", "content": "Another, as JSON."}],
                 "text": {"format": {"type": "json_schema", "name": "colour", "strict": true, "schema":
                          {"type": "object", "properties": {"c": {"enum": ["blue", "green"]}}, "required": ["c"],
                           "additionalProperties": false}}}}""");
        assertThat(response.path("status").asString()).isEqualTo("completed");
        assertThat(response.path("text").path("format").path("name").asString()).isEqualTo("colour");
        String text = response.path("output").get(0).path("content").get(0).path("text").asString();
        assertThat(NodeHttp.JSON.readTree(text).path("c").asString()).isIn("blue", "green");
    }

    @Test
    void shouldStoreResponsesAndContinueOneByItsId() throws Exception {
        NodeHttp http = new NodeHttp(port);
        JsonNode first = http.ok("/v1/responses", "{\"input\": \"Once upon a time\", \"instructions\": \"Tell a"
                + " story.\", \"max_output_tokens\": 6, \"temperature\": 0}");
        assertThat(first.path("store").asBoolean()).isTrue();
        assertThat(http.ok("/v1/responses/" + first.path("id").asString(), null)).isEqualTo(first);
        String reply = first.path("output").get(0).path("content").get(0).path("text").asString();

        JsonNode next = http.ok("/v1/responses", "{\"input\": \"And then?\", \"previous_response_id\": \""
                + first.path("id").asString() + "\", \"max_output_tokens\": 6, \"temperature\": 0}");
        assertThat(next.path("previous_response_id").asString()).isEqualTo(first.path("id").asString());
        // the same turns sent whole (an earlier response's instructions are not carried on)
        JsonNode whole = http.ok("/v1/responses", "{\"input\": [{\"role\": \"user\", \"content\": \"Once upon a"
                + " time\"}, {\"role\": \"assistant\", \"content\": " + NodeHttp.JSON.writeValueAsString(reply) + "},"
                + " {\"role\": \"user\", \"content\": \"And then?\"}], \"max_output_tokens\": 6, \"temperature\": 0,"
                + " \"store\": false}");
        assertThat(next.path("usage").path("input_tokens").asInt())
                .isEqualTo(whole.path("usage").path("input_tokens").asInt());
        assertThat(next.path("output").get(0).path("content").get(0).path("text").asString())
                .isEqualTo(whole.path("output").get(0).path("content").get(0).path("text").asString());

        // a streamed response is stored as it ends; a third turn continues the second
        String streamed = http.post("/v1/responses", "{\"input\": \"Go on.\", \"previous_response_id\": \""
                + next.path("id").asString() + "\", \"max_output_tokens\": 3, \"stream\": true}").body();
        String id = NodeHttp.JSON.readTree(streamed.lines().filter(l -> l.startsWith("data: ")).findFirst()
                .orElseThrow().substring(6)).path("response").path("id").asString();
        JsonNode third = http.ok("/v1/responses/" + id, null);
        assertThat(third.path("usage").path("input_tokens").asInt())
                .isGreaterThan(next.path("usage").path("input_tokens").asInt());

        assertThat(whole.path("store").asBoolean()).isFalse();
        assertThat(http.get("/v1/responses/" + whole.path("id").asString()).statusCode()).isEqualTo(404);
        HttpResponse<String> deleted = http.delete("/v1/responses/" + first.path("id").asString());
        assertThat(NodeHttp.JSON.readTree(deleted.body()).path("deleted").asBoolean()).isTrue();
        HttpResponse<String> gone = http.get("/v1/responses/" + first.path("id").asString());
        assertThat(gone.statusCode()).isEqualTo(404);
        assertThat(gone.body()).contains("not found");
        HttpResponse<String> unknown = http.post("/v1/responses", "{\"input\": \"x\", \"previous_response_id\":"
                + " \"resp_nope\"}");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(NodeHttp.JSON.readTree(unknown.body()).path("error").path("param").asString())
                .isEqualTo("previous_response_id");
    }

    @Test
    void shouldTakeAnEarlierResponsesOutputItemsBackAsInput() throws Exception {
        NodeHttp http = new NodeHttp(port);
        JsonNode first = http.ok("/v1/responses", "{\"input\": \"Once upon a time\", \"max_output_tokens\": 4,"
                + " \"temperature\": 0, \"store\": false}");
        // what an agent framework sends back: the earlier input, every output item as it came (ids, statuses, a
        // reasoning item a thinking model would have written), then the new turn
        String items = "[{\"role\": \"user\", \"content\": \"Once upon a time\"}, {\"type\": \"reasoning\", \"id\":"
                + " \"rs_1\", \"summary\": [], \"content\": [{\"type\": \"reasoning_text\", \"text\": \"hmm\"}]}, "
                + first.path("output").get(0) + ", {\"role\": \"user\", \"content\": \"And then?\"}]";
        JsonNode next = http.ok("/v1/responses", "{\"input\": " + items + ", \"max_output_tokens\": 4,"
                + " \"temperature\": 0}");
        String plain = "[{\"role\": \"user\", \"content\": \"Once upon a time\"}, " + first.path("output").get(0)
                + ", {\"role\": \"user\", \"content\": \"And then?\"}]";
        assertThat(next.path("usage").path("input_tokens").asInt()).isEqualTo(http.ok("/v1/responses",
                "{\"input\": " + plain + ", \"max_output_tokens\": 4, \"temperature\": 0}").path("usage")
                .path("input_tokens").asInt());
    }

    @Test
    void shouldEchoTheRequestsToolFields() throws Exception {
        NodeHttp http = new NodeHttp(port);
        JsonNode plain = http.ok("/v1/responses", "{\"input\": \"x\", \"max_output_tokens\": 2}");
        assertThat(plain.path("tool_choice").asString()).isEqualTo("auto");
        assertThat(plain.path("tools").isArray() && plain.path("tools").isEmpty()).isTrue();
        assertThat(plain.path("parallel_tool_calls").asBoolean()).isTrue();
        String tools = "[{\"type\": \"function\", \"name\": \"f\", \"parameters\": {\"type\": \"object\","
                + " \"properties\": {\"a\": {\"type\": \"integer\"}}, \"required\": [\"a\"]}}]";
        JsonNode called = http.ok("/v1/responses", "{\"input\": \"x\", \"max_output_tokens\": 40, \"temperature\": 0,"
                + " \"tools\": " + tools + ", \"tool_choice\": \"required\", \"parallel_tool_calls\": false}");
        assertThat(called.path("tool_choice").asString()).isEqualTo("required");
        assertThat(called.path("tools")).isEqualTo(NodeHttp.JSON.readTree(tools));
        assertThat(called.path("parallel_tool_calls").asBoolean()).isFalse();
    }

    @Test
    void shouldRefuseWhatItCannotServeNamingTheField() throws Exception {
        assertThatThrownBy(() -> client.responses().create(ask(8).previousResponseId("resp_1").build()))
                .isInstanceOf(NotFoundException.class).hasMessageContaining("resp_1");
        NodeHttp http = new NodeHttp(port);
        http.assertRefused("/v1/responses", "{\"input\": \"x\", \"max_output_tokens\": 0}", "max_output_tokens",
                "max_output_tokens");
        // tools as on chat completions: "auto" (their default) needs the node's tool call parser, which this one lacks
        http.assertRefused("/v1/responses", "{\"input\": \"x\", \"tools\": [{\"type\": \"function\", \"name\": \"f\"}]}",
                "tool_choice", "auto");
        http.assertRefused("/v1/responses", "{\"input\": [{\"type\": \"item_reference\", \"id\": \"msg_1\"}]}",
                "input[0].type", "item_reference");
        http.assertRefused("/v1/responses", "{\"input\": [{\"role\": \"user\", \"content\": [{\"type\":"
                + " \"input_image\", \"image_url\": \"x\"}]}]}", "input[0].content", "input_image");
        http.assertRefused("/v1/responses", "{}", "input", "input is required");
        HttpResponse<String> schema = http.post("/v1/responses", "{\"input\": \"x\", \"text\": {\"format\":"
                + " {\"type\": \"json_schema\", \"name\": \"n\", \"schema\": {\"type\": \"string\","
                + " \"pattern\": \"(?=a)\"}}}}");
        assertThat(schema.statusCode()).isEqualTo(400);
        JsonNode error = NodeHttp.JSON.readTree(schema.body()).path("error");
        assertThat(error.path("param").asString()).startsWith("text.format");
        assertThat(error.path("message").asString()).contains("pattern").doesNotContain("response_format");
    }
}
