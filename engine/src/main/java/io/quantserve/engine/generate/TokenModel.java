package io.quantserve.engine.generate;

import io.quantserve.engine.model.InferenceState;
import io.quantserve.engine.model.LlamaModel;
import io.quantserve.engine.model.ModelConfig;

/**
 * What {@link Generator} runs one sequence on: the CPU {@link LlamaModel} or a GPU runner. A sequence owns its KV
 * cache for its whole life.
 */
public interface TokenModel {

    ModelConfig config();

    /** A fresh sequence with room for {@code contextLength} positions. */
    Sequence newSequence(int contextLength);

    /** One sequence's cache and activations. */
    interface Sequence extends AutoCloseable {
        /** Runs {@code tokens} at positions startPos, startPos + 1, ... and returns the last one's logits [vocab]. */
        float[] forward(int[] tokens, int startPos);

        /** Frees what the sequence holds beyond the Java heap (device memory); nothing by default. */
        @Override
        default void close() {
        }
    }

    /** The CPU model. */
    static TokenModel cpu(LlamaModel model) {
        return new TokenModel() {
            @Override
            public ModelConfig config() {
                return model.config();
            }

            @Override
            public Sequence newSequence(int contextLength) {
                InferenceState state = model.newState(contextLength);
                return (tokens, startPos) -> model.forward(state, tokens, startPos, false);
            }
        };
    }
}
