package io.quantserve.engine.serve;

import io.quantserve.engine.bench.BenchWeights;
import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.kvcache.BlockTable;
import io.quantserve.engine.kvcache.KvCachePool;
import io.quantserve.engine.model.BatchSegment;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.sampling.SamplingParams;
import io.quantserve.engine.testing.Fixtures;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.lang.foreign.Arena;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.IntStream;

/**
 * What speculative decoding with n-gram drafts gains, not a test: run its main from the test classpath.
 *
 * <p>1. stories260K (a trained model) continuing story openings, greedy, 256 tokens each, one request at a time and
 * eight at once: output tokens/s, drafted and accepted tokens, with drafting off and on.
 * <p>2. What verifying costs where weights are large: one engine forward of a sequence's decode token alone and with
 * k drafted tokens, on the synthetic Llama-1B shape (q4_0, bf16 and f32 weights), one sequence and eight — the ratio
 * is the number of tokens per step that drafting must gain to pay.
 */
public final class SpeculativeBenchmark {
    private static final List<String> OPENINGS = List.of("Once upon a time, there was a little girl named Lily.",
            "Tom had a red ball.", "One day, a cat and a dog went to the park.", "The sun was hot.",
            "Sue liked to sing.", "There was a big tree in the garden.", "Ben wanted a cake.",
            "Anna and her mom went to the store.");
    private static final int OUTPUT = 256;

    private SpeculativeBenchmark() {
    }

    /** Arguments: the parts to run, {@code stories} and weight formats (default: stories q4_0 bf16 f32). */
    public static void main(String[] args) throws Exception {
        List<String> parts = args.length > 0 ? List.of(args) : List.of("stories", "q4_0", "bf16", "f32");
        for (String part : parts) {
            if (part.equals("stories")) {
                stories();
            } else {
                verifyCost(part);
            }
        }
    }

    private static void stories() throws Exception {
        try (LoadedModel loaded = LoadedModel.open(Fixtures.model("stories260K.gguf"))) {
            Tokenizer tokenizer = loaded.tokenizer().orElseThrow();
            List<int[]> prompts = OPENINGS.stream().map(text -> {
                int[] ids = tokenizer.encode(text);
                int[] withBos = new int[ids.length + 1];
                withBos[0] = 1;
                System.arraycopy(ids, 0, withBos, 1, ids.length);
                return withBos;
            }).toList();
            List<SpeculativeConfig> configs = new ArrayList<>();
            configs.add(null);
            configs.add(new SpeculativeConfig(2, 2, 3));
            configs.add(new SpeculativeConfig(4, 1, 3));
            configs.add(new SpeculativeConfig(5, 5, 5)); // vLLM's defaults for the n-gram bounds
            System.out.println("stories260K, greedy, " + prompts.size() + " openings x " + OUTPUT + " tokens");
            System.out.println("| drafting | at once | output tok/s | engine steps | drafted | accepted | accepted per"
                    + " verifying step |");
            System.out.println("|---|---|---|---|---|---|---|");
            for (int atOnce : new int[] {1, 8}) {
                for (SpeculativeConfig config : configs) {
                    run(loaded.model(), prompts, config, atOnce, false); // warm-up
                    run(loaded.model(), prompts, config, atOnce, true);
                }
            }
        }
    }

    private static void run(LlamaModel model, List<int[]> prompts, SpeculativeConfig config, int atOnce,
            boolean print) {
        long tokens = 0;
        long steps = 0;
        long start = System.nanoTime();
        EngineStats last = null;
        try (CpuBatchRunner runner = new CpuBatchRunner(model, new KvCachePool(model.config(), 16, 256), 512)) {
            EngineCore core = new EngineCore(runner, new SchedulerConfig(512, 8), config);
            for (int from = 0; from < prompts.size(); from += atOnce) {
                for (int i = from; i < from + atOnce; i++) {
                    core.add(new EngineRequest("r" + i, prompts.get(i), SamplingParams.greedy(), OUTPUT, Set.of()),
                            out -> { });
                }
                while (core.hasWork()) {
                    core.step();
                    steps++;
                }
            }
            last = core.stats();
            tokens = last.generationTokens();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (print) {
            System.out.printf("| %s | %d | %.0f | %d | %d | %d | %.2f |%n", describe(config), atOnce, tokens / seconds,
                    steps, last.specDraftTokens(), last.specAcceptedTokens(),
                    last.specDrafts() == 0 ? 0.0 : (double) last.specAcceptedTokens() / last.specDrafts());
        }
    }

    private static String describe(SpeculativeConfig config) {
        return config == null ? "off" : "k " + config.numSpeculativeTokens() + ", n " + config.promptLookupMin() + "-"
                + config.promptLookupMax();
    }

    /** Median time of a forward of {@code sequences} decoding sequences at position 128, each with k drafts. */
    private static void verifyCost(String weights) {
        try (Arena arena = Arena.ofShared()) {
            LlamaModel model = BenchWeights.build(weights, SyntheticModels.byName("llama-1b"), arena);
            System.out.println();
            System.out.println("llama-1b shape, " + weights + ": one forward of the decode token + k drafted tokens"
                    + " at position 128 (median of 7), and its cost over k = 0's");
            System.out.println("| sequences | k = 0 (ms) | k = 1 | k = 2 | k = 4 | k = 8 |");
            System.out.println("|---|---|---|---|---|---|");
            try (CpuBatchRunner runner = new CpuBatchRunner(model, new KvCachePool(model.config(), 16, 8 * 10), 512)) {
                for (int sequences : new int[] {1, 8}) {
                    StringBuilder row = new StringBuilder("| " + sequences + " |");
                    double base = 0;
                    for (int k : new int[] {0, 1, 2, 4, 8}) {
                        double ms = medianForwardMs(runner, sequences, k);
                        if (k == 0) {
                            base = ms;
                            row.append(String.format(" %.1f |", ms));
                        } else {
                            row.append(String.format(" %.2fx |", ms / base));
                        }
                    }
                    System.out.println(row);
                }
            }
        }
    }

    private static double medianForwardMs(CpuBatchRunner runner, int sequences, int k) {
        List<BatchSegment> segments = new ArrayList<>();
        for (int s = 0; s < sequences; s++) {
            int first = s * 10;
            BlockTable table = BlockTable.of(16, IntStream.range(first, first + 10).toArray()); // 160 slots
            int seed = s * 31;
            int[] tokens = IntStream.range(0, 1 + k).map(i -> 3 + (seed + i * 7) % 1000).toArray();
            segments.add(new BatchSegment(table, 128, tokens, k == 0 ? BatchSegment.Logits.LAST
                    : BatchSegment.Logits.ALL));
        }
        double[] ms = new double[9];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            runner.forward(segments);
            ms[i] = (System.nanoTime() - start) / 1e6;
        }
        double[] timed = Arrays.copyOfRange(ms, 2, ms.length); // two warm-up forwards
        Arrays.sort(timed);
        return timed[timed.length / 2];
    }
}
