package io.quantserve.engine.gpu.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import tools.jackson.databind.MappingIterator;
import tools.jackson.dataformat.csv.CsvMapper;
import tools.jackson.dataformat.csv.CsvSchema;

/**
 * The table gpu/step-profile.sh prints last: for each row of {@link GpuStepProfile} (a prefill, decode steps), the
 * time of its kernels as Nsight Compute measured them ({@code gpu__time_duration.sum} of every launch, its
 * {@code --csv} output), summed by kernel name, against the row's wall time: what is left is launch gaps and the
 * host's share of a step. The profiler's launches are split among the rows by the launch lists GpuStepProfile
 * printed, which they must match name by name. Usage: {@code StepProfileTable STEPS_FILE NCU_CSV_FILE}.
 */
public final class StepProfileTable {
    static final String METRIC = "gpu__time_duration.sum";
    /** Kernels listed a row; the rest are summed on one line. */
    static final int SHOWN = 10;

    record Step(String name, double wallMillis, List<String> launched) {
    }

    record Timed(String kernel, double micros) {
    }

    private StepProfileTable() {
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: StepProfileTable STEPS_FILE NCU_CSV_FILE");
            System.exit(2);
        }
        try {
            List<Step> steps = readSteps(Files.readAllLines(Path.of(args[0])));
            table(steps, readNcu(Files.readAllLines(Path.of(args[1])))).forEach(System.out::println);
        } catch (IllegalArgumentException e) {
            System.out.println("StepProfileTable: " + e.getMessage());
            System.exit(1);
        }
    }

    /** The rows GpuStepProfile printed: "step NAME launches N wall-ms W", then "launched K1 K2 ...". */
    static List<Step> readSteps(List<String> lines) {
        List<Step> steps = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String[] f = lines.get(i).trim().split("\\s+");
            if (f.length == 6 && f[0].equals("step") && f[2].equals("launches") && f[4].equals("wall-ms")) {
                int launches = Integer.parseInt(f[3]);
                String next = i + 1 < lines.size() ? lines.get(i + 1).trim() : "";
                List<String> names = next.equals("launched") ? List.of()
                        : next.startsWith("launched ") ? List.of(next.substring(9).trim().split("\\s+")) : null;
                if (names == null || names.size() != launches) {
                    throw new IllegalArgumentException("step " + f[1] + ": " + launches + " launches but the next line"
                            + " does not list them (\"launched ...\")");
                }
                steps.add(new Step(f[1], Double.parseDouble(f[5]), names));
            }
        }
        if (steps.isEmpty()) {
            throw new IllegalArgumentException("no \"step NAME launches N wall-ms W\" line (GpuStepProfile's output)");
        }
        return steps;
    }

    /** Every kernel Nsight Compute timed, in its order: the {@value #METRIC} rows of its CSV (other lines skipped). */
    static List<Timed> readNcu(List<String> lines) {
        String csv = String.join("\n", lines.stream().filter(l -> l.startsWith("\"")).toList());
        List<Timed> timed = new ArrayList<>();
        if (csv.isEmpty()) {
            return timed;
        }
        CsvSchema header = CsvSchema.emptySchema().withHeader();
        try (MappingIterator<Map<String, String>> rows = new CsvMapper().readerForMapOf(String.class).with(header)
                .readValues(csv)) {
            while (rows.hasNext()) {
                Map<String, String> row = rows.next();
                String kernel = row.get("Kernel Name");
                String value = row.get("Metric Value");
                if (kernel == null || value == null || row.get("Metric Name") == null) {
                    throw new IllegalArgumentException("ncu CSV without the columns Kernel Name, Metric Name, Metric"
                            + " Value: " + row.keySet());
                }
                if (row.get("Metric Name").equals(METRIC)) {
                    timed.add(new Timed(kernel, micros(value, row.getOrDefault("Metric Unit", "nsecond"))));
                }
            }
        }
        return timed;
    }

    private static double micros(String value, String unit) {
        double v = Double.parseDouble(value.replace(",", ""));
        return switch (unit) {
            case "nsecond", "ns" -> v / 1e3;
            case "usecond", "us" -> v;
            case "msecond", "ms" -> v * 1e3;
            case "second", "s" -> v * 1e6;
            default -> throw new IllegalArgumentException("unit '" + unit + "' of " + METRIC);
        };
    }

    /** Lines of the table; fails naming the first launch where the profiler's kernels and the rows' lists part. */
    static List<String> table(List<Step> steps, List<Timed> timed) {
        int launched = steps.stream().mapToInt(s -> s.launched().size()).sum();
        if (timed.size() != launched) {
            throw new IllegalArgumentException("ncu timed " + timed.size() + " kernels, the rows launched " + launched
                    + " (was ncu run with --profile-from-start off and --metrics " + METRIC + "?)");
        }
        List<String> out = new ArrayList<>();
        int next = 0;
        for (Step step : steps) {
            Map<String, double[]> byKernel = new LinkedHashMap<>(); // name -> {launches, micros}
            double total = 0;
            for (String name : step.launched()) {
                Timed t = timed.get(next++);
                if (!t.kernel().equals(name)) {
                    throw new IllegalArgumentException("launch " + next + " (row " + step.name() + "): ncu timed "
                            + t.kernel() + ", the row launched " + name);
                }
                double[] sum = byKernel.computeIfAbsent(name, k -> new double[2]);
                sum[0]++;
                sum[1] += t.micros();
                total += t.micros();
            }
            out.add(String.format(Locale.ROOT, "%s: %d launches, kernels %.3f ms, wall %.3f ms (%.3f ms outside the"
                    + " kernels)", step.name(), step.launched().size(), total / 1e3, step.wallMillis(),
                    step.wallMillis() - total / 1e3));
            out.add(String.format(Locale.ROOT, "  %-28s %8s %11s %9s %7s", "kernel", "launches", "total us", "us each",
                    "share"));
            List<Map.Entry<String, double[]>> sorted = new ArrayList<>(byKernel.entrySet());
            sorted.sort(Comparator.comparingDouble((Map.Entry<String, double[]> e) -> e.getValue()[1]).reversed());
            double[] rest = new double[2];
            for (int i = 0; i < sorted.size(); i++) {
                double[] v = sorted.get(i).getValue();
                if (i < SHOWN) {
                    out.add(row(sorted.get(i).getKey(), v, total));
                } else {
                    rest[0] += v[0];
                    rest[1] += v[1];
                }
            }
            if (sorted.size() > SHOWN) {
                out.add(row("(" + (sorted.size() - SHOWN) + " more kernels)", rest, total));
            }
        }
        return out;
    }

    private static String row(String kernel, double[] v, double total) {
        return String.format(Locale.ROOT, "  %-28s %8d %11.1f %9.2f %6.1f%%", kernel, (long) v[0], v[1], v[1] / v[0],
                total > 0 ? 100 * v[1] / total : 0);
    }
}
