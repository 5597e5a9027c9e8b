package io.quantserve.registry.model;

import io.quantserve.registry.config.RegistryProperties;
import io.quantserve.registry.files.Archives;
import io.quantserve.registry.files.FileEntry;
import io.quantserve.registry.files.LocalFiles;
import io.quantserve.registry.files.RelativePaths;
import io.quantserve.registry.web.InvalidRequestException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Component;
import org.springframework.web.multipart.MultipartFile;

/**
 * A model uploaded as several files (each part's filename is its path in the model) or as one archive. Everything is
 * checked in a local folder first; a malformed upload is refused with nothing stored.
 */
@Component
class ModelUploads {
    private final ModelInspector inspector;
    private final ModelStorage storage;
    private final ModelRecords records;
    private final Path workDir;

    ModelUploads(ModelInspector inspector, ModelStorage storage, ModelRecords records, RegistryProperties properties) {
        this.inspector = inspector;
        this.storage = storage;
        this.records = records;
        this.workDir = properties.workFolder().resolve("uploads");
    }

    ModelResponse upload(String name, List<MultipartFile> parts) throws IOException {
        if (parts.isEmpty()) {
            throw new InvalidRequestException("files", "the upload has no files");
        }
        UUID id = UUID.randomUUID();
        Path work = workDir.resolve(id.toString());
        try {
            Files.createDirectories(work);
            Path root = unpack(parts, work);
            ModelFacts facts;
            try {
                facts = inspector.inspect(root);
            } catch (InvalidModelException e) {
                throw new InvalidRequestException("files", e.getMessage());
            }
            List<FileEntry> files = LocalFiles.entries(root, Map.of());
            storage.publish(id, root);
            String source = "upload:" + (parts.size() == 1 ? parts.getFirst().getOriginalFilename() : parts.size()
                    + " files");
            String modelName = name == null || name.isBlank() ? defaultName(parts, root, work, id) : name.trim();
            return ModelResponse.of(records.createReady(id, modelName, source, facts, files));
        } finally {
            LocalFiles.deleteRecursively(work);
        }
    }

    private static Path unpack(List<MultipartFile> parts, Path work) throws IOException {
        Path dir = work.resolve("model");
        if (parts.size() == 1 && Archives.isArchive(filename(parts.getFirst()))) {
            String archiveName = filename(parts.getFirst());
            Path archive = work.resolve("upload.bin");
            parts.getFirst().transferTo(archive);
            try {
                return Archives.extract(archive, archiveName, dir);
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("files", e.getMessage());
            }
        }
        Set<String> seen = new HashSet<>();
        for (MultipartFile part : parts) {
            String path;
            try {
                path = RelativePaths.check(filename(part));
            } catch (IllegalArgumentException e) {
                throw new InvalidRequestException("files", e.getMessage());
            }
            if (!seen.add(path)) {
                throw new InvalidRequestException("files", "file '" + path + "' appears twice in the upload");
            }
            Path target = RelativePaths.resolve(dir, path);
            Files.createDirectories(target.getParent());
            part.transferTo(target);
        }
        return Archives.contentRoot(dir);
    }

    private static String filename(MultipartFile part) {
        String name = part.getOriginalFilename();
        if (name == null || name.isBlank()) {
            throw new InvalidRequestException("files", "part '" + part.getName() + "' has no filename");
        }
        return name;
    }

    /** The archive's name, else the one folder the files came in, else model-<id prefix>. */
    private static String defaultName(List<MultipartFile> parts, Path root, Path work, UUID id) {
        String first = parts.getFirst().getOriginalFilename();
        if (parts.size() == 1 && first != null && Archives.isArchive(first)) {
            String base = first.substring(first.replace('\\', '/').lastIndexOf('/') + 1);
            return base.replaceFirst("(\\.tar\\.gz|\\.tgz|\\.tar|\\.zip)$", "");
        }
        if (!root.equals(work.resolve("model"))) {
            return root.getFileName().toString();
        }
        return "model-" + id.toString().substring(0, 8);
    }
}
