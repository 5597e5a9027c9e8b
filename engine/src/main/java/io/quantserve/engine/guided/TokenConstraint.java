package io.quantserve.engine.guided;

/**
 * Restricts which tokens a sequence may produce next (structured output: JSON, a JSON schema). One instance per
 * sequence, driven by the engine thread: {@link #mask} before each sampling step, {@link #accept} with the token that
 * was sampled. End-of-sequence ids are allowed exactly when the text so far is a complete document.
 */
public interface TokenConstraint {

    /** Sets the logits of every token that may not come next to negative infinity; others stay as they are. */
    void mask(float[] logits);

    /** Moves past {@code token}, which the last {@link #mask} allowed. */
    void accept(int token);
}
