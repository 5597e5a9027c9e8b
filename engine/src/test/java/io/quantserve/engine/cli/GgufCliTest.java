package io.quantserve.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

/** The CLI runs a llama.cpp GGUF file given as --model. */
class GgufCliTest {
    @Test
    void generateFromStories260KGgufPrintsLlamaCppsText() {
        CliTest.Run r = CliTest.run("generate", "--model", Fixtures.root().resolve("models/stories260K.gguf").toString(),
                "--prompt", "Once upon a time", "--temperature", "0", "--max-tokens", "40");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Once upon a time, there was a little girl named Lily.");
    }

    @Test
    void continuationAfterAWordKeepsItsSpace() {
        // " upon" continues "Once": the dummy-prefix space is dropped only at the start of the whole text
        CliTest.Run r = CliTest.run("generate", "--model", Fixtures.root().resolve("models/stories260K.gguf").toString(),
                "--prompt", "Once", "--temperature", "0", "--max-tokens", "6");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Once upon a time, there");
    }
}
