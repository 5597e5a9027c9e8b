package io.quantserve.registry.dataset;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.multipart;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.quantserve.registry.RegistryIntegrationTest;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mock.web.MockMultipartFile;
import org.springframework.test.web.servlet.MockMvc;

class DatasetFlowTest extends RegistryIntegrationTest {
    @Autowired
    MockMvc mvc;

    @Test
    void shouldStoreAJsonlDatasetAndCountItsSamples() throws Exception {
        byte[] jsonl = "{\"text\":\"Once upon a time\"}\n\n{\"text\":\"there was a cat\",\"id\":2}\n"
                .getBytes(StandardCharsets.UTF_8);

        String body = mvc.perform(multipart("/api/v1/datasets").file(new MockMultipartFile("file", "calib.jsonl",
                        "application/jsonl", jsonl)))
                .andExpect(status().isCreated()).andExpect(jsonPath("$.format").value("jsonl"))
                .andExpect(jsonPath("$.recordCount").value(2))
                .andReturn().getResponse().getContentAsString();
        String id = body.replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

        assertThat(STORE_ROOT.resolve("datasets/" + id + "/calib.jsonl")).hasBinaryContent(jsonl);
        mvc.perform(get("/api/v1/datasets/" + id)).andExpect(status().isOk())
                .andExpect(jsonPath("$.storeKey").value("datasets/" + id + "/calib.jsonl"));
        mvc.perform(get("/api/v1/datasets")).andExpect(status().isOk())
                .andExpect(jsonPath("$.items[?(@.id == '" + id + "')]").exists());
    }

    @Test
    void shouldRejectAJsonlLineWithoutTextNamingTheLine() throws Exception {
        byte[] jsonl = "{\"text\":\"ok\"}\n{\"content\":\"no text\"}\n".getBytes(StandardCharsets.UTF_8);

        mvc.perform(multipart("/api/v1/datasets").file(new MockMultipartFile("file", "bad.jsonl", "application/jsonl",
                        jsonl)))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].message").value("line 2 has no string \"text\" field"));
    }

    @Test
    void shouldRejectAJsonlLineThatIsNotJson() throws Exception {
        mvc.perform(multipart("/api/v1/datasets").file(new MockMultipartFile("file", "bad.jsonl", "application/jsonl",
                        "{\"text\":\"ok\"}\n{\"text\":\"ok\"}\n{oops\n".getBytes(StandardCharsets.UTF_8))))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.containsString("line 3 is not JSON")));
    }

    @Test
    void shouldStoreAPlainTextDataset() throws Exception {
        mvc.perform(multipart("/api/v1/datasets").file(new MockMultipartFile("file", "samples.txt", "text/plain",
                        "one\ntwo\nthree\n".getBytes(StandardCharsets.UTF_8))).param("name", "three lines"))
                .andExpect(status().isCreated()).andExpect(jsonPath("$.format").value("text"))
                .andExpect(jsonPath("$.name").value("three lines")).andExpect(jsonPath("$.recordCount").value(3));
    }

    @Test
    void shouldServeTheOpenApiDocument() throws Exception {
        mvc.perform(get("/v3/api-docs")).andExpect(status().isOk())
                .andExpect(jsonPath("$.paths['/api/v1/quantizations']").exists())
                .andExpect(jsonPath("$.paths['/api/v1/artifacts/{id}/files/{path}']").exists());
        mvc.perform(get("/swagger-ui.html")).andExpect(status().is3xxRedirection());
    }
}
