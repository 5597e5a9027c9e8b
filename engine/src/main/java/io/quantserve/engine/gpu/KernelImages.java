package io.quantserve.engine.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where a module's code comes from: the build's cubin for the device's compute capability when there is one
 * ({@code <module>.sm_XY.cubin}, made where the build had nvcc), else the bundled PTX ({@code <module>.ptx},
 * compute_80, always present) which the driver compiles at load.
 */
public final class KernelImages {
    /** Classpath folder of the PTX and cubins. */
    public static final String RESOURCE_DIR = "io/quantserve/engine/gpu/";
    /** true loads every module from its PTX even where a cubin fits (to check the JIT path on a device). */
    public static final String PTX_ONLY_PROPERTY = "quantserve.cuda.ptx-only";
    /** The PTX targets compute_80: older devices cannot run it. */
    static final int PTX_MIN_CAPABILITY = 80;

    private static final Pattern ENTRY = Pattern.compile("\\.entry\\s+(\\w+)\\s*\\(([^)]*)\\)");
    private static final Pattern PARAM = Pattern.compile("\\.param\\s+(\\.\\w+)\\s+\\w+");

    private KernelImages() {
    }

    public enum Kind {
        CUBIN, PTX
    }

    /** The resource chosen and what it is. */
    public record Image(String resource, Kind kind) {
    }

    /**
     * The image for a device of compute capability major.minor: a cubin of the same major and the highest minor not
     * above the device's (cubins run on later minors of their major), else the PTX.
     */
    public static Image choose(String module, int major, int minor, Predicate<String> exists) {
        return choose(module, major, minor, exists, false);
    }

    /** As {@link #choose(String, int, int, Predicate)}; {@code ptxOnly} skips the cubins (to test the PTX JIT path). */
    public static Image choose(String module, int major, int minor, Predicate<String> exists, boolean ptxOnly) {
        for (int m = ptxOnly ? -1 : minor; m >= 0; m--) {
            String cubin = RESOURCE_DIR + module + ".sm_" + major + m + ".cubin";
            if (exists.test(cubin)) {
                return new Image(cubin, Kind.CUBIN);
            }
        }
        String ptx = RESOURCE_DIR + module + ".ptx";
        if (major * 10 + minor < PTX_MIN_CAPABILITY) {
            throw new IllegalStateException("compute capability " + major + "." + minor + " is below 8.0, which the "
                    + "kernels need (PTX for compute_80, bf16)");
        }
        if (!exists.test(ptx)) {
            throw new IllegalStateException("kernel module '" + module + "' has no " + ptx + " on the classpath");
        }
        return new Image(ptx, Kind.PTX);
    }

    static boolean onClasspath(String resource) {
        return KernelImages.class.getClassLoader().getResource(resource) != null;
    }

    /** The image's bytes; PTX gets the NUL terminator cuModuleLoadData needs. */
    static byte[] read(Image image) {
        try (InputStream in = KernelImages.class.getClassLoader().getResourceAsStream(image.resource())) {
            if (in == null) {
                throw new IllegalStateException("no " + image.resource() + " on the classpath");
            }
            byte[] bytes = in.readAllBytes();
            if (image.kind() == Kind.PTX) {
                bytes = java.util.Arrays.copyOf(bytes, bytes.length + 1);
            }
            return bytes;
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + image.resource(), e);
        }
    }

    /** Each {@code .entry} of a PTX text with its parameter types (".u64", ".u32", ".f32"), in order. */
    public static Map<String, List<String>> entries(String ptx) {
        Map<String, List<String>> out = new LinkedHashMap<>();
        Matcher entry = ENTRY.matcher(ptx);
        while (entry.find()) {
            List<String> types = new ArrayList<>();
            Matcher param = PARAM.matcher(entry.group(2));
            while (param.find()) {
                types.add(param.group(1));
            }
            out.put(entry.group(1), types);
        }
        return out;
    }
}
