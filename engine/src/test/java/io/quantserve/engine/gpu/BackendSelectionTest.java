package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class BackendSelectionTest {
    private static final CudaProbe.Result NONE = new CudaProbe.Result(0, "libcuda.so.1: cannot open shared object file");
    private static final CudaProbe.Result ONE = new CudaProbe.Result(1, "1 device(s), first NVIDIA H100");

    @Test
    void shouldPickCudaOnAutoWhenADeviceIsPresent() {
        BackendSelection s = BackendSelection.select(BackendChoice.AUTO, () -> ONE);
        assertThat(s.backend()).isEqualTo(Backend.CUDA);
        assertThat(s.reason()).contains("NVIDIA H100");
    }

    @Test
    void shouldFallBackToCpuOnAutoWithTheProbesReason() {
        BackendSelection s = BackendSelection.select(BackendChoice.AUTO, () -> NONE);
        assertThat(s.backend()).isEqualTo(Backend.CPU);
        assertThat(s.reason()).contains("no CUDA device").contains("libcuda.so.1");
    }

    @Test
    void shouldNotProbeWhenCpuIsAskedFor() {
        BackendSelection s = BackendSelection.select(BackendChoice.CPU, () -> {
            throw new AssertionError("probed although cpu was asked for");
        });
        assertThat(s.backend()).isEqualTo(Backend.CPU);
    }

    @Test
    void shouldFailWhenCudaIsAskedForWithoutADevice() {
        assertThatThrownBy(() -> BackendSelection.select(BackendChoice.CUDA, () -> NONE))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("quantserve.backend=cuda").hasMessageContaining("libcuda.so.1");
        assertThat(BackendSelection.select(BackendChoice.CUDA, () -> ONE).backend()).isEqualTo(Backend.CUDA);
    }

    @Test
    void shouldReadThePropertyBeforeTheEnvironment() {
        Properties props = new Properties();
        assertThat(BackendChoice.from(props, Map.of())).isEqualTo(BackendChoice.AUTO);
        assertThat(BackendChoice.from(props, Map.of("QUANTSERVE_BACKEND", " CUDA "))).isEqualTo(BackendChoice.CUDA);
        props.setProperty("quantserve.backend", "cpu");
        assertThat(BackendChoice.from(props, Map.of("QUANTSERVE_BACKEND", "cuda"))).isEqualTo(BackendChoice.CPU);
    }

    @Test
    void shouldRejectAnUnknownBackendNamingWhereItCameFrom() {
        assertThatThrownBy(() -> BackendChoice.from(new Properties(), Map.of("QUANTSERVE_BACKEND", "rocm")))
                .hasMessage("QUANTSERVE_BACKEND is 'rocm'; expected auto, cpu or cuda");
    }

    @Test
    void shouldProbeWithoutThrowingWhateverTheMachine() {
        CudaProbe.Result r = CudaProbe.probe();
        assertThat(r.detail()).isNotBlank();
        assertThat(r.available()).isEqualTo(r.deviceCount() > 0);
        // asked twice, the same answer (the native binding is loaded at most once)
        assertThat(CudaProbe.probe()).isSameAs(r);
    }

    @Test
    void shouldReduceJCudasLoaderMessageToTheMissingLibrary() {
        String message = """
                Error while loading native library "JCudaDriver-12.6.0-linux-x86_64"
                Stack trace from the attempt to load the library as a file:
                java.lang.UnsatisfiedLinkError: no JCudaDriver-12.6.0-linux-x86_64 in java.library.path: /usr/lib
                java.lang.UnsatisfiedLinkError: /tmp/libJCudaDriver-12.6.0-linux-x86_64.so: libcuda.so.1: cannot open shared object file: No such file or directory
                	at java.base/jdk.internal.loader.NativeLibraries.load(Native Method)
                """;
        assertThat(CudaProbe.loadFailure(message))
                .isEqualTo("libcuda.so.1: cannot open shared object file: No such file or directory");
        assertThat(CudaProbe.loadFailure("first line\nsecond")).isEqualTo("first line");
    }
}
