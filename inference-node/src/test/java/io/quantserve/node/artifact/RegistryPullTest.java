package io.quantserve.node.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.engine.model.LoadedModel;
import io.quantserve.node.config.NodeProperties;
import io.quantserve.store.Sha256;
import io.quantserve.testing.TestFixtures;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryPullTest {
    private static final Path FOLDER = TestFixtures.model("tiny-llama");
    private static final Path GGUF = TestFixtures.model("stories260K.gguf");

    @TempDir
    Path cache;
    final FakeRegistry registry = new FakeRegistry();
    final ModelPuller puller = TestNodes.puller();
    final UUID id = UUID.randomUUID();

    @AfterEach
    void stop() {
        registry.close();
    }

    private NodeProperties node(UUID artifactId) {
        return TestNodes.properties("registry:" + artifactId, cache, registry.url(),
                URI.create("http://127.0.0.1:9"), "");
    }

    @Test
    void shouldPullEveryFileOfTheArtifactIntoTheCacheAndLoadIt() throws Exception {
        registry.artifact(id, GGUF);

        Path dir = puller.resolve(node(id));

        assertThat(dir).isEqualTo(cache.resolve("artifacts").resolve(id.toString()).toAbsolutePath());
        assertThat(dir.resolve("stories260K.gguf")).hasSameBinaryContentAs(GGUF);
        assertThat(dir.resolve(CacheEntry.MARKER)).content().contains(Sha256.of(GGUF));
        try (LoadedModel model = LoadedModel.open(dir)) {
            assertThat(model.config()).isNotNull();
        }
        assertThat(partialFolders()).isEmpty();
    }

    @Test
    void shouldPullAFolderArtifactFileByFile() throws Exception {
        registry.artifact(id, FOLDER.resolve("config.json"), FOLDER.resolve("model.safetensors"));

        Path dir = puller.resolve(node(id));

        assertThat(dir.resolve("config.json")).hasSameBinaryContentAs(FOLDER.resolve("config.json"));
        assertThat(dir.resolve("model.safetensors")).hasSameBinaryContentAs(FOLDER.resolve("model.safetensors"));
        assertThat(registry.requests()).containsExactly("GET /api/v1/artifacts/" + id,
                "GET /api/v1/artifacts/" + id + "/files/config.json",
                "GET /api/v1/artifacts/" + id + "/files/model.safetensors");
    }

    @Test
    void shouldReuseTheCachedCopyWhenTheRegistryIsGone() {
        registry.artifact(id, GGUF);
        Path first = puller.resolve(node(id));
        URI url = registry.url();
        registry.close();

        Path second = TestNodes.puller().resolve(TestNodes.properties("registry:" + id, cache, url,
                URI.create("http://127.0.0.1:9"), ""));

        assertThat(second).isEqualTo(first);
        assertThat(second.resolve("stories260K.gguf")).hasSameBinaryContentAs(GGUF);
    }

    @Test
    void shouldFailNamingTheFileAndBothHashesWhenTheSha256DoesNotMatch() throws Exception {
        registry.artifact(id, FOLDER.resolve("config.json"), FOLDER.resolve("model.safetensors"))
                .advertiseWrongSha256("model.safetensors");

        assertThatThrownBy(() -> puller.resolve(node(id))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("sha256 mismatch for model.safetensors")
                .hasMessageContaining(FakeRegistry.wrongSha256())
                .hasMessageContaining(Sha256.of(FOLDER.resolve("model.safetensors")))
                .hasMessageContaining(id.toString());
        Path dir = cache.resolve("artifacts").resolve(id.toString());
        assertThat(dir).doesNotExist();
        assertThat(new CacheEntry(dir).complete()).isEmpty();
    }

    @Test
    void shouldCompleteTheArtifactOnTheNextPullAfterAMismatch() throws Exception {
        registry.artifact(id, FOLDER.resolve("config.json"), FOLDER.resolve("model.safetensors"))
                .advertiseWrongSha256("model.safetensors");
        assertThatThrownBy(() -> puller.resolve(node(id))).isInstanceOf(ModelPullException.class);
        registry.clear();

        Path dir = puller.resolve(node(id));

        assertThat(dir.resolve("model.safetensors")).hasSameBinaryContentAs(FOLDER.resolve("model.safetensors"));
        // config.json was verified by the first pull and is kept
        assertThat(registry.requests()).doesNotContain("GET /api/v1/artifacts/" + id + "/files/config.json");
        assertThat(partialFolders()).isEmpty();
    }

    @Test
    void shouldPullAgainWhenACachedFileIsMissing() throws Exception {
        registry.artifact(id, GGUF);
        Path dir = puller.resolve(node(id));
        Files.delete(dir.resolve("stories260K.gguf"));

        Path again = puller.resolve(node(id));

        assertThat(again.resolve("stories260K.gguf")).hasSameBinaryContentAs(GGUF);
    }

    @Test
    void shouldExplainAnArtifactTheRegistryDoesNotKnow() {
        UUID unknown = UUID.randomUUID();

        assertThatThrownBy(() -> puller.resolve(node(unknown))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("artifact " + unknown + " not found in the registry at " + registry.url())
                .hasMessageContaining("404");
    }

    @Test
    void shouldExplainThatTheRegistryCannotBeReached() {
        URI url = registry.url();
        registry.close();

        assertThatThrownBy(() -> puller.resolve(TestNodes.properties("registry:" + id, cache, url,
                URI.create("http://127.0.0.1:9"), ""))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("cannot reach the registry at " + url);
    }

    @Test
    void shouldRefuseAFileThatWouldLandOutsideTheArtifactFolder() {
        registry.artifact(id, GGUF).listAlso(id, "../escape.json", FOLDER.resolve("config.json"));

        assertThatThrownBy(() -> puller.resolve(node(id))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("'../escape.json'");
        assertThat(cache.resolve("artifacts/escape.json")).doesNotExist();
    }

    @Test
    void shouldServeALocalFolderOrFileAsItIs() {
        Path dir = puller.resolve(TestNodes.properties(FOLDER.toString(), cache, registry.url(),
                URI.create("http://127.0.0.1:9"), ""));

        assertThat(dir).isEqualTo(FOLDER);
        assertThat(registry.requests()).isEmpty();
    }

    @Test
    void shouldReportABadReferenceAsAPullFailure() {
        assertThatThrownBy(() -> puller.resolve(TestNodes.properties("nope://x", cache, registry.url(),
                URI.create("http://127.0.0.1:9"), ""))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("'nope://x'").hasMessageContaining("registry:<artifact id>");
    }

    private List<Path> partialFolders() throws Exception {
        try (Stream<Path> files = Files.list(cache.resolve("artifacts"))) {
            return files.filter(p -> p.getFileName().toString().endsWith(".partial")).toList();
        }
    }
}
