package io.quantserve.engine.format.safetensors;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.tensor.DType;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files over 2 GiB: a sparse file (no real disk use) whose second tensor starts past the 2 GiB mark. */
class LargeFileTest {
    @TempDir
    Path dir;

    @Test
    void tensorsBeyondTwoGibibytesAreReadable() throws Exception {
        long big = 3L << 30; // 3 GiB of U8
        String header = "{\"big\":{\"dtype\":\"U8\",\"shape\":[" + big + "],\"data_offsets\":[0," + big + "]},"
                + "\"tail\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[" + big + "," + (big + 8) + "]}}";
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        Path file = dir.resolve("big.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(h.length).array());
            raf.write(h);
            raf.seek(8 + h.length + big);
            raf.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(1.5f).putFloat(-2f).array());
        }
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.tensors().get("big").dtype()).isEqualTo(DType.U8);
            assertThat(st.tensors().get("big").data().get(ValueLayout.JAVA_BYTE, big - 1)).isZero();
            assertThat(st.tensors().get("tail").toFloatArray()).containsExactly(1.5f, -2f);
        }
    }
}
