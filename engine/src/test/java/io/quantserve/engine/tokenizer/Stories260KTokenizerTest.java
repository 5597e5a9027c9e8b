package io.quantserve.engine.tokenizer;

import io.quantserve.engine.testing.Fixtures;

import io.quantserve.engine.format.gguf.GgufFile;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

import java.io.IOException;

import static org.assertj.core.api.Assertions.assertThat;

/** The 512-piece tokenizer inside the real stories260K GGUF model. */
class Stories260KTokenizerTest {
    private static Tokenizer tokenizer;

    @BeforeAll
    static void load() throws IOException {
        try (GgufFile gguf = GgufFile.open(Fixtures.root().resolve("models/stories260K.gguf"))) {
            tokenizer = Tokenizers.fromGguf(gguf);
        }
    }

    @Test
    void vocabulary() {
        assertThat(tokenizer.vocabSize()).isEqualTo(512);
        assertThat(tokenizer.bosId()).hasValue(1);
        assertThat(tokenizer.eosIds()).containsExactly(2);
        assertThat(tokenizer.addBosByDefault()).isTrue();
        assertThat(tokenizer.tokenText(1)).isEqualTo("<s>");
    }

    @Test
    void encodesThePromptAsTheModelContinuesIt() {
        int[] ids = tokenizer.encode("Once upon a time");
        // the model's own greedy output from BOS starts with exactly these four tokens
        assertThat(ids).containsExactly(403, 407, 261, 378);
        assertThat(tokenizer.decode(ids)).isEqualTo("Once upon a time");
    }

    @Test
    void decodesGoldenGreedyOutput() throws IOException {
        JsonNode golden = new ObjectMapper().readTree(Fixtures.root().resolve("models/stories260K/golden.json").toFile());
        int[] ids = new int[golden.get("greedy_from_bos_40").size()];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = golden.get("greedy_from_bos_40").get(i).asInt();
        }
        String text = golden.get("greedy_from_bos_40_text").asString();
        // the golden text keeps the dummy-prefix space; decode drops it as Hugging Face does
        assertThat(tokenizer.decode(ids)).isEqualTo(text.stripLeading());
        StreamingDecoder stream = tokenizer.newStreamingDecoder(true);
        StringBuilder sb = new StringBuilder(stream.accept(1));
        for (int id : ids) {
            sb.append(stream.accept(id));
        }
        assertThat(sb.append(stream.finish()).toString()).isEqualTo(text.stripLeading());
        assertThat(tokenizer.encode(text.stripLeading())).startsWith(403, 407, 261, 378);
    }
}
