package io.quantserve.node.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.node.config.NodeProperties;
import io.quantserve.testing.FakeHub;
import io.quantserve.testing.TestFixtures;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubPullTest {
    private static final String REPO = "test-org/tiny-llama";
    private static final Path FOLDER = TestFixtures.model("tiny-llama");
    private static final URI NO_REGISTRY = URI.create("http://127.0.0.1:9");

    @TempDir
    Path cache;
    final FakeHub hub = FakeHub.start(Map.of(REPO, FOLDER));
    final ModelPuller puller = TestNodes.puller();

    @AfterEach
    void stop() {
        hub.close();
    }

    private NodeProperties node(String model, String token) {
        return TestNodes.properties(model, cache, NO_REGISTRY, hub.endpoint(), token);
    }

    @Test
    void shouldPullTheRepositoryAtItsCommitIntoTheCache() throws Exception {
        Path dir = puller.resolve(node("hf://" + REPO + "@main", ""));

        assertThat(dir).isEqualTo(cache.resolve("hub/test-org--tiny-llama").resolve(hub.commitSha(REPO))
                .toAbsolutePath());
        for (String file : hub.filesOf(REPO)) {
            assertThat(dir.resolve(file)).hasSameBinaryContentAs(FOLDER.resolve(file));
        }
        assertThat(dir.resolve(CacheEntry.MARKER)).exists();
        assertThat(Files.readString(cache.resolve("hub/test-org--tiny-llama/refs/main")).strip())
                .isEqualTo(hub.commitSha(REPO));
    }

    @Test
    void shouldReuseTheCachedCommitWithoutDownloadingAgain() {
        Path first = puller.resolve(node("hf://" + REPO, ""));
        hub.clearRequests();

        Path second = puller.resolve(node("hf://" + REPO, ""));

        assertThat(second).isEqualTo(first);
        assertThat(hub.requests()).allMatch(r -> r.path().startsWith("/api/models/"));
    }

    @Test
    void shouldServeTheCopyPulledBeforeWhenTheHubIsUnreachable() {
        Path first = puller.resolve(node("hf://" + REPO + "@main", ""));
        String commit = hub.commitSha(REPO);
        hub.close();

        assertThat(puller.resolve(node("hf://" + REPO + "@main", ""))).isEqualTo(first);
        assertThat(puller.resolve(node("hf://" + REPO + "@" + commit, ""))).isEqualTo(first);
    }

    @Test
    void shouldExplainThatTheHubCannotBeReachedWhenNothingIsCached() {
        hub.close();

        assertThatThrownBy(() -> puller.resolve(node("hf://" + REPO, ""))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("hf://" + REPO + "@main").hasMessageContaining("cannot reach the Hub");
    }

    @Test
    void shouldFailOnAnLfsSha256MismatchAndLeaveNothingComplete() {
        hub.advertiseWrongSha256("model.safetensors");

        assertThatThrownBy(() -> puller.resolve(node("hf://" + REPO, ""))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining("sha256 mismatch for model.safetensors");
        Path dir = cache.resolve("hub/test-org--tiny-llama").resolve(hub.commitSha(REPO));
        assertThat(dir).doesNotExist();
        assertThat(cache.resolve("hub/test-org--tiny-llama/refs/main")).doesNotExist();
    }

    @Test
    void shouldSendTheTokenToTheHubButNotToTheCdn() {
        hub.requireToken("hf_secret");

        puller.resolve(node("hf://" + REPO, "hf_secret"));

        assertThat(hub.requests()).filteredOn(r -> r.server().equals("hub")).isNotEmpty()
                .allMatch(r -> "Bearer hf_secret".equals(r.authorization()));
        assertThat(hub.requests()).filteredOn(r -> r.server().equals("cdn")).isNotEmpty()
                .allMatch(r -> r.authorization() == null);
    }

    @Test
    void shouldExplainThatAGatedRepositoryNeedsAToken() {
        hub.requireToken("hf_secret");

        assertThatThrownBy(() -> puller.resolve(node("hf://" + REPO, ""))).isInstanceOf(ModelPullException.class)
                .hasMessageContaining(REPO).hasMessageContaining("HF_TOKEN").hasMessageContaining("401");
    }

    @Test
    void shouldNameTheRepositoryOrRevisionThatDoesNotExist() {
        assertThatThrownBy(() -> puller.resolve(node("hf://test-org/nope", ""))).isInstanceOf(
                ModelPullException.class).hasMessageContaining("'test-org/nope'").hasMessageContaining("not found");
        assertThatThrownBy(() -> puller.resolve(node("hf://" + REPO + "@v9", ""))).isInstanceOf(
                ModelPullException.class).hasMessageContaining("revision 'v9' not found");
    }
}
