package io.quantserve.registry.artifact;

import io.quantserve.registry.web.RangeNotSatisfiableException;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One HTTP byte range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}) resolved against a file size. */
record ByteRange(long start, long end) {
    private static final Pattern SINGLE = Pattern.compile("bytes=(\\d*)-(\\d*)");

    long length() {
        return end - start + 1;
    }

    /**
     * Empty for no header or several ranges (answered with the whole file, which HTTP allows).
     *
     * @throws RangeNotSatisfiableException when the range starts past the end or is malformed
     */
    static Optional<ByteRange> parse(String header, long size) {
        if (header == null || header.contains(",")) {
            return Optional.empty();
        }
        Matcher m = SINGLE.matcher(header.trim());
        if (!m.matches() || (m.group(1).isEmpty() && m.group(2).isEmpty())) {
            throw new RangeNotSatisfiableException(header, size);
        }
        try {
            long start;
            long end;
            if (m.group(1).isEmpty()) {
                long suffix = Long.parseLong(m.group(2));
                start = Math.max(0, size - suffix);
                end = size - 1;
                if (suffix == 0) {
                    throw new RangeNotSatisfiableException(header, size);
                }
            } else {
                start = Long.parseLong(m.group(1));
                end = m.group(2).isEmpty() ? size - 1 : Math.min(Long.parseLong(m.group(2)), size - 1);
            }
            if (start >= size || start > end) {
                throw new RangeNotSatisfiableException(header, size);
            }
            return Optional.of(new ByteRange(start, end));
        } catch (NumberFormatException e) {
            throw new RangeNotSatisfiableException(header, size);
        }
    }
}
