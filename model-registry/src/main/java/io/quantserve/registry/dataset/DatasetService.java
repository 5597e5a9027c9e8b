package io.quantserve.registry.dataset;

import io.quantserve.store.Sha256;
import io.quantserve.registry.config.RegistryProperties;
import io.quantserve.registry.files.LocalFiles;
import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.NotFoundException;
import io.quantserve.registry.web.PageResponse;
import io.quantserve.store.ArtifactStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Locale;
import java.util.UUID;
import java.util.regex.Pattern;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;
import org.springframework.web.multipart.MultipartFile;

@Service
public class DatasetService {
    private static final Pattern FILENAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,200}");

    private final DatasetRepository datasets;
    private final ArtifactStore store;
    private final Clock clock;
    private final Path workDir;

    DatasetService(DatasetRepository datasets, ArtifactStore store, Clock clock, RegistryProperties properties) {
        this.datasets = datasets;
        this.store = store;
        this.clock = clock;
        this.workDir = properties.workFolder().resolve("datasets");
    }

    /** Checks the file (text, or JSONL with a "text" field per line) and stores it at datasets/<id>/<filename>. */
    public DatasetResponse upload(MultipartFile file, String name) throws IOException {
        String filename = file.getOriginalFilename() == null ? "" : file.getOriginalFilename();
        filename = filename.substring(filename.replace('\\', '/').lastIndexOf('/') + 1);
        if (!FILENAME.matcher(filename).matches()) {
            throw new InvalidRequestException("file", "file name '" + filename + "' must be letters, digits, '.', '_'"
                    + " or '-'");
        }
        String lower = filename.toLowerCase(Locale.ROOT);
        boolean jsonl = DatasetValidator.isJsonl(lower);
        if (!jsonl && !lower.endsWith(".txt")) {
            throw new InvalidRequestException("file", "a dataset is a .txt (one sample per line) or .jsonl file, got '"
                    + filename + "'");
        }
        UUID id = UUID.randomUUID();
        Path local = workDir.resolve(id + ".upload");
        try {
            Files.createDirectories(workDir);
            file.transferTo(local);
            long records = DatasetValidator.countRecords(local, jsonl);
            Dataset dataset = new Dataset(id, name == null || name.isBlank() ? filename : name.trim(), filename,
                    jsonl ? "jsonl" : "text", Files.size(local), Sha256.of(local), records, clock.instant());
            store.put(dataset.storeKey(), local);
            return DatasetResponse.of(datasets.save(dataset));
        } finally {
            LocalFiles.deleteRecursively(local);
        }
    }

    @Transactional(readOnly = true)
    public DatasetResponse get(UUID id) {
        return DatasetResponse.of(datasets.findById(id).orElseThrow(() -> new NotFoundException("dataset", id)));
    }

    @Transactional(readOnly = true)
    public PageResponse<DatasetResponse> list(Pageable pageable) {
        return PageResponse.of(datasets.findAll(pageable), DatasetResponse::of);
    }
}
