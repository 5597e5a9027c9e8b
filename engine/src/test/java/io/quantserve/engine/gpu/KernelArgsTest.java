package io.quantserve.engine.gpu;

import static io.quantserve.engine.gpu.KernelSpec.Param.FLOAT;
import static io.quantserve.engine.gpu.KernelSpec.Param.INT;
import static io.quantserve.engine.gpu.KernelSpec.Param.POINTER;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class KernelArgsTest {
    private static final KernelSpec NORM = KernelSpec.of("norm", "rmsnorm_f16", POINTER, POINTER, POINTER, INT, FLOAT);

    /** A buffer that is never dereferenced: argument checks and messages need only its label and size. */
    private static DeviceBuffer buffer(String label, long bytes) {
        return new DeviceBuffer(null, null, bytes, label, false);
    }

    @Test
    void shouldAcceptArgumentsOfTheSpecsKindsAndDescribeThem() {
        KernelArgs args = new KernelArgs().buffer(buffer("out", 8192)).buffer(buffer("x", 8192)).buffer(buffer("w", 8192))
                .i32(4096).f32(1e-5f);
        args.checkAgainst(NORM);
        assertThat(args.describe()).isEqualTo("('out' 8192 B, 'x' 8192 B, 'w' 8192 B, int 4096, float 1.0E-5)");
        assertThat(Kernel.describe(NORM, LaunchShape.of(2, 512), args))
                .startsWith("rmsnorm_f16 grid (2, 1, 1) block (512, 1, 1) shared 0 B ('out' 8192 B");
    }

    @Test
    void shouldRejectAWrongCountOrKindBeforeLaunching() {
        assertThatThrownBy(() -> new KernelArgs().buffer(buffer("out", 2)).i32(1).checkAgainst(NORM))
                .hasMessageContaining("rmsnorm_f16 takes 5 arguments").hasMessageContaining("given 2");
        KernelArgs swapped = new KernelArgs().buffer(buffer("out", 2)).buffer(buffer("x", 2)).buffer(buffer("w", 2))
                .f32(1e-5f).i32(4096);
        assertThatThrownBy(() -> swapped.checkAgainst(NORM))
                .hasMessage("rmsnorm_f16 argument 3 must be INT, given FLOAT (float 1.0E-5)");
    }

    @Test
    void shouldCheckBufferRangesNamingTheBuffer() {
        assertThatThrownBy(() -> DeviceBuffer.checkRange("copy of float[3] into", 0, 12, "x", 8))
                .hasMessage("copy of float[3] into device buffer 'x': bytes [0, 12) outside its 8 B");
        assertThatThrownBy(() -> buffer("kv", 64).slice(60, 8, "tail")).hasMessageContaining("bytes [60, 68)");
        DeviceBuffer.checkRange("slice", 8, 56, "kv", 64);
    }

    @Test
    void shouldNameTheCallAndResultOfAFailedDriverCall() {
        assertThatThrownBy(() -> CudaException.check(2, "cuMemAlloc(1048576 B for 'kv')"))
                .isInstanceOf(CudaException.class)
                .hasMessage("cuMemAlloc(1048576 B for 'kv') failed: CUDA_ERROR_OUT_OF_MEMORY (2)");
        assertThat(CudaException.resultName(719)).isEqualTo("CUDA_ERROR_LAUNCH_FAILED (719)");
        assertThat(CudaException.resultName(123456)).isEqualTo("unknown CUresult (123456)");
        CudaException.check(0, () -> {
            throw new AssertionError("the description is built only on failure");
        });
    }
}
