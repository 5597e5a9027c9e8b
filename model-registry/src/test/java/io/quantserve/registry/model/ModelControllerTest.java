package io.quantserve.registry.model;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.delete;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.quantserve.registry.web.ConflictException;
import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.ServiceBusyException;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

@WebMvcTest(ModelController.class)
class ModelControllerTest {
    @Autowired
    MockMvc mvc;
    @MockitoBean
    ModelService service;
    @MockitoBean
    ModelUploads uploads;

    @Test
    void shouldRequireASource() throws Exception {
        mvc.perform(post("/api/v1/models").contentType(MediaType.APPLICATION_JSON).content("{\"name\":\"x\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.errors[0].field").value("source"));
    }

    @Test
    void shouldNameTheSourceFieldWhenItIsNotUnderstood() throws Exception {
        given(service.startImport(any(), any())).willThrow(new InvalidRequestException("source",
                "'ftp://x' is neither hf://<org>/<name>[@<revision>] nor an http(s) URL of a file or archive"));

        mvc.perform(post("/api/v1/models").contentType(MediaType.APPLICATION_JSON).content("{\"source\":\"ftp://x\"}"))
                .andExpect(status().isBadRequest()).andExpect(jsonPath("$.errors[0].field").value("source"));
    }

    @Test
    void shouldAnswer503WhenTheImportQueueIsFull() throws Exception {
        given(service.startImport(any(), any())).willThrow(new ServiceBusyException("too many imports queued"));

        mvc.perform(post("/api/v1/models").contentType(MediaType.APPLICATION_JSON).content("{\"source\":\"hf://a/b\"}"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(jsonPath("$.detail").value("too many imports queued"));
    }

    @Test
    void shouldAnswer415ForAnUnsupportedBody() throws Exception {
        mvc.perform(post("/api/v1/models").contentType(MediaType.APPLICATION_XML).content("<model/>"))
                .andExpect(status().isUnsupportedMediaType());
    }

    @Test
    void shouldAnswer409WhenAModelCannotBeDeleted() throws Exception {
        UUID id = UUID.randomUUID();
        org.mockito.BDDMockito.willThrow(new ConflictException("model " + id + " is referenced by quantization jobs"))
                .given(service).delete(id);

        mvc.perform(delete("/api/v1/models/" + id)).andExpect(status().isConflict())
                .andExpect(jsonPath("$.detail").value("model " + id + " is referenced by quantization jobs"));
    }
}
