package io.quantserve.engine.cli;

import java.util.Arrays;

/** Parses token-id lists as the CLI takes them: "1,5,9" or whitespace-separated. */
final class TokenIds {
    private TokenIds() {
    }

    static int[] parse(String text, String where) {
        String trimmed = text.strip();
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException(where + ": no token ids");
        }
        try {
            return Arrays.stream(trimmed.split("[,\\s]+")).mapToInt(Integer::parseInt).toArray();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(where + ": not a list of token ids (" + e.getMessage() + ")");
        }
    }

    static String format(int[] ids) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < ids.length; i++) {
            sb.append(i == 0 ? "" : ",").append(ids[i]);
        }
        return sb.toString();
    }

    static void checkVocabulary(int[] ids, int vocab, String where) {
        for (int id : ids) {
            if (id < 0 || id >= vocab) {
                throw new IllegalArgumentException(where + ": token id " + id + " is outside the vocabulary [0, " + vocab + ")");
            }
        }
    }
}
