package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuMemFree;
import static jcuda.driver.JCudaDriver.cuMemcpyDtoH;
import static jcuda.driver.JCudaDriver.cuMemcpyHtoD;
import static jcuda.driver.JCudaDriver.cuMemsetD8;

import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;

/**
 * Device memory of a known size, named for error messages. Copies are synchronous and checked against the size;
 * a view ({@link #slice}) shares its parent's memory and frees nothing.
 */
public final class DeviceBuffer implements AutoCloseable {
    private final CudaDevice device;
    private final CUdeviceptr pointer;
    private final long bytes;
    private final String label;
    private final boolean owner;
    private boolean freed;

    DeviceBuffer(CudaDevice device, CUdeviceptr pointer, long bytes, String label, boolean owner) {
        this.device = device;
        this.pointer = pointer;
        this.bytes = bytes;
        this.label = label;
        this.owner = owner;
    }

    public long bytes() {
        return bytes;
    }

    public String label() {
        return label;
    }

    CUdeviceptr pointer() {
        if (freed) {
            throw new IllegalStateException("device buffer '" + label + "' was freed");
        }
        return pointer;
    }

    /** "'x' 8192 B". */
    public String describe() {
        return "'" + label + "' " + bytes + " B";
    }

    /** Bytes [offset, offset + length) of this buffer as a buffer of its own (not to be freed). */
    public DeviceBuffer slice(long offset, long length, String sliceLabel) {
        checkRange("slice", offset, length, this);
        return new DeviceBuffer(device, pointer().withByteOffset(offset), length, sliceLabel, false);
    }

    public void upload(float[] values) {
        copyIn(Pointer.to(values), 4L * values.length, "float[" + values.length + "]");
    }

    /** fp16 or bf16 bit patterns. */
    public void upload(short[] values) {
        copyIn(Pointer.to(values), 2L * values.length, "short[" + values.length + "]");
    }

    public void upload(int[] values) {
        copyIn(Pointer.to(values), 4L * values.length, "int[" + values.length + "]");
    }

    public void upload(byte[] values) {
        copyIn(Pointer.to(values), values.length, "byte[" + values.length + "]");
    }

    public float[] downloadFloats(int count) {
        float[] out = new float[count];
        copyOut(Pointer.to(out), 4L * count, "float[" + count + "]");
        return out;
    }

    public short[] downloadShorts(int count) {
        short[] out = new short[count];
        copyOut(Pointer.to(out), 2L * count, "short[" + count + "]");
        return out;
    }

    public int[] downloadInts(int count) {
        int[] out = new int[count];
        copyOut(Pointer.to(out), 4L * count, "int[" + count + "]");
        return out;
    }

    /** Sets every byte to {@code value} (tests poison outputs with it, to see that a kernel wrote every element). */
    public void fill(byte value) {
        device.bind();
        CudaException.check(cuMemsetD8(pointer(), value, bytes), () -> "cuMemsetD8(" + describe() + ")");
    }

    private void copyIn(Pointer host, long length, String what) {
        checkRange("copy of " + what + " into", 0, length, this);
        device.bind();
        CudaException.check(cuMemcpyHtoD(pointer(), host, length), () -> "cuMemcpyHtoD(" + what + " -> " + describe() + ")");
    }

    private void copyOut(Pointer host, long length, String what) {
        checkRange("copy into " + what + " from", 0, length, this);
        device.bind();
        CudaException.check(cuMemcpyDtoH(host, pointer(), length), () -> "cuMemcpyDtoH(" + describe() + " -> " + what + ")");
    }

    /** Fails unless [offset, offset + length) lies within the buffer. */
    static void checkRange(String operation, long offset, long length, DeviceBuffer buffer) {
        checkRange(operation, offset, length, buffer.label, buffer.bytes);
    }

    static void checkRange(String operation, long offset, long length, String label, long capacity) {
        if (offset < 0 || length < 0 || offset > capacity || length > capacity - offset) {
            throw new IllegalArgumentException(operation + " device buffer '" + label + "': bytes [" + offset + ", "
                    + (offset + length) + ") outside its " + capacity + " B");
        }
    }

    @Override
    public void close() {
        if (owner && !freed) {
            freed = true;
            device.bind();
            CudaException.check(cuMemFree(pointer), () -> "cuMemFree(" + describe() + ")");
        }
    }
}
