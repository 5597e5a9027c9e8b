package io.quantserve.engine.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import io.quantserve.engine.format.safetensors.SafetensorsFile;
import io.quantserve.engine.gpu.CudaProbe;
import io.quantserve.engine.testing.Fixtures;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI forms other checks depend on, run in-process. */
class CliTest {
    @TempDir
    Path dir;

    record Run(int exitCode, String out, String err) {
    }

    static Run run(String... args) {
        CommandLine cli = QuantServeCli.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void logitsWritesOneF32TensorOfTokensByVocab() throws Exception {
        Path out = dir.resolve("l.safetensors");
        Run r = run("logits", "--model", Fixtures.model("tiny-llama").toString(), "--ids", "1,5,9", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        try (SafetensorsFile f = SafetensorsFile.open(out)) {
            assertThat(f.tensors()).containsOnlyKeys("logits");
            assertThat(f.tensors().get("logits").shape()).containsExactly(3, 384);
        }
    }

    @Test
    void perplexityOfStoriesEvaluationLinesMatchesTheFloat32Reference() throws Exception {
        List<String> lines = Files.readAllLines(Fixtures.model("stories260K").resolve("samples.txt"));
        Path eval = dir.resolve("eval.txt");
        Files.write(eval, lines.subList(12, 24));
        Run r = run("perplexity", "--model", Fixtures.model("stories260K").toString(), "--ids-file", eval.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        String[] out = r.out().strip().split("\n");
        assertThat(out[out.length - 2]).startsWith("tokens/s: ");
        double ppl = Double.parseDouble(out[out.length - 1].replace("perplexity: ", ""));
        assertThat(ppl).isCloseTo(3.4802266443791896, org.assertj.core.data.Offset.offset(1e-3));
    }

    @Test
    void missingModelFolderExitsWithTwoAndNamesIt() {
        Run r = run("logits", "--model", dir.resolve("nope").toString(), "--ids", "1", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err().strip()).startsWith("error: ").contains("nope").doesNotContain("\n");
    }

    @Test
    void corruptSafetensorsExitsWithTwoAndNamesTheFile() throws Exception {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        Files.copy(Fixtures.model("tiny-llama").resolve("config.json"), model.resolve("config.json"));
        Files.write(model.resolve("model.safetensors"), new byte[] {1, 2, 3});
        Run r = run("logits", "--model", model.toString(), "--ids", "1", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("model.safetensors").contains("corrupt");
    }

    @Test
    void unknownArchitectureExitsWithTwoAndNamesIt() throws Exception {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        Files.writeString(model.resolve("config.json"), Files.readString(Fixtures.model("tiny-llama").resolve("config.json"))
                .replace("LlamaForCausalLM", "GPTNeoXForCausalLM"));
        Run r = run("logits", "--model", model.toString(), "--ids", "1", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("config.json").contains("GPTNeoXForCausalLM");
    }

    @Test
    void tokenOutsideTheVocabularyExitsWithTwo() {
        Run r = run("logits", "--model", Fixtures.model("tiny-llama").toString(), "--ids", "1,999999",
                "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("999999");
    }

    @Test
    void shapeMismatchExitsWithTwoAndNamesTheTensor() throws Exception {
        Path model = dir.resolve("m");
        Files.createDirectories(model);
        Files.copy(Fixtures.model("tiny-llama").resolve("model.safetensors"), model.resolve("model.safetensors"));
        Files.writeString(model.resolve("config.json"), Files.readString(Fixtures.model("tiny-llama").resolve("config.json"))
                .replace("\"intermediate_size\": 176", "\"intermediate_size\": 170"));
        Run r = run("logits", "--model", model.toString(), "--ids", "1", "--out", dir.resolve("x").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("gate_proj").contains("shape");
    }

    @Test
    void generateWithIdsPrintsTheGreedyIdsOnOneLine() {
        Run r = run("generate", "--model", Fixtures.model("stories260K").toString(), "--ids", "1", "--max-tokens", "8",
                "--temperature", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out().strip()).isEqualTo("403,407,261,378,432,383,286,261");
    }

    @Test
    void generateWithAPromptStreamsTheContinuation() {
        Run r = run("generate", "--model", Fixtures.model("stories260K").toString(),
                "--tokenizer", Fixtures.root().resolve("models/stories260K.gguf").toString(),
                "--prompt", "Once upon a time", "--max-tokens", "12", "--temperature", "0");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).startsWith("Once upon a time, there was a little girl named Lily.");
    }

    @Test
    void generateWithAPromptButNoTokenizerSaysWhatIsMissing() {
        Run r = run("generate", "--model", Fixtures.model("stories260K").toString(), "--prompt", "Hi");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("no tokenizer.json or tokenizer.model");
    }

    @Test
    void chatAnswersEachLineUntilAnEmptyOne() {
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Tell me a story\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Run r = run("chat", "--model", Fixtures.model("stories260K").toString(),
                    "--tokenizer", Fixtures.root().resolve("models/stories260K.gguf").toString(),
                    "--max-tokens", "8", "--temperature", "0");
            assertThat(r.exitCode()).as(r.err()).isZero();
            assertThat(r.out()).startsWith("> ").endsWith("> ");
            assertThat(r.out().length()).isGreaterThan(6);
            assertThat(r.err()).contains("no chat template");
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void chatAndGenerateRunOnTheBackendAskedForAndRefuseCudaWithoutADevice() {
        assumeFalse(CudaProbe.probe().available(), "a CUDA device is present: the GPU device tests cover --backend cuda");
        java.io.InputStream stdin = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("Hi\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Run cpu = run("chat", "--model", Fixtures.model("stories260K").toString(), "--backend", "cpu",
                    "--tokenizer", Fixtures.root().resolve("models/stories260K.gguf").toString(),
                    "--max-tokens", "4", "--temperature", "0");
            assertThat(cpu.exitCode()).as(cpu.err()).isZero();
            System.setIn(new java.io.ByteArrayInputStream("Hi\n\n".getBytes(java.nio.charset.StandardCharsets.UTF_8)));
            Run cuda = run("chat", "--model", Fixtures.model("stories260K").toString(), "--backend", "cuda",
                    "--tokenizer", Fixtures.root().resolve("models/stories260K.gguf").toString());
            assertThat(cuda.exitCode()).isNotZero();
            assertThat(cuda.err()).contains("cuda").contains("no CUDA device");
            Run generate = run("generate", "--model", Fixtures.model("stories260K").toString(), "--backend", "cuda",
                    "--ids", "1,2");
            assertThat(generate.exitCode()).isNotZero();
            assertThat(generate.err()).contains("no CUDA device");
        } finally {
            System.setIn(stdin);
        }
    }

    @Test
    void quantizeWritesTheOutputFolderAndBadOptionsExitWithTwo() throws Exception {
        Path out = dir.resolve("rtn");
        Run r = run("quantize", "--model", Fixtures.model("stories260K").toString(), "--method", "rtn", "--bits", "4",
                "--group-size", "-1", "--samples", "2", "--seq-len", "16", "--out", out.toString());
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(out.resolve("quantization_report.json")).exists();
        assertThat(out.resolve("model.safetensors")).exists();
        assertThat(r.out()).startsWith("rtn 4-bit (gptq) written to " + out);
        Run gguf = run("quantize", "--model", Fixtures.model("stories260K").toString(), "--method", "gguf",
                "--gguf-type", "q8_0", "--out", dir.resolve("gguf").toString());
        assertThat(gguf.out()).as(gguf.err()).startsWith("gguf q8_0 (gguf) written to "); // its type, not --bits

        Run bad = run("quantize", "--model", Fixtures.model("stories260K").toString(), "--method", "rtn", "--bits", "5",
                "--out", dir.resolve("x").toString());
        assertThat(bad.exitCode()).isEqualTo(2);
        assertThat(bad.err()).contains("--bits");
        Run unknown = run("quantize", "--model", Fixtures.model("stories260K").toString(), "--method", "magic",
                "--out", dir.resolve("y").toString());
        assertThat(unknown.exitCode()).isEqualTo(2);
        assertThat(unknown.err()).contains("magic");
    }
}
