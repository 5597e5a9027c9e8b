package io.quantserve.engine.model;

import java.util.Arrays;
import java.util.stream.Collectors;

/** The decoder architectures the engine runs: all Llama-shaped, differing in details the config records. */
public enum Architecture {
    LLAMA("LlamaForCausalLM"),
    MISTRAL("MistralForCausalLM"),
    QWEN2("Qwen2ForCausalLM"),
    QWEN3("Qwen3ForCausalLM");

    private final String hfName;

    Architecture(String hfName) {
        this.hfName = hfName;
    }

    public String hfName() {
        return hfName;
    }

    public static Architecture fromHfName(String name) {
        for (Architecture a : values()) {
            if (a.hfName.equals(name)) {
                return a;
            }
        }
        throw new IllegalArgumentException("unsupported architecture '" + name + "' (supported: "
                + Arrays.stream(values()).map(Architecture::hfName).collect(Collectors.joining(", ")) + ")");
    }
}
