package io.quantserve.worker.support;

import io.quantserve.store.ArtifactStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The real store with two test levers on {@link #download}: a gate that holds a download of a prefix until a test
 * opens it (to act while a job is in its fetch phase), and an outage that fails it like an unreachable store.
 */
public final class FaultyArtifactStore implements ArtifactStore {
    private static final Map<String, CountDownLatch> GATES = new ConcurrentHashMap<>();
    private static final Set<String> UNREACHABLE = ConcurrentHashMap.newKeySet();

    private final ArtifactStore store;

    public FaultyArtifactStore(ArtifactStore store) {
        this.store = store;
    }

    /** Downloads of {@code prefix} wait until {@link #open} (at most a minute, so a failed test does not hang). */
    public static void close(String prefix) {
        GATES.put(prefix, new CountDownLatch(1));
    }

    public static void open(String prefix) {
        CountDownLatch gate = GATES.remove(prefix);
        if (gate != null) {
            gate.countDown();
        }
    }

    public static void unreachable(String prefix) {
        UNREACHABLE.add(prefix);
    }

    @Override
    public void download(String prefix, Path dir) throws IOException {
        if (UNREACHABLE.contains(prefix)) {
            throw new IOException("artifact store unreachable (test outage) while downloading " + prefix);
        }
        CountDownLatch gate = GATES.get(prefix);
        if (gate != null) {
            try {
                gate.await(1, TimeUnit.MINUTES);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted at the test gate of " + prefix, e);
            }
        }
        store.download(prefix, dir);
    }

    @Override
    public void put(String key, Path file) throws IOException {
        store.put(key, file);
    }

    @Override
    public void put(String key, InputStream in, long size) throws IOException {
        store.put(key, in, size);
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        return store.open(key, offset, length);
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        return store.stat(key);
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        return store.list(prefix);
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        store.deletePrefix(prefix);
    }

    @Override
    public void publish(String tempPrefix, String finalPrefix, String lastName) throws IOException {
        store.publish(tempPrefix, finalPrefix, lastName);
    }

    @Override
    public URI uri(String key) {
        return store.uri(key);
    }

    @Override
    public void upload(Path dir, String prefix) throws IOException {
        store.upload(dir, prefix);
    }
}
