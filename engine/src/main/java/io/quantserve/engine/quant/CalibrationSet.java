package io.quantserve.engine.quant;

import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.serve.EngineCore;
import io.quantserve.engine.serve.EngineRequest;
import io.quantserve.engine.serve.FinishReason;
import io.quantserve.engine.serve.RequestOutput;
import io.quantserve.engine.serve.SchedulerConfig;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.function.BooleanSupplier;
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

    /** Sequences {@link #sampled} runs at once at most. */
    static final int SAMPLED_AT_ONCE = 32;
    /**
     * The KV cache {@link #sampled} may take, at most an eighth of the heap: fewer sequences at once for a model with a
     * larger cache per token.
     */
    static final long SAMPLING_CACHE_BYTES = 1L << 30;

    /**
     * Samples sequences from the model itself at temperature 1 (sequence i seeded with {@code seed + i}), starting from
     * BOS: calibration without data. They run together through the engine's continuous batching, so each step reads
     * the weights once for up to {@value #SAMPLED_AT_ONCE} sequences instead of once for one. {@code progress} hears
     * (sequences done, samples, "calibrate") as they finish; {@code cancelled} is asked before every step and throws
     * {@link CancellationException} when it says so.
     */
    public static CalibrationSet sampled(LlamaModel model, int bos, int samples, int seqLen, long seed,
            LayerwiseQuantizer.Progress progress, BooleanSupplier cancelled) {
        if (samples < 1 || seqLen < 2) {
            throw new IllegalArgumentException("sampling calibration data needs at least one sequence of 2 tokens, not "
                    + samples + " x " + seqLen);
        }
        int blockSize = KvCachePool.DEFAULT_BLOCK_SIZE;
        int blocksPerSequence = Math.ceilDiv(seqLen, blockSize);
        long bytesPerSequence = blocksPerSequence * KvCachePool.bytesPerBlock(model.config(), blockSize);
        long cacheBytes = Math.min(SAMPLING_CACHE_BYTES, Runtime.getRuntime().maxMemory() / 8);
        int atOnce = (int) Math.max(1, Math.min(Math.min(samples, SAMPLED_AT_ONCE), cacheBytes / bytesPerSequence));
        EngineCore core = new EngineCore(model, new KvCachePool(model.config(), blockSize, atOnce * blocksPerSequence),
                new SchedulerConfig(atOnce, atOnce));
        int[][] sequences = new int[samples][seqLen];
        int[] lengths = new int[samples];
        for (int i = 0; i < samples; i++) {
            sequences[i][0] = bos;
            lengths[i] = 1;
            SamplingParams sampling = SamplingParams.defaults().withTemperature(1f).withSeed(seed + i);
            core.add(new EngineRequest(String.valueOf(i), new int[] {bos}, sampling, seqLen - 1, Set.of()), out -> { });
        }
        int done = 0;
        while (core.hasWork()) {
            if (cancelled.getAsBoolean()) {
                throw new CancellationException("cancelled while sampling calibration data (" + done + " of " + samples
                        + " sequences done)");
            }
            for (RequestOutput out : core.step()) {
                int i = Integer.parseInt(out.requestId());
                for (int token : out.newTokens()) {
                    sequences[i][lengths[i]++] = token;
                }
                if (out.finished()) {
                    if (out.finishReason() != FinishReason.LENGTH) {
                        throw new IllegalStateException("sampling calibration sequence " + i + " ended early: "
                                + out.finishReason() + (out.error() != null ? " (" + out.error() + ")" : ""));
                    }
                    progress.update(++done, samples, "calibrate");
                }
            }
        }
        return new CalibrationSet(Arrays.asList(sequences), "sampled from the model (" + samples + " x " + seqLen
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
