package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.testing.TestFixtures;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/** vLLM's guided_choice and guided_json (extra fields clients send through extra_body), on stories260K. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class GuidedDecodingApiTest {
    static final JsonMapper JSON = NodeHttp.JSON;
    static final List<String> CHOICES = List.of("yes", "no", "not sure");

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
    }

    @LocalServerPort
    int port;

    @Test
    void guidedChoiceAnswersWithExactlyOneOfTheChoicesWholeAndStreamed() throws Exception {
        Set<String> seen = new HashSet<>();
        for (int seed = 0; seed < 8; seed++) {
            JsonNode choice = ok("/v1/completions", "{\"prompt\": \"Is the sky blue?\", \"max_tokens\": 20,"
                    + " \"temperature\": 1.5, \"seed\": " + seed + ", \"guided_choice\": [\"yes\", \"no\", \"not sure\"]}")
                    .path("choices").get(0);
            assertThat(choice.path("text").asString()).isIn(CHOICES);
            assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
            seen.add(choice.path("text").asString());
        }
        assertThat(seen).as("sampling reaches more than one choice").hasSizeGreaterThan(1);

        HttpResponse<String> stream = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Is the sky blue?\"}], \"max_tokens\": 20, \"stream\": true, \"guided_choice\": [\"yes\", \"no\","
                + " \"not sure\"]}");
        StringBuilder text = new StringBuilder();
        for (String line : stream.body().split("\n")) {
            if (line.startsWith("data: {")) {
                text.append(JSON.readTree(line.substring(6)).path("choices").get(0).path("delta").path("content")
                        .asString(""));
            }
        }
        assertThat(text.toString()).isIn(CHOICES);
    }

    @Test
    void guidedJsonConstrainsTheReplyToTheSchemaGivenAsObjectOrText() throws Exception {
        String schema = "{\"type\": \"object\", \"properties\": {\"ok\": {\"type\": \"boolean\"}}, \"required\": [\"ok\"],"
                + " \"additionalProperties\": false}";
        for (String given : List.of(schema, JSON.writeValueAsString(schema))) {
            JsonNode message = ok("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"ok?\"}],"
                    + " \"max_tokens\": 60, \"guided_json\": " + given + "}").path("choices").get(0).path("message");
            assertThat(JSON.readTree(message.path("content").asString()).path("ok").isBoolean()).isTrue();
        }
    }

    @Test
    void refusesWhatItCannotEnforceNamingTheField() throws Exception {
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": \"[a-z]+\"}", "guided_regex", "not supported");
        assertRefused("{\"prompt\": \"a\", \"guided_grammar\": \"root ::= 'a'\"}", "guided_grammar", "not supported");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": []}", "guided_choice", "at least one");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": \"yes\"}", "guided_choice", "list of strings");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": [\"a\"], \"guided_json\": {\"type\": \"object\"}}",
                "guided_choice", "only one structured output");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": [\"a\"], \"response_format\": {\"type\":"
                + " \"json_object\"}}", "guided_choice", "only one structured output");
        assertRefused("{\"prompt\": \"a\", \"structured_outputs\": {\"regex\": \"[a-z]+\"}}",
                "structured_outputs.regex", "not supported");
        assertRefused("{\"prompt\": \"a\", \"structured_outputs\": {\"choice\": [\"a\"], \"json\": {}}}",
                "structured_outputs.choice", "only one structured output");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": [\"a\"], \"ignore_eos\": true}", "ignore_eos",
                "guided_choice");
    }

    @Test
    void structuredOutputsIsVllmsNewerSpellingOfTheSame() throws Exception {
        JsonNode choice = ok("/v1/completions", "{\"prompt\": \"Is the sky blue?\", \"max_tokens\": 20, \"temperature\":"
                + " 1.5, \"seed\": 3, \"structured_outputs\": {\"choice\": [\"yes\", \"no\", \"not sure\"]}}")
                .path("choices").get(0);
        assertThat(choice.path("text").asString()).isIn(CHOICES);
        JsonNode json = ok("/v1/completions", "{\"prompt\": \"{\", \"max_tokens\": 60, \"structured_outputs\":"
                + " {\"json\": {\"type\": \"object\", \"properties\": {\"n\": {\"type\": \"integer\"}}, \"required\":"
                + " [\"n\"], \"additionalProperties\": false}}}").path("choices").get(0);
        assertThat(JSON.readTree(json.path("text").asString()).path("n").isIntegralNumber()).isTrue();
    }

    private void assertRefused(String body, String param, String inMessage) throws Exception {
        new NodeHttp(port).assertRefused("/v1/completions", body, param, inMessage);
    }

    private JsonNode ok(String path, String body) throws Exception {
        return new NodeHttp(port).ok(path, body);
    }

    private HttpResponse<String> post(String path, String body) throws Exception {
        return new NodeHttp(port).post(path, body);
    }
}
