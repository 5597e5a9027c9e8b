package io.quantserve.engine.cli;

import static io.quantserve.engine.cli.CliTest.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.cli.CliTest.Run;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.testing.Fixtures;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SynthModelCliTest {
    @TempDir
    Path dir;

    @Test
    void synthModelWithTheLlama2TokenizerWritesAFolderThatServesText() throws Exception {
        Path out = dir.resolve("small");
        Run r = run("synth-model", "--shape", "small", "--dtype", "bf16", "--out", out.toString(),
                "--tokenizer", Fixtures.root().resolve("tokenizers/llama2/tokenizer.model").toString(), "--seed", "3");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("wrote " + out).contains("small").contains("bf16");

        try (LoadedModel loaded = LoadedModel.open(out)) {
            assertThat(loaded.tokenizer()).isPresent();
            assertThat(loaded.tokenizer().get().vocabSize()).isEqualTo(32000);
            assertThat(loaded.tokenizer().get().encode("Hello world")).isNotEmpty();
        }
        Run generated = run("generate", "--model", out.toString(), "--prompt", "Once upon a time", "--max-tokens", "8",
                "--temperature", "0");
        assertThat(generated.exitCode()).as(generated.err()).isZero();
        assertThat(generated.err()).contains("generated");
    }

    @Test
    void unknownShapeExitsWithTwoAndNamesTheKnownOnes() {
        Run r = run("synth-model", "--shape", "huge", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains("huge").contains("small").doesNotContain("\n");
        assertThat(dir.resolve("x")).doesNotExist();
    }

    @Test
    void unknownDtypeExitsWithTwo() {
        Run r = run("synth-model", "--shape", "tiny", "--dtype", "q4", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--dtype").contains("q4");
    }

    @Test
    void helpListsTheOptions() {
        Run r = run("synth-model", "--help");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("--shape").contains("--out").contains("--dtype").contains("--tokenizer")
                .contains("--seed");
    }
}
