package io.quantserve.engine.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.quantserve.engine.testing.Fixtures;
import org.junit.jupiter.api.Test;

class LoadedModelTest {

    @Test
    void shouldKeepAFoldersCheckpointMappedForTheGpuUploadAndHaveNoneForAGgufFile() throws Exception {
        try (LoadedModel folder = LoadedModel.open(Fixtures.model("tiny-llama"))) {
            assertThat(folder.checkpoint()).hasValueSatisfying(ckpt -> assertThat(
                    ckpt.find("model.embed_tokens.weight")).isPresent());
        }
        try (LoadedModel gguf = LoadedModel.open(GgufModelTest.STORIES_GGUF)) {
            assertThat(gguf.checkpoint()).isEmpty();
        }
    }
}
