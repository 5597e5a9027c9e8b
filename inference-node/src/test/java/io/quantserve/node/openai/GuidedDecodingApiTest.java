package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.testing.TestFixtures;
import java.net.http.HttpResponse;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * vLLM's guided_choice, guided_json, guided_regex and guided_grammar (extra fields clients send through extra_body), on
 * stories260K.
 */
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
        assertThat(streamedContent(stream)).isIn(CHOICES);
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
    void guidedRegexRepliesWithTextThePatternMatchesWholeAndStreamed() throws Exception {
        Pattern date = Pattern.compile("(19|20)\\d\\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01])");
        Set<String> seen = new HashSet<>();
        for (int seed = 0; seed < 6; seed++) {
            JsonNode choice = ok("/v1/completions", "{\"prompt\": \"The day was\", \"max_tokens\": 30,"
                    + " \"temperature\": 1.2, \"seed\": " + seed + ", \"guided_regex\": "
                    + JSON.writeValueAsString(date.pattern()) + "}").path("choices").get(0);
            assertThat(choice.path("text").asString()).matches(date);
            assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
            seen.add(choice.path("text").asString());
        }
        assertThat(seen).as("sampling reaches more than one date").hasSizeGreaterThan(1);

        String pattern = "Tim (ran|sat|saw a [a-z]{1,8})\\.";
        HttpResponse<String> stream = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"What did Tim do?\"}], \"max_tokens\": 40, \"stream\": true, \"structured_outputs\": {\"regex\": "
                + JSON.writeValueAsString(pattern) + "}}");
        assertThat(streamedContent(stream)).matches(pattern);
    }

    @Test
    void guidedGrammarRepliesWithTextOfTheGrammarWholeAndStreamed() throws Exception {
        String grammar = "root ::= list\nlist ::= \"[\" (item (\", \" item){0,3})? \"]\"  # nested lists of numbers\n"
                + "item ::= [1-9] [0-9]{0,2} | list\n";
        Set<String> seen = new HashSet<>();
        for (int seed = 0; seed < 6; seed++) {
            JsonNode choice = ok("/v1/completions", "{\"prompt\": \"The numbers were\", \"max_tokens\": 80,"
                    + " \"temperature\": 1.0, \"seed\": " + seed + ", \"guided_grammar\": "
                    + JSON.writeValueAsString(grammar) + "}").path("choices").get(0);
            String text = choice.path("text").asString();
            if (choice.path("finish_reason").asString().equals("stop")) {
                assertThat(isNestedNumberList(JSON.readTree(text))).as(text).isTrue();
                seen.add(text);
            }
        }
        assertThat(seen).as("sampling reaches more than one finished list").hasSizeGreaterThan(1);

        HttpResponse<String> stream = post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Where did Tim go?\"}], \"max_tokens\": 40, \"stream\": true, \"structured_outputs\": {\"grammar\": "
                + JSON.writeValueAsString("root ::= \"Tim went to the \" place \".\"\nplace ::= \"park\" | \"sea\""
                + " | [a-z]{3,8} \" hill\"") + "}}");
        assertThat(streamedContent(stream)).matches("Tim went to the (park|sea|[a-z]{3,8} hill)\\.");
    }

    private static boolean isNestedNumberList(JsonNode node) {
        if (!node.isArray()) {
            return false;
        }
        for (JsonNode item : node) {
            if (!(item.isIntegralNumber() && item.asInt() >= 1 && item.asInt() <= 999) && !isNestedNumberList(item)) {
                return false;
            }
        }
        return true;
    }

    @Test
    void structuralTagsLeaveTextFreeAndHoldEachTriggerToAStructure() throws Exception {
        String tag = "{\"triggers\": [\"<\"], \"structures\": [{\"begin\": \"<n>\", \"schema\": {\"type\": \"integer\","
                + " \"minimum\": 1, \"maximum\": 9}, \"end\": \"</n>\"}]}";
        JsonNode ids = ok("/tokenize", "{\"prompt\": \"a<\", \"add_special_tokens\": false}").path("tokens");
        int lt = ids.get(ids.size() - 1).asInt(); // the token of '<'
        Pattern whole = Pattern.compile("[^<]*(<n>\\s{0,2}[1-9]</n>[^<]*)*", Pattern.DOTALL);
        int calls = 0;
        for (int seed = 0; seed < 4; seed++) {
            // '<' made all but certain in free text, so that the structure is written
            String body = "{\"prompt\": \"Tim had\", \"max_tokens\": 40, \"temperature\": 1.0, \"seed\": " + seed
                    + ", \"logit_bias\": {\"" + lt + "\": 100}, ";
            String fromFormat = ok("/v1/completions", body + "\"response_format\": {\"type\": \"structural_tag\","
                    + tag.substring(1) + "}").path("choices").get(0).path("text").asString();
            String fromOutputs = ok("/v1/completions", body + "\"structured_outputs\": {\"structural_tag\": "
                    + JSON.writeValueAsString(tag) + "}}").path("choices").get(0).path("text").asString();
            for (String text : List.of(fromFormat, fromOutputs)) {
                java.util.regex.Matcher m = whole.matcher(text);
                assertThat(m.matches() || m.hitEnd()).as(text).isTrue();
                calls += text.split("</n>", -1).length - 1;
            }
        }
        assertThat(calls).as("structures written").isPositive();
    }

    @Test
    void jsonSchemaKeepsStringPatternsFormatsAndNumberRanges() throws Exception {
        String schema = "{\"type\": \"object\", \"properties\": {\"code\": {\"type\": \"string\", \"pattern\":"
                + " \"^[A-Z]{3}-\\\\d+$\", \"maxLength\": 7}, \"day\": {\"type\": \"string\", \"format\": \"date\"},"
                + " \"n\": {\"type\": \"integer\", \"minimum\": 1, \"maximum\": 5},"
                + " \"price\": {\"type\": \"number\", \"multipleOf\": 0.25, \"minimum\": 0, \"maximum\": 9}},"
                + " \"required\": [\"code\", \"day\", \"n\", \"price\"], \"additionalProperties\": false}";
        for (int seed = 0; seed < 3; seed++) {
            JsonNode message = ok("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"ok?\"}],"
                    + " \"max_tokens\": 100, \"temperature\": 1.0, \"seed\": " + seed + ", \"response_format\":"
                    + " {\"type\": \"json_schema\", \"json_schema\": {\"name\": \"t\", \"schema\": " + schema + "}}}")
                    .path("choices").get(0).path("message");
            JsonNode doc = JSON.readTree(message.path("content").asString());
            assertThat(doc.path("code").asString()).matches("[A-Z]{3}-\\d{1,3}");
            assertThat(java.time.LocalDate.parse(doc.path("day").asString())).isNotNull();
            assertThat(doc.path("n").asInt()).isBetween(1, 5);
            assertThat(doc.path("price").decimalValue().multiply(java.math.BigDecimal.valueOf(4)).stripTrailingZeros()
                    .scale()).as("a multiple of 0.25: %s", doc.path("price")).isLessThanOrEqualTo(0);
        }
    }

    @Test
    void aCompleteGuidedOutputEndsEvenBeforeMinTokensAndTheNodeServesOn() throws Exception {
        JsonNode choice = ok("/v1/completions", "{\"prompt\": \"Is the sky blue?\", \"max_tokens\": 20,"
                + " \"min_tokens\": 10, \"guided_choice\": [\"yes\", \"no\"]}").path("choices").get(0);
        assertThat(choice.path("text").asString()).isIn("yes", "no");
        assertThat(choice.path("finish_reason").asString()).isEqualTo("stop");
        assertThat(ok("/v1/completions", "{\"prompt\": \"Once\", \"max_tokens\": 3}").path("choices").get(0)
                .path("finish_reason").asString()).isEqualTo("length");
    }

    @Test
    void refusesWhatItCannotEnforceNamingTheField() throws Exception {
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": \"(?<=a)b\"}", "guided_regex",
                "lookbehind assertions are not supported at position 0");
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": \"[a-z\"}", "guided_regex",
                "unterminated character set at position 0");
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": [\"a\"]}", "guided_regex", "as a string");
        // nesting past the parser's stack, and nested counts that would multiply into billions of states: 400s
        String deep = "(".repeat(200_000) + "a" + ")".repeat(200_000);
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": \"" + deep + "\"}", "guided_regex",
                "nested too deeply");
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": \"((a{1000}){1000}){1000}\"}", "guided_regex",
                "too large");
        assertRefused("{\"prompt\": \"a\", \"guided_regex\": \"a+\", \"ignore_eos\": true}", "ignore_eos",
                "guided_regex");
        assertRefused("{\"prompt\": \"a\", \"guided_grammar\": \"root ::= 'a'\"}", "guided_grammar",
                "grammar: line 1, column 10: unexpected '");
        assertRefused("{\"prompt\": \"a\", \"guided_grammar\": \"root ::= \\\"a\\\"\", \"ignore_eos\": true}",
                "ignore_eos", "guided_grammar");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": []}", "guided_choice", "at least one");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": \"yes\"}", "guided_choice", "list of strings");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": [\"a\"], \"guided_json\": {\"type\": \"object\"}}",
                "guided_choice", "only one structured output");
        assertRefused("{\"prompt\": \"a\", \"guided_choice\": [\"a\"], \"response_format\": {\"type\":"
                + " \"json_object\"}}", "guided_choice", "only one structured output");
        assertRefused("{\"prompt\": \"a\", \"structured_outputs\": {\"grammar\": \"root ::= a\\na ::= b \\\"x\\\"\\n"
                + "b ::= a \\\"y\\\" | \\\"z\\\"\"}}", "structured_outputs.grammar", "rule 'a' is left-recursive");
        assertRefused("{\"prompt\": \"a\", \"structured_outputs\": {\"structural_tag\": {}}}",
                "structured_outputs.structural_tag", "structural_tag.triggers must be a non-empty list");
        assertRefused("{\"prompt\": \"a\", \"structured_outputs\": {\"structural_tag\": \"{not json\"}}",
                "structured_outputs.structural_tag", "is not JSON");
        assertRefused("{\"prompt\": \"a\", \"structured_outputs\": {\"regex\": \"a\", \"choice\": [\"a\"]}}",
                "structured_outputs.regex", "only one structured output");
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

    /** The chat reply's text from its stream's content deltas. */
    private static String streamedContent(HttpResponse<String> stream) {
        StringBuilder text = new StringBuilder();
        for (String line : stream.body().split("\n")) {
            if (line.startsWith("data: {")) {
                text.append(JSON.readTree(line.substring(6)).path("choices").get(0).path("delta").path("content")
                        .asString(""));
            }
        }
        return text.toString();
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
