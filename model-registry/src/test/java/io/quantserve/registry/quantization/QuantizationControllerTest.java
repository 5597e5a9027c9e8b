package io.quantserve.registry.quantization;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.BDDMockito.given;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.quantserve.registry.web.ConflictException;
import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.NotFoundException;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.webmvc.test.autoconfigure.WebMvcTest;
import org.springframework.http.MediaType;
import org.springframework.test.context.bean.override.mockito.MockitoBean;
import org.springframework.test.web.servlet.MockMvc;

/** The web layer alone: request binding and the problem bodies of every kind of error. */
@WebMvcTest(QuantizationController.class)
class QuantizationControllerTest {
    @Autowired
    MockMvc mvc;
    @MockitoBean
    QuantizationJobService service;

    @Test
    void shouldListTheMissingModelIdAsAFieldProblem() throws Exception {
        mvc.perform(post("/api/v1/quantizations").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"method\":\"awq\"}"))
                .andExpect(status().isBadRequest())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
                .andExpect(jsonPath("$.status").value(400))
                .andExpect(jsonPath("$.errors[0].field").value("modelId"));
    }

    @Test
    void shouldAnswerMalformedJsonWithAProblem() throws Exception {
        mvc.perform(post("/api/v1/quantizations").contentType(MediaType.APPLICATION_JSON).content("{\"modelId\":"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.detail").value(org.hamcrest.Matchers.startsWith("malformed JSON")));
    }

    @Test
    void shouldAnswerAnUnsupportedContentTypeWith415() throws Exception {
        mvc.perform(post("/api/v1/quantizations").contentType(MediaType.TEXT_PLAIN).content("awq"))
                .andExpect(status().isUnsupportedMediaType())
                .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }

    @Test
    void shouldPassTheServicesFieldProblemsThrough() throws Exception {
        given(service.create(any())).willThrow(new InvalidRequestException("bits", "awq supports [4] bits, not 3"));

        mvc.perform(post("/api/v1/quantizations").contentType(MediaType.APPLICATION_JSON)
                        .content("{\"modelId\":\"" + UUID.randomUUID() + "\",\"method\":\"awq\",\"bits\":3}"))
                .andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("bits"))
                .andExpect(jsonPath("$.errors[0].message").value("awq supports [4] bits, not 3"));
    }

    @Test
    void shouldAnswer404And409AsProblems() throws Exception {
        UUID id = UUID.randomUUID();
        given(service.get(id)).willThrow(new NotFoundException("job", id));
        given(service.cancel(id)).willThrow(new ConflictException("job " + id + " is already succeeded"));

        mvc.perform(get("/api/v1/quantizations/" + id)).andExpect(status().isNotFound())
                .andExpect(jsonPath("$.detail").value("job " + id + " not found"));
        mvc.perform(post("/api/v1/quantizations/" + id + "/cancel")).andExpect(status().isConflict())
                .andExpect(jsonPath("$.title").value("Conflict"));
    }

    @Test
    void shouldRejectAnUnknownStatusFilterAndABadId() throws Exception {
        mvc.perform(get("/api/v1/quantizations?status=done")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("status"));
        mvc.perform(get("/api/v1/quantizations/not-a-uuid")).andExpect(status().isBadRequest())
                .andExpect(jsonPath("$.errors[0].field").value("id"));
    }
}
