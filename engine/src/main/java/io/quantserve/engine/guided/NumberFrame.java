package io.quantserve.engine.guided;

/**
 * Inside a number, by JSON's grammar: {@code -? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?}, an integer
 * without fraction and exponent. Digit runs are capped (they stay within a double's precision) so a model cannot
 * write digits forever.
 *
 * @param digits digits so far in the current part (integer, fraction or exponent)
 */
record NumberFrame(boolean integer, int phase, int digits) implements Frame {
    static final int MAX_INT_DIGITS = 16;
    static final int MAX_FRACTION_DIGITS = 16;
    static final int MAX_EXPONENT_DIGITS = 3;

    static final int MINUS = 0;
    static final int ZERO = 1;
    static final int INT = 2;
    static final int DOT = 3;
    static final int FRACTION = 4;
    static final int E = 5;
    static final int E_SIGN = 6;
    static final int EXPONENT = 7;

    /** The first byte of a number. */
    static void start(boolean integer, int b, Stack below, Stacks out) {
        if (b == '-') {
            out.add(below.push(new NumberFrame(integer, MINUS, 0)));
        } else {
            below.push(new NumberFrame(integer, MINUS, 0)).feed(b, out); // MINUS: the first digit is due
        }
    }

    @Override
    public boolean canEnd() {
        return phase == ZERO || phase == INT || phase == FRACTION || phase == EXPONENT;
    }

    @Override
    public void feed(int b, Stack self, Stacks out) {
        Stack below = self.below();
        boolean digit = b >= '0' && b <= '9';
        switch (phase) {
            case MINUS -> {
                if (b == '0') {
                    out.add(below.push(new NumberFrame(integer, ZERO, 1)));
                } else if (digit) {
                    out.add(below.push(new NumberFrame(integer, INT, 1)));
                }
            }
            case ZERO, INT -> {
                if (phase == INT && digit && digits < MAX_INT_DIGITS) {
                    out.add(below.push(new NumberFrame(integer, INT, digits + 1)));
                } else if (!integer && b == '.') {
                    out.add(below.push(new NumberFrame(integer, DOT, 0)));
                } else if (!integer && (b == 'e' || b == 'E')) {
                    out.add(below.push(new NumberFrame(integer, E, 0)));
                }
            }
            case DOT -> {
                if (digit) {
                    out.add(below.push(new NumberFrame(integer, FRACTION, 1)));
                }
            }
            case FRACTION -> {
                if (digit && digits < MAX_FRACTION_DIGITS) {
                    out.add(below.push(new NumberFrame(integer, FRACTION, digits + 1)));
                } else if (b == 'e' || b == 'E') {
                    out.add(below.push(new NumberFrame(integer, E, 0)));
                }
            }
            case E -> {
                if (b == '+' || b == '-') {
                    out.add(below.push(new NumberFrame(integer, E_SIGN, 0)));
                } else if (digit) {
                    out.add(below.push(new NumberFrame(integer, EXPONENT, 1)));
                }
            }
            case E_SIGN -> {
                if (digit) {
                    out.add(below.push(new NumberFrame(integer, EXPONENT, 1)));
                }
            }
            case EXPONENT -> {
                if (digit && digits < MAX_EXPONENT_DIGITS) {
                    out.add(below.push(new NumberFrame(integer, EXPONENT, digits + 1)));
                }
            }
            default -> throw new IllegalStateException("number phase " + phase);
        }
        // a digit that may not extend the number must not end it either: "01", or a 17th digit read as a new value
        if (canEnd() && !digit) {
            below.feed(b, out);
        }
    }
}
