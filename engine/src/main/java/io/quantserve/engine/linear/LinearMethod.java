package io.quantserve.engine.linear;

import io.quantserve.engine.format.TensorSource;

/**
 * Loads one linear layer's stored tensors ({@code prefix.weight}, {@code prefix.bias}, or a quantized format's
 * {@code qweight}/{@code scales}/...) and prepares them for {@link Linear#apply}. The seam where quantized formats
 * plug in, in the manner of vLLM's LinearMethodBase.
 */
public interface LinearMethod {

    Linear load(TensorSource source, String prefix, int inFeatures, int outFeatures);
}
