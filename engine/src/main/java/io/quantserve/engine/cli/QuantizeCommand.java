package io.quantserve.engine.cli;

import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.Quantization;
import io.quantserve.engine.quant.QuantizationReport;
import io.quantserve.engine.quant.QuantizeOptions;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quantize", description = "Quantize a Hugging Face model folder (RTN, AWQ, GPTQ, HQQ, NF4, SmoothQuant W8A8, or GGUF export).")
final class QuantizeCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "float model folder (config.json + safetensors)")
    Path model;

    @Option(names = "--method", required = true, description = "rtn, awq, gptq, hqq, nf4, smoothquant, gguf")
    String method;

    @Option(names = "--bits", description = "bits per weight (default 4; 8 for smoothquant)")
    Integer bits;

    @Option(names = "--group-size", description = "input columns per group, -1 per channel (default 128; 64 for hqq)")
    Integer groupSize;

    @Option(names = "--sym", description = "symmetric quantization (rtn, gptq)")
    boolean symmetric;

    @Option(names = "--desc-act", description = "GPTQ act-order")
    boolean descAct;

    @Option(names = "--alpha", defaultValue = "0.5", description = "SmoothQuant migration strength (default ${DEFAULT-VALUE})")
    float alpha;

    @Option(names = "--gguf-type", defaultValue = "q4_k_m", description = "GGUF type: f32, f16, bf16, q8_0, q4_0, q6_k, q4_k_m (default ${DEFAULT-VALUE})")
    String ggufType;

    @Option(names = "--calib", description = "calibration data: token ids (one sequence per line), text, or JSONL with a \"text\" field; default: sampled from the model")
    Path calib;

    @Option(names = "--samples", defaultValue = "128", description = "calibration sequences (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seq-len", defaultValue = "512", description = "calibration sequence length (default ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--seed", defaultValue = "0", description = "seed for sampled calibration data")
    long seed;

    @Option(names = "--out", required = true, description = "output folder (must not exist; written atomically)")
    Path out;

    @Override
    public Integer call() throws Exception {
        QuantizeOptions options = options();
        PrintWriter err = spec.commandLine().getErr();
        QuantizationReport report = Quantization.run(model, options, calib, out,
                (step, steps, phase) -> {
                    // layers are counted from 0 as they start, sampled calibration sequences as they finish
                    int shown = phase.equals("calibrate") ? step : Math.min(step + 1, steps);
                    err.printf("\r[%d/%d] %-12s", shown, steps, phase);
                    err.flush();
                },
                () -> Thread.currentThread().isInterrupted());
        err.println();
        PrintWriter o = spec.commandLine().getOut();
        // a GGUF file's storage is its type (q4_k_m, q8_0...), not --bits
        String storage = report.format().equals("gguf") ? report.ggufType() : report.bits() + "-bit";
        o.printf(Locale.ROOT, "%s %s (%s) written to %s: %.1f MB, %.1f s, peak memory %.0f MB%s%n",
                report.method(), storage, report.format(), out, report.sizeBytes() / 1e6, report.seconds(),
                report.peakMemoryBytes() / 1e6,
                report.layers().isEmpty() ? "" : String.format(Locale.ROOT, ", mean layer output error %.4f", report.meanLayerError()));
        return 0;
    }

    QuantizeOptions options() {
        Method m = Method.parse(method);
        QuantizeOptions d = QuantizeOptions.defaults(m, bits != null ? bits : m == Method.SMOOTHQUANT ? 8 : 4);
        return new QuantizeOptions(m, d.bits(), groupSize != null ? groupSize : d.groupSize(), symmetric, descAct, alpha,
                ggufType, samples, seqLen, seed, d.searchTokens());
    }
}
