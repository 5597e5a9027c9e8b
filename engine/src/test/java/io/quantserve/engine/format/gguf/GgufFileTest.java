package io.quantserve.engine.format.gguf;

import io.quantserve.engine.tokenizer.VocabVectors;
import io.quantserve.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class GgufFileTest {

    @Test
    void readsStories260K() throws IOException {
        try (GgufFile f = GgufFile.open(Fixtures.root().resolve("models/stories260K.gguf"))) {
            assertThat(f.version()).isEqualTo(3);
            assertThat(f.alignment()).isEqualTo(32);
            assertThat(f.dataOffset() % 32).isZero();
            assertThat(f.getString("general.architecture")).isEqualTo("llama");
            assertThat(f.getInt("llama.embedding_length")).isEqualTo(64);
            assertThat(f.getInt("llama.block_count")).isEqualTo(5);
            assertThat(f.getFloat("llama.attention.layer_norm_rms_epsilon")).isEqualTo(1e-5f);
            assertThat(f.getStringList("tokenizer.ggml.tokens")).hasSize(512).startsWith("<unk>", "<s>", "</s>");
            assertThat(f.getFloatArray("tokenizer.ggml.scores")).hasSize(512);
            assertThat(f.getIntArray("tokenizer.ggml.token_type")).hasSize(512);
            assertThat(f.tensors()).hasSize(48);

            GgufTensor embd = f.tensor("token_embd.weight");
            assertThat(embd.dims()).containsExactly(64, 512);
            assertThat(embd.type()).isEqualTo(GgmlType.F32);
            assertThat(embd.byteSize()).isEqualTo(64L * 512 * 4);
            // the slice lies inside the mapping at data offset + tensor offset
            GgufTensor norm = f.tensor("output_norm.weight");
            assertThat(norm.offset()).isEqualTo(131072);
            float first = norm.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN), 0);
            float same = f.mapping().get(ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN),
                    f.dataOffset() + 131072);
            assertThat(first).isEqualTo(same).isFinite();
            long total = f.tensors().values().stream().mapToLong(GgufTensor::byteSize).sum();
            assertThat(total).isLessThanOrEqualTo(Files.size(f.path()) - f.dataOffset());
        }
    }

    @Test
    void vocabularyOnlyFileHasNoTensors() throws IOException {
        try (GgufFile f = GgufFile.open(VocabVectors.vocab("ggml-vocab-gpt-2.gguf"))) {
            assertThat(f.tensors()).isEmpty();
            assertThat(f.getStringList("tokenizer.ggml.merges")).hasSize(50000).startsWith("Ġ t");
            assertThat(f.getLong("tokenizer.ggml.eos_token_id")).isEqualTo(50256);
        }
    }

    @Test
    void typedGettersExplainMistakes() throws IOException {
        try (GgufFile f = GgufFile.open(VocabVectors.vocab("ggml-vocab-gpt-2.gguf"))) {
            assertThatThrownBy(() -> f.getString("no.such.key"))
                    .isInstanceOf(GgufFormatException.class)
                    .hasMessageContaining("ggml-vocab-gpt-2.gguf").hasMessageContaining("missing metadata key no.such.key");
            assertThatThrownBy(() -> f.getInt("tokenizer.ggml.model"))
                    .hasMessageContaining("tokenizer.ggml.model should be an integer but is String");
            assertThatThrownBy(() -> f.tensor("output.weight")).hasMessageContaining("no tensor named output.weight");
            assertThat(f.findString("tokenizer.ggml.pre")).hasValue("gpt-2");
            assertThat(f.findInt("nope")).isEmpty();
        }
    }

    @Test
    void allValueTypesAndTensorLayout(@TempDir Path dir) throws IOException {
        GgufBytes w = new GgufBytes().header(3, 2, 15);
        w.str("u8").u32(0).u8(200);
        w.str("i8").u32(1).u8(-5);
        w.str("u16").u32(2).u16(60000);
        w.str("i16").u32(3).u16(-300);
        w.str("u32").u32(4).u32(-1);
        w.str("i32").u32(5).u32(-7);
        w.str("f32").u32(6).f32(1.5f);
        w.str("bool").u32(7).u8(1);
        w.str("str").u32(8).str("héllo");
        w.str("arr").u32(9).u32(5).u64(3).u32(1).u32(2).u32(3);
        w.str("nested").u32(9).u32(9).u64(2)
                .u32(8).u64(2).str("a").str("b")
                .u32(8).u64(0);
        w.str("u64").u32(10).u64(1L << 40);
        w.str("i64").u32(11).u64(-9);
        w.str("f64").u32(12).f64(2.25);
        w.str("general.alignment").u32(4).u32(64);
        // a Q8_0 tensor of 2 rows x 32 (2 blocks of 34 bytes) and an F16 vector of 3, 64-aligned
        w.str("q").u32(2).u64(32).u64(2).u32(8).u64(0);
        w.str("h").u32(1).u64(3).u32(1).u64(128);
        w.pad(64);
        int dataStart = w.size();
        byte[] data = new byte[128 + 6];
        data[0] = 42;
        data[128] = 7;
        w.bytes(data);
        Path file = dir.resolve("all.gguf");
        Files.write(file, w.toByteArray());

        try (GgufFile f = GgufFile.open(file)) {
            assertThat(f.metadata()).containsEntry("u8", 200).containsEntry("i8", -5).containsEntry("u16", 60000)
                    .containsEntry("i16", -300).containsEntry("u32", 4294967295L).containsEntry("i32", -7)
                    .containsEntry("f32", 1.5f).containsEntry("bool", true).containsEntry("str", "héllo")
                    .containsEntry("arr", List.of(1, 2, 3)).containsEntry("u64", 1L << 40)
                    .containsEntry("i64", -9L).containsEntry("f64", 2.25);
            assertThat(f.metadata().get("nested")).isEqualTo(List.of(List.of("a", "b"), List.of()));
            assertThat(f.getBoolean("bool")).isTrue();
            assertThat(f.getDouble("f64")).isEqualTo(2.25);
            assertThat(f.getIntArray("arr")).containsExactly(1, 2, 3);
            assertThat(f.alignment()).isEqualTo(64);
            assertThat(f.dataOffset()).isEqualTo(dataStart);
            GgufTensor q = f.tensor("q");
            assertThat(q.type()).isEqualTo(GgmlType.Q8_0);
            assertThat(q.elementCount()).isEqualTo(64);
            assertThat(q.byteSize()).isEqualTo(68);
            assertThat(q.data().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 42);
            GgufTensor h = f.tensor("h");
            assertThat(h.byteSize()).isEqualTo(6);
            assertThat(h.data().get(ValueLayout.JAVA_BYTE, 0)).isEqualTo((byte) 7);
            assertThat(f.metadata().keySet()).startsWith("u8", "i8", "u16");
        }
    }

    private static Path write(Path dir, GgufBytes w) throws IOException {
        Path file = dir.resolve("broken.gguf");
        Files.write(file, w.toByteArray());
        return file;
    }

    private static GgufBytes oneTensor(int type, long offset) {
        GgufBytes w = new GgufBytes().header(3, 1, 0);
        w.str("t").u32(1).u64(32).u32(type).u64(offset);
        w.pad(32);
        return w.bytes(new byte[128]);
    }

    @Test
    void badMagic(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("bad.gguf");
        Files.writeString(file, "GGML not really a gguf file");
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("bad magic");
    }

    @Test
    void unsupportedVersion(@TempDir Path dir) throws IOException {
        Path file = write(dir, new GgufBytes().header(1, 0, 0));
        assertThatThrownBy(() -> GgufFile.open(file)).hasMessageContaining("version 1");
    }

    @Test
    void truncatedFile(@TempDir Path dir) throws IOException {
        byte[] full = Files.readAllBytes(Fixtures.root().resolve("models/stories260K.gguf"));
        Path file = dir.resolve("truncated.gguf");
        Files.write(file, Arrays.copyOf(full, 5000)); // cut inside the token list
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(GgufFormatException.class)
                .hasMessageContaining(file.toString()).hasMessageContaining("truncated");
        // cut inside the tensor data: metadata is complete, the last tensors run past the end
        Files.write(file, Arrays.copyOf(full, full.length - 100));
        assertThatThrownBy(() -> GgufFile.open(file)).hasMessageContaining("past the end of the file");
    }

    @Test
    void unknownTensorType(@TempDir Path dir) throws IOException {
        Path file = write(dir, oneTensor(4, 0));
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("unknown ggml type id 4");
    }

    @Test
    void unknownValueType(@TempDir Path dir) throws IOException {
        Path file = write(dir, new GgufBytes().header(3, 0, 1).str("k").u32(13).u32(0));
        assertThatThrownBy(() -> GgufFile.open(file)).hasMessageContaining("metadata k: unknown metadata value type 13");
    }

    @Test
    void tensorOffsetPastEnd(@TempDir Path dir) throws IOException {
        Path file = write(dir, oneTensor(0, 4096));
        assertThatThrownBy(() -> GgufFile.open(file))
                .isInstanceOf(GgufFormatException.class).hasMessageContaining("past the end of the file");
    }

    @Test
    void misalignedTensorOffset(@TempDir Path dir) throws IOException {
        Path file = write(dir, oneTensor(0, 4));
        assertThatThrownBy(() -> GgufFile.open(file)).hasMessageContaining("not a multiple of the alignment 32");
    }

    @Test
    void absurdCountsAreRejectedBeforeAllocating(@TempDir Path dir) throws IOException {
        Path file = write(dir, new GgufBytes().header(3, 0, 1).str("k").u32(9).u32(0).u64(Long.MAX_VALUE));
        assertThatThrownBy(() -> GgufFile.open(file)).hasMessageContaining("implausible array length of k");
    }

    @Test
    void ggmlTypeLayouts() {
        assertThat(GgmlType.fromId(8)).isEqualTo(GgmlType.Q8_0);
        assertThat(GgmlType.Q8_0.blockElements()).isEqualTo(32);
        assertThat(GgmlType.Q8_0.blockBytes()).isEqualTo(34);
        assertThat(GgmlType.Q4_K.byteSize(512)).isEqualTo(288);
        assertThat(GgmlType.Q6_K.blockBytes()).isEqualTo(210);
        assertThat(GgmlType.BF16.id()).isEqualTo(30);
        assertThat(GgmlType.F32.isQuantized()).isFalse();
        assertThatThrownBy(() -> GgmlType.Q4_0.byteSize(33)).hasMessageContaining("whole Q4_0 blocks");
        assertThatThrownBy(() -> GgmlType.fromId(99)).hasMessageContaining("unknown ggml type id 99");
        for (GgmlType t : GgmlType.values()) {
            assertThat(GgmlType.fromId(t.id())).isEqualTo(t);
        }
    }
}
