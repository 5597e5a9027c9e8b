package io.quantserve.engine.format.gguf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GgufWriterTest {
    @TempDir
    Path dir;

    @Test
    void writtenFileReadsBackWithTheSameMetadataAndTensorBytes() throws IOException {
        GgufWriter w = new GgufWriter();
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("general.alignment", 32L);
        // each value in the Java type GgufFile gives back for its stored type
        Object[][] scalars = {
                {"u8", GgufValueType.UINT8, 200}, {"i8", GgufValueType.INT8, -5}, {"u16", GgufValueType.UINT16, 60000},
                {"i16", GgufValueType.INT16, -300}, {"u32", GgufValueType.UINT32, 4_000_000_000L},
                {"i32", GgufValueType.INT32, -7}, {"f32", GgufValueType.FLOAT32, 1.5f}, {"bool", GgufValueType.BOOL, true},
                {"str", GgufValueType.STRING, "héllo ▁world"}, {"u64", GgufValueType.UINT64, -1L},
                {"i64", GgufValueType.INT64, Long.MIN_VALUE}, {"f64", GgufValueType.FLOAT64, Math.PI}};
        for (Object[] s : scalars) {
            w.put((String) s[0], (GgufValueType) s[1], s[2]);
            expected.put((String) s[0], s[2]);
        }
        w.putStrings("tokens", List.of("<unk>", "<s>", "", "▁a"));
        expected.put("tokens", List.of("<unk>", "<s>", "", "▁a"));
        w.putInt32s("types", new int[] {2, 3, 1});
        expected.put("types", List.of(2, 3, 1));
        w.putFloat32s("scores", new float[] {0f, -1.25f});
        expected.put("scores", List.of(0f, -1.25f));
        w.putArray("flags", GgufValueType.BOOL, List.of(true, false));
        expected.put("flags", List.of(true, false));
        w.putArray("empty", GgufValueType.UINT8, List.of());
        expected.put("empty", List.of());

        byte[] a = bytes(4 * 6, 1);
        byte[] q = bytes(2 * 2 * 34, 2);
        byte[] h = bytes(5 * 2, 3);
        w.addTensor("a", GgmlType.F32, new long[] {3, 2}, a);
        w.addTensor("q", GgmlType.Q8_0, new long[] {64, 2}, q);
        w.addTensor("h", GgmlType.F16, new long[] {5}, h);
        Path file = dir.resolve("out.gguf");
        w.write(file);

        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.metadata()).containsExactlyEntriesOf(expected);
            assertThat(f.tensors().keySet()).containsExactly("a", "q", "h");
            assertThat(f.tensor("q").dims()).containsExactly(64, 2);
            assertThat(f.tensor("q").type()).isEqualTo(GgmlType.Q8_0);
            assertThat(f.tensor("a").data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(a);
            assertThat(f.tensor("q").data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(q);
            assertThat(f.tensor("h").data().toArray(ValueLayout.JAVA_BYTE)).isEqualTo(h);
            for (GgufTensor t : f.tensors().values()) {
                assertThat((f.dataOffset() + t.offset()) % 32).as(t.name()).isZero();
            }
            assertThat(Files.size(file) % 32).isZero();
        }
        try (Stream<Path> files = Files.list(dir)) {
            assertThat(files).as("no temporary file left behind").containsExactly(file);
        }
    }

    @Test
    void copyOfStories260KTensorsIsByteIdentical() throws IOException {
        Path source = io.quantserve.engine.testing.Fixtures.root().resolve("models/stories260K.gguf");
        Path copy = dir.resolve("copy.gguf");
        try (GgufFile f = GgufFile.open(source)) {
            GgufWriter w = new GgufWriter();
            w.putString("general.architecture", f.getString("general.architecture"));
            w.putStrings("tokenizer.ggml.tokens", f.getStringList("tokenizer.ggml.tokens"));
            for (GgufTensor t : f.tensors().values()) {
                w.addTensor(t.name(), t.type(), t.dims(), t.data());
            }
            w.write(copy);
            try (GgufFile c = GgufFile.open(copy)) {
                assertThat(c.getStringList("tokenizer.ggml.tokens")).isEqualTo(f.getStringList("tokenizer.ggml.tokens"));
                assertThat(c.tensors().keySet()).containsExactlyElementsOf(f.tensors().keySet());
                for (GgufTensor t : f.tensors().values()) {
                    GgufTensor back = c.tensor(t.name());
                    assertThat(back.dims()).containsExactly(t.dims());
                    assertThat(back.data().mismatch(t.data())).as(t.name()).isEqualTo(-1);
                }
            }
        }
    }

    @Test
    void rejectsValuesAndTensorsThatDoNotFit() {
        GgufWriter w = new GgufWriter();
        assertThatThrownBy(() -> w.put("x", GgufValueType.UINT8, 300)).hasMessageContaining("metadata x: 300");
        assertThatThrownBy(() -> w.putArray("y", GgufValueType.STRING, List.of("a", 1)))
                .hasMessageContaining("metadata y[1]");
        assertThatThrownBy(() -> w.addTensor("t", GgmlType.Q8_0, new long[] {32, 2}, new byte[34]))
                .hasMessageContaining("tensor t").hasMessageContaining("needs 68 bytes, got 34");
        assertThatThrownBy(() -> w.addTensor("u", GgmlType.Q4_0, new long[] {48}, new byte[27]))
                .hasMessageContaining("tensor u").hasMessageContaining("block size 32");
        w.addTensor("v", GgmlType.F32, new long[] {1}, new byte[4]);
        assertThatThrownBy(() -> w.addTensor("v", GgmlType.F32, new long[] {1}, new byte[4]))
                .hasMessageContaining("tensor v added twice");
    }

    private static byte[] bytes(int n, int seed) {
        byte[] b = new byte[n];
        new java.util.Random(seed).nextBytes(b);
        return b;
    }
}
