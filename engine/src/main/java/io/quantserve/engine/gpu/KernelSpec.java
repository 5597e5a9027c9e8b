package io.quantserve.engine.gpu;

import java.util.List;

/**
 * A kernel's entry name in its module and its parameter kinds, in order. GpuResourcesTest checks each spec against
 * the {@code .entry} declarations of the PTX, so a kernel whose C signature changes without its spec fails the build
 * instead of reading garbage arguments on the device.
 */
public record KernelSpec(String module, String name, List<Param> params) {

    /** Parameter kinds as PTX declares them. */
    public enum Param {
        /** A device address (.u64). */
        POINTER(".u64"),
        /** A C int (.u32). */
        INT(".u32"),
        /** A C long long (.u64). */
        LONG(".u64"),
        /** A C float (.f32). */
        FLOAT(".f32");

        private final String ptxType;

        Param(String ptxType) {
            this.ptxType = ptxType;
        }

        public String ptxType() {
            return ptxType;
        }
    }

    public KernelSpec {
        params = List.copyOf(params);
    }

    public static KernelSpec of(String module, String name, Param... params) {
        return new KernelSpec(module, name, List.of(params));
    }

    /** The PTX parameter types, in order (what the entry must declare). */
    public List<String> ptxTypes() {
        return params.stream().map(Param::ptxType).toList();
    }
}
