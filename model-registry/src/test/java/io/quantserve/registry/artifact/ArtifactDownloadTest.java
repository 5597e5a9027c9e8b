package io.quantserve.registry.artifact;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.asyncDispatch;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.request;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.quantserve.registry.RegistryIntegrationTest;
import io.quantserve.registry.files.FileEntry;
import io.quantserve.registry.model.Model;
import io.quantserve.registry.model.ModelFacts;
import io.quantserve.registry.model.ModelRepository;
import io.quantserve.registry.quantization.QuantizationJobService;
import io.quantserve.registry.quantization.QuantizationRequest;
import io.quantserve.store.ArtifactStore;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.transaction.support.TransactionTemplate;

class ArtifactDownloadTest extends RegistryIntegrationTest {
    private static final byte[] WEIGHTS = "0123456789abcdefghij".getBytes(StandardCharsets.US_ASCII);

    @Autowired
    MockMvc mvc;
    @Autowired
    ModelRepository models;
    @Autowired
    QuantizationJobService jobs;
    @Autowired
    ArtifactRegistrar registrar;
    @Autowired
    ArtifactStore store;
    @Autowired
    TransactionTemplate transactions;

    UUID artifactId;
    UUID modelId;

    @BeforeEach
    void artifact() throws Exception {
        Model m = new Model(UUID.randomUUID(), "tiny", "hf://x/y@main", "main", Instant.now());
        m.markReady(new ModelFacts("LlamaForCausalLM", 100, 64, 2), "abc", List.of(), Instant.now());
        modelId = models.save(m).getId();
        UUID jobId = jobs.create(new QuantizationRequest(modelId, "rtn", 4, 64, null, null)).id();
        artifactId = UUID.randomUUID();
        store.put("artifacts/" + artifactId + "/model.safetensors", new ByteArrayInputStream(WEIGHTS), WEIGHTS.length);
        var manifest = new io.quantserve.contracts.quantization.ArtifactManifest(artifactId.toString(), "awq", "rtn", 4,
                64, modelId.toString(), "tiny", jobId.toString(), null,
                List.of(new io.quantserve.contracts.quantization.ArtifactManifest.ArtifactFile("model.safetensors",
                        WEIGHTS.length, "d".repeat(64))), Instant.now());
        transactions.executeWithoutResult(tx -> registrar.register(artifactId, jobId, modelId, "rtn", 4, 64, manifest,
                "{\"perplexity\":3.48,\"method\":\"rtn\"}"));
    }

    @Test
    void shouldShowTheArtifactWithFilesAndTheReportAsJson() throws Exception {
        mvc.perform(get("/api/v1/artifacts/" + artifactId)).andExpect(status().isOk())
                .andExpect(jsonPath("$.format").value("awq"))
                .andExpect(jsonPath("$.groupSize").value(64))
                .andExpect(jsonPath("$.size").value(WEIGHTS.length))
                .andExpect(jsonPath("$.files[0].path").value("model.safetensors"))
                .andExpect(jsonPath("$.files[0].sha256").value("d".repeat(64)))
                .andExpect(jsonPath("$.report.perplexity").value(3.48))
                .andExpect(jsonPath("$.storageUri").value(org.hamcrest.Matchers.startsWith("file:")));
        mvc.perform(get("/api/v1/artifacts?modelId=" + modelId)).andExpect(status().isOk())
                .andExpect(jsonPath("$.items.length()").value(1))
                .andExpect(jsonPath("$.items[0].id").value(artifactId.toString()));
    }

    @Test
    void shouldDownloadTheWholeFileAdvertisingRanges() throws Exception {
        mvc.perform(asyncDispatch(started(get(file()))))
                .andExpect(status().isOk()).andExpect(header().string("Accept-Ranges", "bytes"))
                .andExpect(content().bytes(WEIGHTS));
    }

    @Test
    void shouldServeARangeWith206AndContentRange() throws Exception {
        mvc.perform(asyncDispatch(started(get(file()).header("Range", "bytes=5-9"))))
                .andExpect(status().isPartialContent())
                .andExpect(header().string("Content-Range", "bytes 5-9/20"))
                .andExpect(content().string("56789"));
        mvc.perform(asyncDispatch(started(get(file()).header("Range", "bytes=-3"))))
                .andExpect(status().isPartialContent()).andExpect(content().string("hij"));
    }

    @Test
    void shouldAnswer416ForARangePastTheEnd() throws Exception {
        mvc.perform(get(file()).header("Range", "bytes=20-")).andExpect(status().isRequestedRangeNotSatisfiable())
                .andExpect(header().string("Content-Range", "bytes */20"));
    }

    @Test
    void shouldAnswer404ForAFileThatIsNotInTheArtifact() throws Exception {
        mvc.perform(get("/api/v1/artifacts/" + artifactId + "/files/other.bin")).andExpect(status().isNotFound());
    }

    private String file() {
        return "/api/v1/artifacts/" + artifactId + "/files/model.safetensors";
    }

    private MvcResult started(org.springframework.test.web.servlet.RequestBuilder request) throws Exception {
        return mvc.perform(request).andExpect(request().asyncStarted()).andReturn();
    }
}
