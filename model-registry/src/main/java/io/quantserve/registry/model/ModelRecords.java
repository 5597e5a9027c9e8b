package io.quantserve.registry.model;

import io.quantserve.registry.files.FileEntry;
import io.quantserve.registry.quantization.QuantizationJobRepository;
import io.quantserve.registry.web.ConflictException;
import io.quantserve.registry.web.NotFoundException;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/** The database side of imports, one short transaction each (the downloads run outside any transaction). */
@Component
class ModelRecords {
    private final ModelRepository models;
    private final QuantizationJobRepository jobs;
    private final Clock clock;

    ModelRecords(ModelRepository models, QuantizationJobRepository jobs, Clock clock) {
        this.models = models;
        this.jobs = jobs;
        this.clock = clock;
    }

    /** A model uploaded and stored in one go. */
    @Transactional
    Model createReady(UUID id, String name, String source, ModelFacts facts, List<FileEntry> files) {
        Model model = new Model(id, name, source, null, clock.instant());
        model.markReady(facts, null, files, clock.instant());
        return models.save(model);
    }

    @Transactional
    void delete(UUID id) {
        Model model = models.findById(id).orElseThrow(() -> new NotFoundException("model", id));
        if (model.getStatus() == ModelStatus.IMPORTING) {
            throw new ConflictException("model " + id + " is still importing");
        }
        if (jobs.existsByModelId(id)) {
            throw new ConflictException("model " + id + " is referenced by quantization jobs; it cannot be deleted");
        }
        models.delete(model);
    }

    @Transactional
    Model create(String name, String source, String revision) {
        return models.save(new Model(UUID.randomUUID(), name, source, revision, clock.instant()));
    }

    @Transactional
    void ready(UUID id, ModelFacts facts, String revision, List<FileEntry> files) {
        models.findById(id).ifPresent(m -> m.markReady(facts, revision, files, clock.instant()));
    }

    @Transactional
    void failed(UUID id, String reason) {
        models.findById(id).ifPresent(m -> m.markFailed(reason, clock.instant()));
    }
}
