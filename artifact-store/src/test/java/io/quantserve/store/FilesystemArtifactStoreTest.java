package io.quantserve.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import org.junit.jupiter.api.Test;

class FilesystemArtifactStoreTest extends ArtifactStoreContractTest {

    Path root;

    @Override
    ArtifactStore newStore() throws IOException {
        root = work.resolve("store");
        return new FilesystemArtifactStore(root);
    }

    @Test
    void shouldKeepKeysAsRelativePathsUnderTheRoot() throws IOException {
        putString("models/m1/config.json", "{}");

        assertThat(root.resolve("models/m1/config.json")).hasContent("{}");
        assertThat(store.uri("models/m1/config.json")).isEqualTo(root.toRealPath().resolve("models/m1/config.json").toUri());
    }

    @Test
    void shouldPublishByRenamingTheFolderAndLeaveNoEmptyFoldersBehindAfterDeleting() throws IOException {
        putString("tmp/q1/manifest.json", "{}");
        store.publish("tmp/q1/", "artifacts/a1/", "manifest.json");
        store.deletePrefix("artifacts/a1/");

        assertThat(root.resolve("tmp/q1")).doesNotExist();
        assertThat(root.resolve("artifacts/a1")).doesNotExist();
        assertThat(root.resolve("artifacts")).isEmptyDirectory();
    }

    @Test
    void shouldNotListFilesOfPutsInProgress() throws IOException {
        putString("models/m1/config.json", "{}");
        Files.writeString(root.resolve("models/m1/" + StoreKeys.TEMP_MARKER + "half"), "partial");

        assertThat(listKeys("models/")).containsExactly("models/m1/config.json");
    }
}
