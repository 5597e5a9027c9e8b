package io.quantserve.registry.model;

import io.quantserve.hub.HubSource;
import java.net.URI;
import java.net.URISyntaxException;

/** Where a model comes from: {@code hf://org/name@rev} or an http(s) URL of a file or archive. */
sealed interface ModelSource {

    /** A default model name. */
    String suggestedName();

    record Hub(HubSource hub) implements ModelSource {
        @Override
        public String suggestedName() {
            String repo = hub.repo();
            return repo.substring(repo.lastIndexOf('/') + 1);
        }
    }

    record Url(URI uri, String fileName) implements ModelSource {
        @Override
        public String suggestedName() {
            return fileName.replaceFirst("(\\.tar\\.gz|\\.tgz|\\.tar|\\.zip|\\.[A-Za-z0-9]+)$", "");
        }
    }

    /** @throws IllegalArgumentException saying what a source must look like */
    static ModelSource parse(String source) {
        if (source == null || source.isBlank()) {
            throw new IllegalArgumentException("source is required: hf://<org>/<name>[@<revision>] or an http(s) URL");
        }
        if (HubSource.matches(source)) {
            return new Hub(HubSource.parse(source));
        }
        try {
            URI uri = new URI(source);
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
            String path = uri.getPath() == null ? "" : uri.getPath();
            String fileName = path.substring(path.lastIndexOf('/') + 1);
            if (!(scheme.equals("https") || scheme.equals("http")) || uri.getHost() == null || fileName.isBlank()) {
                throw new IllegalArgumentException("source '" + source + "' is neither hf://<org>/<name>[@<revision>] "
                        + "nor an http(s) URL of a file or archive");
            }
            return new Url(uri, fileName);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("source '" + source + "' is not a valid URL: " + e.getReason(), e);
        }
    }
}
