package io.quantserve.engine.cli;

import io.quantserve.engine.bench.ModelBenchmark;
import io.quantserve.engine.bench.BenchWeights;
import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.kernel.MemoryBandwidth;
import io.quantserve.engine.kernel.VectorOps;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.ModelConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.lang.foreign.Arena;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

@Command(name = "bench", description = "Prefill and decode speed of a model of a known shape with random weights.")
final class BenchCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--synthetic", defaultValue = "llama-1b", description = "model shape: tiny, small, llama-1b, llama-7b (default ${DEFAULT-VALUE})")
    String synthetic;

    @Option(names = "--weights", split = ",", description = "weight formats to run, comma-separated: f32, bf16, f16, q8_0, q4_0, awq4, gptq4, nf4, w8a8 (default f32,bf16)")
    List<String> weights = List.of("f32", "bf16");

    @Option(names = "--prompt-tokens", defaultValue = "512", description = "prefill prompt length (default ${DEFAULT-VALUE})")
    int promptTokens;

    @Option(names = "--decode-tokens", defaultValue = "32", description = "tokens decoded one at a time (default ${DEFAULT-VALUE})")
    int decodeTokens;

    @Option(names = "--batch", defaultValue = "0", description = "also decode this many sequences together, one batched forward per step (default: no batched run)")
    int batch;

    @Option(names = "--row", hidden = true, description = "print only the result rows (a child run of a multi-format bench)")
    boolean rowOnly;

    @Override
    public Integer call() throws IOException, InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        ModelConfig config = SyntheticModels.byName(synthetic);
        if (batch < 0) {
            throw new ParameterException(spec.commandLine(), "--batch must be 0 (no batched run) or positive, got " + batch);
        }
        String batchColumn = batch > 0 ? String.format(Locale.ROOT, "  batch %d tok/s", batch) : "";
        if (!rowOnly) {
            out.printf("kernels: %s, threads: %d%n", VectorOps.get().name(), Runtime.getRuntime().availableProcessors());
            out.printf("%-8s %-7s %14s %13s %14s %12s %12s %8s %9s%s%n", "model", "weights", "prefill tok/s",
                    "decode tok/s", "weights/token", "bits/weight", "decode GB/s", "bw GB/s", "% of bw", batchColumn);
            out.flush();
        }
        if (weights.size() > 1) {
            // one JVM per format, as a node serving one model would be
            for (String format : weights) {
                int exit = runChild(format);
                if (exit != 0) {
                    return exit;
                }
            }
            return 0;
        }
        for (String format : weights) {
            try (Arena arena = Arena.ofShared()) {
                LlamaModel model = BenchWeights.build(format, config, arena);
                // measured next to the run it is compared with: this VM's bandwidth moves by 2x within minutes
                double bandwidth = MemoryBandwidth.measureReadGBps();
                ModelBenchmark.Result r = ModelBenchmark.run(model, promptTokens, decodeTokens, batch);
                String batchRate = batch > 0
                        ? String.format(Locale.ROOT, "%" + batchColumn.length() + ".1f", r.batchTokensPerSecond()) : "";
                out.printf(Locale.ROOT, "%-8s %-7s %14.1f %13.2f %11.0f MB %12.2f %12.1f %8.1f %8.0f%%%s%n",
                        synthetic, format, r.prefillTokensPerSecond(), r.decodeTokensPerSecond(),
                        r.weightBytesPerToken() / 1e6, r.bitsPerWeight(), r.decodeGBps(), bandwidth,
                        100 * r.decodeGBps() / bandwidth, batchRate);
                out.flush();
            }
        }
        return 0;
    }

    /** This bench for one format in a new JVM with this one's options and class path; its rows go to our output. */
    private int runChild(String format) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
        command.addAll(List.of("-cp", System.getProperty("java.class.path"), QuantServeCli.class.getName(), "bench", "--row",
                "--synthetic", synthetic, "--weights", format, "--prompt-tokens", Integer.toString(promptTokens),
                "--decode-tokens", Integer.toString(decodeTokens), "--batch", Integer.toString(batch)));
        Process child = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        PrintWriter out = spec.commandLine().getOut();
        try (BufferedReader rows = child.inputReader()) {
            for (String line = rows.readLine(); line != null; line = rows.readLine()) {
                out.println(line);
                out.flush();
            }
        }
        return child.waitFor();
    }
}
