package io.quantserve.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;

/**
 * The BPE merge loop shared by SentencePiece (priority = score of the merged piece, as in
 * llama.cpp's llm_tokenizer_spm) and merge-list BPE (priority = minus the merge rank, as in
 * Hugging Face tokenizers): repeatedly merge the adjacent pair with the highest priority, the
 * leftmost one on ties, until no adjacent pair may merge. A priority queue with lazy invalidation
 * keeps this O(n log n) in the number of symbols.
 */
final class PairMerger {
    /** Says whether two adjacent symbols may merge and how urgently. */
    interface Rule {
        /** Priority of merging {@code left} and {@code right} (higher first), or NaN if they may not. */
        double priority(String left, String right);
    }

    private record Candidate(double priority, int left, int right, String leftText, String rightText) { }

    private PairMerger() {
    }

    /** Merges {@code symbols} (the initial pieces, in order) and returns the final pieces. */
    static List<String> merge(List<String> symbols, Rule rule) {
        int n = symbols.size();
        String[] text = symbols.toArray(String[]::new);
        int[] prev = new int[n];
        int[] next = new int[n];
        for (int i = 0; i < n; i++) {
            prev[i] = i - 1;
            next[i] = i + 1 < n ? i + 1 : -1;
        }
        PriorityQueue<Candidate> queue = new PriorityQueue<>((a, b) -> {
            int c = Double.compare(b.priority, a.priority);
            return c != 0 ? c : Integer.compare(a.left, b.left);
        });
        for (int i = 1; i < n; i++) {
            offer(queue, rule, text, i - 1, i);
        }
        while (!queue.isEmpty()) {
            Candidate c = queue.poll();
            // stale if either side has since merged into something else
            if (text[c.left] != c.leftText || text[c.right] != c.rightText || next[c.left] != c.right) {
                continue;
            }
            text[c.left] = c.leftText + c.rightText;
            text[c.right] = null;
            next[c.left] = next[c.right];
            if (next[c.right] >= 0) {
                prev[next[c.right]] = c.left;
            }
            if (prev[c.left] >= 0) {
                offer(queue, rule, text, prev[c.left], c.left);
            }
            if (next[c.left] >= 0) {
                offer(queue, rule, text, c.left, next[c.left]);
            }
        }
        List<String> out = new ArrayList<>();
        for (int i = n > 0 ? 0 : -1; i >= 0; i = next[i]) {
            out.add(text[i]);
        }
        return out;
    }

    private static void offer(PriorityQueue<Candidate> queue, Rule rule, String[] text, int left, int right) {
        double p = rule.priority(text[left], text[right]);
        if (!Double.isNaN(p)) {
            queue.add(new Candidate(p, left, right, text[left], text[right]));
        }
    }

    /** Splits {@code s} into one string per Unicode code point. */
    static List<String> codePoints(String s) {
        List<String> out = new ArrayList<>(s.length());
        for (int i = 0; i < s.length(); ) {
            int cp = s.codePointAt(i);
            int len = Character.charCount(cp);
            out.add(s.substring(i, i + len));
            i += len;
        }
        return out;
    }
}
