package io.quantserve.node.engine;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Prints a failed model start-up as one clear description instead of a stack trace of bean creation. */
class ModelStartupFailureAnalyzer extends AbstractFailureAnalyzer<ModelStartupException> {
    @Override
    protected FailureAnalysis analyze(Throwable rootFailure, ModelStartupException cause) {
        return new FailureAnalysis(cause.getMessage(),
                "Check quantserve.node.model (QUANTSERVE_NODE_MODEL): a model folder or .gguf file, registry:<artifact"
                        + " id>, or hf://org/name[@revision]; that the registry or Hub it names is reachable; and"
                        + " quantserve.node.engine.backend (QUANTSERVE_NODE_ENGINE_BACKEND: auto, cpu or cuda).",
                cause);
    }
}
