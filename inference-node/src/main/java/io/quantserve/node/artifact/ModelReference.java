package io.quantserve.node.artifact;

import io.quantserve.hub.HubSource;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.UUID;

/**
 * What a node is started with ({@code quantserve.node.model}): a model folder or {@code .gguf} file on this machine,
 * a registry artifact ({@code registry:<artifact id>}) or a Hugging Face Hub repository
 * ({@code hf://<org>/<name>[@<revision>]}).
 */
public sealed interface ModelReference {

    String ACCEPTED_FORMS = "an existing model folder or .gguf file, registry:<artifact id> "
            + "or hf://<org>/<name>[@<revision>]";

    String REGISTRY_PREFIX = "registry:";

    /** A model folder (config.json + safetensors, or one .gguf) or a .gguf file. */
    record Local(Path path) implements ModelReference {
    }

    /** An artifact of the model registry, by id. */
    record Registry(UUID artifactId) implements ModelReference {
    }

    /** A repository of the Hugging Face Hub at a revision (branch, tag or commit; main when not given). */
    record Hub(HubSource source) implements ModelReference {
    }

    /**
     * An existing path is taken as a local model even if it looks like one of the other forms.
     *
     * @throws IllegalArgumentException naming the reference and the forms accepted
     */
    static ModelReference parse(String reference) {
        if (reference == null || reference.isBlank()) {
            throw new IllegalArgumentException("no model reference given (quantserve.node.model): expected "
                    + ACCEPTED_FORMS);
        }
        String text = reference.strip();
        Path path = existingPath(text);
        if (path != null) {
            if (Files.isDirectory(path) || path.getFileName().toString().endsWith(".gguf")) {
                return new Local(path);
            }
            throw new IllegalArgumentException("model '" + text + "' is a file but not a .gguf: expected "
                    + ACCEPTED_FORMS);
        }
        if (text.startsWith(REGISTRY_PREFIX)) {
            String id = text.substring(REGISTRY_PREFIX.length());
            try {
                return new Registry(UUID.fromString(id));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model '" + text + "': '" + id + "' is not an artifact id "
                        + "(a UUID, as the registry's /api/v1/artifacts lists them)");
            }
        }
        if (HubSource.matches(text)) {
            try {
                return new Hub(HubSource.parse(text));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("model " + e.getMessage());
            }
        }
        throw new IllegalArgumentException("model '" + text + "' is no existing folder or file, and not a "
                + "reference: expected " + ACCEPTED_FORMS);
    }

    /**
     * The name clients use when none is configured: the folder or file name (without .gguf), the artifact id, or
     * the Hub repository id.
     */
    default String defaultServedName() {
        return switch (this) {
            case Local l -> {
                String name = l.path().toAbsolutePath().normalize().getFileName().toString();
                yield name.endsWith(".gguf") ? name.substring(0, name.length() - ".gguf".length()) : name;
            }
            case Registry r -> r.artifactId().toString();
            case Hub h -> h.source().repo();
        };
    }

    private static Path existingPath(String text) {
        try {
            Path path = Path.of(text);
            return Files.exists(path) ? path : null;
        } catch (InvalidPathException e) {
            return null;
        }
    }
}
