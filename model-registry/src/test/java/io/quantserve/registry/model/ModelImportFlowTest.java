package io.quantserve.registry.model;

import io.quantserve.store.Sha256;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.quantserve.registry.RegistryIntegrationTest;
import io.quantserve.testing.TestFixtures;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.MockMvc;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

class ModelImportFlowTest extends RegistryIntegrationTest {
    /** tiny-llama: embeddings and lm_head 384x64 each, 2 layers of 46208, final norm 64. */
    private static final long TINY_LLAMA_PARAMETERS = 2 * 384 * 64 + 2 * 46208 + 64;
    private static final Path TINY = TestFixtures.model("tiny-llama");

    @Autowired
    MockMvc mvc;
    @Autowired
    ModelService models;
    @Autowired
    JsonMapper json;

    @Test
    void shouldImportFromTheHubThenRecordFilesArchitectureAndParameterCount() throws Exception {
        JsonNode accepted = body(mvc.perform(post("/api/v1/models").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"source\":\"hf://" + TINY_LLAMA + "@main\",\"name\":\"tiny\"}"))
                .andExpect(status().isAccepted()).andExpect(header().exists("Location"))
                .andExpect(jsonPath("$.status").value("importing")).andReturn().getResponse().getContentAsString());
        UUID id = UUID.fromString(accepted.path("id").asString());

        ModelResponse model = awaitImported(id);

        assertThat(model.status()).as(model.reason()).isEqualTo(ModelStatus.READY);
        assertThat(model.architecture()).isEqualTo("LlamaForCausalLM");
        assertThat(model.parameterCount()).isEqualTo(TINY_LLAMA_PARAMETERS);
        assertThat(model.hiddenSize()).isEqualTo(64);
        assertThat(model.revision()).isEqualTo(HUB.commitSha(TINY_LLAMA));
        assertThat(STORE_ROOT.resolve("models/" + id + "/model.safetensors")).hasSameBinaryContentAs(
                TINY.resolve("model.safetensors"));
        assertThat(STORE_ROOT.resolve("tmp/models/" + id)).doesNotExist();
        mvc.perform(get("/api/v1/models/" + id + "/files")).andExpect(status().isOk())
                .andExpect(jsonPath("$[?(@.path == 'config.json')].sha256")
                        .value(Sha256.of(TINY.resolve("config.json"))))
                .andExpect(jsonPath("$[?(@.path == 'model.safetensors')].size").value(
                        (int) Files.size(TINY.resolve("model.safetensors"))));
        mvc.perform(get("/api/v1/models?size=100")).andExpect(status().isOk())
                .andExpect(jsonPath("$.items[?(@.id == '" + id + "')].name").value("tiny"))
                .andExpect(jsonPath("$.page.size").value(100));
    }

    @Test
    void shouldFailTheImportNamingTheRepositoryWhenTheHubDoesNotKnowIt() {
        ModelResponse started = models.startImport("hf://test-org/missing@main", null);

        ModelResponse model = awaitImported(started.id());

        assertThat(model.status()).isEqualTo(ModelStatus.FAILED);
        assertThat(model.reason()).contains("test-org/missing").contains("not found");
        assertThat(STORE_ROOT.resolve("models/" + started.id())).doesNotExist();
    }

    @Test
    void shouldFailTheImportOfAGatedRepoAskingForAToken() {
        HUB.requireToken("hf_needed");
        try {
            ModelResponse model = awaitImported(models.startImport("hf://" + TINY_LLAMA, null).id());

            assertThat(model.status()).isEqualTo(ModelStatus.FAILED);
            assertThat(model.reason()).contains("gated").contains("HF_TOKEN");
        } finally {
            HUB.requireToken(null);
        }
    }

    @Test
    void shouldImportATarGzArchiveFromAPlainUrl() throws Exception {
        Path archives = Files.createTempDirectory("archives");
        Files.write(archives.resolve("tiny.tar.gz"), tarGz(TINY, "tiny-llama/"));
        // the fake hub's CDN serves any configured folder; this one is not a repo the tests import from the Hub
        try (var hub = io.quantserve.testing.FakeHub.serving("files/archives", archives)) {
            ModelResponse started = models.startImport(hub.fileUrl("files/archives", "tiny.tar.gz").toString(), null);

            ModelResponse model = awaitImported(started.id());

            assertThat(model.status()).as(model.reason()).isEqualTo(ModelStatus.READY);
            assertThat(model.name()).isEqualTo("tiny");
            assertThat(model.parameterCount()).isEqualTo(TINY_LLAMA_PARAMETERS);
            assertThat(STORE_ROOT.resolve("models/" + started.id() + "/config.json")).exists();
        }
    }

    @Test
    void shouldStoreAnUploadOfSeveralFilesAsAReadyModel() throws Exception {
        mvc.perform(multipart("/api/v1/models/uploads")
                        .file(new MockMultipartFile("files", "config.json", "application/json",
                                Files.readAllBytes(TINY.resolve("config.json"))))
                        .file(new MockMultipartFile("files", "model.safetensors", "application/octet-stream",
                                Files.readAllBytes(TINY.resolve("model.safetensors"))))
                        .param("name", "uploaded-tiny"))
                .andExpect(status().isCreated()).andExpect(jsonPath("$.status").value("ready"))
                .andExpect(jsonPath("$.name").value("uploaded-tiny"))
                .andExpect(jsonPath("$.parameterCount").value(TINY_LLAMA_PARAMETERS))
                .andExpect(jsonPath("$.fileCount").value(2));
    }

    @Test
    void shouldTakeFilesUploadedInOneFolderFromThatFolderAndNameTheModelAfterIt() throws Exception {
        mvc.perform(multipart("/api/v1/models/uploads")
                        .file(new MockMultipartFile("files", "tiny-llama/config.json", "application/json",
                                Files.readAllBytes(TINY.resolve("config.json"))))
                        .file(new MockMultipartFile("files", "tiny-llama/model.safetensors", "application/octet-stream",
                                Files.readAllBytes(TINY.resolve("model.safetensors")))))
                .andExpect(status().isCreated()).andExpect(jsonPath("$.name").value("tiny-llama"))
                .andExpect(jsonPath("$.parameterCount").value(TINY_LLAMA_PARAMETERS));
    }

    @Test
    void shouldRejectAnUploadWithoutSafetensorsWeights() throws Exception {
        mvc.perform(multipart("/api/v1/models/uploads").file(new MockMultipartFile("files", "config.json",
                        "application/json", Files.readAllBytes(TINY.resolve("config.json")))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("no safetensors weights")));
    }

    @Test
    void shouldAcceptAnArchiveUploadedToTheModelsPath() throws Exception {
        mvc.perform(multipart("/api/v1/models").file(new MockMultipartFile("file", "tiny.tar.gz",
                        "application/gzip", tarGz(TINY, ""))))
                .andExpect(status().isCreated()).andExpect(jsonPath("$.architecture").value("LlamaForCausalLM"))
                .andExpect(jsonPath("$.name").value("tiny"));
    }

    @Test
    void shouldRejectAnUploadWithoutConfigJsonAndStoreNothing() throws Exception {
        long before = countStored();
        mvc.perform(multipart("/api/v1/models/uploads").file(new MockMultipartFile("files", "model.safetensors",
                        "application/octet-stream", Files.readAllBytes(TINY.resolve("model.safetensors")))))
                .andExpect(status().isBadRequest())
                .andExpect(header().string("Content-Type", MediaType.APPLICATION_PROBLEM_JSON_VALUE))
                .andExpect(jsonPath("$.detail").value("files: config.json is missing"))
                .andExpect(jsonPath("$.errors[0].field").value("files"));
        assertThat(countStored()).isEqualTo(before);
    }

    @Test
    void shouldRejectAnUploadWhoseSafetensorsHeaderIsBroken() throws Exception {
        byte[] broken = new byte[64];
        broken[0] = 100; // header length 100 > what follows
        mvc.perform(multipart("/api/v1/models/uploads")
                        .file(new MockMultipartFile("files", "config.json", "application/json",
                                Files.readAllBytes(TINY.resolve("config.json"))))
                        .file(new MockMultipartFile("files", "model.safetensors", "application/octet-stream", broken)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("model.safetensors")));
    }

    @Test
    void shouldRejectAnUploadedFileNameThatClimbsOutOfTheModel() throws Exception {
        mvc.perform(multipart("/api/v1/models/uploads").file(new MockMultipartFile("files", "../config.json",
                        "application/json", "{}".getBytes())))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("../config.json")));
    }

    @Test
    void shouldDeleteAModelWithoutJobsAndItsFiles() throws Exception {
        String body = mvc.perform(multipart("/api/v1/models/uploads")
                        .file(new MockMultipartFile("files", "config.json", "application/json",
                                Files.readAllBytes(TINY.resolve("config.json"))))
                        .file(new MockMultipartFile("files", "model.safetensors", "application/octet-stream",
                                Files.readAllBytes(TINY.resolve("model.safetensors")))))
                .andReturn().getResponse().getContentAsString();
        String id = body(body).path("id").asString();

        mvc.perform(delete("/api/v1/models/" + id)).andExpect(status().isNoContent());

        mvc.perform(get("/api/v1/models/" + id)).andExpect(status().isNotFound())
                .andExpect(jsonPath("$.detail").value("model " + id + " not found"));
        assertThat(STORE_ROOT.resolve("models/" + id)).doesNotExist();
    }

    private ModelResponse awaitImported(UUID id) {
        return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> models.get(id), m -> m.status() != ModelStatus.IMPORTING);
    }

    private JsonNode body(String text) {
        return json.readTree(text);
    }

    private static long countStored() throws IOException {
        Path models = STORE_ROOT.resolve("models");
        if (!Files.exists(models)) {
            return 0;
        }
        try (var s = Files.walk(models)) {
            return s.count();
        }
    }

    static byte[] tarGz(Path dir, String prefix) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (OutputStream gz = new GzipCompressorOutputStream(bytes);
                TarArchiveOutputStream tar = new TarArchiveOutputStream(gz)) {
            for (String name : new String[] {"config.json", "model.safetensors"}) {
                TarArchiveEntry entry = new TarArchiveEntry(prefix + name);
                entry.setSize(Files.size(dir.resolve(name)));
                tar.putArchiveEntry(entry);
                Files.copy(dir.resolve(name), tar);
                tar.closeArchiveEntry();
            }
        }
        return bytes.toByteArray();
    }
}
