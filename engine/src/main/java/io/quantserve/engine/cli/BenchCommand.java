package io.quantserve.engine.cli;

import io.quantserve.engine.bench.ModelBenchmark;
import io.quantserve.engine.bench.RandomTensors;
import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.kernel.MemoryBandwidth;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.linear.Unquantized;
import io.quantserve.engine.model.LlamaLoader;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.ModelConfig;
import io.quantserve.engine.tensor.DType;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "bench", description = "Prefill and decode speed of a model of a known shape with random weights.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--synthetic", defaultValue = "llama-1b", description = "model shape: llama-1b, llama-7b, tiny (default ${DEFAULT-VALUE})")
    String synthetic;

    @Option(names = "--weights", split = ",", description = "weight formats to run: f32, bf16, f16 (default f32,bf16)")
    List<String> weights = List.of("f32", "bf16");

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "prefill prompt length (default ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "32", description = "tokens decoded one at a time (default ${DEFAULT-VALUE})")
    int decodeTokens;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        ModelConfig config = SyntheticModels.byName(synthetic);
        List<DType> dtypes = weights.stream().map(BenchCommand::dtype).toList();
        out.printf("kernels: %s, threads: %d%n", VectorOps.get().name(), Runtime.getRuntime().availableProcessors());
        double bandwidth = MemoryBandwidth.measureReadGBps();
        out.printf(Locale.ROOT, "memory read bandwidth (measured): %.1f GB/s%n", bandwidth);
        out.printf("%-6s %-9s %18s %17s %14s %12s %10s%n",
                "model", "weights", "prefill tok/s", "decode tok/s", "weights/token", "decode GB/s", "% of bw");
        out.flush();
        for (DType dtype : dtypes) {
            try (RandomTensors tensors = new RandomTensors(config, dtype, 42)) {
                LlamaModel model = LlamaLoader.load(config, tensors, Unquantized.INSTANCE);
                ModelBenchmark.Result r = ModelBenchmark.run(model, promptTokens, decodeTokens);
                out.printf(Locale.ROOT, "%-6s %-9s %18.1f %17.2f %11.0f MB %12.1f %9.0f%%%n",
                        synthetic, dtype.name().toLowerCase(Locale.ROOT), r.prefillTokensPerSecond(),
                        r.decodeTokensPerSecond(), r.weightBytesPerToken() / 1e6, r.decodeGBps(),
                        100 * r.decodeGBps() / bandwidth);
                out.flush();
            }
        }
        return 0;
    }

    private static DType dtype(String name) {
        return switch (name.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            default -> throw new IllegalArgumentException("--weights: unknown weight format '" + name + "' (f32, bf16, f16)");
        };
    }
}
