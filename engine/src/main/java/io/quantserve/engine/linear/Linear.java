package io.quantserve.engine.linear;

/**
 * One linear layer, {@code y = x W^T + b}, ready to run. The model calls only this; how the weight is stored
 * (float, 4-bit groups, int8...) is the business of the {@link LinearMethod} that built it.
 */
public interface Linear {

    int inFeatures();

    int outFeatures();

    /** x: [tokens, inFeatures] row-major; y: [tokens, outFeatures], overwritten. */
    void apply(float[] x, float[] y, int tokens);

    /** Bytes of weight data read by one full pass (for bandwidth figures). */
    long weightBytes();
}
