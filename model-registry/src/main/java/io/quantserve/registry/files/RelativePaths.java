package io.quantserve.registry.files;

import java.nio.file.Path;
import java.util.regex.Pattern;

/** Checks file paths that come from outside (upload part names, archive entries): relative, no '..', no tricks. */
public final class RelativePaths {
    private static final Pattern SEGMENT = Pattern.compile("[^/\\\\:\\x00-\\x1f]+");

    private RelativePaths() {
    }

    /** The path with '/' separators, or an IllegalArgumentException naming it. */
    public static String check(String path) {
        if (path == null || path.isBlank()) {
            throw new IllegalArgumentException("a file has no name");
        }
        String normalized = path.replace('\\', '/');
        if (normalized.startsWith("/") || normalized.endsWith("/") || normalized.length() > 1024) {
            throw new IllegalArgumentException("file name '" + path + "' must be a relative path");
        }
        for (String segment : normalized.split("/", -1)) {
            if (segment.equals(".") || segment.equals("..") || !SEGMENT.matcher(segment).matches()) {
                throw new IllegalArgumentException("file name '" + path + "' must be a relative path without '.', "
                        + "'..', ':' or empty segments");
            }
        }
        return normalized;
    }

    /** {@code dir}/{@code path} after {@link #check}, guaranteed inside {@code dir}. */
    public static Path resolve(Path dir, String path) {
        Path resolved = dir.resolve(check(path)).normalize();
        if (!resolved.startsWith(dir.normalize())) {
            throw new IllegalArgumentException("file name '" + path + "' points outside its folder");
        }
        return resolved;
    }
}
