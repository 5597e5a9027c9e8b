package io.quantserve.engine.gpu.bench;

import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.CudaProbe;

/** The device a benchmark's main runs on: device 0, or exit status 2 with the probe's reason where there is none. */
final class BenchDevice {
    private BenchDevice() {
    }

    static CudaDevice open(String tool) {
        CudaProbe.Result probe = CudaProbe.probe();
        if (!probe.available()) {
            System.out.println(tool + ": no CUDA device (" + probe.detail() + ")");
            System.exit(2);
        }
        return CudaDevice.open(0);
    }
}
