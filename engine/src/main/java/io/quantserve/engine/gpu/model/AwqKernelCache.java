package io.quantserve.engine.gpu.model;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.KernelImages;
import io.quantserve.engine.gpu.model.AwqKernelTable.Bucket;
import io.quantserve.engine.gpu.model.AwqKernelTable.Shape;
import io.quantserve.engine.gpu.model.LinearDispatch.AwqChoice;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What {@link AwqKernelTuner} chose, kept on disk between starts: one JSON file a device model and kernel build, so a
 * node started again (or a replica sharing the folder) runs the kernels chosen before instead of timing them again,
 * whose choice could differ where two candidates are close. The file is named by a fingerprint of everything a
 * choice depends on: the device's name, compute capability and multiprocessors, the driver's version, the AWQ kernel
 * modules' sources (the SHA-256 on the first line of their PTX), whether PTX is forced, and the buckets; a file with
 * another fingerprint inside is ignored. Folder: {@value #PROPERTY}, else {@code $XDG_CACHE_HOME/quantserve/awq-kernels}
 * or {@code ~/.cache/quantserve/awq-kernels}; {@code off} keeps nothing. Reading or writing it never fails a load: a
 * file that cannot be read or parsed is logged and tuned over; written to a temporary name, then renamed. It also
 * lists the candidates after which the CUDA context ran nothing more ({@link #markFaulted}): tuning leaves them out,
 * so that a kernel faulting on this device fails one load, not every load after it.
 */
final class AwqKernelCache {
    static final String PROPERTY = "quantserve.gpu.awq-tune-cache";
    /** The modules whose kernels run AWQ products ({@link GpuLinear.Awq}). */
    static final List<String> MODULES = List.of("awq_gemv", "awq_mma", "gemm");
    /** Bumped when what a saved bucket means changes. */
    private static final int FORMAT = 1;
    private static final Logger LOG = LoggerFactory.getLogger(AwqKernelCache.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The file's content. */
    record Saved(String fingerprint, List<SavedShape> shapes, List<SavedFault> faulted) {
    }

    record SavedShape(int inFeatures, int outFeatures, int groupSize, List<SavedBucket> buckets) {
    }

    record SavedBucket(int rows, String choice, Map<String, Double> micros) {
    }

    /** A candidate after which the CUDA context ran nothing more (a fault inside its kernel): where, and the error. */
    record SavedFault(String choice, String where, String error) {
    }

    /**
     * What the file holds for this fingerprint: each shape's buckets, and the candidates that broke the CUDA context
     * at an earlier load ({@link #markFaulted}), which tuning leaves out from then on.
     */
    record Kept(Map<Shape, List<Bucket>> shapes, Map<AwqChoice, SavedFault> faulted) {
    }

    /** A cache that keeps nothing. */
    static final AwqKernelCache OFF = new AwqKernelCache(null, "");

    private final Path file;
    private final String fingerprint;

    AwqKernelCache(Path file, String fingerprint) {
        this.file = file;
        this.fingerprint = fingerprint;
    }

    /** The cache for {@code device} in the configured folder, or {@link #OFF}. */
    static AwqKernelCache configured(CudaDevice device) {
        Optional<Path> folder = folder(System.getProperty(PROPERTY), System.getenv("XDG_CACHE_HOME"),
                System.getProperty("user.home"));
        if (folder.isEmpty()) {
            return OFF;
        }
        String fingerprint = fingerprint(device.name(), device.major(), device.minor(), device.multiprocessors(),
                device.driverVersion(), Boolean.getBoolean(KernelImages.PTX_ONLY_PROPERTY), moduleSources());
        return new AwqKernelCache(folder.get().resolve(fileName(device.name(), device.major(), device.minor(),
                fingerprint)), fingerprint);
    }

    /** The folder: the property's (blank: unset; "off": none), else under XDG_CACHE_HOME or the home folder. */
    static Optional<Path> folder(String property, String xdgCacheHome, String home) {
        if (property != null && !property.isBlank()) {
            return property.strip().equalsIgnoreCase("off") ? Optional.empty() : Optional.of(Path.of(property.strip()));
        }
        if (xdgCacheHome != null && !xdgCacheHome.isBlank()) {
            return Optional.of(Path.of(xdgCacheHome, "quantserve", "awq-kernels"));
        }
        return home == null || home.isBlank() ? Optional.empty()
                : Optional.of(Path.of(home, ".cache", "quantserve", "awq-kernels"));
    }

    static String fingerprint(String deviceName, int major, int minor, int multiprocessors, int driverVersion,
            boolean ptxOnly, List<String> moduleSources) {
        return String.format(Locale.ROOT, "format %d; %s; sm_%d%d; %d SMs; driver %d; %s; buckets %s; kernels %s",
                FORMAT, deviceName, major, minor, multiprocessors, driverVersion, ptxOnly ? "PTX only" : "cubin or PTX",
                Arrays.toString(AwqKernelTable.BUCKETS), String.join(", ", moduleSources));
    }

    /** e.g. {@code NVIDIA-H100-80GB-HBM3-sm90-1a2b3c4d5e6f7081.json}: readable, and one a fingerprint. */
    static String fileName(String deviceName, int major, int minor, String fingerprint) {
        String name = deviceName.replaceAll("[^A-Za-z0-9._-]+", "-").replaceAll("^-+|-+$", "");
        try {
            byte[] hash = MessageDigest.getInstance("SHA-256").digest(fingerprint.getBytes(StandardCharsets.UTF_8));
            return name + "-sm" + major + minor + "-" + HexFormat.of().formatHex(hash, 0, 8) + ".json";
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Each AWQ module's name and the sources hash its committed PTX starts with. */
    private static List<String> moduleSources() {
        List<String> sources = new ArrayList<>();
        for (String module : MODULES) {
            String resource = KernelImages.RESOURCE_DIR + module + ".ptx";
            try (InputStream in = AwqKernelCache.class.getClassLoader().getResourceAsStream(resource)) {
                if (in == null) {
                    throw new IllegalStateException("no " + resource + " on the classpath");
                }
                String first = new String(in.readNBytes(200), StandardCharsets.US_ASCII).lines().findFirst().orElse("");
                sources.add(module + " " + first.replaceFirst("^//\\s*", ""));
            } catch (IOException e) {
                throw new UncheckedIOException("reading " + resource, e);
            }
        }
        return sources;
    }

    /** Where the choices are kept; null when off. */
    Path file() {
        return file;
    }

    /**
     * What the file holds for this fingerprint; nothing where it is off, there is no file, or it is for another
     * fingerprint, or cannot be read (logged). A shape whose buckets are not the ones timed now, or name a choice no
     * kernel has, is left out (it is timed again); so is a fault naming no kernel.
     */
    Kept load() {
        Kept kept = new Kept(new LinkedHashMap<>(), new LinkedHashMap<>());
        Saved saved = read();
        if (saved == null) {
            return kept;
        }
        for (SavedShape s : saved.shapes() == null ? List.<SavedShape>of() : saved.shapes()) {
            List<Bucket> buckets = buckets(s);
            if (buckets != null) {
                kept.shapes().put(new Shape(s.inFeatures(), s.outFeatures(), s.groupSize()), buckets);
            }
        }
        for (SavedFault f : saved.faulted() == null ? List.<SavedFault>of() : saved.faulted()) {
            AwqChoice.named(f.choice()).ifPresent(c -> kept.faulted().put(c, f));
        }
        return kept;
    }

    /** The file's content for this fingerprint; null where off, absent, unreadable (logged) or another's. */
    private Saved read() {
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        Saved saved;
        try {
            saved = JSON.readValue(file.toFile(), Saved.class);
        } catch (IOException e) {
            LOG.warn("AWQ kernel choices in {} cannot be read ({}); timing the kernels again", file, e.getMessage());
            return null;
        }
        if (saved == null || !fingerprint.equals(saved.fingerprint())) {
            LOG.info("AWQ kernel choices in {} are for another device or kernel build; timing the kernels again", file);
            return null;
        }
        return saved;
    }

    /** A saved shape's buckets in {@link AwqKernelTable#BUCKETS} order, or null where they do not fit it. */
    private static List<Bucket> buckets(SavedShape s) {
        if (s.buckets() == null || s.buckets().size() != AwqKernelTable.BUCKETS.length) {
            return null;
        }
        List<Bucket> buckets = new ArrayList<>();
        for (int i = 0; i < AwqKernelTable.BUCKETS.length; i++) {
            SavedBucket b = s.buckets().get(i);
            Optional<AwqChoice> choice = AwqChoice.named(b.choice());
            if (b.rows() != AwqKernelTable.BUCKETS[i] || choice.isEmpty()) {
                return null;
            }
            Map<AwqChoice, Double> micros = new LinkedHashMap<>();
            if (b.micros() != null) {
                for (Map.Entry<String, Double> e : b.micros().entrySet()) {
                    AwqChoice.named(e.getKey()).ifPresent(c -> micros.put(c, e.getValue()));
                }
            }
            buckets.add(new Bucket(choice.get(), micros));
        }
        return buckets;
    }

    /**
     * Keeps {@code tuned} with the other shapes the file holds for this fingerprint (another model's): written to a
     * temporary file beside it, then renamed over it. A failure is logged; the load goes on.
     */
    void save(Map<Shape, List<Bucket>> tuned) {
        if (file == null) {
            return;
        }
        Kept kept = load();
        kept.shapes().putAll(tuned);
        write(kept);
    }

    /**
     * Records that the CUDA context ran nothing after {@code choice} ran on {@code where}, with the shapes and other
     * faults the file holds; {@link #load} lists it from then on. Returns whether it was written.
     */
    boolean markFaulted(AwqChoice choice, String where, String error) {
        if (file == null) {
            return false;
        }
        Kept kept = load();
        kept.faulted().put(choice, new SavedFault(choice.toString(), where, error));
        return write(kept);
    }

    /** The file: written to a temporary file beside it, then renamed over it; a failure is logged. */
    private boolean write(Kept kept) {
        List<SavedShape> shapes = new ArrayList<>();
        kept.shapes().forEach((shape, buckets) -> {
            List<SavedBucket> saved = new ArrayList<>();
            for (int i = 0; i < buckets.size(); i++) {
                Map<String, Double> micros = new LinkedHashMap<>();
                buckets.get(i).micros().forEach((c, us) -> micros.put(c.toString(), us));
                saved.add(new SavedBucket(AwqKernelTable.BUCKETS[i], buckets.get(i).choice().toString(), micros));
            }
            shapes.add(new SavedShape(shape.inFeatures(), shape.outFeatures(), shape.groupSize(), saved));
        });
        Path temporary = null;
        try {
            Files.createDirectories(file.getParent());
            temporary = Files.createTempFile(file.getParent(), file.getFileName().toString(), ".tmp");
            JSON.writerWithDefaultPrettyPrinter().writeValue(temporary.toFile(), new Saved(fingerprint, shapes,
                    List.copyOf(kept.faulted().values())));
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            LOG.info("AWQ kernel choices kept in {}", file);
            return true;
        } catch (IOException | RuntimeException e) {
            LOG.warn("AWQ kernel choices could not be kept in {}: {}", file, e.toString());
            if (temporary != null) {
                try {
                    Files.deleteIfExists(temporary);
                } catch (IOException ignored) {
                    // the warning above says enough
                }
            }
            return false;
        }
    }
}
