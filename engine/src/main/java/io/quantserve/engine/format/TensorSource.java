package io.quantserve.engine.format;

import io.quantserve.engine.format.safetensors.Tensor;
import java.util.Optional;

/** Where a model's named tensors come from (a safetensors checkpoint, a GGUF file, a generated model). */
public interface TensorSource {

    Optional<Tensor> find(String name);

    /** The tensor, or an error naming it and where it was looked for. */
    Tensor tensor(String name);
}
