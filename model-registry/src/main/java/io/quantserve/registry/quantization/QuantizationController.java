package io.quantserve.registry.quantization;

import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.PageResponse;
import jakarta.validation.Valid;
import java.net.URI;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

@RestController
@RequestMapping("/api/v1/quantizations")
class QuantizationController {
    private final QuantizationJobService service;

    QuantizationController(QuantizationJobService service) {
        this.service = service;
    }

    @PostMapping
    ResponseEntity<QuantizationJobResponse> create(@Valid @RequestBody QuantizationRequest request) {
        QuantizationJobResponse job = service.create(request);
        return ResponseEntity.created(URI.create("/api/v1/quantizations/" + job.id())).body(job);
    }

    /** @param status queued, running, succeeded, failed or cancelled */
    @GetMapping
    PageResponse<QuantizationJobResponse> list(@RequestParam(required = false) String status,
            @RequestParam(required = false) UUID modelId,
            @PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        JobStatus parsed = status == null || status.isBlank() ? null : JobStatus.parse(status).orElseThrow(
                () -> new InvalidRequestException("status", "unknown status '" + status
                        + "': queued, running, succeeded, failed or cancelled"));
        return service.list(parsed, modelId, pageable);
    }

    @GetMapping("/{id}")
    QuantizationJobResponse get(@PathVariable UUID id) {
        return service.get(id);
    }

    @PostMapping("/{id}/cancel")
    QuantizationJobResponse cancel(@PathVariable UUID id) {
        return service.cancel(id);
    }
}
