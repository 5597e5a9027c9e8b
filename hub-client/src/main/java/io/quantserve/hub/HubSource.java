package io.quantserve.hub;

import java.util.regex.Pattern;

/** {@code hf://org/name@revision} (revision defaults to main). */
public record HubSource(String repo, String revision) {
    private static final Pattern REPO = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?");

    public static final String SCHEME = "hf://";

    public static boolean matches(String source) {
        return source != null && source.startsWith(SCHEME);
    }

    /** @throws IllegalArgumentException naming what is wrong with the source */
    public static HubSource parse(String source) {
        String rest = source.substring(SCHEME.length());
        int at = rest.indexOf('@');
        String repo = at < 0 ? rest : rest.substring(0, at);
        String revision = at < 0 ? "main" : rest.substring(at + 1);
        if (!REPO.matcher(repo).matches() || repo.contains("..")) {
            throw new IllegalArgumentException("'" + source + "' is not hf://<org>/<name>[@<revision>]");
        }
        if (revision.isBlank() || revision.contains("..")) {
            throw new IllegalArgumentException("'" + source + "' has an empty or invalid revision after '@'");
        }
        return new HubSource(repo, revision);
    }

    @Override
    public String toString() {
        return SCHEME + repo + "@" + revision;
    }
}
