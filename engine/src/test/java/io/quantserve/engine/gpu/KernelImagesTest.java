package io.quantserve.engine.gpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class KernelImagesTest {
    private static final String DIR = KernelImages.RESOURCE_DIR;
    private static final Set<String> BUILT_WITH_NVCC = Set.of(DIR + "norm.ptx", DIR + "norm.sm_80.cubin", DIR + "norm.sm_90.cubin");
    private static final Set<String> PTX_ONLY = Set.of(DIR + "norm.ptx");

    @Test
    void shouldPickTheCubinOfTheDevicesCapability() {
        assertThat(KernelImages.choose("norm", 9, 0, BUILT_WITH_NVCC::contains))
                .isEqualTo(new KernelImages.Image(DIR + "norm.sm_90.cubin", KernelImages.Kind.CUBIN));
        assertThat(KernelImages.choose("norm", 8, 0, BUILT_WITH_NVCC::contains).resource()).endsWith("norm.sm_80.cubin");
    }

    @Test
    void shouldRunAnEarlierMinorsCubinOnALaterMinorOfTheSameMajor() {
        // sm_86 / sm_89 run sm_80 machine code
        assertThat(KernelImages.choose("norm", 8, 9, BUILT_WITH_NVCC::contains).resource()).endsWith("norm.sm_80.cubin");
    }

    @Test
    void shouldJitThePtxWhereNoCubinFits() {
        assertThat(KernelImages.choose("norm", 10, 0, BUILT_WITH_NVCC::contains))
                .isEqualTo(new KernelImages.Image(DIR + "norm.ptx", KernelImages.Kind.PTX));
        assertThat(KernelImages.choose("norm", 9, 0, PTX_ONLY::contains).kind()).isEqualTo(KernelImages.Kind.PTX);
        assertThat(KernelImages.choose("norm", 9, 0, BUILT_WITH_NVCC::contains, true).kind()).isEqualTo(KernelImages.Kind.PTX);
    }

    @Test
    void shouldRefuseDevicesBelowTheKernelsCapabilityAndMissingModules() {
        assertThatThrownBy(() -> KernelImages.choose("norm", 7, 5, BUILT_WITH_NVCC::contains))
                .hasMessageContaining("compute capability 7.5 is below 8.0");
        assertThatThrownBy(() -> KernelImages.choose("paged_attention", 9, 0, BUILT_WITH_NVCC::contains))
                .hasMessageContaining("kernel module 'paged_attention' has no io/quantserve/engine/gpu/paged_attention.ptx");
    }

    @Test
    void shouldBundleEveryModulesPtxOnTheClasspath() {
        for (KernelSpec spec : GpuKernels.specs()) {
            KernelImages.Image image = KernelImages.choose(spec.module(), 9, 0, KernelImages::onClasspath, true);
            byte[] bytes = KernelImages.read(image);
            assertThat(bytes[bytes.length - 1]).as("PTX handed to the driver ends in NUL").isZero();
        }
    }

    @Test
    void shouldReadEntriesAndParameterTypesFromPtx() {
        String ptx = """
                .visible .entry add_f16(
                \t.param .u64 add_f16_param_0,
                \t.param .u64 add_f16_param_1,
                \t.param .u64 add_f16_param_2
                )
                { ret; }
                .visible .entry rmsnorm_f16(
                \t.param .u64 rmsnorm_f16_param_0,
                \t.param .u32 rmsnorm_f16_param_3,
                \t.param .f32 rmsnorm_f16_param_4
                )
                """;
        assertThat(KernelImages.entries(ptx)).isEqualTo(Map.of(
                "add_f16", List.of(".u64", ".u64", ".u64"),
                "rmsnorm_f16", List.of(".u64", ".u32", ".f32")));
    }

    @Test
    void shouldRoundFloatsToHalfAndBfloatToNearestEven() {
        assertThat(ActivationType.F16.toFloat(ActivationType.F16.fromFloat(1.0009765625f))).isEqualTo(1.0009765625f);
        // bf16 keeps 8 significant bits: 1 + 2^-8 is a tie between 1 and 1 + 2^-7, even is 1
        assertThat(ActivationType.BF16.toFloat(ActivationType.BF16.fromFloat(1f + 0x1p-8f))).isEqualTo(1f);
        assertThat(ActivationType.BF16.toFloat(ActivationType.BF16.fromFloat(1f + 0x1p-8f + 0x1p-12f))).isEqualTo(1f + 0x1p-7f);
        assertThat(ActivationType.BF16.toFloat(ActivationType.BF16.fromFloat(-3.5f))).isEqualTo(-3.5f);
        assertThat(ActivationType.BF16.toFloat(ActivationType.BF16.fromFloat(Float.NaN))).isNaN();
    }
}
