package io.quantserve.engine.guided;

import io.quantserve.engine.guided.ValueSpec.StringSpec;

/**
 * Inside a string, after the opening quote. Escapes must be JSON's; raw control characters are refused; UTF-8 is
 * checked byte by byte (no overlong forms, no surrogates, nothing past U+10FFFF), so a token may end inside a
 * character; a \\uD800-\\uDBFF escape must be followed by a low-surrogate escape.
 *
 * @param count characters so far, kept only when the spec has length bounds (so unbounded strings stay one state)
 * @param x     UTF-8: continuation bytes still due; hex escape: the value so far
 * @param y     UTF-8: lowest allowed next byte; hex escape: digits so far
 * @param z     UTF-8: highest allowed next byte
 */
record StringFrame(StringSpec spec, int phase, int count, int x, int y, int z) implements Frame {
    static final int CHARS = 0;
    static final int ESCAPE = 1;
    static final int HEX = 2;
    static final int UTF8 = 3;
    static final int LOW_BACKSLASH = 4; // after a high-surrogate escape: "\" of the low one
    static final int LOW_U = 5;
    static final int LOW_HEX = 6;

    static StringFrame open(StringSpec spec) {
        return new StringFrame(spec, CHARS, 0, 0, 0, 0);
    }

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        switch (phase) {
            case CHARS -> chars(b, self, out);
            case ESCAPE -> {
                if (b == '"' || b == '\\' || b == '/' || b == 'b' || b == 'f' || b == 'n' || b == 'r' || b == 't') {
                    out.add(below.push(at(CHARS, count)));
                } else if (b == 'u') {
                    out.add(below.push(new StringFrame(spec, HEX, count, 0, 0, 0)));
                }
            }
            case HEX, LOW_HEX -> hex(b, below, out);
            case UTF8 -> {
                if (b >= y && b <= z) {
                    out.add(below.push(x == 1 ? at(CHARS, count)
                            : new StringFrame(spec, UTF8, count, x - 1, 0x80, 0xBF)));
                }
            }
            case LOW_BACKSLASH -> {
                if (b == '\\') {
                    out.add(below.push(at(LOW_U, count)));
                }
            }
            case LOW_U -> {
                if (b == 'u') {
                    out.add(below.push(new StringFrame(spec, LOW_HEX, count, 0, 0, 0)));
                }
            }
            default -> throw new IllegalStateException("string phase " + phase);
        }
    }

    private StringFrame at(int newPhase, int newCount) {
        return new StringFrame(spec, newPhase, newCount, 0, 0, 0);
    }

    private void chars(int b, Stack self, Stacks out) {
        Stack below = self.below();
        if (b == '"') {
            if (count >= spec.minLength) {
                out.add(below);
            }
            return;
        }
        if (b < 0x20 || count >= spec.maxLength) {
            return;
        }
        int next = spec.counts() ? count + 1 : 0;
        if (b == '\\') {
            out.add(below.push(at(ESCAPE, next)));
        } else if (b < 0x80) {
            out.add(spec.counts() ? below.push(at(CHARS, next)) : self); // the common case: no new objects
        } else if (b >= 0xC2 && b <= 0xDF) {
            out.add(below.push(new StringFrame(spec, UTF8, next, 1, 0x80, 0xBF)));
        } else if (b >= 0xE0 && b <= 0xEF) {
            int lo = b == 0xE0 ? 0xA0 : 0x80; // E0: no overlong forms
            int hi = b == 0xED ? 0x9F : 0xBF; // ED: no UTF-16 surrogates
            out.add(below.push(new StringFrame(spec, UTF8, next, 2, lo, hi)));
        } else if (b >= 0xF0 && b <= 0xF4) {
            int lo = b == 0xF0 ? 0x90 : 0x80;
            int hi = b == 0xF4 ? 0x8F : 0xBF; // nothing past U+10FFFF
            out.add(below.push(new StringFrame(spec, UTF8, next, 3, lo, hi)));
        }
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
        if (!possible) {
            return;
        }
        if (digits < 4) {
            out.add(below.push(new StringFrame(spec, phase, count, value, digits, 0)));
        } else if (!low && value >= 0xD800 && value <= 0xDBFF) {
            out.add(below.push(at(LOW_BACKSLASH, count)));
        } else {
            out.add(below.push(at(CHARS, count)));
        }
    }
}
