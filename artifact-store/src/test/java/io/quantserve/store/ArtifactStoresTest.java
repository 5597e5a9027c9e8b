package io.quantserve.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ArtifactStoresTest {

    @TempDir
    Path dir;

    @Test
    void shouldCreateAFilesystemStoreByDefault() {
        ArtifactStore store = ArtifactStores.create(new ArtifactStoreProperties(null, dir.resolve("a"), null));

        assertThat(store).isInstanceOf(FilesystemArtifactStore.class);
        assertThat(dir.resolve("a")).isDirectory();
    }

    @Test
    void shouldAcceptTheTypeInAnyCase() {
        assertThat(ArtifactStores.create(new ArtifactStoreProperties("FileSystem", dir, null)))
                .isInstanceOf(FilesystemArtifactStore.class);
    }

    @Test
    void shouldRejectAnUnknownTypeNamingTheProperty() {
        assertThatThrownBy(() -> ArtifactStores.create(new ArtifactStoreProperties("ftp", dir, null)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantserve.store.type")
                .hasMessageContaining("ftp");
    }
}
