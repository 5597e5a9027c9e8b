package io.quantserve.engine.quant;

import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.sampling.Sampler;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;

/**
 * Token sequences the quantizer feeds through the model to see real activations. Read from a token-id file (one
 * sequence per line), a text file (paragraphs) or JSONL ({@code text} field) tokenized with the model's tokenizer
 * — texts are concatenated and cut into blocks of the sequence length, as AutoAWQ does — or, with no data, sampled
 * from the model itself.
 *
 * @param source what the sequences came from, for the report
 */
public record CalibrationSet(List<int[]> sequences, String source, boolean selfGenerated) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public int tokens() {
        return sequences.stream().mapToInt(s -> s.length).sum();
    }

    /** Reads {@code file}: token ids when every line is numbers, else text (JSONL when it ends in .jsonl). */
    public static CalibrationSet read(Path file, Tokenizer tokenizer, int samples, int seqLen) throws IOException {
        List<String> lines = Files.readAllLines(file);
        boolean ids = !lines.isEmpty() && lines.stream().allMatch(l -> l.isBlank() || l.strip().matches("[0-9,\\s]+"));
        if (ids) {
            List<int[]> sequences = new ArrayList<>();
            for (int i = 0; i < lines.size() && sequences.size() < samples; i++) {
                if (!lines.get(i).isBlank()) {
                    int[] seq = Arrays.stream(lines.get(i).strip().split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
                    sequences.add(Arrays.copyOf(seq, Math.min(seq.length, seqLen)));
                }
            }
            return new CalibrationSet(sequences, file + " (token ids)", false);
        }
        if (tokenizer == null) {
            throw new IllegalArgumentException(file + ": calibration text needs a tokenizer, and the model has none");
        }
        List<String> texts = file.toString().endsWith(".jsonl") ? jsonlTexts(file, lines) : paragraphs(lines);
        List<Integer> all = new ArrayList<>();
        for (String text : texts) {
            for (int id : tokenizer.encode(text)) {
                all.add(id);
            }
        }
        List<int[]> sequences = new ArrayList<>();
        for (int start = 0; start + seqLen <= all.size() && sequences.size() < samples; start += seqLen) {
            sequences.add(all.subList(start, start + seqLen).stream().mapToInt(Integer::intValue).toArray());
        }
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException(file + ": " + all.size() + " tokens of text, fewer than one sequence of "
                    + seqLen + " (lower --seq-len or give more text)");
        }
        return new CalibrationSet(sequences, file + " (" + texts.size() + " texts)", false);
    }

    /** Samples sequences from the model itself at temperature 1, starting from BOS: calibration without data. */
    public static CalibrationSet sampled(LlamaModel model, int bos, int samples, int seqLen, long seed) {
        List<int[]> sequences = new ArrayList<>();
        for (int s = 0; s < samples; s++) {
            Sampler sampler = new Sampler(SamplingParams.defaults().withTemperature(1f).withSeed(seed + s),
                    model.config().vocabSize());
            InferenceState state = model.newState(seqLen);
            int[] seq = new int[seqLen];
            seq[0] = bos;
            float[] logits = model.forward(state, new int[] {bos}, 0, false);
            for (int t = 1; t < seqLen; t++) {
                seq[t] = sampler.next(logits);
                sampler.accept(seq[t]);
                if (t + 1 < seqLen) {
                    logits = model.forward(state, new int[] {seq[t]}, t, false);
                }
            }
            sequences.add(seq);
        }
        return new CalibrationSet(sequences, "sampled from the model (" + samples + " x " + seqLen
                + " tokens, temperature 1, seed " + seed + ")", true);
    }

    private static List<String> jsonlTexts(Path file, List<String> lines) {
        List<String> texts = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).isBlank()) {
                continue;
            }
            JsonNode text = JSON.readTree(lines.get(i)).get("text");
            if (text == null || !text.isString()) {
                throw new IllegalArgumentException(file + " line " + (i + 1) + ": no \"text\" string field");
            }
            texts.add(text.asString());
        }
        return texts;
    }

    private static List<String> paragraphs(List<String> lines) {
        List<String> texts = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        for (String line : lines) {
            if (line.isBlank()) {
                if (!current.isEmpty()) {
                    texts.add(current.toString());
                    current.setLength(0);
                }
            } else {
                current.append(current.isEmpty() ? "" : "\n").append(line);
            }
        }
        if (!current.isEmpty()) {
            texts.add(current.toString());
        }
        return texts;
    }
}
