package io.quantserve.engine.cli;

import io.quantserve.engine.generate.Perplexity;
import io.quantserve.engine.model.LoadedModel;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "perplexity", description = "Perplexity over sequences of token ids, one sequence per line.")
final class PerplexityCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder")
    Path model;

    @Option(names = "--ids-file", required = true, description = "one sequence of whitespace-separated token ids per line")
    Path idsFile;

    @Override
    public Integer call() throws Exception {
        List<String> lines = Files.readAllLines(idsFile).stream().filter(l -> !l.isBlank()).toList();
        if (lines.isEmpty()) {
            throw new IllegalArgumentException(idsFile + ": no sequences");
        }
        PrintWriter out = spec.commandLine().getOut();
        try (LoadedModel loaded = LoadedModel.open(model)) {
            double sumLog = 0;
            long tokens = 0;
            long start = System.nanoTime();
            for (int i = 0; i < lines.size(); i++) {
                int[] ids = TokenIds.parse(lines.get(i), idsFile + " line " + (i + 1));
                TokenIds.checkVocabulary(ids, loaded.config().vocabSize(), idsFile + " line " + (i + 1));
                double ppl = Perplexity.of(loaded.model(), ids);
                out.printf("line %d: %d tokens, perplexity %.4f%n", i + 1, ids.length, ppl);
                out.flush();
                sumLog += Math.log(ppl);
                tokens += ids.length;
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            out.printf("tokens/s: %.1f%n", tokens / seconds);
            // geometric mean over lines of each line's perplexity
            out.printf("perplexity: %.6f%n", Math.exp(sumLog / lines.size()));
        }
        return 0;
    }
}
