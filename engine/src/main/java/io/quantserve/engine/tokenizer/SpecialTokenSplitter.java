package io.quantserve.engine.tokenizer;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Cuts text into plain fragments and whole added/special tokens. At each position the longest
 * token string that starts there wins, so "<|im_start|>" is not read as "<|im" + ....
 */
final class SpecialTokenSplitter {
    /** A piece of the input: either plain text (id &lt; 0) or one token. */
    record Fragment(String text, int id) {
        boolean isToken() {
            return id >= 0;
        }
    }

    private record Candidate(String text, int id) { }

    private final Map<Character, List<Candidate>> byFirstChar = new HashMap<>();

    SpecialTokenSplitter(Vocabulary vocab, boolean includeSpecial) {
        for (int id = 0; id < vocab.size(); id++) {
            TokenType type = vocab.type(id);
            boolean matched = type == TokenType.USER_DEFINED || (includeSpecial && vocab.isSpecial(id));
            String text = vocab.text(id);
            if (matched && !text.isEmpty() && vocab.id(text) == id) {
                byFirstChar.computeIfAbsent(text.charAt(0), c -> new ArrayList<>()).add(new Candidate(text, id));
            }
        }
        for (List<Candidate> list : byFirstChar.values()) {
            list.sort(Comparator.comparingInt((Candidate c) -> c.text.length()).reversed());
        }
    }

    boolean isEmpty() {
        return byFirstChar.isEmpty();
    }

    List<Fragment> split(String text) {
        List<Fragment> out = new ArrayList<>();
        if (byFirstChar.isEmpty()) {
            if (!text.isEmpty()) {
                out.add(new Fragment(text, -1));
            }
            return out;
        }
        int plainStart = 0;
        int i = 0;
        while (i < text.length()) {
            Candidate hit = null;
            List<Candidate> candidates = byFirstChar.get(text.charAt(i));
            if (candidates != null) {
                for (Candidate c : candidates) {
                    if (text.startsWith(c.text, i)) {
                        hit = c;
                        break;
                    }
                }
            }
            if (hit == null) {
                i++;
                continue;
            }
            if (plainStart < i) {
                out.add(new Fragment(text.substring(plainStart, i), -1));
            }
            out.add(new Fragment(hit.text, hit.id));
            i += hit.text.length();
            plainStart = i;
        }
        if (plainStart < text.length()) {
            out.add(new Fragment(text.substring(plainStart), -1));
        }
        return out;
    }
}
