package io.quantserve.hub;

import io.quantserve.store.Sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.testing.FakeHub;
import io.quantserve.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HubClientTest {
    private static final String REPO = "test-org/tiny-llama";
    private static final Path FOLDER = TestFixtures.model("tiny-llama");

    @TempDir
    Path tmp;
    FakeHub hub;

    @BeforeEach
    void start() {
        hub = FakeHub.start(Map.of(REPO, FOLDER));
    }

    @AfterEach
    void stop() {
        hub.close();
    }

    private HubClient client(String token) {
        return new HubClient(hub.endpoint(), token, Duration.ofSeconds(5), Duration.ofSeconds(10), 2);
    }

    @Test
    void shouldResolveTheRevisionToItsCommitAndListFilesWithLfsHashes() throws Exception {
        HubRepo repo = client(null).resolve(REPO, "main");

        assertThat(repo.sha()).isEqualTo(hub.commitSha(REPO));
        assertThat(repo.files()).extracting(HubFile::path).containsExactlyElementsOf(hub.filesOf(REPO));
        HubFile weights = repo.files().stream().filter(f -> f.path().equals("model.safetensors")).findFirst()
                .orElseThrow();
        assertThat(weights.size()).isEqualTo(Files.size(FOLDER.resolve("model.safetensors")));
        assertThat(weights.lfsSha256()).isEqualTo(Sha256.of(FOLDER.resolve("model.safetensors")));
        assertThat(repo.files().stream().filter(f -> f.path().equals("config.json")).findFirst().orElseThrow()
                .lfsSha256()).isNull();
    }

    @Test
    void shouldFollowTheCdnRedirectForLfsFilesAndCheckTheirSha256() throws Exception {
        HubClient client = client(null);
        HubRepo repo = client.resolve(REPO, "main");
        Path target = tmp.resolve("model.safetensors");

        String sha = client.download(repo, file(repo, "model.safetensors"), target);

        assertThat(target).hasSameBinaryContentAs(FOLDER.resolve("model.safetensors"));
        assertThat(sha).isEqualTo(Sha256.of(FOLDER.resolve("model.safetensors")));
        assertThat(hub.requests()).anyMatch(r -> r.server().equals("cdn") && r.path().startsWith("/lfs/"));
        assertThat(hub.requests()).anyMatch(r -> r.server().equals("hub")
                && r.path().equals("/" + REPO + "/resolve/" + repo.sha() + "/model.safetensors"));
    }

    @Test
    void shouldSendTheTokenToTheHubButNotToTheCdnItRedirectsTo() throws Exception {
        hub.requireToken("hf_secret");
        HubClient client = client("hf_secret");
        HubRepo repo = client.resolve(REPO, "main");

        client.download(repo, file(repo, "model.safetensors"), tmp.resolve("m.safetensors"));

        assertThat(hub.requests()).filteredOn(r -> r.server().equals("hub"))
                .allMatch(r -> "Bearer hf_secret".equals(r.authorization()));
        assertThat(hub.requests()).filteredOn(r -> r.server().equals("cdn")).isNotEmpty()
                .allMatch(r -> r.authorization() == null);
    }

    @Test
    void shouldExplainThatAGatedRepoNeedsATokenOn401() {
        hub.requireToken("hf_secret");

        assertThatThrownBy(() -> client(null).resolve(REPO, "main")).isInstanceOf(HubException.class)
                .hasMessageContaining(REPO).hasMessageContaining("HF_TOKEN").hasMessageContaining("401");
    }

    @Test
    void shouldNameTheRepositoryOrRevisionThatIsNotFound() {
        assertThatThrownBy(() -> client(null).resolve("test-org/nope", "main")).isInstanceOf(HubException.class)
                .hasMessageContaining("'test-org/nope'").hasMessageContaining("not found");
        assertThatThrownBy(() -> client(null).resolve(REPO, "v9")).isInstanceOf(HubException.class)
                .hasMessageContaining("revision 'v9' not found");
    }

    @Test
    void shouldResumeWithARangeRequestAfterTheConnectionDrops() throws Exception {
        hub.dropConnectionOnce("model.safetensors");
        HubClient client = client(null);
        HubRepo repo = client.resolve(REPO, "main");
        Path target = tmp.resolve("model.safetensors");

        client.download(repo, file(repo, "model.safetensors"), target);

        assertThat(target).hasSameBinaryContentAs(FOLDER.resolve("model.safetensors"));
        long half = Files.size(FOLDER.resolve("model.safetensors")) / 2;
        assertThat(hub.requests()).anyMatch(r -> r.server().equals("cdn") && r.range() != null
                && r.range().startsWith("bytes=") && Long.parseLong(r.range().substring(6, r.range().length() - 1))
                >= half);
    }

    @Test
    void shouldFailNamingTheFileWhenTheLfsSha256DoesNotMatch() {
        hub.advertiseWrongSha256("model.safetensors");
        HubClient client = client(null);
        HubRepo repo = client.resolve(REPO, "main");
        Path target = tmp.resolve("model.safetensors");

        assertThatThrownBy(() -> client.download(repo, file(repo, "model.safetensors"), target))
                .isInstanceOf(HubException.class).hasMessageContaining("sha256 mismatch for model.safetensors");
        assertThat(target).doesNotExist();
        assertThat(tmp.resolve("model.safetensors.part")).doesNotExist();
    }

    @Test
    void shouldFailWith404ForAFileThatIsNotInTheRepo() {
        HubClient client = client(null);
        HubRepo repo = client.resolve(REPO, "main");

        assertThatThrownBy(() -> client.download(repo, new HubFile("missing.json", -1, null), tmp.resolve("x")))
                .isInstanceOf(HubException.class).hasMessageContaining("missing.json").hasMessageContaining("404");
    }

    private static HubFile file(HubRepo repo, String path) {
        return repo.files().stream().filter(f -> f.path().equals(path)).findFirst().orElseThrow();
    }
}
