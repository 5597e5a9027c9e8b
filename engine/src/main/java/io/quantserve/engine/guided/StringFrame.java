package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.StringSpec;

/**
 * Inside a string, after the opening quote. Escapes must be JSON's; raw control characters are refused; UTF-8 is
 * checked byte by byte (no overlong forms, no surrogates, nothing past U+10FFFF), so a token may end inside a
 * character; a \\uD800-\\uDBFF escape must be followed by a low-surrogate escape. With a pattern, every character
 * (however it is written) steps the pattern's automaton, and a byte is allowed only when some character it can still
 * become has a way on, so no allowed prefix is a dead end; the string closes only where the pattern accepts.
 *
 * @param count characters so far, kept only when the spec has length bounds (so unbounded strings stay one state)
 * @param x     UTF-8: continuation bytes still due; hex escape: the value so far
 * @param y     UTF-8: lowest allowed next byte; hex escape: digits so far
 * @param z     UTF-8: highest allowed next byte
 * @param re    the pattern automaton's state (0 without a pattern)
 * @param cp    with a pattern: UTF-8, the character's bits so far; after a high-surrogate escape, that surrogate
 */
record StringFrame(StringSpec spec, int phase, int count, int x, int y, int z, int re, int cp) implements Frame {
    static final int CHARS = 0;
    static final int ESCAPE = 1;
    static final int HEX = 2;
    static final int UTF8 = 3;
    static final int LOW_BACKSLASH = 4; // after a high-surrogate escape: "\" of the low one
    static final int LOW_U = 5;
    static final int LOW_HEX = 6;

    /** The least code point a UTF-8 sequence of 1-4 bytes encodes (shorter forms of smaller ones are overlong). */
    private static final int[] LEAST = {0, 0, 0x80, 0x800, 0x10000};

    static StringFrame open(StringSpec spec) {
        return new StringFrame(spec, CHARS, 0, 0, 0, 0, 0, 0);
    }

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        switch (phase) {
            case CHARS -> chars(b, self, out);
            case ESCAPE -> {
                int c = switch (b) {
                    case '"', '\\', '/' -> b;
                    case 'b' -> '\b';
                    case 'f' -> '\f';
                    case 'n' -> '\n';
                    case 'r' -> '\r';
                    case 't' -> '\t';
                    default -> -1;
                };
                if (c >= 0) {
                    character(c, below, out);
                } else if (b == 'u') {
                    out.add(below.push(new StringFrame(spec, HEX, count, 0, 0, 0, re, 0)));
                }
            }
            case HEX, LOW_HEX -> hex(b, below, out);
            case UTF8 -> {
                if (b < y || b > z) {
                    return;
                }
                int bits = spec.pattern == null ? 0 : cp << 6 | (b & 0x3F);
                if (x == 1) {
                    character(bits, below, out);
                } else if (canBecome(bits, x - 1, 0)) {
                    out.add(below.push(new StringFrame(spec, UTF8, count, x - 1, 0x80, 0xBF, re, bits)));
                }
            }
            case LOW_BACKSLASH -> {
                if (b == '\\') {
                    out.add(below.push(new StringFrame(spec, LOW_U, count, 0, 0, 0, re, cp)));
                }
            }
            case LOW_U -> {
                if (b == 'u') {
                    out.add(below.push(new StringFrame(spec, LOW_HEX, count, 0, 0, 0, re, cp)));
                }
            }
            default -> throw new IllegalStateException("string phase " + phase);
        }
    }

    /**
     * A whole character read (the count already has it): on in the string if the pattern takes it and can still
     * accept within the characters maxLength leaves.
     */
    private void character(int c, Stack below, Stacks out) {
        int next = spec.pattern == null ? 0 : spec.pattern.step(re, c);
        if (next >= 0 && (spec.pattern == null || spec.pattern.remaining(next) <= budget())) {
            out.add(below.push(new StringFrame(spec, CHARS, count, 0, 0, 0, next, 0)));
        }
    }

    private void chars(int b, Stack self, Stacks out) {
        Stack below = self.below();
        if (b == '"') {
            if (count >= spec.minLength && (spec.pattern == null || spec.pattern.isAccept(re))) {
                out.add(below);
            }
            return;
        }
        if (b < 0x20 || count >= spec.maxLength) {
            return;
        }
        int next = spec.counts() ? count + 1 : 0;
        if (b == '\\') {
            StringFrame escape = new StringFrame(spec, ESCAPE, next, 0, 0, 0, re, 0);
            if (escape.patternCanRead(0, 0xFFFF, false)) { // \\uXXXX (pairs too) spells any character: is one on?
                out.add(below.push(escape));
            }
        } else if (b < 0x80) {
            if (spec.pattern == null && !spec.counts()) {
                out.add(self); // the common case: no new objects
            } else {
                new StringFrame(spec, CHARS, next, 0, 0, 0, re, 0).character(b, below, out);
            }
        } else if (b >= 0xC2 && b <= 0xDF) {
            lead(b & 0x1F, 1, 0x80, 0xBF, next, below, out);
        } else if (b >= 0xE0 && b <= 0xEF) {
            int lo = b == 0xE0 ? 0xA0 : 0x80; // E0: no overlong forms
            int hi = b == 0xED ? 0x9F : 0xBF; // ED: no UTF-16 surrogates
            lead(b & 0x0F, 2, lo, hi, next, below, out);
        } else if (b >= 0xF0 && b <= 0xF4) {
            int lo = b == 0xF0 ? 0x90 : 0x80;
            int hi = b == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
            lead(b & 0x07, 3, lo, hi, next, below, out);
        }
    }

    /** The first byte of a multi-byte character: its {@code bits}, {@code due} continuation bytes to come. */
    private void lead(int bits, int due, int lo, int hi, int next, Stack below, Stacks out) {
        StringFrame started = new StringFrame(spec, UTF8, next, due, lo, hi, re, spec.pattern == null ? 0 : bits);
        if (started.canBecome(started.cp, due, LEAST[due + 1])) {
            out.add(below.push(started));
        }
    }

    /**
     * Whether a character whose UTF-8 form has given {@code bits} so far, {@code due} continuation bytes still to
     * come, can still be one the pattern takes: those characters are one range, from {@code least} (at the first byte,
     * the least value of a sequence of its length; later the allowed byte ranges have seen to it) to at most U+10FFFF
     * (the automaton never reads a surrogate).
     */
    private boolean canBecome(int bits, int due, int least) {
        if (spec.pattern == null) {
            return true;
        }
        int shift = 6 * due;
        int lo = Math.max(bits << shift, least);
        int hi = Math.min((bits << shift) | ((1 << shift) - 1), Character.MAX_CODE_POINT);
        return spec.pattern.canRead(re, lo, hi, budget());
    }

    /** The characters maxLength leaves after the one being read (counted already). */
    private int budget() {
        return spec.maxLength == ValueSpec.UNBOUNDED ? Integer.MAX_VALUE : spec.maxLength - count;
    }

    private void hex(int b, Stack below, Stacks out) {
        int digit = Character.digit(b, 16);
        if (digit < 0) {
            return;
        }
        int value = x * 16 + digit;
        int digits = y + 1;
        int shift = 4 * (4 - digits);
        int lo = value << shift;
        int hi = ((value + 1) << shift) - 1;
        boolean low = phase == LOW_HEX;
        // the escapes still reachable: a low surrogate after a high one, otherwise anything but a lone low one
        boolean possible = low ? lo <= 0xDFFF && hi >= 0xDC00 : lo < 0xDC00 || hi > 0xDFFF;
        if (!possible || !patternCanRead(lo, hi, low)) {
            return;
        }
        if (digits < 4) {
            out.add(below.push(new StringFrame(spec, phase, count, value, digits, 0, re, cp)));
        } else if (!low && value >= 0xD800 && value <= 0xDBFF) {
            out.add(below.push(new StringFrame(spec, LOW_BACKSLASH, count, 0, 0, 0, re,
                    spec.pattern == null ? 0 : value)));
        } else {
            character(low ? supplementary(cp, value) : value, below, out);
        }
    }

    /**
     * Whether some character that escapes of values [lo, hi] can still spell has a way on in the pattern: the values
     * themselves outside the surrogates; a high surrogate, any character of its 1024; a low one, the one it completes.
     */
    private boolean patternCanRead(int lo, int hi, boolean low) {
        CodePointDfa pattern = spec.pattern;
        if (pattern == null) {
            return true;
        }
        int budget = budget();
        if (low) {
            return pattern.canRead(re, supplementary(cp, Math.max(lo, 0xDC00)), supplementary(cp, Math.min(hi, 0xDFFF)),
                    budget);
        }
        int highLo = Math.max(lo, 0xD800);
        int highHi = Math.min(hi, 0xDBFF);
        return pattern.canRead(re, lo, Math.min(hi, 0xD7FF), budget)
                || pattern.canRead(re, Math.max(lo, 0xE000), hi, budget)
                || highLo <= highHi
                && pattern.canRead(re, supplementary(highLo, 0xDC00), supplementary(highHi, 0xDFFF), budget);
    }

    private static int supplementary(int high, int low) {
        return 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
    }
}
