package io.quantserve.engine.quant.algo;

/** Argument checks shared by the quantizers, each naming what was wrong. */
final class Shapes {

    private Shapes() {
    }

    static void check(float[] a, int rows, int cols, String what) {
        if (rows < 1 || cols < 1 || a.length != (long) rows * cols) {
            throw new IllegalArgumentException(what + ": expected [" + rows + ", " + cols + "] = "
                    + (long) rows * cols + " values, got " + a.length);
        }
    }

    static void bits(int bits) {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("bits must be 2..8, got " + bits);
        }
    }

    /** The effective group size: {@code in} for -1; otherwise it must divide {@code in} (the pipeline pads). */
    static int groupSize(int groupSize, int in, String what) {
        if (groupSize == -1) {
            return in;
        }
        if (groupSize < 1 || in % groupSize != 0) {
            throw new IllegalArgumentException(what + ": group_size " + groupSize + " does not divide in_features "
                    + in + " (pad the input columns first)");
        }
        return groupSize;
    }
}
