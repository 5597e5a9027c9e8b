package io.quantserve.registry.dataset;

import io.quantserve.registry.web.PageResponse;
import java.io.IOException;
import java.net.URI;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RequestPart;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;

@RestController
@RequestMapping("/api/v1/datasets")
class DatasetController {
    private final DatasetService service;

    DatasetController(DatasetService service) {
        this.service = service;
    }

    /** One .txt or .jsonl calibration file in the part named "file"; optional form field "name". */
    @PostMapping(consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<DatasetResponse> upload(@RequestPart("file") MultipartFile file,
            @RequestParam(name = "name", required = false) String name) throws IOException {
        DatasetResponse dataset = service.upload(file, name);
        return ResponseEntity.created(URI.create("/api/v1/datasets/" + dataset.id())).body(dataset);
    }

    @GetMapping
    PageResponse<DatasetResponse> list(@PageableDefault(size = 20, sort = "createdAt",
            direction = Sort.Direction.DESC) Pageable pageable) {
        return service.list(pageable);
    }

    @GetMapping("/{id}")
    DatasetResponse get(@PathVariable UUID id) {
        return service.get(id);
    }
}
