package io.quantserve.registry.model;

import io.quantserve.registry.files.FileView;
import io.quantserve.registry.web.InvalidRequestException;
import io.quantserve.registry.web.NotFoundException;
import io.quantserve.registry.web.PageResponse;
import io.quantserve.registry.web.ServiceBusyException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.RejectedExecutionException;
import org.springframework.data.domain.Pageable;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

@Service
public class ModelService {
    private final ModelRepository models;
    private final ModelRecords records;
    private final ModelImporter importer;
    private final ModelStorage storage;

    ModelService(ModelRepository models, ModelRecords records, ModelImporter importer,
            ModelStorage storage) {
        this.models = models;
        this.records = records;
        this.importer = importer;
        this.storage = storage;
    }

    /** Records the model as importing and queues the download; the import finishes in the background. */
    public ModelResponse startImport(String source, String name) {
        ModelSource parsed;
        try {
            parsed = ModelSource.parse(source);
        } catch (IllegalArgumentException e) {
            throw new InvalidRequestException("source", e.getMessage());
        }
        String revision = parsed instanceof ModelSource.Hub h ? h.hub().revision() : null;
        Model model = records.create(name == null || name.isBlank() ? parsed.suggestedName() : name.trim(), source,
                revision);
        try {
            importer.submit(model.getId(), parsed);
        } catch (RejectedExecutionException e) {
            records.failed(model.getId(), "import queue full; try again later");
            throw new ServiceBusyException("too many imports queued (quantserve.registry.imports.queue-capacity); "
                    + "try again later");
        }
        return ModelResponse.of(model);
    }

    @Transactional(readOnly = true)
    public ModelResponse get(UUID id) {
        return ModelResponse.of(find(id));
    }

    @Transactional(readOnly = true)
    public List<FileView> files(UUID id) {
        return find(id).getFiles().stream().map(FileView::of).toList();
    }

    @Transactional(readOnly = true)
    public PageResponse<ModelResponse> list(Pageable pageable) {
        return PageResponse.of(models.findAll(pageable), ModelResponse::of);
    }

    /**
     * Deletes the model and its files. Refused (409) while it is importing or while quantization jobs reference it:
     * jobs and artifacts keep their source model.
     */
    public void delete(UUID id) {
        records.delete(id);
        try {
            storage.delete(id);
        } catch (IOException e) {
            throw new UncheckedIOException("model " + id + " deleted, but its files could not be removed", e);
        }
    }

    private Model find(UUID id) {
        return models.findById(id).orElseThrow(() -> new NotFoundException("model", id));
    }
}
