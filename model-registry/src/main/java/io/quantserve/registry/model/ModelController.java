package io.quantserve.registry.model;

import io.quantserve.registry.files.FileView;
import io.quantserve.registry.web.PageResponse;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.util.MultiValueMap;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.multipart.MultipartHttpServletRequest;

@RestController
@RequestMapping("/api/v1/models")
class ModelController {
    private final ModelService service;
    private final ModelUploads uploads;

    ModelController(ModelService service, ModelUploads uploads) {
        this.service = service;
        this.uploads = uploads;
    }

    /** @param source {@code hf://org/name[@revision]} or an http(s) URL of a file or archive */
    record ImportRequest(@NotBlank String source, String name) {
    }

    /** Starts an import; the model is {@code importing} until the background download finishes. */
    @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
    ResponseEntity<ModelResponse> startImport(@Valid @RequestBody ImportRequest request) {
        ModelResponse model = service.startImport(request.source(), request.name());
        return ResponseEntity.accepted().location(URI.create("/api/v1/models/" + model.id())).body(model);
    }

    /** Uploads files (each part's filename is its path in the model) or one .zip/.tar/.tar.gz archive. */
    @PostMapping(path = {"", "/uploads"}, consumes = MediaType.MULTIPART_FORM_DATA_VALUE)
    ResponseEntity<ModelResponse> upload(MultipartHttpServletRequest request,
            @RequestParam(name = "name", required = false) String name) throws IOException {
        MultiValueMap<String, MultipartFile> files = request.getMultiFileMap();
        List<MultipartFile> parts = files.values().stream().flatMap(List::stream).toList();
        ModelResponse model = uploads.upload(name, parts);
        return ResponseEntity.created(URI.create("/api/v1/models/" + model.id())).body(model);
    }

    @GetMapping
    PageResponse<ModelResponse> list(@PageableDefault(size = 20, sort = "createdAt",
            direction = Sort.Direction.DESC) Pageable pageable) {
        return service.list(pageable);
    }

    @GetMapping("/{id}")
    ModelResponse get(@PathVariable UUID id) {
        return service.get(id);
    }

    @GetMapping("/{id}/files")
    List<FileView> files(@PathVariable UUID id) {
        return service.files(id);
    }

    /** Refused with 409 while the model is importing or referenced by quantization jobs. */
    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable UUID id) {
        service.delete(id);
    }
}
