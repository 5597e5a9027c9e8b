package io.quantserve.engine.format.safetensors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.tensor.DType;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsFileTest {
    @TempDir
    Path dir;

    @Test
    void shouldRoundTripTensorsAndMetadata() throws Exception {
        Path file = dir.resolve("t.safetensors");
        new SafetensorsWriter()
                .addF32("a", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6})
                .addI32("ids", new long[] {3}, new int[] {7, 8, 9})
                .add("h", DType.BF16, new long[] {2}, new byte[] {(byte) 0x80, 0x3f, 0x00, (byte) 0xc0})
                .metadata("format", "pt")
                .write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.metadata()).containsEntry("format", "pt");
            Tensor a = st.tensors().get("a");
            assertThat(a.shape()).containsExactly(2, 3);
            assertThat(a.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
            assertThat(st.tensors().get("h").toFloatArray()).containsExactly(1f, -2f);
            assertThat(st.tensors().get("ids").dtype()).isEqualTo(DType.I32);
        }
        assertThat(Files.list(dir)).containsExactly(file);
    }

    @Test
    void shouldWriteStreamedTensorsAndFailWithoutAFileWhenOneWritesTheWrongByteCount() throws Exception {
        Path file = dir.resolve("s.safetensors");
        new SafetensorsWriter()
                .add("s", DType.F32, new long[] {2}, out -> out.write(ByteBuffer.allocate(8)
                        .order(ByteOrder.LITTLE_ENDIAN).putFloat(3f).putFloat(-1f).array()))
                .write(file);
        try (SafetensorsFile st = SafetensorsFile.open(file)) {
            assertThat(st.tensors().get("s").toFloatArray()).containsExactly(3f, -1f);
        }

        Path bad = dir.resolve("bad.safetensors");
        assertThatThrownBy(() -> new SafetensorsWriter()
                .add("short", DType.F32, new long[] {2}, out -> out.write(new byte[4]))
                .write(bad))
                .hasMessageContaining("short").hasMessageContaining("8 bytes");
        assertThat(Files.list(dir)).containsExactly(file);
    }

    @Test
    void shouldRejectHeaderLengthBeyondTheFile() throws Exception {
        Path file = write(ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(1000).array());
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .hasMessageContaining(file.toString()).hasMessageContaining("header length 1000");
    }

    @Test
    void shouldRejectHeaderThatIsNotJson() throws Exception {
        Path file = withHeader("{not json");
        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("not valid JSON");
    }

    @Test
    void shouldRejectUnknownDtype() throws Exception {
        Path file = withHeader("{\"w\":{\"dtype\":\"F8_E9\",\"shape\":[1],\"data_offsets\":[0,1]}}");
        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("'w'").hasMessageContaining("F8_E9");
    }

    @Test
    void shouldRejectShapeThatDisagreesWithDataOffsets() throws Exception {
        Path file = withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}");
        assertThatThrownBy(() -> SafetensorsFile.open(file))
                .hasMessageContaining("'w'").hasMessageContaining("12 bytes");
    }

    @Test
    void shouldRejectOffsetsPastTheEnd() throws Exception {
        Path file = withHeader("{\"w\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]}}");
        assertThatThrownBy(() -> SafetensorsFile.open(file)).hasMessageContaining("outside");
    }

    @Test
    void shouldFindShardsThroughTheIndexAndNameMissingTensors() throws Exception {
        new SafetensorsWriter().addF32("x", new long[] {1}, new float[] {1}).write(dir.resolve("a.safetensors"));
        new SafetensorsWriter().addF32("y", new long[] {1}, new float[] {2}).write(dir.resolve("b.safetensors"));
        Files.writeString(dir.resolve("model.safetensors.index.json"),
                "{\"metadata\":{},\"weight_map\":{\"x\":\"a.safetensors\",\"y\":\"b.safetensors\"}}");
        try (Checkpoint ckpt = Checkpoint.open(dir)) {
            assertThat(ckpt.tensor("y").toFloatArray()).containsExactly(2f);
            assertThatThrownBy(() -> ckpt.tensor("z")).hasMessageContaining("missing tensor 'z'");
        }
    }

    private Path withHeader(String json) throws Exception {
        byte[] header = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(header.length).put(header);
        return write(b.array());
    }

    private Path write(byte[] bytes) throws Exception {
        Path file = dir.resolve("bad.safetensors");
        Files.write(file, bytes);
        return file;
    }
}
