package io.quantserve.engine.gpu;

/**
 * An AutoAWQ "gemm" layer on the device in its checkpoint layout (see awq_gemv.cu and
 * {@link io.quantserve.engine.linear.AwqConfig}): qweight int32 [K, N/8], qzeros int32 [K/G, N/8], scales fp16 [K/G, N].
 */
public record AwqDeviceWeights(DeviceBuffer qweight, DeviceBuffer qzeros, DeviceBuffer scales, int inFeatures,
        int outFeatures, int groupSize) implements AutoCloseable {

    public AwqDeviceWeights {
        if (outFeatures % 8 != 0 || inFeatures < 1 || groupSize < 1 || inFeatures % groupSize != 0) {
            throw new IllegalArgumentException("AWQ layer [" + inFeatures + " -> " + outFeatures + "], group "
                    + groupSize + ": out_features must be a multiple of 8 and the group size divide in_features");
        }
    }

    /** Uploads the checkpoint's arrays; group size -1 means one group over all of K. */
    public static AwqDeviceWeights upload(CudaDevice device, String name, int[] qweight, int[] qzeros,
            short[] scalesF16, int in, int out, int groupSize) {
        int g = groupSize == -1 ? in : groupSize;
        if (out % 8 != 0 || g < 1 || in % g != 0) {
            throw new IllegalArgumentException(name + ": AWQ layer [" + in + " -> " + out + "], group " + groupSize
                    + ": out_features must be a multiple of 8 and the group size divide in_features");
        }
        int groups = in / g;
        requireLength(name, "qweight", qweight.length, (long) in * (out / 8));
        requireLength(name, "qzeros", qzeros.length, (long) groups * (out / 8));
        requireLength(name, "scales", scalesF16.length, (long) groups * out);
        DeviceBuffer qw = device.allocate(4L * qweight.length, name + ".qweight");
        DeviceBuffer qz = device.allocate(4L * qzeros.length, name + ".qzeros");
        DeviceBuffer sc = device.allocate(2L * scalesF16.length, name + ".scales");
        qw.upload(qweight);
        qz.upload(qzeros);
        sc.upload(scalesF16);
        return new AwqDeviceWeights(qw, qz, sc, in, out, g);
    }

    private static void requireLength(String name, String field, int length, long expected) {
        if (length != expected) {
            throw new IllegalArgumentException(name + ": " + field + " has " + length + " values, expected " + expected);
        }
    }

    @Override
    public void close() {
        qweight.close();
        qzeros.close();
        scales.close();
    }
}
