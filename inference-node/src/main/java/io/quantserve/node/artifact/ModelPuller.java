package io.quantserve.node.artifact;

import io.quantserve.hub.HubClient;
import io.quantserve.node.config.NodeProperties;
import java.nio.file.Path;
import java.time.Duration;
import org.springframework.stereotype.Component;

/**
 * Turns the node's model reference into a local folder or .gguf file that {@code LoadedModel.open} loads: a local
 * path as it is, a registry artifact or a Hub repository pulled into the cache ({@code quantserve.node.cache-dir})
 * unless a complete copy is already there.
 */
@Component
public class ModelPuller {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Longest wait for the next bytes of an answer; a stalled download is then resumed. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);
    private static final int RETRIES = 3;

    private final Duration connectTimeout;
    private final Duration readTimeout;
    private final int retries;

    public ModelPuller() {
        this(CONNECT_TIMEOUT, READ_TIMEOUT, RETRIES);
    }

    ModelPuller(Duration connectTimeout, Duration readTimeout, int retries) {
        this.connectTimeout = connectTimeout;
        this.readTimeout = readTimeout;
        this.retries = retries;
    }

    /**
     * The local path of {@code properties.model()}, pulled first if needed.
     *
     * @throws ModelPullException with a message naming the reference and what is wrong: not a reference, no such
     *                            file, artifact or repository, unreachable server, checksum mismatch, cache not
     *                            writable
     */
    public synchronized Path resolve(NodeProperties properties) {
        ModelReference reference;
        try {
            reference = ModelReference.parse(properties.model());
        } catch (IllegalArgumentException e) {
            throw new ModelPullException(e.getMessage(), e);
        }
        Path cacheDir = properties.cacheDir();
        return switch (reference) {
            case ModelReference.Local local -> local.path();
            case ModelReference.Registry registry ->
                    new RegistryPuller(properties.registryUrl(), cacheDir, connectTimeout, readTimeout, retries)
                            .pull(registry.artifactId());
            case ModelReference.Hub hub -> new HubPuller(new HubClient(properties.hub().endpoint(),
                    properties.hub().token(), connectTimeout, readTimeout, retries), cacheDir).pull(hub.source());
        };
    }
}
