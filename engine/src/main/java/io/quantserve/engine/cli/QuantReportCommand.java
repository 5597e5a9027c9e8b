package io.quantserve.engine.cli;

import io.quantserve.engine.quant.AccuracyStudy;
import io.quantserve.engine.quant.Quantization;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "quant-report", description = "Run every quantization method on a model and tabulate eval perplexity, size and time (Markdown).")
final class QuantReportCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "float model folder")
    Path model;

    @Option(names = "--calib", required = true, description = "calibration data (token ids per line, text or JSONL)")
    Path calib;

    @Option(names = "--eval", required = true, description = "evaluation token ids, one sequence per line")
    Path eval;

    @Option(names = "--group-size", defaultValue = "-1", description = "group size of the integer methods (default ${DEFAULT-VALUE}: per channel)")
    int groupSize;

    @Option(names = "--samples", defaultValue = "128", description = "calibration sequences at most (default ${DEFAULT-VALUE})")
    int samples;

    @Option(names = "--seq-len", defaultValue = "512", description = "calibration sequence length at most (default ${DEFAULT-VALUE})")
    int seqLen;

    @Option(names = "--out", description = "write the Markdown table to this file too")
    Path out;

    @Override
    public Integer call() throws Exception {
        List<int[]> sequences = new ArrayList<>();
        List<String> lines = Files.readAllLines(eval).stream().filter(l -> !l.isBlank()).toList();
        for (int i = 0; i < lines.size(); i++) {
            sequences.add(TokenIds.parse(lines.get(i), eval + " line " + (i + 1)));
        }
        if (sequences.isEmpty()) {
            throw new IllegalArgumentException(eval + ": no sequences");
        }
        Path work = Files.createTempDirectory("quant-report");
        try {
            List<AccuracyStudy.Row> rows = AccuracyStudy.run(model, calib, sequences,
                    AccuracyStudy.defaultRuns(groupSize, samples, seqLen), work, () -> false);
            String table = AccuracyStudy.markdown(rows);
            PrintWriter o = spec.commandLine().getOut();
            o.print(table);
            o.flush();
            if (out != null) {
                Files.writeString(out, table);
            }
        } finally {
            Quantization.deleteRecursively(work);
        }
        return 0;
    }
}
