package io.quantserve.engine.cli;

import io.quantserve.engine.bench.SyntheticCheckpoint;
import io.quantserve.engine.bench.SyntheticModels;
import io.quantserve.engine.tensor.DType;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "synth-model", description = "Write a Hugging Face model folder of a known shape with random weights, "
        + "for serving benchmarks and tests.")
final class SynthModelCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--shape", required = true, description = "model shape: tiny, small, llama-1b, llama-7b")
    String shape;

    @Option(names = "--out", required = true, description = "folder to write; must not exist or be empty")
    Path out;

    @Option(names = "--dtype", defaultValue = "bf16", description = "weight type: f32, bf16, f16 (default ${DEFAULT-VALUE})")
    String dtype;

    @Option(names = "--tokenizer", description = "tokenizer.json or SentencePiece tokenizer.model to copy in; its "
            + "vocabulary must be the shape's (e.g. Llama 2's tokenizer.model for 'small' and 'llama-7b')")
    Path tokenizer;

    @Option(names = "--awq", paramLabel = "GROUP", description = "write the decoder's linear layers as an AutoAWQ 4-bit "
            + "gemm checkpoint with groups of GROUP input channels (random codes; the other tensors f16, --dtype ignored)")
    Integer awqGroup;

    @Option(names = "--seed", defaultValue = "42", description = "random seed (default ${DEFAULT-VALUE})")
    long seed;

    @Override
    public Integer call() throws Exception {
        SyntheticCheckpoint checkpoint = new SyntheticCheckpoint(SyntheticModels.byName(shape), dtype(), seed);
        if (tokenizer != null) {
            checkpoint = checkpoint.withTokenizer(tokenizer);
        }
        if (awqGroup != null) {
            checkpoint = checkpoint.withAwq(awqGroup);
        }
        checkpoint.write(out);
        PrintWriter printer = spec.commandLine().getOut();
        printer.printf(Locale.ROOT, "wrote %s: %s, %.1fM parameters, %s, %d MB of weights%s%n", out, shape,
                checkpoint.parameters() / 1e6, awqGroup == null ? dtype : "AWQ 4-bit group " + awqGroup + ", f16",
                checkpoint.weightBytes() >> 20,
                tokenizer == null ? ", no tokenizer" : ", tokenizer from " + tokenizer);
        return 0;
    }

    private DType dtype() {
        return switch (dtype.toLowerCase(Locale.ROOT)) {
            case "f32" -> DType.F32;
            case "bf16" -> DType.BF16;
            case "f16" -> DType.F16;
            default -> throw new IllegalArgumentException("--dtype: unknown '" + dtype + "' (f32, bf16, f16)");
        };
    }
}
