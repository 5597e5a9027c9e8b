package io.quantserve.store;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The behaviour every {@link ArtifactStore} shares; one subclass per implementation. */
abstract class ArtifactStoreContractTest {

    /** Part size the store under test must use for multipart uploads (S3's minimum). */
    static final long PART_SIZE = 5L * 1024 * 1024;

    @TempDir
    Path work;

    ArtifactStore store;

    /** A fresh, empty store for each test. */
    abstract ArtifactStore newStore() throws IOException;

    @BeforeEach
    void createStore() throws IOException {
        store = newStore();
    }

    @Test
    void shouldReadBackWhatWasPutFromAFileAndFromAStream() throws IOException {
        store.put("models/m1/config.json", file("config.json", "{\"a\":1}"));
        byte[] bytes = "hello tokens".getBytes(UTF_8);
        store.put("models/m1/tokenizer.json", new ByteArrayInputStream(bytes), bytes.length);

        assertThat(read("models/m1/config.json", 0, -1)).isEqualTo("{\"a\":1}");
        assertThat(read("models/m1/tokenizer.json", 0, -1)).isEqualTo("hello tokens");
    }

    @Test
    void shouldReplaceAnExistingObject() throws IOException {
        putString("datasets/d1/calib.txt", "first version");
        putString("datasets/d1/calib.txt", "second");

        assertThat(read("datasets/d1/calib.txt", 0, -1)).isEqualTo("second");
        assertThat(store.stat("datasets/d1/calib.txt")).get().extracting(ArtifactStore.StoredObject::size).isEqualTo(6L);
    }

    @Test
    void shouldReadByteRanges() throws IOException {
        putString("artifacts/a1/weights.bin", "0123456789");

        assertThat(read("artifacts/a1/weights.bin", 3, 4)).isEqualTo("3456");
        assertThat(read("artifacts/a1/weights.bin", 7, -1)).isEqualTo("789");
        assertThat(read("artifacts/a1/weights.bin", 8, 100)).isEqualTo("89");
        assertThat(read("artifacts/a1/weights.bin", 0, 0)).isEmpty();
    }

    @Test
    void shouldRejectAStreamShorterThanItsDeclaredSizeAndKeepNothing() {
        byte[] bytes = "short".getBytes(UTF_8);

        assertThatThrownBy(() -> store.put("tmp/u1/part", new ByteArrayInputStream(bytes), 100))
                .isInstanceOf(IOException.class);
        assertThat(listKeys("tmp/")).isEmpty();
    }

    @Test
    void shouldStatSizeAndTimeAndReportMissingObjectsAsEmpty() throws IOException {
        putString("models/m1/config.json", "12345");

        ArtifactStore.StoredObject object = store.stat("models/m1/config.json").orElseThrow();
        assertThat(object.key()).isEqualTo("models/m1/config.json");
        assertThat(object.size()).isEqualTo(5);
        assertThat(object.lastModified()).isNotNull();
        assertThat(store.stat("models/m1/missing.json")).isEmpty();
        assertThat(store.stat("models/m1")).isEmpty();
    }

    @Test
    void shouldReportAMissingKeyAsNoSuchFileNamingTheKey() {
        assertThatThrownBy(() -> store.open("models/nope/config.json", 0, -1))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("models/nope/config.json");
    }

    @Test
    void shouldListRecursivelySortedByKeyAndByPartialPrefix() throws IOException {
        putString("models/m2/b.txt", "b");
        putString("models/m1/sub/deep.txt", "d");
        putString("models/m1/a.txt", "a");
        putString("models/m10/x.txt", "x");
        putString("datasets/d1/c.txt", "c");

        assertThat(listKeys("models/m1/")).containsExactly("models/m1/a.txt", "models/m1/sub/deep.txt");
        assertThat(listKeys("models/m1")).containsExactly("models/m1/a.txt", "models/m1/sub/deep.txt", "models/m10/x.txt");
        assertThat(listKeys("")).containsExactly("datasets/d1/c.txt", "models/m1/a.txt", "models/m1/sub/deep.txt",
                "models/m10/x.txt", "models/m2/b.txt");
        assertThat(listKeys("nothing/")).isEmpty();
        assertThat(store.list("models/m1/a.txt")).singleElement().extracting(ArtifactStore.StoredObject::size).isEqualTo(1L);
    }

    @Test
    void shouldDeleteEverythingUnderAPrefixAndNothingElse() throws IOException {
        putString("tmp/job1/a.bin", "a");
        putString("tmp/job1/sub/b.bin", "b");
        putString("tmp/job10/c.bin", "c");

        store.deletePrefix("tmp/job1/");
        store.deletePrefix("tmp/never-there/");

        assertThat(listKeys("tmp/")).containsExactly("tmp/job10/c.bin");
    }

    @Test
    void shouldPublishTheTemporaryObjectsUnderTheFinalPrefixAndRemoveThem() throws IOException {
        putString("tmp/q1/model.safetensors", "weights");
        putString("tmp/q1/sub/tokenizer.json", "tok");
        putString("tmp/q1/manifest.json", "{}");

        store.publish("tmp/q1/", "artifacts/a1/", "manifest.json");

        assertThat(listKeys("artifacts/a1/")).containsExactly("artifacts/a1/manifest.json",
                "artifacts/a1/model.safetensors", "artifacts/a1/sub/tokenizer.json");
        assertThat(read("artifacts/a1/model.safetensors", 0, -1)).isEqualTo("weights");
        assertThat(read("artifacts/a1/manifest.json", 0, -1)).isEqualTo("{}");
        assertThat(listKeys("tmp/")).isEmpty();
    }

    @Test
    void shouldRefuseToPublishOverSomethingAlreadyPublished() throws IOException {
        putString("tmp/q1/manifest.json", "{\"v\":1}");
        store.publish("tmp/q1/", "artifacts/a1/", "manifest.json");
        putString("tmp/q2/manifest.json", "{\"v\":2}");

        assertThatThrownBy(() -> store.publish("tmp/q2/", "artifacts/a1/", "manifest.json"))
                .isInstanceOf(FileAlreadyExistsException.class)
                .hasMessageContaining("artifacts/a1/");
        assertThat(read("artifacts/a1/manifest.json", 0, -1)).isEqualTo("{\"v\":1}");
    }

    @Test
    void shouldRefuseToPublishWithoutTheLastObject() throws IOException {
        putString("tmp/q1/model.safetensors", "weights");

        assertThatThrownBy(() -> store.publish("tmp/q1/", "artifacts/a1/", "manifest.json"))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining("tmp/q1/manifest.json");
        assertThat(listKeys("artifacts/")).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "/models/m1/a", "models/../etc/passwd", "models//a", "models/./a", "..", "models/m1/",
            "a\\b"})
    void shouldRejectBadKeysNamingThem(String key) {
        assertThatThrownBy(() -> store.put(key, new ByteArrayInputStream(new byte[0]), 0))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("'" + key + "'");
        assertThatThrownBy(() -> store.open(key, 0, -1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRejectPrefixesThatEscapeTheStore() {
        assertThatThrownBy(() -> store.list("../")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'../'");
        assertThatThrownBy(() -> store.deletePrefix("/tmp/")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> store.publish("tmp/a", "artifacts/b/", "manifest.json"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'tmp/a'");
    }

    @Test
    void shouldUploadAndDownloadFolders() throws IOException {
        Path source = Files.createDirectories(work.resolve("model"));
        Files.writeString(source.resolve("config.json"), "{}");
        Files.createDirectories(source.resolve("nested/deeper"));
        Files.writeString(source.resolve("nested/deeper/w.bin"), "www");

        store.upload(source, "models/m1/");
        Path copy = work.resolve("copy");
        store.download("models/m1/", copy);

        assertThat(listKeys("models/m1/")).containsExactly("models/m1/config.json", "models/m1/nested/deeper/w.bin");
        assertThat(Files.readString(copy.resolve("config.json"))).isEqualTo("{}");
        assertThat(Files.readString(copy.resolve("nested/deeper/w.bin"))).isEqualTo("www");
    }

    @Test
    void shouldStoreAFileLargerThanOnePartWhole() throws IOException {
        byte[] bytes = new byte[12 * 1024 * 1024 + 123];
        new Random(42).nextBytes(bytes);
        Path big = work.resolve("big.bin");
        Files.write(big, bytes);

        store.put("models/big/model.safetensors", big);
        store.put("models/big/copy.safetensors", new ByteArrayInputStream(bytes), bytes.length);

        assertThat(store.stat("models/big/model.safetensors")).get()
                .extracting(ArtifactStore.StoredObject::size).isEqualTo((long) bytes.length);
        try (InputStream in = store.open("models/big/model.safetensors", 0, -1)) {
            assertThat(in.readAllBytes()).isEqualTo(bytes);
        }
        try (InputStream in = store.open("models/big/copy.safetensors", PART_SIZE - 10, 20)) {
            assertThat(in.readAllBytes()).isEqualTo(java.util.Arrays.copyOfRange(bytes, (int) PART_SIZE - 10, (int) PART_SIZE + 10));
        }
    }

    @Test
    void shouldNameWhereAKeyLives() {
        assertThat(store.uri("models/m1/config.json").toString()).endsWith("models/m1/config.json");
    }

    Path file(String name, String content) throws IOException {
        return Files.writeString(work.resolve(name), content);
    }

    void putString(String key, String content) throws IOException {
        byte[] bytes = content.getBytes(UTF_8);
        store.put(key, new ByteArrayInputStream(bytes), bytes.length);
    }

    String read(String key, long offset, long length) throws IOException {
        try (InputStream in = store.open(key, offset, length)) {
            return new String(in.readAllBytes(), UTF_8);
        }
    }

    List<String> listKeys(String prefix) {
        try {
            return store.list(prefix).stream().map(ArtifactStore.StoredObject::key).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
