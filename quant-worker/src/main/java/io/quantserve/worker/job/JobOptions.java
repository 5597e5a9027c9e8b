package io.quantserve.worker.job;

import io.quantserve.contracts.quantization.QuantizationJobMessage;
import io.quantserve.engine.quant.Method;
import io.quantserve.engine.quant.QuantizeOptions;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The engine's {@link QuantizeOptions} for a job: the method's reference defaults, overridden by the job's bits,
 * group size and options. A bad value is an {@link IllegalArgumentException} naming it (the job fails, no retry).
 */
final class JobOptions {
    static final Set<String> NAMES = Set.of("sym", "desc_act", "alpha", "gguf_type", "samples", "seq_len", "seed");

    private JobOptions() {
    }

    static QuantizeOptions from(QuantizationJobMessage job) {
        require(job.jobId(), "jobId");
        require(job.sourceKey(), "sourceKey");
        require(job.artifactId(), "artifactId");
        require(job.method(), "method");
        Method method = Method.parse(job.method());
        QuantizeOptions d = QuantizeOptions.defaults(method, job.bits());
        Map<String, String> o = job.options() == null ? Map.of() : job.options();
        for (String name : o.keySet()) {
            if (!NAMES.contains(name)) {
                throw new IllegalArgumentException("unknown option '" + name + "' (known: " + String.join(", ",
                        NAMES.stream().sorted().toList()) + ")");
            }
        }
        return new QuantizeOptions(method, job.bits(), job.groupSize(),
                bool(o, "sym", d.symmetric()),
                bool(o, "desc_act", d.descAct()),
                (float) number(o, "alpha", d.alpha()),
                o.getOrDefault("gguf_type", d.ggufType()),
                smallInteger(o, "samples", d.samples()),
                smallInteger(o, "seq_len", d.seqLen()),
                integer(o, "seed", d.seed()),
                d.searchTokens());
    }

    private static void require(String value, String field) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("job message has no " + field);
        }
    }

    private static boolean bool(Map<String, String> o, String name, boolean fallback) {
        String v = o.get(name);
        if (v == null) {
            return fallback;
        }
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> throw new IllegalArgumentException("option " + name + " must be true or false, got '" + v + "'");
        };
    }

    private static long integer(Map<String, String> o, String name, long fallback) {
        String v = o.get(name);
        try {
            return v == null ? fallback : Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + name + " must be an integer, got '" + v + "'");
        }
    }

    private static int smallInteger(Map<String, String> o, String name, int fallback) {
        long v = integer(o, name, fallback);
        if (v != (int) v) {
            throw new IllegalArgumentException("option " + name + " is out of range: " + v);
        }
        return (int) v;
    }

    private static double number(Map<String, String> o, String name, double fallback) {
        String v = o.get(name);
        try {
            return v == null ? fallback : Double.parseDouble(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("option " + name + " must be a number, got '" + v + "'");
        }
    }
}
