package io.quantserve.engine.linear;

/** Names a checkpoint's storage method and gives the {@link LinearMethod} for each linear layer. */
public interface QuantizationConfig {

    String name();

    /** The method for the layer at {@code prefix} (e.g. {@code model.layers.3.self_attn.q_proj}). */
    LinearMethod linearMethod(String prefix);
}
