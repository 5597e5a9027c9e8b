package io.quantserve.engine.benchserve;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/** The prompts of a run. */
public final class Dataset {
    /**
     * Default range of random token ids. Low ids are often special or byte tokens (BOS/EOS/padding, byte fallbacks);
     * ids 100..999 are ordinary tokens in Llama, Mistral, Qwen and GPT-2 vocabularies, so the server neither stops
     * early nor rejects them. Models with a smaller vocabulary need a narrower range.
     */
    public static final int DEFAULT_MIN_TOKEN = 100;
    public static final int DEFAULT_MAX_TOKEN = 999;

    private static final ObjectMapper JSON = new ObjectMapper();

    private Dataset() {
    }

    /**
     * {@code n} prompts of exactly {@code inputLen} token ids, uniform in {@code minToken..maxToken} (inclusive), from
     * the seeded RNG. Sending ids rather than text makes the input length exact without a tokenizer.
     */
    public static List<BenchRequest> random(int n, int inputLen, int outputLen, int minToken, int maxToken, Random random) {
        if (inputLen < 1) {
            throw new IllegalArgumentException("input length must be at least 1, got " + inputLen);
        }
        if (minToken < 0 || maxToken < minToken) {
            throw new IllegalArgumentException("bad token range " + minToken + ".." + maxToken);
        }
        List<BenchRequest> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int[] ids = new int[inputLen];
            for (int j = 0; j < inputLen; j++) {
                ids[j] = minToken + random.nextInt(maxToken - minToken + 1);
            }
            requests.add(BenchRequest.ofTokens(ids, outputLen));
        }
        return requests;
    }

    /**
     * {@code n} prompts from a JSON Lines file: one object per line with a {@code "prompt"} string and an optional
     * positive integer {@code "output_len"} overriding {@code outputLen}. Blank lines are skipped; a file with fewer
     * prompts than {@code n} is cycled. Any bad line fails the whole run up front, naming the file and line, rather
     * than surfacing as failed requests later.
     */
    public static List<BenchRequest> jsonLines(Path file, int n, int outputLen) throws IOException {
        List<BenchRequest> prompts = new ArrayList<>();
        try (BufferedReader reader = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNumber = 0;
            while ((line = reader.readLine()) != null) {
                lineNumber++;
                if (!line.isBlank()) {
                    prompts.add(parseLine(file, lineNumber, line, outputLen));
                }
            }
        }
        if (prompts.isEmpty()) {
            throw new IllegalArgumentException(file + ": no prompts (expected JSON Lines with a \"prompt\" per line)");
        }
        List<BenchRequest> requests = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            requests.add(prompts.get(i % prompts.size()));
        }
        return requests;
    }

    private static BenchRequest parseLine(Path file, int lineNumber, String line, int outputLen) {
        String where = file + ":" + lineNumber + ": ";
        JsonNode node;
        try {
            node = JSON.readTree(line);
        } catch (JacksonException e) {
            throw new IllegalArgumentException(where + "not valid JSON (" + e.getOriginalMessage() + ")");
        }
        if (node == null || !node.isObject()) {
            throw new IllegalArgumentException(where + "expected a JSON object with a \"prompt\" string");
        }
        JsonNode prompt = node.get("prompt");
        if (prompt == null || !prompt.isString() || prompt.asString().isEmpty()) {
            throw new IllegalArgumentException(where + "\"prompt\" must be a non-empty string");
        }
        int tokens = outputLen;
        JsonNode override = node.get("output_len");
        if (override != null && !override.isNull()) {
            if (!override.isIntegralNumber() || !override.canConvertToInt() || override.asInt() < 1) {
                throw new IllegalArgumentException(where + "\"output_len\" must be a positive integer, got " + override);
            }
            tokens = override.asInt();
        }
        return BenchRequest.ofText(prompt.asString(), tokens);
    }
}
