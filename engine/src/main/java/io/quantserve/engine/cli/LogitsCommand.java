package io.quantserve.engine.cli;

import io.quantserve.engine.format.safetensors.SafetensorsWriter;
import io.quantserve.engine.model.LoadedModel;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "logits", description = "Write the logits of every position of one causal forward pass to a safetensors file.")
final class LogitsCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "model folder (config.json + safetensors)")
    Path model;

    @Option(names = "--ids", required = true, description = "comma-separated token ids, e.g. 1,5,9")
    String ids;

    @Option(names = "--out", required = true, description = "output .safetensors: one F32 tensor 'logits' [tokens, vocab]")
    Path out;

    @Override
    public Integer call() throws Exception {
        int[] tokens = TokenIds.parse(ids, "--ids");
        try (LoadedModel loaded = LoadedModel.open(model)) {
            int vocab = loaded.config().vocabSize();
            TokenIds.checkVocabulary(tokens, vocab, "--ids");
            float[] logits = loaded.model().forward(loaded.model().newState(tokens.length), tokens, 0, true);
            new SafetensorsWriter().addF32("logits", new long[] {tokens.length, vocab}, logits).write(out);
        }
        return 0;
    }
}
