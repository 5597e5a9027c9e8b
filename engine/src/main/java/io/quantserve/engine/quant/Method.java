package io.quantserve.engine.quant;

import java.util.Locale;

/** The post-training quantization methods and the checkpoint format each writes. */
public enum Method {
    RTN("gptq"),          // round to nearest, written in the GPTQ layout (AutoGPTQ/vLLM load it)
    AWQ("awq"),           // AutoAWQ GEMM layout
    GPTQ("gptq"),
    HQQ("gptq"),          // zero points rounded to integers so the GPTQ layout holds them
    NF4("bitsandbytes"),
    SMOOTHQUANT("compressed-tensors"), // W8A8 int8
    GGUF("gguf");

    private final String format;

    Method(String format) {
        this.format = format;
    }

    /** The checkpoint format the method's output is written in. */
    public String format() {
        return format;
    }

    /** Whether the method looks at calibration activations. */
    public boolean needsCalibration() {
        return this == AWQ || this == GPTQ || this == SMOOTHQUANT;
    }

    public static Method parse(String name) {
        try {
            return valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("unknown method '" + name
                    + "' (rtn, awq, gptq, hqq, nf4, smoothquant, gguf)");
        }
    }

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }
}
