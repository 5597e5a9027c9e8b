package io.quantserve.engine.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.guided.GuidedVocabulary;
import io.quantserve.engine.guided.SchemaValidator;
import io.quantserve.engine.guided.Schemas;
import io.quantserve.engine.guided.StructuredOutput;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

/** Structured output through continuous batching on stories260K: sampled output is a document of the schema. */
class EngineCoreStructuredOutputTest {
    private static LoadedModel loaded;
    private static Tokenizer tokenizer;

    @BeforeAll
    static void open() throws Exception {
        loaded = LoadedModel.open(Fixtures.model("stories260K.gguf"));
        tokenizer = loaded.tokenizer().orElseThrow();
    }

    @AfterAll
    static void close() throws Exception {
        loaded.close();
    }

    private static int[] prompt(String text) {
        int[] ids = tokenizer.encode(text);
        int[] withBos = new int[ids.length + 1];
        withBos[0] = tokenizer.bosId().orElseThrow();
        System.arraycopy(ids, 0, withBos, 1, ids.length);
        return withBos;
    }

    @Test
    void shouldFinishSampledRequestsWithDocumentsOfTheirSchema() {
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer, loaded.eosIds());
        List<JsonNode> schemas = List.of(Schemas.parse(Schemas.PERSON), Schemas.parse(Schemas.TREE),
                Schemas.parse(Schemas.PERSON), Schemas.parse("""
                        {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]},
                         "why": {"type": "string", "maxLength": 30}}, "required": ["answer", "why"]}"""));
        EngineCore core = new EngineCore(loaded.model(), new KvCachePool(loaded.config(), 16, 128),
                new SchedulerConfig(64, 8));
        Map<String, List<RequestOutput>> outputs = new HashMap<>();
        List<EngineRequest> requests = new ArrayList<>();
        for (int i = 0; i < schemas.size(); i++) {
            EngineRequest r = new EngineRequest("json-" + i, prompt("Once upon a time"),
                    SamplingParams.defaults().withSeed(100 + i), 400, loaded.eosIds(), -1,
                    StructuredOutput.jsonSchema(schemas.get(i), vocabulary));
            requests.add(r);
            List<RequestOutput> mine = new ArrayList<>();
            outputs.put(r.id(), mine);
            core.add(r, mine::add);
        }
        // an unconstrained neighbour in the same batches keeps its own tokens
        core.add(new EngineRequest("free", prompt("Once upon a time"), SamplingParams.greedy(), 20, loaded.eosIds()),
                o -> { });
        for (int steps = 0; core.hasWork(); steps++) {
            assertThat(steps).as("steps").isLessThan(2000);
            core.step();
        }
        for (int i = 0; i < schemas.size(); i++) {
            List<RequestOutput> got = outputs.get("json-" + i);
            assertThat(got.getLast().finishReason()).as("json-%d", i).isEqualTo(FinishReason.STOP);
            int[] tokens = got.stream().flatMapToInt(o -> Arrays.stream(o.newTokens())).toArray();
            String text = tokenizer.decode(tokens);
            JsonNode doc = Schemas.MAPPER.readTree(text);
            assertThat(SchemaValidator.problems(schemas.get(i), doc)).as("json-%d: %s", i, text).isEmpty();
            assertThat(IntStream.of(tokens).noneMatch(t -> tokenizer.isSpecial(t))).isTrue();
        }
    }
}
