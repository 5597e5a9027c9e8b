package io.quantserve.node.artifact;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.quantserve.hub.HubSource;
import io.quantserve.testing.TestFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelReferenceTest {
    private static final Path FOLDER = TestFixtures.model("tiny-llama");
    private static final Path GGUF = TestFixtures.model("stories260K.gguf");

    @TempDir
    Path tmp;

    @Test
    void shouldTakeAnExistingFolderOrGgufFileAsLocal() {
        assertThat(ModelReference.parse(FOLDER.toString())).isEqualTo(new ModelReference.Local(FOLDER));
        assertThat(ModelReference.parse(GGUF.toString())).isEqualTo(new ModelReference.Local(GGUF));
    }

    @Test
    void shouldTakeAnExistingPathAsLocalEvenWhenItLooksLikeAReference() throws Exception {
        Path odd = Files.createDirectories(tmp.resolve("registry:models"));

        assertThat(ModelReference.parse(odd.toString())).isInstanceOf(ModelReference.Local.class);
    }

    @Test
    void shouldRejectAnExistingFileThatIsNotGguf() {
        assertThatThrownBy(() -> ModelReference.parse(FOLDER.resolve("config.json").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("config.json")
                .hasMessageContaining("not a .gguf");
    }

    @Test
    void shouldParseARegistryArtifactId() {
        UUID id = UUID.randomUUID();

        assertThat(ModelReference.parse("registry:" + id)).isEqualTo(new ModelReference.Registry(id));
    }

    @Test
    void shouldRejectARegistryReferenceWhoseIdIsNoUuid() {
        assertThatThrownBy(() -> ModelReference.parse("registry:my-model"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'my-model' is not an artifact id");
    }

    @Test
    void shouldParseAHubRepositoryWithItsRevisionOrMain() {
        assertThat(ModelReference.parse("hf://org/name@v1.0"))
                .isEqualTo(new ModelReference.Hub(new HubSource("org/name", "v1.0")));
        assertThat(ModelReference.parse("hf://org/name"))
                .isEqualTo(new ModelReference.Hub(new HubSource("org/name", "main")));
    }

    @Test
    void shouldRejectAMalformedHubReference() {
        assertThatThrownBy(() -> ModelReference.parse("hf://org/na me")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("hf://<org>/<name>[@<revision>]");
        assertThatThrownBy(() -> ModelReference.parse("hf://org/name@")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("revision");
    }

    @Test
    void shouldListTheAcceptedFormsForAMissingPathOrAnUnknownScheme() {
        for (String reference : new String[] {tmp.resolve("missing").toString(), "s3://bucket/model", "llama"}) {
            assertThatThrownBy(() -> ModelReference.parse(reference)).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + reference + "'").hasMessageContaining("registry:<artifact id>")
                    .hasMessageContaining("hf://<org>/<name>[@<revision>]").hasMessageContaining(".gguf");
        }
    }

    @Test
    void shouldRejectAnEmptyReference() {
        assertThatThrownBy(() -> ModelReference.parse(" ")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantserve.node.model");
    }

    @Test
    void shouldDeriveTheServedNameFromTheReference() {
        UUID id = UUID.randomUUID();

        assertThat(ModelReference.parse(GGUF.toString()).defaultServedName()).isEqualTo("stories260K");
        assertThat(ModelReference.parse(FOLDER.toString()).defaultServedName()).isEqualTo("tiny-llama");
        assertThat(ModelReference.parse("registry:" + id).defaultServedName()).isEqualTo(id.toString());
        assertThat(ModelReference.parse("hf://org/name@main").defaultServedName()).isEqualTo("org/name");
    }
}
