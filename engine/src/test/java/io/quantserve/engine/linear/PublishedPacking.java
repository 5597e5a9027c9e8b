package io.quantserve.engine.linear;

/**
 * Test-side packers that follow the published layouts, written independently of the loaders: AutoAWQ's
 * WQLinear_GEMM.from_linear (order_map [0, 2, 4, 6, 1, 3, 5, 7] along the output) and AutoGPTQ's QuantLinear.pack
 * (qweight along the input, qzeros along the output, v1 storing zero - 1).
 */
final class PublishedPacking {
    static final int[] AWQ_ORDER_MAP = {0, 2, 4, 6, 1, 3, 5, 7};

    private PublishedPacking() {
    }

    /** AutoAWQ: int values [rows, cols] → [rows, cols / 8], word w's nibble i = column 8w + order_map[i]. */
    static int[] awqPack(int[] values, int rows, int cols) {
        int[] packed = new int[rows * cols / 8];
        for (int r = 0; r < rows; r++) {
            for (int w = 0; w < cols / 8; w++) {
                int word = 0;
                for (int i = 0; i < 8; i++) {
                    word |= values[r * cols + 8 * w + AWQ_ORDER_MAP[i]] << (4 * i);
                }
                packed[r * cols / 8 + w] = word;
            }
        }
        return packed;
    }

    /** AutoGPTQ qweight: int values [rows, cols] → [rows * bits / 32, cols], row k in word k / (32/bits). */
    static int[] gptqPackRows(int[] values, int rows, int cols, int bits) {
        int perInt = 32 / bits;
        int[] packed = new int[rows / perInt * cols];
        for (int k = 0; k < rows; k++) {
            for (int c = 0; c < cols; c++) {
                packed[(k / perInt) * cols + c] |= values[k * cols + c] << ((k % perInt) * bits);
            }
        }
        return packed;
    }

    /** AutoGPTQ qzeros: int values [rows, cols] → [rows, cols * bits / 32], column j in word j / (32/bits). */
    static int[] gptqPackColumns(int[] values, int rows, int cols, int bits) {
        int perInt = 32 / bits;
        int words = cols / perInt;
        int[] packed = new int[rows * words];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < cols; j++) {
                packed[r * words + j / perInt] |= values[r * cols + j] << ((j % perInt) * bits);
            }
        }
        return packed;
    }
}
