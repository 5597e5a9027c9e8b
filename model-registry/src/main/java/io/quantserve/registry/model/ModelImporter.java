package io.quantserve.registry.model;

import io.quantserve.registry.config.RegistryProperties;
import io.quantserve.registry.files.LocalFiles;
import io.quantserve.hub.HubException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.stereotype.Component;

/** Runs imports on the bounded import executor: fetch, inspect, publish, then mark the model ready or failed. */
@Component
class ModelImporter {
    private static final Logger log = LoggerFactory.getLogger(ModelImporter.class);

    private final ModelFetcher fetcher;
    private final ModelInspector inspector;
    private final ModelStorage storage;
    private final ModelRecords records;
    private final Executor executor;
    private final Path workDir;

    ModelImporter(ModelFetcher fetcher, ModelInspector inspector, ModelStorage storage, ModelRecords records,
            @Qualifier("modelImportExecutor") Executor executor, RegistryProperties properties) {
        this.fetcher = fetcher;
        this.inspector = inspector;
        this.storage = storage;
        this.records = records;
        this.executor = executor;
        this.workDir = properties.workFolder().resolve("imports");
    }

    /** @throws java.util.concurrent.RejectedExecutionException when the import queue is full */
    void submit(UUID modelId, ModelSource source) {
        executor.execute(() -> run(modelId, source));
    }

    void run(UUID modelId, ModelSource source) {
        Path work = workDir.resolve(modelId.toString());
        try {
            LocalFiles.deleteRecursively(work);
            Files.createDirectories(work);
            ModelFetcher.Fetched fetched = fetcher.fetch(source, work);
            ModelFacts facts = inspector.inspect(fetched.root());
            var files = LocalFiles.entries(fetched.root(), fetched.sha256());
            storage.publish(modelId, fetched.root());
            records.ready(modelId, facts, fetched.revision(), files);
            log.info("model {} imported from {}: {} files, {} parameters", modelId, source, files.size(),
                    facts.parameterCount());
        } catch (HubException | InvalidModelException | IllegalArgumentException e) {
            fail(modelId, e.getMessage(), null);
        } catch (IOException | RuntimeException e) {
            fail(modelId, "import failed: " + e, e);
        } finally {
            try {
                LocalFiles.deleteRecursively(work);
            } catch (RuntimeException e) {
                log.warn("cannot clean {}", work, e);
            }
        }
    }

    private void fail(UUID modelId, String reason, Exception e) {
        log.warn("model {} import failed: {}", modelId, reason, e);
        records.failed(modelId, reason);
    }
}
