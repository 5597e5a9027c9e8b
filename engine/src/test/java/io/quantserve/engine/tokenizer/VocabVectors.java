package io.quantserve.engine.tokenizer;

import io.quantserve.engine.testing.Fixtures;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** llama.cpp's vocabulary test vectors from the shared fixtures. */
public final class VocabVectors {
    private VocabVectors() {
    }

    public static Path vocab(String name) {
        return Fixtures.root().resolve("tokenizers/llama-cpp-vocab").resolve(name);
    }

    /** One test vector: an input string and the ids Hugging Face tokenizers produced (no BOS). */
    public record Case(int index, String text, int[] expected) {
        @Override
        public String toString() {
            String shown = text.length() > 40 ? text.substring(0, 40) + "…" : text;
            return "#" + index + " " + shown.replace("\n", "\\n").replace("\t", "\\t");
        }
    }

    /**
     * Reads {@code X.gguf.inp} / {@code X.gguf.out}: inputs are separated by
     * "\n__ggml_vocab_test__\n" (the way llama.cpp's test-tokenizer-0 splits them), outputs are
     * one line of space-separated ids per input.
     */
    public static List<Case> cases(String ggufName) throws IOException {
        String inp = Files.readString(vocab(ggufName + ".inp"), StandardCharsets.UTF_8);
        List<String> out = Files.readAllLines(vocab(ggufName + ".out"), StandardCharsets.UTF_8);
        String sep = "\n__ggml_vocab_test__\n";
        List<String> texts = new ArrayList<>();
        int pos = 0;
        while (pos < inp.length()) {
            int next = inp.indexOf(sep, pos);
            if (next < 0) {
                next = inp.length();
            }
            texts.add(inp.substring(pos, next));
            pos = next + sep.length();
        }
        if (texts.size() != out.size()) {
            throw new IllegalStateException(ggufName + ": " + texts.size() + " inputs but " + out.size() + " outputs");
        }
        List<Case> cases = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            String line = out.get(i).strip();
            int[] ids = line.isEmpty() ? new int[0] : Arrays.stream(line.split("\\s+")).mapToInt(Integer::parseInt).toArray();
            cases.add(new Case(i, texts.get(i), ids));
        }
        return cases;
    }
}
