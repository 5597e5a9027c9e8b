package io.quantserve.engine.gpu;

/** Where the engine's kernels run. */
public enum Backend {
    CPU, CUDA
}
