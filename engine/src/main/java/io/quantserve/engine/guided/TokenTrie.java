package io.quantserve.engine.guided;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.apache.lucene.util.automaton.ByteRunAutomaton;

/**
 * The vocabulary's token byte strings as a trie in flat arrays, so that a mask feeds each shared prefix to the
 * recognizer (or the regular expression's automaton) once: tokens that start with bytes no document can take next are skipped together.
 */
final class TokenTrie {
    private int[] childStart = new int[1024]; // node -> first index in childByte/childNode
    private int[] childCount = new int[1024];
    private int[] tokenStart = new int[1024]; // node -> first index in tokens
    private int[] tokenCount = new int[1024];
    private byte[] childByte = new byte[1024];
    private int[] childNode = new int[1024];
    private final int[] tokens;
    private int nodes;
    private int edges;

    /** {@code bytes[id]} is the text of token id, or null for tokens left out (specials, empty pieces). */
    TokenTrie(byte[][] bytes) {
        Integer[] ids = IntStream.range(0, bytes.length).filter(i -> bytes[i] != null && bytes[i].length > 0)
                .boxed().toArray(Integer[]::new);
        Arrays.sort(ids, Comparator.comparing((Integer i) -> bytes[i], Arrays::compareUnsigned));
        tokens = Arrays.stream(ids).mapToInt(Integer::intValue).toArray();
        int root = newNode();
        build(root, bytes, 0, tokens.length, 0);
    }

    int nodeCount() {
        return nodes;
    }

    private int newNode() {
        if (nodes == childStart.length) {
            int n = nodes * 2;
            childStart = Arrays.copyOf(childStart, n);
            childCount = Arrays.copyOf(childCount, n);
            tokenStart = Arrays.copyOf(tokenStart, n);
            tokenCount = Arrays.copyOf(tokenCount, n);
        }
        return nodes++;
    }

    /** Node for the sorted tokens[lo, hi), which all share their first {@code depth} bytes. */
    private void build(int node, byte[][] bytes, int lo, int hi, int depth) {
        int i = lo;
        while (i < hi && bytes[tokens[i]].length == depth) {
            i++; // sorted: the tokens that end here come first
        }
        tokenStart[node] = lo;
        tokenCount[node] = i - lo;
        int groups = 0;
        for (int j = i; j < hi; j++) {
            if (j == i || bytes[tokens[j]][depth] != bytes[tokens[j - 1]][depth]) {
                groups++;
            }
        }
        int first = edges;
        edges += groups;
        if (edges > childByte.length) {
            int n = Math.max(edges, childByte.length * 2);
            childByte = Arrays.copyOf(childByte, n);
            childNode = Arrays.copyOf(childNode, n);
        }
        childStart[node] = first;
        childCount[node] = groups;
        int edge = first;
        for (int j = i; j < hi; ) {
            byte b = bytes[tokens[j]][depth];
            int end = j;
            while (end < hi && bytes[tokens[end]][depth] == b) {
                end++;
            }
            int child = newNode();
            childByte[edge] = b;
            childNode[edge] = child;
            edge++;
            build(child, bytes, j, end, depth + 1);
            j = end;
        }
    }

    /** Sets the bit of every token whose bytes can follow {@code state}. */
    void allowed(Stack[] state, int maxStacks, long[] bits) {
        walk(0, state, bits, new Stacks(maxStacks));
    }

    private void walk(int node, Stack[] state, long[] bits, Stacks scratch) {
        int end = childStart[node] + childCount[node];
        for (int e = childStart[node]; e < end; e++) {
            Stack[] next = scratch.next(state, childByte[e] & 0xff);
            if (next == null) {
                continue;
            }
            int child = childNode[e];
            setTokens(child, bits);
            if (childCount[child] > 0) {
                walk(child, next, bits, scratch);
            }
        }
    }

    /** Sets the bit of every token whose bytes {@code dfa} can read from {@code state} (without dying). */
    void allowed(ByteRunAutomaton dfa, int state, long[] bits) {
        walk(0, dfa, state, bits);
    }

    private void walk(int node, ByteRunAutomaton dfa, int state, long[] bits) {
        int end = childStart[node] + childCount[node];
        for (int e = childStart[node]; e < end; e++) {
            int next = dfa.step(state, childByte[e] & 0xff);
            if (next < 0) {
                continue;
            }
            int child = childNode[e];
            setTokens(child, bits);
            if (childCount[child] > 0) {
                walk(child, dfa, next, bits);
            }
        }
    }

    /** Sets the bits of the tokens that end at {@code node}. */
    private void setTokens(int node, long[] bits) {
        for (int t = tokenStart[node], tEnd = t + tokenCount[node]; t < tEnd; t++) {
            int id = tokens[t];
            bits[id >>> 6] |= 1L << id;
        }
    }
}
