package io.quantserve.engine.sampling;

import io.quantserve.engine.guided.TokenConstraint;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * vLLM's {@code bad_words}: the last token of a bad word's token sequence may not follow the rest of that sequence in
 * the output (a one-token word is never drawn). Each word counts as tokenized on its own and, when that gives another
 * first token of the same length, after a space (a word at the start of the text and one inside it), as vLLM does.
 * One instance per sequence: it keeps the last tokens drawn.
 */
public final class BadWords implements TokenConstraint {
    private final int[][] words;
    private final int[] recent; // the last recent.length tokens drawn, oldest first once full
    private int drawn;

    /** {@code words}: token sequences, none empty. */
    public BadWords(List<int[]> words) {
        this.words = words.stream().map(int[]::clone).toArray(int[][]::new);
        int longest = 0;
        for (int[] w : this.words) {
            if (w.length == 0) {
                throw new IllegalArgumentException("a bad word has no tokens");
            }
            longest = Math.max(longest, w.length);
        }
        this.recent = new int[Math.max(0, longest - 1)];
    }

    /**
     * The token sequences of {@code words}, as vLLM counts them.
     *
     * @throws IllegalArgumentException naming the word when one is empty (or blank)
     */
    public static List<int[]> tokenize(List<String> words, Tokenizer tokenizer) {
        List<int[]> out = new ArrayList<>();
        for (int i = 0; i < words.size(); i++) {
            String word = words.get(i) == null ? "" : words.get(i).stripLeading();
            int[] plain = tokenizer.encode(word);
            if (plain.length == 0) {
                throw new IllegalArgumentException("bad_words[" + i + "] is empty");
            }
            out.add(plain);
            int[] spaced = tokenizer.encode(" " + word);
            if (spaced.length == plain.length && spaced[0] != plain[0]) {
                out.add(spaced);
            }
        }
        return out;
    }

    @Override
    public void mask(float[] logits) {
        for (int[] w : words) {
            int last = w[w.length - 1];
            if (last < logits.length && endsWith(w, w.length - 1)) {
                logits[last] = Float.NEGATIVE_INFINITY;
            }
        }
    }

    /** Whether the output ends with the first {@code n} tokens of {@code word}. */
    private boolean endsWith(int[] word, int n) {
        if (n > drawn) {
            return false;
        }
        for (int i = 0; i < n; i++) {
            int back = n - i; // 1 = the last token drawn
            if (recent[Math.floorMod(drawn - back, recent.length)] != word[i]) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void accept(int token) {
        if (recent.length > 0) {
            recent[drawn % recent.length] = token;
        }
        drawn++;
    }

    @Override
    public String toString() {
        return "BadWords" + Arrays.deepToString(words);
    }
}
