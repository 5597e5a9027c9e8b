package io.quantserve.engine.cli;

import io.quantserve.engine.generate.TokenModel;
import io.quantserve.engine.gpu.Backend;
import io.quantserve.engine.gpu.BackendChoice;
import io.quantserve.engine.gpu.BackendSelection;
import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.model.GpuLlamaModel;
import io.quantserve.engine.model.LoadedModel;
import java.io.IOException;

/**
 * The model a command generates with, on the backend asked for ({@code --backend}, else {@code -Dquantserve.backend},
 * else {@code QUANTSERVE_BACKEND}, else auto): the CPU model, or the weights uploaded to CUDA device 0. The choice
 * and its reason are logged; the CPU choice loads no native library and touches no device.
 */
final class ModelRunner implements AutoCloseable {
    private final TokenModel model;
    private final AutoCloseable resources;

    private ModelRunner(TokenModel model, AutoCloseable resources) {
        this.model = model;
        this.resources = resources;
    }

    static ModelRunner open(LoadedModel loaded, String backendOption) throws IOException {
        BackendChoice choice = backendOption != null ? BackendChoice.parse(backendOption, "--backend")
                : BackendChoice.fromSystem();
        BackendSelection selection = BackendSelection.chosen(choice);
        if (selection.backend() == Backend.CPU) {
            return new ModelRunner(TokenModel.cpu(loaded.model()), () -> { });
        }
        CudaDevice device = CudaDevice.open(0);
        try {
            GpuLlamaModel gpu = GpuLlamaModel.load(device, loaded);
            return new ModelRunner(gpu, () -> {
                gpu.close();
                device.close();
            });
        } catch (IOException | RuntimeException e) {
            device.close();
            throw e;
        }
    }

    TokenModel model() {
        return model;
    }

    @Override
    public void close() throws Exception {
        resources.close();
    }
}
