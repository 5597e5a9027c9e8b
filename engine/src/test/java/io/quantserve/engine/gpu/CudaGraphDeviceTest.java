package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * {@link CudaDevice#capture} and {@link CudaGraph} replays on a device; skipped where there is none. Each test runs
 * its kernel once before capturing (the module loads then: a capture may not load one), as DecodeGraphs does.
 */
class CudaGraphDeviceTest extends DeviceTest {
    private static final ActivationType T = ActivationType.F16;

    private GpuKernels warmKernels() {
        GpuKernels kernels = new GpuKernels(device);
        DeviceBuffer scratch = upload(T, filled(8, 0));
        kernels.add(T, scratch, scratch, 8);
        return kernels;
    }

    @Test
    void aCaptureRunsNothingAndEachReplayReadsTheBuffersAsTheyAreThen() {
        GpuKernels kernels = warmKernels();
        int n = 1000;
        DeviceBuffer y = upload(T, filled(n, 1));
        DeviceBuffer x = upload(T, filled(n, 2));
        try (CudaGraph graph = device.capture("y += x twice", () -> {
            kernels.add(T, y, x, n);
            kernels.add(T, y, x, n);
        })) {
            assertThat(download(T, y, n)).as("after the capture").containsOnly(1f);
            graph.launch();
            assertThat(download(T, y, n)).as("after one replay").containsOnly(5f);
            x.upload(bits(filled(n, 0.5f)));
            graph.launch();
            assertThat(download(T, y, n)).as("after a replay with new x").containsOnly(6f);
        }
        kernels.add(T, y, x, n); // plain launches still run on the default stream
        assertThat(download(T, y, n)).containsOnly(6.5f);
    }

    /** {@link CudaDevice#profile}: the kernels of its work in launch order; not inside a capture or another profile. */
    @Test
    void aProfileListsItsLaunchesInOrderAndIsRefusedInsideACapture() {
        GpuKernels kernels = warmKernels();
        DeviceBuffer y = upload(T, filled(16, 1));
        DeviceBuffer x = upload(T, filled(16, 2));
        kernels.add(T, y, x, 16); // before the profile: not listed
        assertThat(device.profile(() -> {
            kernels.add(T, y, x, 16);
            kernels.rmsnorm(T, y, x, x, 1, 16, 1e-5f);
        })).containsExactly("add_f16", "rmsnorm_f16");
        assertThat(download(T, y, 16)).as("the profiled work ran").containsOnly(2f);
        assertThatThrownBy(() -> device.profile(() -> device.profile(() -> { })))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("profile inside");
        assertThatThrownBy(() -> device.capture("profile inside", () -> device.profile(() -> { })))
                .isInstanceOf(IllegalStateException.class);
        assertThat(device.profile(() -> kernels.add(T, y, x, 16))).as("after the refusals").containsExactly("add_f16");
    }

    @Test
    void aCopyDuringACaptureFailsTheCaptureAndLeavesTheDeviceUsable() {
        GpuKernels kernels = warmKernels();
        DeviceBuffer y = upload(T, filled(64, 1));
        DeviceBuffer x = upload(T, filled(64, 1));
        assertThatThrownBy(() -> device.capture("a copy inside", () -> {
            kernels.add(T, y, x, 64);
            x.upload(bits(filled(64, 3)));
        })).isInstanceOf(CudaException.class);
        kernels.add(T, y, x, 64); // nothing of the failed capture ran: y = 1 + x, x 1 or 3 as the refused copy left it
        assertThat(download(T, y, 64)).as("the device after a failed capture").containsAnyOf(2f, 4f);
    }

    @Test
    void aFailingStepEndsTheCaptureAndIsRethrown() {
        assertThatThrownBy(() -> device.capture("throws", () -> {
            throw new IllegalArgumentException("bad shape");
        })).isInstanceOf(IllegalArgumentException.class).hasMessage("bad shape");
        GpuKernels kernels = warmKernels();
        DeviceBuffer y = upload(T, filled(32, 1));
        try (CudaGraph again = device.capture("a capture after a failed one", () -> kernels.add(T, y, y, 32))) {
            again.launch();
        }
        assertThat(download(T, y, 32)).containsOnly(2f);
    }

    private static float[] filled(int n, float value) {
        float[] v = new float[n];
        java.util.Arrays.fill(v, value);
        return v;
    }

    private static short[] bits(float[] v) {
        short[] b = new short[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = T.fromFloat(v[i]);
        }
        return b;
    }
}
