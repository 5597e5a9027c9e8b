package io.quantserve.engine.generate;

import java.util.List;
import java.util.Objects;

/**
 * Applies OpenAI-style {@code stop} strings to streamed text. Text that might be the start of a
 * stop string is held back until the next piece decides it; once a stop string appears, the text
 * before it is released and the stop string itself never is. Not thread-safe: one per sequence.
 */
public final class StopStrings {

    /**
     * What may be sent to the client after a {@link #push}.
     *
     * @param text safe to emit now (possibly empty)
     * @param stop the stop string that ended generation, or null if generation goes on
     */
    public record Emit(String text, String stop) {
        public boolean stopped() {
            return stop != null;
        }
    }

    private final List<String> stops;
    private final StringBuilder pending = new StringBuilder();
    private String hit;

    /** Empty strings are ignored (they would match everywhere). */
    public StopStrings(List<String> stops) {
        this.stops = stops.stream().map(Objects::requireNonNull).filter(s -> !s.isEmpty()).toList();
    }

    public boolean stopped() {
        return hit != null;
    }

    /** Feeds the next decoded piece. After a stop string was hit, further pieces yield nothing. */
    public Emit push(String piece) {
        if (hit != null) {
            return new Emit("", hit);
        }
        pending.append(piece);
        // Earliest match wins; at the same position, the longer stop string.
        int at = -1;
        String found = null;
        for (String s : stops) {
            int i = pending.indexOf(s);
            if (i >= 0 && (at < 0 || i < at || (i == at && s.length() > found.length()))) {
                at = i;
                found = s;
            }
        }
        if (found != null) {
            hit = found;
            String before = pending.substring(0, at);
            pending.setLength(0);
            return new Emit(before, found);
        }
        int hold = heldBack();
        String out = pending.substring(0, pending.length() - hold);
        pending.delete(0, pending.length() - hold);
        return new Emit(out, null);
    }

    /** Generation ended for another reason: release whatever was held back. */
    public String flush() {
        if (hit != null) {
            return "";
        }
        String out = pending.toString();
        pending.setLength(0);
        return out;
    }

    /** Length of the longest suffix of pending text that is a proper prefix of a stop string. */
    private int heldBack() {
        int best = 0;
        for (String s : stops) {
            for (int len = Math.min(s.length() - 1, pending.length()); len > best; len--) {
                if (endsWith(pending, s, len)) {
                    best = len;
                    break;
                }
            }
        }
        return best;
    }

    /** Whether text ends with the first len chars of s. */
    private static boolean endsWith(CharSequence text, String s, int len) {
        int offset = text.length() - len;
        for (int i = 0; i < len; i++) {
            if (text.charAt(offset + i) != s.charAt(i)) return false;
        }
        return true;
    }
}
