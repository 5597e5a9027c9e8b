package io.quantserve.registry.artifact;

import io.quantserve.registry.web.PageResponse;
import java.io.IOException;
import java.io.InputStream;
import java.util.Optional;
import java.util.UUID;
import org.springframework.data.domain.Pageable;
import org.springframework.data.domain.Sort;
import org.springframework.data.web.PageableDefault;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.StreamingResponseBody;

@RestController
@RequestMapping("/api/v1/artifacts")
class ArtifactController {
    private final ArtifactService service;

    ArtifactController(ArtifactService service) {
        this.service = service;
    }

    @GetMapping
    PageResponse<ArtifactResponse> list(@RequestParam(required = false) UUID modelId,
            @RequestParam(required = false) UUID jobId,
            @PageableDefault(size = 20, sort = "createdAt", direction = Sort.Direction.DESC) Pageable pageable) {
        return service.list(modelId, jobId, pageable);
    }

    @GetMapping("/{id}")
    ArtifactResponse get(@PathVariable UUID id) {
        return service.get(id);
    }

    /**
     * Streams a file of the artifact from the store. One {@code Range: bytes=a-b} (or {@code a-}, {@code -n}) gives
     * 206 with Content-Range; a range past the end gives 416; several ranges are answered with the whole file.
     */
    @GetMapping("/{id}/files/{*path}")
    ResponseEntity<StreamingResponseBody> download(@PathVariable UUID id, @PathVariable String path,
            @RequestHeader(name = HttpHeaders.RANGE, required = false) String range) throws IOException {
        ArtifactService.StoredFile file = service.file(id, path.startsWith("/") ? path.substring(1) : path);
        long size = file.size();
        Optional<ByteRange> requested = ByteRange.parse(range, size);
        long start = requested.map(ByteRange::start).orElse(0L);
        long length = requested.map(ByteRange::length).orElse(size);
        HttpHeaders headers = new HttpHeaders();
        headers.set(HttpHeaders.ACCEPT_RANGES, "bytes");
        headers.setContentType(MediaType.APPLICATION_OCTET_STREAM);
        headers.setContentDisposition(ContentDisposition.attachment()
                .filename(file.key().substring(file.key().lastIndexOf('/') + 1)).build());
        headers.setContentLength(length);
        boolean partial = requested.isPresent();
        if (partial) {
            headers.set(HttpHeaders.CONTENT_RANGE, "bytes " + start + "-" + (start + length - 1) + "/" + size);
        }
        long offset = start;
        StreamingResponseBody body = out -> {
            if (length == 0) {
                return;
            }
            try (InputStream in = service.open(file, offset, length)) {
                in.transferTo(out);
            }
        };
        return ResponseEntity.status(partial ? HttpStatus.PARTIAL_CONTENT : HttpStatus.OK).headers(headers).body(body);
    }
}
