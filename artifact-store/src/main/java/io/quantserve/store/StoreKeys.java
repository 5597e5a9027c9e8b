package io.quantserve.store;

/**
 * Checks keys and prefixes before they reach a folder or a bucket: slash-separated, relative, no empty, {@code .} or
 * {@code ..} segments, so a key can never escape the store's root.
 */
final class StoreKeys {

    /** Name start of the files a filesystem {@code put} writes before its atomic rename; no key may use it. */
    static final String TEMP_MARKER = ".qs-put-";

    private StoreKeys() {
    }

    /** A key naming one object: {@code models/m1/config.json}. */
    static String checkKey(String key) {
        if (key == null || key.isEmpty()) {
            throw new IllegalArgumentException("artifact key '" + (key == null ? "" : key) + "' is empty");
        }
        if (key.endsWith("/")) {
            throw new IllegalArgumentException("artifact key '" + key + "' ends with '/': it names a folder, not an object");
        }
        checkSegments(key, key);
        return key;
    }

    /** A prefix: empty (everything), a folder ending in '/', or the start of key names. */
    static String checkPrefix(String prefix) {
        if (prefix == null) {
            throw new IllegalArgumentException("artifact key prefix is null");
        }
        if (prefix.isEmpty()) {
            return prefix;
        }
        String body = prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
        checkSegments(body, prefix);
        return prefix;
    }

    /** A prefix naming a folder: non-empty and ending in '/'. */
    static String checkFolderPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty() || !prefix.endsWith("/")) {
            throw new IllegalArgumentException("artifact key prefix '" + prefix + "' must name a folder (end with '/')");
        }
        return checkPrefix(prefix);
    }

    private static void checkSegments(String path, String key) {
        if (path.isEmpty() || path.startsWith("/")) {
            throw new IllegalArgumentException("artifact key '" + key + "' must be relative (no leading '/')");
        }
        if (path.indexOf('\\') >= 0 || path.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("artifact key '" + key + "' contains a backslash or NUL character");
        }
        for (String segment : path.split("/", -1)) {
            if (segment.isEmpty()) {
                throw new IllegalArgumentException("artifact key '" + key + "' has an empty segment ('//')");
            }
            if (segment.equals(".") || segment.equals("..")) {
                throw new IllegalArgumentException("artifact key '" + key + "' has a '" + segment + "' segment");
            }
            if (segment.startsWith(TEMP_MARKER)) {
                throw new IllegalArgumentException("artifact key '" + key + "' uses the reserved name start " + TEMP_MARKER);
            }
        }
    }
}
