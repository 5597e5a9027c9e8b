package io.quantserve.engine.gpu;

import java.util.ArrayList;
import java.util.List;
import java.util.StringJoiner;
import jcuda.NativePointerObject;
import jcuda.Pointer;

/**
 * A launch's arguments in order, each typed, so that they can be checked against the kernel's {@link KernelSpec}
 * before launching (the driver would take a wrong count or width and the kernel would read garbage) and shown in
 * error messages.
 */
public final class KernelArgs {
    private record Arg(KernelSpec.Param kind, Object value, String shown) {
    }

    private final List<Arg> args = new ArrayList<>();

    public KernelArgs buffer(DeviceBuffer buffer) {
        args.add(new Arg(KernelSpec.Param.POINTER, buffer, buffer.describe()));
        return this;
    }

    public KernelArgs i32(int value) {
        args.add(new Arg(KernelSpec.Param.INT, value, "int " + value));
        return this;
    }

    public KernelArgs i64(long value) {
        args.add(new Arg(KernelSpec.Param.LONG, value, "long " + value));
        return this;
    }

    public KernelArgs f32(float value) {
        args.add(new Arg(KernelSpec.Param.FLOAT, value, "float " + value));
        return this;
    }

    public int size() {
        return args.size();
    }

    /** Fails naming the kernel and the first argument whose kind differs from the spec (or the counts). */
    public void checkAgainst(KernelSpec spec) {
        if (args.size() != spec.params().size()) {
            throw new IllegalArgumentException(spec.name() + " takes " + spec.params().size() + " arguments "
                    + spec.params() + ", given " + args.size() + ": " + describe());
        }
        for (int i = 0; i < args.size(); i++) {
            if (args.get(i).kind() != spec.params().get(i)) {
                throw new IllegalArgumentException(spec.name() + " argument " + i + " must be " + spec.params().get(i)
                        + ", given " + args.get(i).kind() + " (" + args.get(i).shown() + ")");
            }
        }
    }

    /** "(f16[4096] 8192 B, int 4096, float 1.0E-5)". */
    public String describe() {
        StringJoiner j = new StringJoiner(", ", "(", ")");
        args.forEach(a -> j.add(a.shown()));
        return j.toString();
    }

    /** The kernelParams array cuLaunchKernel takes: a pointer to each argument's value. */
    Pointer toKernelParams() {
        NativePointerObject[] each = new NativePointerObject[args.size()];
        for (int i = 0; i < each.length; i++) {
            Object v = args.get(i).value();
            each[i] = switch (args.get(i).kind()) {
                case POINTER -> Pointer.to(((DeviceBuffer) v).pointer());
                case INT -> Pointer.to(new int[] {(Integer) v});
                case LONG -> Pointer.to(new long[] {(Long) v});
                case FLOAT -> Pointer.to(new float[] {(Float) v});
            };
        }
        return Pointer.to(each);
    }
}
