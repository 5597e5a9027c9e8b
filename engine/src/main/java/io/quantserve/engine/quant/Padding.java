package io.quantserve.engine.quant;

import io.quantserve.engine.model.ModelConfig;

/**
 * The documented rule for sizes a packed format cannot hold as they are. Integer formats pack 32 bits of codes
 * along a dimension and need whole groups: every linear dimension must be a multiple of lcm(32, group size).
 * The intermediate size is padded up to it with zero channels (gate/up get zero rows, down zero columns), which
 * leaves the model's function unchanged because silu(0) · 0 = 0; config.json records the padded size. Hidden and
 * attention sizes cannot be padded that way and are refused by name. NF4 blocks run across rows and W8A8 stores
 * bytes, so they need no padding; GGUF export keeps such rows in F16 as llama.cpp's converter does.
 */
final class Padding {
    private Padding() {
    }

    static int intermediateSize(ModelConfig c, QuantizeOptions o) {
        Method m = o.method();
        if (m == Method.NF4 || m == Method.SMOOTHQUANT || m == Method.GGUF) {
            return c.intermediateSize();
        }
        int multiple = o.groupSize() > 0 ? lcm(32, o.groupSize()) : 32;
        require(c.hiddenSize(), multiple, "hidden_size");
        require(c.qDim(), multiple, "num_attention_heads * head_dim");
        // k/v outputs are packed along the output dimension: a whole number of 32-bit words per row
        require(c.kvDim(), 32 / gcd(32, o.bits()), "num_key_value_heads * head_dim");
        return (c.intermediateSize() + multiple - 1) / multiple * multiple;
    }

    private static void require(int size, int multiple, String field) {
        if (size % multiple != 0) {
            throw new IllegalArgumentException(field + " " + size + " is not a multiple of " + multiple
                    + " (32-bit packing and the group size); use a group size that divides it, or -1");
        }
    }

    private static int lcm(int a, int b) {
        return a / gcd(a, b) * b;
    }

    private static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }
}
