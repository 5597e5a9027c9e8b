package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.node.NodeApplication;
import io.quantserve.testing.TestFixtures;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;
import tools.jackson.databind.JsonNode;

/**
 * A node with speculative decoding (n-gram drafts) answers greedy requests, plain and streamed, with the text, tokens
 * and log-probabilities of a node without it, and counts drafted and accepted tokens in its metrics.
 */
class SpeculativeDecodingApiTest {
    private static ConfigurableApplicationContext plainNode;
    private static ConfigurableApplicationContext specNode;
    private static NodeHttp plain;
    private static NodeHttp spec;

    private static ConfigurableApplicationContext start(String... more) {
        String[] args = new String[2 + more.length];
        args[0] = "--server.port=0";
        args[1] = "--quantserve.node.model=" + TestFixtures.model("stories260K.gguf");
        System.arraycopy(more, 0, args, 2, more.length);
        return SpringApplication.run(NodeApplication.class, args);
    }

    private static int port(ConfigurableApplicationContext context) {
        return Integer.parseInt(context.getEnvironment().getProperty("local.server.port"));
    }

    @BeforeAll
    static void startNodes() {
        plainNode = start();
        specNode = start("--quantserve.node.engine.speculative-config={\"method\": \"ngram\","
                + " \"num_speculative_tokens\": 4, \"prompt_lookup_min\": 1, \"prompt_lookup_max\": 3}");
        plain = new NodeHttp(port(plainNode));
        spec = new NodeHttp(port(specNode));
    }

    @AfterAll
    static void stopNodes() {
        specNode.close();
        plainNode.close();
    }

    private static String completion(String prompt, boolean stream) {
        return "{\"model\": \"stories260K\", \"prompt\": \"" + prompt + "\", \"max_tokens\": 80, \"temperature\": 0,"
                + " \"logprobs\": 2, \"return_token_ids\": true, \"stream\": " + stream + "}";
    }

    @Test
    void shouldAnswerGreedyRequestsAsANodeWithoutDrafts() throws Exception {
        for (String prompt : List.of("Once upon a time", "Lily and Tom went to the park. Lily",
                "The cat sat. The cat")) {
            JsonNode expected = plain.ok("/v1/completions", completion(prompt, false)).path("choices").get(0);
            JsonNode actual = spec.ok("/v1/completions", completion(prompt, false)).path("choices").get(0);
            assertThat(actual.path("text").asString()).as(prompt).isEqualTo(expected.path("text").asString());
            assertThat(actual.path("token_ids")).isEqualTo(expected.path("token_ids"));
            assertThat(actual.path("finish_reason")).isEqualTo(expected.path("finish_reason"));
            JsonNode expectedLogprobs = expected.path("logprobs").path("token_logprobs");
            JsonNode actualLogprobs = actual.path("logprobs").path("token_logprobs");
            assertThat(actualLogprobs.size()).isEqualTo(expectedLogprobs.size()).isEqualTo(80);
            for (int i = 0; i < actualLogprobs.size(); i++) {
                assertThat(actualLogprobs.get(i).asDouble()).isCloseTo(expectedLogprobs.get(i).asDouble(),
                        org.assertj.core.data.Offset.offset(1e-4));
            }
            StringBuilder streamed = new StringBuilder();
            int tokens = 0;
            for (JsonNode chunk : spec.stream("/v1/completions", completion(prompt, true))) {
                for (JsonNode choice : chunk.path("choices")) {
                    streamed.append(choice.path("text").asString());
                    tokens += choice.path("token_ids").size();
                }
            }
            assertThat(streamed.toString()).isEqualTo(expected.path("text").asString());
            assertThat(tokens).isEqualTo(80);
        }
        String metrics = spec.get("/metrics").body();
        assertThat(counter(metrics, "quantserve_spec_decode_num_drafts_total")).isPositive();
        assertThat(counter(metrics, "quantserve_spec_decode_num_accepted_tokens_total")).isPositive()
                .isLessThanOrEqualTo(counter(metrics, "quantserve_spec_decode_num_draft_tokens_total"));
        assertThat(counter(plain.get("/metrics").body(), "quantserve_spec_decode_num_draft_tokens_total")).isZero();
    }

    private static double counter(String metrics, String name) {
        return metrics.lines().filter(l -> l.startsWith(name + " ")).mapToDouble(l -> Double.parseDouble(
                l.substring(name.length() + 1).trim())).findFirst().orElseThrow(() -> new AssertionError(name
                + " not in the metrics"));
    }
}
