package io.quantserve.launcher;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.storage.Formatter;
import org.apache.kafka.server.common.MetadataVersion;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;

/**
 * A single-node Apache Kafka broker in this JVM, in KRaft combined mode (node 1 is broker and controller), on Kafka's
 * own server classes. The log folder is formatted on first start (a new cluster id, kept in its
 * {@code meta.properties}) and reused afterwards, so topics and records survive restarts. Replication factors are 1.
 */
public final class KafkaServer implements AutoCloseable {

    private static final int NODE_ID = 1;
    private static final String CONTROLLER_LISTENER = "CONTROLLER";

    private final KafkaRaftServer server;
    private final int port;
    private final int controllerPort;
    private final Path dataDir;
    private final String clusterId;
    private boolean closed;

    private KafkaServer(KafkaRaftServer server, int port, int controllerPort, Path dataDir, String clusterId) {
        this.server = server;
        this.port = port;
        this.controllerPort = controllerPort;
        this.dataDir = dataDir;
        this.clusterId = clusterId;
    }

    /** Starts a broker on {@code port} (0: a free one) with its controller on a free port, data in {@code dataDir}. */
    public static KafkaServer start(int port, Path dataDir) throws IOException {
        return start(port, 0, dataDir);
    }

    /**
     * Starts a broker on {@code localhost:port} with its controller listener on {@code controllerPort} (either 0: a
     * free port), formatting {@code dataDir} when it holds no Kafka log yet. Returns once the broker serves requests.
     */
    public static KafkaServer start(int port, int controllerPort, Path dataDir) throws IOException {
        int brokerPort = port == 0 ? freePort() : port;
        int quorumPort = controllerPort == 0 ? freePort(brokerPort) : controllerPort;
        Path dir = Files.createDirectories(dataDir.toAbsolutePath().normalize());
        KafkaConfig config = new KafkaConfig(properties(brokerPort, quorumPort, dir), false);
        String clusterId = formatIfNew(config, dir);
        KafkaRaftServer server = new KafkaRaftServer(config, Time.SYSTEM);
        try {
            server.startup();
        } catch (RuntimeException e) {
            shutdownQuietly(server, e);
            throw new IOException("Kafka broker could not start on localhost:" + brokerPort + " (controller "
                    + quorumPort + ", data " + dir + "): " + e.getMessage(), e);
        }
        return new KafkaServer(server, brokerPort, quorumPort, dir, clusterId);
    }

    static Map<String, String> properties(int port, int controllerPort, Path dir) {
        Map<String, String> p = new HashMap<>();
        p.put("process.roles", "broker,controller");
        p.put("node.id", String.valueOf(NODE_ID));
        p.put("listeners", "PLAINTEXT://localhost:" + port + "," + CONTROLLER_LISTENER + "://localhost:" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://localhost:" + port);
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + CONTROLLER_LISTENER + ":PLAINTEXT");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("controller.listener.names", CONTROLLER_LISTENER);
        p.put("controller.quorum.voters", NODE_ID + "@localhost:" + controllerPort);
        p.put("log.dirs", dir.toString());
        p.put("metadata.log.dir", dir.toString());
        // One node: every internal topic has one replica, and transactions need only that one in sync.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        p.put("num.partitions", "1");
        p.put("auto.create.topics.enable", "true");
        // No point waiting for more group members on a laptop: the first consumer gets its partitions at once.
        p.put("group.initial.rebalance.delay.ms", "0");
        return p;
    }

    /** Formats a new log folder (new cluster id); returns the folder's cluster id either way. */
    private static String formatIfNew(KafkaConfig config, Path dir) throws IOException {
        Optional<String> existing = new MetaPropertiesEnsemble.Loader().addLogDirs(List.of(dir.toString()))
                .addMetadataLogDir(dir.toString()).load().clusterId();
        if (existing.isPresent()) {
            return existing.get();
        }
        String clusterId = Uuid.randomUuid().toString();
        try {
            new Formatter()
                    .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                    .setClusterId(clusterId)
                    .setNodeId(NODE_ID)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(config.metadataLogDir())
                    .setDirectories(List.of(dir.toString()))
                    .setReleaseVersion(MetadataVersion.LATEST_PRODUCTION)
                    .run();
        } catch (Exception e) {
            throw new IOException("could not format the Kafka log folder " + dir + ": " + e.getMessage(), e);
        }
        return clusterId;
    }

    private static int freePort(int... avoid) throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                int candidate = socket.getLocalPort();
                if (java.util.Arrays.stream(avoid).noneMatch(p -> p == candidate)) {
                    return candidate;
                }
            }
        }
        throw new IOException("no free local port found");
    }

    private static void shutdownQuietly(KafkaRaftServer server, Exception cause) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** {@code localhost:<port>}, for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "localhost:" + port;
    }

    public int port() {
        return port;
    }

    public int controllerPort() {
        return controllerPort;
    }

    public Path dataDir() {
        return dataDir;
    }

    public String clusterId() {
        return clusterId;
    }

    /** Shuts the broker and controller down cleanly (the log is flushed; the next start skips recovery). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        server.shutdown();
        server.awaitShutdown();
    }

    @Override
    public String toString() {
        return "KafkaServer[" + bootstrapServers() + ", data " + dataDir + "]";
    }
}
