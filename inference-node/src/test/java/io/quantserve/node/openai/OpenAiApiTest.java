package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.ResponseFormatJsonObject;
import com.openai.models.ResponseFormatJsonSchema;
import com.openai.models.completions.Completion;
import com.openai.models.completions.CompletionChoice;
import com.openai.models.completions.CompletionCreateParams;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.generate.Prompts;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.node.engine.NodeEngine;
import io.quantserve.testing.TestFixtures;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/** The node serving stories260K (a real llama.cpp GGUF with its tokenizer), driven through the official OpenAI SDK. */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class OpenAiApiTest {
    static final String MODEL = "stories260K";
    static final String PROMPT = "Once upon a time";

    @DynamicPropertySource
    static void node(DynamicPropertyRegistry registry) {
        registry.add("quantserve.node.model", () -> TestFixtures.model("stories260K.gguf").toString());
        registry.add("quantserve.node.max-request-size", () -> "64KB");
    }

    @LocalServerPort
    int port;

    @Autowired
    NodeEngine engine;

    OpenAIClient client;

    @BeforeEach
    void client() {
        client = OpenAiClients.of(port);
    }

    private CompletionCreateParams.Builder completion(String prompt, int maxTokens) {
        return CompletionCreateParams.builder().model(MODEL).prompt(prompt).maxTokens(maxTokens).temperature(0.0);
    }

    @Test
    void shouldListTheServedModel() {
        var models = client.models().list().items();
        assertThat(models).singleElement().satisfies(m -> assertThat(m.id()).isEqualTo(MODEL));
    }

    @Test
    void shouldCompleteGreedilyExactlyAsTheEngineGeneratesAlone() throws Exception {
        Completion completion = client.completions().create(completion(PROMPT, 40).build());
        String expected;
        int[] prompt;
        try (LoadedModel loaded = LoadedModel.open(TestFixtures.model("stories260K.gguf"))) {
            var tokenizer = loaded.tokenizer().orElseThrow();
            prompt = Prompts.text(tokenizer, PROMPT);
            expected = new Generator(loaded.model(), tokenizer, loaded.eosIds()).generate(
                    new Generator.Request(prompt, SamplingParams.greedy(), 40, List.of(), false), t -> { }).text();
        }
        assertThat(completion.choices()).singleElement().satisfies(c -> {
            assertThat(c.text()).isEqualTo(expected).isNotBlank();
            assertThat(c.finishReason()).isIn(CompletionChoice.FinishReason.LENGTH, CompletionChoice.FinishReason.STOP);
        });
        var usage = completion.usage().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(prompt.length);
        assertThat(usage.totalTokens()).isEqualTo(usage.promptTokens() + usage.completionTokens());
    }

    @Test
    void shouldContinueThePromptWithTheLeadingSpaceOfItsFirstToken() {
        // decode(prompt + completion) minus decode(prompt), as vLLM and llama.cpp return it: "Once" + " upon a time"
        Completion completion = client.completions().create(completion("Once", 3).logprobs(1).build());
        CompletionChoice choice = completion.choices().getFirst();
        assertThat(choice.text()).isEqualTo(" upon a time");
        var lp = choice.logprobs().orElseThrow();
        assertThat(String.join("", lp.tokens().orElseThrow())).isEqualTo(choice.text());
        assertThat(lp.textOffset().orElseThrow()).containsExactly(0L, 5L, 7L);
    }

    @Test
    void shouldAnswerABatchOfPromptsWithNChoicesEachInVllmsOrder() throws Exception {
        // choice p * n + j is prompt p's j-th; each prompt's text as when asked alone; usage over all of them
        List<String> prompts = List.of("Once", "The dog", "Lily");
        Completion batch = client.completions().create(CompletionCreateParams.builder().model(MODEL)
                .prompt(CompletionCreateParams.Prompt.ofArrayOfStrings(prompts)).maxTokens(4).temperature(0.0).n(2)
                .build());
        assertThat(batch.choices()).extracting(CompletionChoice::index).containsExactly(0L, 1L, 2L, 3L, 4L, 5L);
        long promptTokens = 0;
        long completionTokens = 0;
        for (int p = 0; p < prompts.size(); p++) {
            Completion alone = client.completions().create(completion(prompts.get(p), 4).build());
            for (int j = 0; j < 2; j++) {
                assertThat(batch.choices().get(2 * p + j).text()).isEqualTo(alone.choices().getFirst().text());
            }
            promptTokens += alone.usage().orElseThrow().promptTokens();
            completionTokens += 2 * alone.usage().orElseThrow().completionTokens();
        }
        assertThat(batch.usage().orElseThrow().promptTokens()).isEqualTo(promptTokens);
        assertThat(batch.usage().orElseThrow().completionTokens()).isEqualTo(completionTokens);

        List<String> streamed = new ArrayList<>(List.of("", "", "", "", "", ""));
        try (var stream = client.completions().createStreaming(CompletionCreateParams.builder().model(MODEL)
                .prompt(CompletionCreateParams.Prompt.ofArrayOfStrings(prompts)).maxTokens(4).temperature(0.0).n(2)
                .build())) {
            stream.stream().forEach(c -> c.choices().forEach(ch ->
                    streamed.set((int) ch.index(), streamed.get((int) ch.index()) + ch.text())));
        }
        assertThat(streamed).isEqualTo(batch.choices().stream().map(CompletionChoice::text).toList());

        HttpResponse<String> tooLong = HttpClient.newHttpClient().send(post("/v1/completions",
                "{\"model\": \"stories260K\", \"prompt\": [\"hi\", \"" + "the cat sat. ".repeat(1000) + "\"]}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("prompt 1: This model's maximum context length");
    }

    @Test
    void shouldEchoThePromptWithItsTokensLogprobsAsLmEvalReadsThem() throws Exception {
        // lm-eval's loglikelihood request: echo, logprobs 1, a batch of prompts; each prompt token after the first
        // scored against the model run on the prompt alone
        List<String> prompts = List.of("Once upon a time", "The dog ran");
        Completion echoed = client.completions().create(CompletionCreateParams.builder().model(MODEL)
                .prompt(CompletionCreateParams.Prompt.ofArrayOfStrings(prompts)).maxTokens(1).temperature(0.0)
                .logprobs(1).echo(true).build());
        var tokenizer = engine.model().tokenizer();
        for (int p = 0; p < prompts.size(); p++) {
            CompletionChoice choice = echoed.choices().get(p);
            String generated = client.completions().create(completion(prompts.get(p), 1).build()).choices().getFirst()
                    .text();
            assertThat(choice.text()).isEqualTo(prompts.get(p) + generated);
            int[] ids = Prompts.text(tokenizer, prompts.get(p));
            var lp = choice.logprobs().orElseThrow();
            assertThat(lp.tokens().orElseThrow()).hasSize(ids.length + 1);
            List<Double> values = lp.tokenLogprobs().orElseThrow();
            assertThat(values.getFirst()).isNull(); // the first prompt token has no context to be scored in
            assertThat(lp.topLogprobs().orElseThrow().getFirst()).isNull();
            float[] logits;
            try (LoadedModel loaded = LoadedModel.open(TestFixtures.model("stories260K.gguf"))) {
                logits = loaded.model().forward(loaded.model().newState(64), ids, 0, true);
            }
            int vocab = tokenizer.vocabSize();
            for (int i = 1; i < ids.length; i++) {
                var expected = io.quantserve.engine.sampling.TokenLogprob.of(logits, (i - 1) * vocab, vocab, ids[i], 1);
                assertThat(values.get(i)).as("prompt %d token %d", p, i).isCloseTo(expected.logprob(),
                        org.assertj.core.api.Assertions.within(1e-4));
            }
            assertThat(values.getLast()).isNotNull().isNotPositive(); // the generated token
        }

        // max_tokens 0 with echo: the prompt only, scored; refused without echo
        Completion scoreOnly = client.completions().create(completion(PROMPT, 0).echo(true).logprobs(0).build());
        CompletionChoice only = scoreOnly.choices().getFirst();
        assertThat(only.text()).isEqualTo(PROMPT);
        assertThat(only.logprobs().orElseThrow().tokens().orElseThrow())
                .hasSize(Prompts.text(tokenizer, PROMPT).length);
        assertThat(scoreOnly.usage().orElseThrow().completionTokens()).isZero();
        assertThatThrownBy(() -> client.completions().create(completion(PROMPT, 0).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("max_tokens"));

        // streamed: the first chunk starts with the prompt, the whole text as without streaming
        StringBuilder streamed = new StringBuilder();
        try (var stream = client.completions().createStreaming(completion(PROMPT, 5).echo(true).build())) {
            stream.stream().forEach(c -> c.choices().forEach(ch -> streamed.append(ch.text())));
        }
        assertThat(streamed.toString()).isEqualTo(
                client.completions().create(completion(PROMPT, 5).echo(true).build()).choices().getFirst().text())
                .startsWith(PROMPT + ",");
    }

    @Test
    void shouldReportPromptLogprobsWithRanksAsVllmDoes() throws Exception {
        var tokenizer = engine.model().tokenizer();
        String prompt = "Once upon a time";
        int[] ids = Prompts.text(tokenizer, prompt);
        float[] logits;
        try (LoadedModel loaded = LoadedModel.open(TestFixtures.model("stories260K.gguf"))) {
            logits = loaded.model().forward(loaded.model().newState(64), ids, 0, true);
        }
        int vocab = tokenizer.vocabSize();
        NodeHttp http = new NodeHttp(port);
        tools.jackson.databind.JsonNode entries = http.ok("/v1/completions", "{\"prompt\": \"" + prompt + "\","
                + " \"max_tokens\": 2, \"prompt_logprobs\": 2}").path("choices").get(0).path("prompt_logprobs");
        assertThat(entries.size()).isEqualTo(ids.length);
        assertThat(entries.get(0).isNull()).as("the first token has nothing before it").isTrue();
        for (int i = 1; i < ids.length; i++) {
            var expected = io.quantserve.engine.sampling.TokenLogprob.of(logits, (i - 1) * vocab, vocab, ids[i], 2);
            tools.jackson.databind.JsonNode entry = entries.get(i);
            tools.jackson.databind.JsonNode own = entry.path(String.valueOf(ids[i]));
            assertThat(own.path("logprob").asDouble()).as("token %d", i).isCloseTo(expected.logprob(),
                    org.assertj.core.api.Assertions.within(1e-4));
            int rank = 1;
            for (int t = 0; t < vocab; t++) {
                rank += logits[(i - 1) * vocab + t] > logits[(i - 1) * vocab + ids[i]] ? 1 : 0;
            }
            assertThat(own.path("rank").asInt()).as("token %d", i).isEqualTo(rank);
            assertThat(own.path("decoded_token").asString()).as("the token's own text, as in the logprobs")
                    .isEqualTo(new String(tokenizer.tokenBytes(ids[i]), java.nio.charset.StandardCharsets.UTF_8));
            for (int k = 0; k < 2; k++) {
                tools.jackson.databind.JsonNode alt = entry.path(String.valueOf(expected.topIds()[k]));
                assertThat(alt.path("rank").asInt()).isEqualTo(k + 1);
                assertThat(alt.path("logprob").asDouble()).isCloseTo(expected.topLogprobs()[k],
                        org.assertj.core.api.Assertions.within(1e-4));
            }
            assertThat(entry.size()).isBetween(2, 3); // its own entry and the top 2, which may include it
        }
        List<tools.jackson.databind.JsonNode> chunks = http.stream("/v1/completions", "{\"prompt\": \"" + prompt
                + "\", \"max_tokens\": 3, \"prompt_logprobs\": 2, \"stream\": true}");
        assertThat(chunks.getFirst().path("choices").get(0).path("prompt_logprobs")).isEqualTo(entries);
        assertThat(chunks.getLast().path("choices").get(0).has("prompt_logprobs")).isFalse();
        assertThat(http.ok("/v1/completions", "{\"prompt\": \"" + prompt + "\", \"max_tokens\": 1}")
                .path("choices").get(0).has("prompt_logprobs")).as("only when asked").isFalse();

        tools.jackson.databind.JsonNode chat = http.ok("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"hi\"}], \"max_tokens\": 1, \"prompt_logprobs\": 0}");
        long billed = chat.path("usage").path("prompt_tokens").asLong();
        assertThat(chat.path("prompt_logprobs").size()).isEqualTo((int) billed);
        assertThat(chat.path("prompt_logprobs").get(1).size()).as("only the token's own entry").isEqualTo(1);

        http.assertRefused("/v1/completions", "{\"prompt\": \"a\", \"prompt_logprobs\": 21}", "prompt_logprobs",
                "between 0 and 20");
        http.assertRefused("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                + " \"stream\": true, \"prompt_logprobs\": 1}", "prompt_logprobs", "not supported when streaming");
    }

    @Test
    void shouldHonourVllmsPromptAndDetokenizationFieldsAndRefuseWhatItCannotDo() throws Exception {
        var tokenizer = engine.model().tokenizer();
        NodeHttp http = new NodeHttp(port);
        int[] ids = Prompts.text(tokenizer, PROMPT);
        int[] last3 = Arrays.copyOfRange(ids, ids.length - 3, ids.length);
        tools.jackson.databind.JsonNode truncated = http.ok("/v1/completions", "{\"prompt\": \"" + PROMPT + "\","
                + " \"max_tokens\": 4, \"temperature\": 0, \"truncate_prompt_tokens\": 3,"
                + " \"echo\": true}");
        tools.jackson.databind.JsonNode byIds = http.ok("/v1/completions", "{\"prompt\": " + Arrays.toString(last3)
                + ", \"max_tokens\": 4, \"temperature\": 0, \"echo\": true}");
        assertThat(truncated.path("usage").path("prompt_tokens").asInt()).isEqualTo(3);
        assertThat(truncated.path("choices").get(0).path("text").asString())
                .isEqualTo(byIds.path("choices").get(0).path("text").asString());
        assertThat(http.ok("/v1/completions", "{\"prompt\": \"" + PROMPT + "\", \"max_tokens\": 1,"
                + " \"truncate_prompt_tokens\": -1}").path("usage").path("prompt_tokens").asInt())
                .isEqualTo(ids.length);

        int[] noBos = tokenizer.encode(PROMPT);
        assertThat(noBos.length).isEqualTo(ids.length - 1);
        tools.jackson.databind.JsonNode plain = http.ok("/v1/completions", "{\"prompt\": \"" + PROMPT + "\","
                + " \"max_tokens\": 4, \"temperature\": 0, \"add_special_tokens\": false}");
        assertThat(plain.path("usage").path("prompt_tokens").asInt()).isEqualTo(noBos.length);
        assertThat(plain.path("choices").get(0).path("text").asString()).isEqualTo(http.ok("/v1/completions",
                "{\"prompt\": " + Arrays.toString(noBos) + ", \"max_tokens\": 4, \"temperature\": 0}")
                .path("choices").get(0).path("text").asString());
        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}], \"max_tokens\": 1";
        assertThat(http.ok("/v1/chat/completions", chat + ", \"add_special_tokens\": true}").path("usage")
                .path("prompt_tokens").asInt()).isEqualTo(http.ok("/v1/chat/completions", chat + "}").path("usage")
                .path("prompt_tokens").asInt() + 1);

        int eos = tokenizer.eosIds()[0];
        String forced = "{\"prompt\": \"Once\", \"max_tokens\": 2, \"ignore_eos\": true, \"logit_bias\": {\"" + eos
                + "\": 100}";
        assertThat(http.ok("/v1/completions", forced + "}").path("choices").get(0).path("text").asString()).isEmpty();
        String eosText = tokenizer.decode(new int[] {eos});
        assertThat(http.ok("/v1/completions", forced + ", \"skip_special_tokens\": false}").path("choices").get(0)
                .path("text").asString()).isEqualTo(eosText + eosText).isNotEmpty();

        http.assertRefused("/v1/completions", "{\"prompt\": \"a\", \"truncate_prompt_tokens\": 0}",
                "truncate_prompt_tokens", "between 1 and the context length");
        http.assertRefused("/v1/completions", "{\"prompt\": \"a\", \"use_beam_search\": true}", "use_beam_search",
                "beam search is not supported");
        http.assertRefused("/v1/completions", "{\"prompt\": \"a\", \"best_of\": 3}", "best_of", "only best_of = n");
        http.assertRefused("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\": \"hi\"}],"
                + " \"priority\": 2}", "priority", "priority scheduling is not enabled");
        http.assertRefused("/v1/completions", "{\"prompt\": \"a\", \"logits_processors\": [\"my.module:Cls\"]}",
                "logits_processors", "not supported");
        assertThat(http.ok("/v1/completions", "{\"prompt\": \"a\", \"max_tokens\": 1, \"use_beam_search\": false,"
                + " \"best_of\": 1, \"priority\": 0, \"logits_processors\": []}").path("choices").size())
                .as("their defaults are fine").isEqualTo(1);
    }

    @Test
    void shouldCarryTheUsageSoFarOnEveryChunkWithContinuousUsageStats() throws Exception {
        NodeHttp http = new NodeHttp(port);
        int promptTokens = Prompts.text(engine.model().tokenizer(), PROMPT).length;
        for (String path : List.of("/v1/completions", "/v1/chat/completions")) {
            String body = path.contains("chat")
                    ? "{\"messages\": [{\"role\": \"user\", \"content\": \"" + PROMPT + "\"}]"
                    : "{\"prompt\": \"" + PROMPT + "\"";
            List<tools.jackson.databind.JsonNode> chunks = http.stream(path, body + ", \"max_tokens\": 6,"
                    + " \"stream\": true, \"stream_options\": {\"include_usage\": true, \"continuous_usage_stats\":"
                    + " true}}");
            tools.jackson.databind.JsonNode last = chunks.getLast();
            assertThat(last.path("choices").size()).as(path).isZero();
            int prompt = last.path("usage").path("prompt_tokens").asInt();
            if (!path.contains("chat")) {
                assertThat(prompt).isEqualTo(promptTokens);
            }
            int before = 0;
            for (tools.jackson.databind.JsonNode chunk : chunks.subList(0, chunks.size() - 1)) {
                tools.jackson.databind.JsonNode usage = chunk.path("usage");
                if (chunk == chunks.getFirst() && path.contains("chat")) {
                    continue; // the role chunk comes before any token
                }
                assertThat(usage.path("prompt_tokens").asInt()).as(path).isEqualTo(prompt);
                assertThat(usage.path("completion_tokens").asInt()).as(path).isGreaterThanOrEqualTo(before);
                assertThat(usage.path("total_tokens").asInt())
                        .isEqualTo(prompt + usage.path("completion_tokens").asInt());
                before = usage.path("completion_tokens").asInt();
            }
            assertThat(before).as(path).isEqualTo(last.path("usage").path("completion_tokens").asInt()).isEqualTo(6);
            assertThat(http.stream(path, body + ", \"max_tokens\": 2, \"stream\": true, \"stream_options\":"
                    + " {\"include_usage\": true}}").getFirst().has("usage")).as("only when asked").isFalse();
        }
    }

    @Test
    void shouldReturnTokenIdsAndNameLogprobTokensByIdWhenAsked() throws Exception {
        NodeHttp http = new NodeHttp(port);
        var tokenizer = engine.model().tokenizer();
        int[] promptIds = Prompts.text(tokenizer, PROMPT);
        tools.jackson.databind.JsonNode choice = http.ok("/v1/completions", "{\"prompt\": \"" + PROMPT + "\","
                + " \"max_tokens\": 5, \"temperature\": 0, \"logprobs\": 2, \"return_token_ids\": true,"
                + " \"return_tokens_as_token_ids\": true}").path("choices").get(0);
        List<Integer> generated = new ArrayList<>();
        choice.path("token_ids").forEach(t -> generated.add(t.asInt()));
        assertThat(generated).hasSize(5);
        assertThat(tokenizer.decode(generated.stream().mapToInt(Integer::intValue).toArray()))
                .isEqualTo(choice.path("text").asString().strip());
        List<Integer> prompt = new ArrayList<>();
        choice.path("prompt_token_ids").forEach(t -> prompt.add(t.asInt()));
        assertThat(prompt).containsExactlyElementsOf(Arrays.stream(promptIds).boxed().toList());
        List<String> named = new ArrayList<>();
        choice.path("logprobs").path("tokens").forEach(t -> named.add(t.asString()));
        assertThat(named).containsExactlyElementsOf(generated.stream().map(t -> "token_id:" + t).toList());
        choice.path("logprobs").path("top_logprobs").forEach(top -> top.propertyNames()
                .forEach(key -> assertThat(key).matches("token_id:\\d+")));

        List<tools.jackson.databind.JsonNode> chunks = http.stream("/v1/completions", "{\"prompt\": \"" + PROMPT
                + "\", \"max_tokens\": 5, \"temperature\": 0, \"stream\": true, \"return_token_ids\": true}");
        List<Integer> streamed = new ArrayList<>();
        chunks.forEach(c -> c.path("choices").forEach(ch -> ch.path("token_ids")
                .forEach(t -> streamed.add(t.asInt()))));
        assertThat(streamed).isEqualTo(generated);
        // text held back as a possible start of a stop string still streams its tokens' ids, as they come
        String firstText = chunks.stream().map(c -> c.path("choices").get(0))
                .filter(ch -> !ch.path("token_ids").isEmpty()).findFirst().orElseThrow().path("text").asString();
        List<tools.jackson.databind.JsonNode> held = http.stream("/v1/completions", NodeHttp.JSON.writeValueAsString(
                Map.of("prompt", PROMPT, "max_tokens", 5, "temperature", 0, "stream", true, "return_token_ids", true,
                        "stop", List.of(firstText + "\u00a7"))));
        List<Integer> heldIds = new ArrayList<>();
        held.forEach(c -> c.path("choices").forEach(ch -> ch.path("token_ids").forEach(t -> heldIds.add(t.asInt()))));
        assertThat(heldIds).isEqualTo(generated);
        assertThat(held.getFirst().path("choices").get(0).path("text").asString()).as("held back").isEmpty();
        assertThat(chunks.getFirst().path("choices").get(0).path("prompt_token_ids").size())
                .isEqualTo(promptIds.length);
        assertThat(chunks.get(1).path("choices").get(0).has("prompt_token_ids")).isFalse();

        String chat = "{\"messages\": [{\"role\": \"user\", \"content\": \"" + PROMPT + "\"}], \"max_tokens\": 4,"
                + " \"temperature\": 0, \"return_token_ids\": true, \"logprobs\": true,"
                + " \"return_tokens_as_token_ids\": true";
        tools.jackson.databind.JsonNode whole = http.ok("/v1/chat/completions", chat + "}");
        List<Integer> chatIds = new ArrayList<>();
        whole.path("choices").get(0).path("token_ids").forEach(t -> chatIds.add(t.asInt()));
        assertThat(chatIds).hasSize(4);
        assertThat(whole.path("prompt_token_ids").size()).isEqualTo(whole.path("usage").path("prompt_tokens").asInt());
        assertThat(whole.path("choices").get(0).path("logprobs").path("content").get(0).path("token").asString())
                .isEqualTo("token_id:" + chatIds.getFirst());
        List<tools.jackson.databind.JsonNode> chatChunks = http.stream("/v1/chat/completions", chat
                + ", \"stream\": true}");
        List<Integer> chatStreamed = new ArrayList<>();
        chatChunks.forEach(c -> c.path("choices").forEach(ch -> ch.path("token_ids")
                .forEach(t -> chatStreamed.add(t.asInt()))));
        assertThat(chatStreamed).isEqualTo(chatIds);
        assertThat(chatChunks.getFirst().path("prompt_token_ids")).isEqualTo(whole.path("prompt_token_ids"));
        assertThat(http.ok("/v1/completions", "{\"prompt\": \"a\", \"max_tokens\": 1}").path("choices").get(0)
                .has("token_ids")).as("only when asked").isFalse();
    }

    @Test
    void shouldHonourStopTokenIdsAndMinTokensAsVllmDoes() {
        int upon = engine.model().tokenizer().encode("upon")[0];
        CompletionChoice stopped = client.completions().create(completion("Once", 5)
                .putAdditionalBodyProperty("stop_token_ids", JsonValue.from(List.of(upon))).build()).choices().getFirst();
        assertThat(stopped.text()).isEmpty();
        assertThat(stopped.finishReason()).isEqualTo(CompletionChoice.FinishReason.STOP);
        // min_tokens: no stop token before 2 tokens (also with ignore_eos), no stop string before 3
        Completion held = client.completions().create(completion("Once", 5)
                .putAdditionalBodyProperty("stop_token_ids", JsonValue.from(List.of(upon)))
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true))
                .putAdditionalBodyProperty("min_tokens", JsonValue.from(2)).build());
        assertThat(held.choices().getFirst().text()).isNotEmpty().doesNotStartWith(" upon");
        assertThat(held.usage().orElseThrow().completionTokens()).isGreaterThanOrEqualTo(2);
        CompletionChoice late = client.completions().create(completion(PROMPT, 60).stop(",")
                .putAdditionalBodyProperty("min_tokens", JsonValue.from(3)).build()).choices().getFirst();
        assertThat(late.text()).startsWith(", there was");
        assertThat(late.text().indexOf(',', 1)).isEqualTo(-1);
        assertThat(late.finishReason()).isEqualTo(CompletionChoice.FinishReason.STOP);
        assertThatThrownBy(() -> client.completions().create(completion("Once", 2)
                .putAdditionalBodyProperty("min_tokens", JsonValue.from(3)).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("min_tokens"));
        assertThatThrownBy(() -> client.completions().create(completion("Once", 2)
                .putAdditionalBodyProperty("stop_token_ids", JsonValue.from(List.of(512))).build()))
                .isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.param()).contains("stop_token_ids"));
    }

    @Test
    void shouldHonourAllowedTokenIdsAndBadWordsAsVllmDoes() throws Exception {
        var tokenizer = engine.model().tokenizer();
        int upon = tokenizer.encode("upon")[0];
        int the = tokenizer.encode("the")[0];
        assertThat(client.completions().create(completion("Once", 3).build()).choices().getFirst().text())
                .isEqualTo(" upon a time");
        String noUpon = client.completions().create(completion("Once", 3)
                .putAdditionalBodyProperty("bad_words", JsonValue.from(List.of("upon"))).build()).choices().getFirst()
                .text();
        assertThat(noUpon).isNotBlank().doesNotStartWith(" upon");
        String noATime = client.completions().create(completion("Once upon", 8)
                .putAdditionalBodyProperty("bad_words", JsonValue.from(List.of("a time"))).build()).choices()
                .getFirst().text();
        assertThat(noATime).startsWith(" a").doesNotContain("a time");
        String only = client.completions().create(completion("Once", 6).temperature(1.0).seed(3)
                .putAdditionalBodyProperty("allowed_token_ids", JsonValue.from(List.of(the, upon))).build())
                .choices().getFirst().text();
        assertThat(only).matches("( the| upon){6}");

        HttpResponse<String> nothing = new NodeHttp(port).post("/v1/completions", "{\"prompt\": \"Once\","
                + " \"max_tokens\": 5, \"allowed_token_ids\": [" + the + "], \"guided_choice\": [\"upon\"]}");
        assertThat(nothing.statusCode()).isEqualTo(500);
        assertThat(nothing.body()).contains("no token may come next");
        assertThat(client.completions().create(completion("Once", 1).build()).choices().getFirst().text())
                .as("the node serves on").isEqualTo(" upon");

        new NodeHttp(port).assertRefused("/v1/completions", "{\"prompt\": \"Once\", \"allowed_token_ids\": [512]}",
                "allowed_token_ids", "512 is outside the vocabulary of 512");
        new NodeHttp(port).assertRefused("/v1/completions", "{\"prompt\": \"Once\", \"allowed_token_ids\": []}",
                "allowed_token_ids", "must not be empty");
        new NodeHttp(port).assertRefused("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"hi\"}], \"bad_words\": [\"ok\", \"  \"]}", "bad_words", "bad_words[1] is empty");
    }

    @Test
    void shouldTokenizeAndDetokenizeAsRequestsCountTokens() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> text = http.send(post("/tokenize", "{\"model\": \"stories260K\", \"prompt\": \"" + PROMPT
                + "\"}"), HttpResponse.BodyHandlers.ofString());
        assertThat(text.statusCode()).isEqualTo(200);
        int[] ids = Prompts.text(engine.model().tokenizer(), PROMPT);
        var body = new tools.jackson.databind.ObjectMapper().readTree(text.body());
        assertThat(body.get("count").asInt()).isEqualTo(ids.length);
        assertThat(body.get("max_model_len").asInt()).isEqualTo(engine.model().maxModelLen());
        List<Integer> tokens = new ArrayList<>();
        body.get("tokens").forEach(t -> tokens.add(t.asInt()));
        assertThat(tokens).containsExactly(Arrays.stream(ids).boxed().toArray(Integer[]::new));

        // a conversation counts what the chat endpoint bills as prompt tokens
        HttpResponse<String> chat = http.send(post("/tokenize", "{\"messages\": [{\"role\": \"user\", \"content\":"
                + " \"Hi\"}]}"), HttpResponse.BodyHandlers.ofString());
        long billed = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hi").maxCompletionTokens(1).build()).usage().orElseThrow().promptTokens();
        assertThat(new tools.jackson.databind.ObjectMapper().readTree(chat.body()).get("count").asLong())
                .isEqualTo(billed);

        HttpResponse<String> back = http.send(post("/detokenize", "{\"tokens\": " + tokens + "}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(new tools.jackson.databind.ObjectMapper().readTree(back.body()).get("prompt").asString())
                .isEqualTo(PROMPT);
        HttpResponse<String> bad = http.send(post("/detokenize", "{\"tokens\": [1, 99999]}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(bad.body()).contains("\"param\":\"tokens\"").contains("element 1 is 99999");
    }

    @Test
    void shouldContinueTheFinalMessageWhenAsked() {
        // vLLM's continue_final_message: the reply the caller began is continued, not answered
        ChatCompletionCreateParams begun = ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Tell me a story.").addAssistantMessage("Once upon a").maxCompletionTokens(3)
                .temperature(0.0).putAdditionalBodyProperty("add_generation_prompt", JsonValue.from(false))
                .putAdditionalBodyProperty("continue_final_message", JsonValue.from(true)).build();
        String text = client.chat().completions().create(begun).choices().getFirst().message().content().orElseThrow();
        assertThat(text).startsWith(" time");
        assertThatThrownBy(() -> client.chat().completions().create(begun.toBuilder()
                .putAdditionalBodyProperty("add_generation_prompt", JsonValue.from(true)).build()))
                .isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.param()).contains("continue_final_message"));
    }

    @Test
    void shouldApplyLogitBiasToTheDraw() {
        var tokenizer = engine.model().tokenizer();
        int[] upon = tokenizer.encode("upon"); // "▁upon" and "▁the": one piece each in this 512-piece vocabulary
        int[] the = tokenizer.encode("the");
        assertThat(upon).hasSize(1);
        assertThat(the).hasSize(1);
        String plain = client.completions().create(completion("Once", 1).build()).choices().getFirst().text();
        assertThat(plain).isEqualTo(" upon");
        String banned = client.completions().create(completion("Once", 1)
                .logitBias(CompletionCreateParams.LogitBias.builder()
                        .putAdditionalProperty(String.valueOf(upon[0]), JsonValue.from(-100)).build())
                .build()).choices().getFirst().text();
        assertThat(banned).isNotEqualTo(plain).isNotBlank();
        String forced = client.completions().create(completion("Once", 2).temperature(1.0).seed(7)
                .logitBias(CompletionCreateParams.LogitBias.builder()
                        .putAdditionalProperty(String.valueOf(the[0]), JsonValue.from(100)).build())
                .build()).choices().getFirst().text();
        assertThat(forced).isEqualTo(" the the");
        assertThatThrownBy(() -> client.completions().create(completion("Once", 1)
                .logitBias(CompletionCreateParams.LogitBias.builder()
                        .putAdditionalProperty("100000", JsonValue.from(5)).build()).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.param()).contains("logit_bias");
                    assertThat(e.getMessage()).contains("100000 is outside the vocabulary");
                });
    }

    @Test
    void shouldCountUsageExactlyAndStopAtTheTokenLimit() {
        Completion completion = client.completions().create(completion(PROMPT, 25)
                .putAdditionalBodyProperty("ignore_eos", JsonValue.from(true)).build());
        var usage = completion.usage().orElseThrow();
        assertThat(usage.completionTokens()).isEqualTo(25);
        assertThat(usage.promptTokens()).isEqualTo(Prompts.text(engine.model().tokenizer(), PROMPT).length);
        assertThat(completion.choices().getFirst().finishReason()).isEqualTo(CompletionChoice.FinishReason.LENGTH);
    }

    @Test
    void shouldChatThroughTheTemplateAndStreamTheSameTextWithRoleFirstAndUsageLast() {
        ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Tell me a story about a cat.").maxCompletionTokens(30).temperature(0.0).build();
        ChatCompletion whole = client.chat().completions().create(params);
        String text = whole.choices().getFirst().message().content().orElseThrow();
        assertThat(text).isNotBlank();
        assertThat(whole.usage().orElseThrow().completionTokens()).isPositive().isLessThanOrEqualTo(30);

        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (StreamResponse<ChatCompletionChunk> stream = client.chat().completions().createStreaming(params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            stream.stream().forEach(chunks::add);
        }
        assertThat(chunks.getFirst().choices().getFirst().delta().role()).contains(
                ChatCompletionChunk.Choice.Delta.Role.ASSISTANT);
        String streamed = chunks.stream().flatMap(c -> c.choices().stream())
                .map(c -> c.delta().content().orElse("")).collect(Collectors.joining());
        assertThat(streamed).isEqualTo(text);
        ChatCompletionChunk last = chunks.getLast();
        assertThat(last.choices()).isEmpty();
        assertThat(last.usage().orElseThrow().completionTokens()).isEqualTo(whole.usage().orElseThrow().completionTokens());
        assertThat(chunks.get(chunks.size() - 2).choices().getFirst().finishReason()).isPresent();
    }

    @Test
    void shouldEndTheTextBeforeAStopString() {
        String free = client.completions().create(completion(PROMPT, 40).build()).choices().getFirst().text();
        String stop = free.substring(10, 13);
        Completion stopped = client.completions().create(completion(PROMPT, 40).stop(stop).build());
        var choice = stopped.choices().getFirst();
        assertThat(choice.text()).isEqualTo(free.substring(0, free.indexOf(stop)));
        assertThat(choice.finishReason()).isEqualTo(CompletionChoice.FinishReason.STOP);
        // streamed: the held-back text never leaks the stop string
        StringBuilder streamed = new StringBuilder();
        try (var stream = client.completions().createStreaming(completion(PROMPT, 40).stop(stop).build())) {
            stream.stream().forEach(c -> c.choices().forEach(x -> streamed.append(x.text())));
        }
        assertThat(streamed.toString()).isEqualTo(choice.text());
        // include_stop_str_in_output (vLLM): the text ends after the stop string instead
        String including = client.completions().create(completion(PROMPT, 40).stop(stop)
                .putAdditionalBodyProperty("include_stop_str_in_output", JsonValue.from(true)).build())
                .choices().getFirst().text();
        assertThat(including).isEqualTo(choice.text() + stop);
    }

    @Test
    void shouldGiveNChoicesThatRepeatWithTheSameSeed() {
        CompletionCreateParams params = CompletionCreateParams.builder().model(MODEL).prompt(PROMPT).maxTokens(20)
                .temperature(1.0).n(3).seed(1234).build();
        List<String> first = client.completions().create(params).choices().stream().map(CompletionChoice::text).toList();
        List<String> again = client.completions().create(params).choices().stream().map(CompletionChoice::text).toList();
        assertThat(first).hasSize(3).isEqualTo(again);
        assertThat(Set.copyOf(first)).as("different seeds per choice").hasSizeGreaterThan(1);
    }

    @Test
    void shouldReportLogprobsInBothFormats() {
        Completion legacy = client.completions().create(completion(PROMPT, 5).logprobs(2).build());
        var lp = legacy.choices().getFirst().logprobs().orElseThrow();
        assertThat(lp.tokens().orElseThrow()).hasSize(5);
        assertThat(lp.tokenLogprobs().orElseThrow()).allSatisfy(v -> assertThat(v).isLessThanOrEqualTo(0.0));
        assertThat(lp.topLogprobs().orElseThrow()).allSatisfy(m -> assertThat(m._additionalProperties()).isNotEmpty());

        ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hi").maxCompletionTokens(4).temperature(0.0).logprobs(true).topLogprobs(3).build());
        var content = chat.choices().getFirst().logprobs().orElseThrow().content().orElseThrow();
        assertThat(content).isNotEmpty().allSatisfy(t -> {
            assertThat(t.topLogprobs()).hasSize(3);
            assertThat(t.logprob()).isEqualTo(t.topLogprobs().getFirst().logprob()); // greedy: the best one
        });
    }

    @Test
    void shouldConstrainOutputToTheJsonSchemaEvenWhenSampling() throws Exception {
        Map<String, Object> properties = new LinkedHashMap<>(); // generated in declared order
        properties.put("name", Map.of("type", "string", "maxLength", 12));
        properties.put("age", Map.of("type", "integer"));
        properties.put("pet", Map.of("enum", List.of("cat", "dog")));
        var schema = ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty("properties", JsonValue.from(properties))
                .putAdditionalProperty("required", JsonValue.from(List.of("name", "age", "pet")))
                .putAdditionalProperty("additionalProperties", JsonValue.from(false))
                .build();
        var format = ResponseFormatJsonSchema.builder().jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder()
                .name("person").schema(schema).strict(true).build()).build();
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        for (long seed = 0; seed < 3; seed++) {
            ChatCompletion chat = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                    .addUserMessage("Describe a person as JSON.").maxCompletionTokens(120).temperature(1.0)
                    .seed(seed).responseFormat(format).build());
            var choice = chat.choices().getFirst();
            assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
            var json = mapper.readTree(choice.message().content().orElseThrow());
            assertThat(json.properties()).extracting(Map.Entry::getKey).containsExactly("name", "age", "pet");
            assertThat(json.get("name").isTextual()).isTrue();
            assertThat(json.get("name").asText().length()).isLessThanOrEqualTo(12);
            assertThat(json.get("age").isIntegralNumber()).isTrue();
            assertThat(json.get("pet").asText()).isIn("cat", "dog");
        }
        ChatCompletion object = client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("JSON please").maxCompletionTokens(200).temperature(0.7).seed(5L)
                .responseFormat(ResponseFormatJsonObject.builder().build()).build());
        if (object.choices().getFirst().finishReason() == ChatCompletion.Choice.FinishReason.STOP) {
            assertThat(mapper.readTree(object.choices().getFirst().message().content().orElseThrow()).isObject()).isTrue();
        }
    }

    @Test
    void shouldRefuseASchemaItCannotEnforceNamingTheKeyword() {
        var schema = ResponseFormatJsonSchema.JsonSchema.Schema.builder()
                .putAdditionalProperty("type", JsonValue.from("array"))
                .putAdditionalProperty("uniqueItems", JsonValue.from(true)).build();
        assertThatThrownBy(() -> client.chat().completions().create(ChatCompletionCreateParams.builder().model(MODEL)
                .addUserMessage("Hi").maxCompletionTokens(5).responseFormat(ResponseFormatJsonSchema.builder()
                        .jsonSchema(ResponseFormatJsonSchema.JsonSchema.builder().name("s").schema(schema).build())
                        .build()).build()))
                .isInstanceOfSatisfying(BadRequestException.class,
                        e -> assertThat(e.getMessage()).contains("uniqueItems"));
    }

    @Test
    void shouldRefuseAnUnknownModelWith404() {
        assertThatThrownBy(() -> client.completions().create(CompletionCreateParams.builder().model("gpt-4")
                .prompt(PROMPT).maxTokens(5).build()))
                .isInstanceOfSatisfying(NotFoundException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(404);
                    assertThat(e.getMessage()).contains("gpt-4");
                });
    }

    @Test
    void shouldRefuseARequestBeyondTheContextWith400NamingTheLimit() {
        int limit = engine.model().maxModelLen();
        assertThatThrownBy(() -> client.completions().create(completion(PROMPT, limit).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.getMessage()).contains("maximum context length is " + limit);
                    assertThat(e.param()).contains("max_tokens");
                });
        // the largest int: prompt + max_tokens overflowed an int and slipped past this check
        assertThatThrownBy(() -> client.completions().create(completion(PROMPT, Integer.MAX_VALUE).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> {
                    assertThat(e.getMessage()).contains("maximum context length is " + limit)
                            .contains(Integer.MAX_VALUE + " in the completion");
                    assertThat(e.param()).contains("max_tokens");
                });
        String longPrompt = "the cat sat. ".repeat(limit);
        assertThatThrownBy(() -> client.completions().create(completion(longPrompt, 5).build()))
                .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).contains("prompt"));
    }

    @Test
    void shouldAnswerBadRequestsWithOpenAiErrorBodies() throws Exception {
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> broken = http.send(post("/v1/completions", "{\"model\": \"stories260K\", \"prompt\": "),
                HttpResponse.BodyHandlers.ofString());
        assertThat(broken.statusCode()).isEqualTo(400);
        assertThat(broken.body()).contains("\"error\"").contains("\"type\":\"invalid_request_error\"");

        HttpResponse<String> temperature = http.send(post("/v1/completions",
                "{\"model\": \"stories260K\", \"prompt\": \"hi\", \"temperature\": -1}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(temperature.statusCode()).isEqualTo(400);
        assertThat(temperature.body()).contains("temperature");

        HttpResponse<String> topP = http.send(post("/v1/chat/completions", "{\"model\": \"stories260K\", \"messages\":"
                + " [{\"role\": \"user\", \"content\": \"hi\"}], \"top_p\": 0}"), HttpResponse.BodyHandlers.ofString());
        assertThat(topP.statusCode()).isEqualTo(400);
        assertThat(topP.body()).contains("\"param\":\"top_p\"").contains("top_p must be in (0, 1], got 0.0");

        HttpResponse<String> huge = http.send(post("/v1/completions",
                "{\"model\": \"stories260K\", \"prompt\": \"" + "a".repeat(70_000) + "\"}"),
                HttpResponse.BodyHandlers.ofString());
        assertThat(huge.statusCode()).isEqualTo(413);
        assertThat(huge.body()).contains("request_too_large");
    }

    @Test
    void shouldReportReadyHealthAndServingMetricsInPrometheusFormat() throws Exception {
        client.completions().create(completion(PROMPT, 8).build());
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> health = http.send(get("/health"), HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(health.body()).contains("\"status\":\"UP\"");
        HttpResponse<String> metrics = http.send(get("/metrics"), HttpResponse.BodyHandlers.ofString());
        assertThat(metrics.statusCode()).isEqualTo(200);
        assertThat(metrics.body()).contains(
                "quantserve_time_to_first_token_seconds_bucket",
                "quantserve_time_per_output_token_seconds_bucket",
                "quantserve_e2e_request_latency_seconds_count",
                "quantserve_request_queue_time_seconds_count",
                "quantserve_num_requests_running",
                "quantserve_num_requests_waiting",
                "quantserve_kv_cache_usage_ratio",
                "quantserve_prompt_tokens_total",
                "quantserve_generation_tokens_total",
                "quantserve_num_preemptions_total",
                "quantserve_prefix_cache_queries_total",
                "quantserve_prefix_cache_hits_total",
                "quantserve_requests_finished_total{reason=\"length\"}");
        double ttftCount = metrics.body().lines().filter(l -> l.startsWith("quantserve_time_to_first_token_seconds_count"))
                .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
        assertThat(ttftCount).isPositive();
    }

    @Test
    void shouldRefuseAutoToolChoiceWithoutAToolCallParserButHonourANamedOne() throws Exception {
        String toolList = "\"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\", \"parameters\":"
                + " {\"type\": \"object\", \"properties\": {\"a\": {\"type\": \"boolean\"}}, \"required\": [\"a\"],"
                + " \"additionalProperties\": false}}}]";
        HttpClient http = HttpClient.newHttpClient();
        HttpResponse<String> auto = http.send(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"hi\"}], " + toolList + "}"), HttpResponse.BodyHandlers.ofString());
        assertThat(auto.statusCode()).isEqualTo(400);
        assertThat(auto.body()).contains("\"param\":\"tool_choice\"", "--tool-call-parser");
        HttpResponse<String> named = http.send(post("/v1/chat/completions", "{\"messages\": [{\"role\": \"user\","
                + " \"content\": \"hi\"}], " + toolList + ", \"tool_choice\": {\"type\": \"function\", \"function\":"
                + " {\"name\": \"f\"}}, \"max_completion_tokens\": 60}"), HttpResponse.BodyHandlers.ofString());
        assertThat(named.statusCode()).as(named.body()).isEqualTo(200);
        var json = tools.jackson.databind.json.JsonMapper.builder().build();
        var call = json.readTree(named.body()).path("choices").get(0).path("message").path("tool_calls").get(0);
        assertThat(call.path("function").path("name").asString()).isEqualTo("f");
        assertThat(json.readTree(call.path("function").path("arguments").asString()).path("a").isBoolean()).isTrue();
    }

    private HttpRequest get(String path) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).GET().build();
    }

    private HttpRequest post(String path, String body) {
        return HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }
}
