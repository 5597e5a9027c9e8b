package io.quantserve.engine.guided;

import java.util.List;
import java.util.Objects;

/**
 * Restricts which tokens a sequence may produce next (structured output: JSON, a JSON schema, a grammar; allowed
 * tokens, bad words). One instance per sequence, driven by the engine thread: {@link #mask} before each sampling step,
 * {@link #accept} with the token that was sampled. A structured output allows end-of-sequence ids exactly when the
 * text so far is a complete document.
 */
public interface TokenConstraint {

    /** Sets the logits of every token that may not come next to negative infinity; others stay as they are. */
    void mask(float[] logits);

    /** Moves past {@code token}, which the last {@link #mask} allowed. */
    void accept(int token);

    /** Every one of {@code constraints} at once (a token must pass all their masks); null ones left out. */
    static TokenConstraint all(List<TokenConstraint> constraints) {
        List<TokenConstraint> present = constraints.stream().filter(Objects::nonNull).toList();
        if (present.size() <= 1) {
            return present.isEmpty() ? null : present.getFirst();
        }
        return new TokenConstraint() {
            @Override
            public void mask(float[] logits) {
                present.forEach(c -> c.mask(logits));
            }

            @Override
            public void accept(int token) {
                present.forEach(c -> c.accept(token));
            }
        };
    }
}
