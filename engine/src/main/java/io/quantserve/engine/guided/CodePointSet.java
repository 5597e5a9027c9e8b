package io.quantserve.engine.guided;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.lucene.util.automaton.Automata;
import org.apache.lucene.util.automaton.Automaton;

/**
 * A set of Unicode scalar values as sorted, disjoint, non-adjacent ranges: what a character class of a regular
 * expression denotes. Surrogate code points are never members (UTF-8 cannot encode them).
 */
final class CodePointSet {
    static final int MAX = Character.MAX_CODE_POINT;
    private static final CodePointSet SURROGATES = of(Character.MIN_SURROGATE, Character.MAX_SURROGATE);

    private final int[] ranges; // lo0, hi0, lo1, hi1, ... inclusive

    private CodePointSet(int[] ranges) {
        this.ranges = ranges;
    }

    static CodePointSet of(int lo, int hi) {
        if (lo > hi) {
            throw new IllegalArgumentException("empty range " + lo + "-" + hi);
        }
        return new CodePointSet(new int[] {lo, hi});
    }

    /** Every Unicode scalar value. */
    static CodePointSet all() {
        return of(0, MAX).minus(SURROGATES);
    }

    static CodePointSet of(int codePoint) {
        return of(codePoint, codePoint);
    }

    /** The union of {@code sets}. */
    static CodePointSet union(List<CodePointSet> sets) {
        int n = sets.stream().mapToInt(s -> s.ranges.length / 2).sum();
        long[] packed = new long[n]; // lo << 32 | hi, sorted by lo
        int k = 0;
        for (CodePointSet s : sets) {
            for (int i = 0; i < s.ranges.length; i += 2) {
                packed[k++] = (long) s.ranges[i] << 32 | s.ranges[i + 1];
            }
        }
        Arrays.sort(packed);
        int[] out = new int[2 * n];
        int m = 0;
        for (long p : packed) {
            int lo = (int) (p >>> 32);
            int hi = (int) p;
            if (m > 0 && lo <= out[m - 1] + 1) {
                out[m - 1] = Math.max(out[m - 1], hi);
            } else {
                out[m++] = lo;
                out[m++] = hi;
            }
        }
        return new CodePointSet(Arrays.copyOf(out, m));
    }

    /** Every scalar value not in this set. */
    CodePointSet complement() {
        List<Integer> out = new ArrayList<>();
        int next = 0;
        for (int i = 0; i < ranges.length; i += 2) {
            if (ranges[i] > next) {
                out.add(next);
                out.add(ranges[i] - 1);
            }
            next = ranges[i + 1] + 1;
        }
        if (next <= MAX) {
            out.add(next);
            out.add(MAX);
        }
        return new CodePointSet(out.stream().mapToInt(Integer::intValue).toArray()).minus(SURROGATES);
    }

    CodePointSet minus(CodePointSet other) {
        List<Integer> out = new ArrayList<>();
        for (int i = 0; i < ranges.length; i += 2) {
            int lo = ranges[i];
            int hi = ranges[i + 1];
            for (int j = 0; j < other.ranges.length && lo <= hi; j += 2) {
                int olo = other.ranges[j];
                int ohi = other.ranges[j + 1];
                if (ohi < lo || olo > hi) {
                    continue;
                }
                if (olo > lo) {
                    out.add(lo);
                    out.add(olo - 1);
                }
                lo = ohi + 1;
            }
            if (lo <= hi) {
                out.add(lo);
                out.add(hi);
            }
        }
        return new CodePointSet(out.stream().mapToInt(Integer::intValue).toArray());
    }

    /** The set's only member, or -1 when it has none or several. */
    int single() {
        return ranges.length == 2 && ranges[0] == ranges[1] ? ranges[0] : -1;
    }

    /** An automaton over code points accepting exactly one member. */
    Automaton automaton() {
        if (ranges.length == 0) {
            return Automata.makeEmpty();
        }
        int n = ranges.length / 2;
        int[] starts = new int[n];
        int[] ends = new int[n];
        for (int i = 0; i < n; i++) {
            starts[i] = ranges[2 * i];
            ends[i] = ranges[2 * i + 1];
        }
        return Automata.makeCharClass(starts, ends);
    }
}
