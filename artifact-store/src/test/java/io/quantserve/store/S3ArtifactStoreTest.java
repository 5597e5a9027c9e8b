package io.quantserve.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;

import org.gaul.s3proxy.S3Proxy;
import org.gaul.s3proxy.auth.AuthenticationType;
import org.gaul.s3proxy.nio2blob.TransientNio2BlobStore;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;

/** The store contract against S3Proxy, an S3-compatible server in this JVM (signature v4, path-style addressing). */
class S3ArtifactStoreTest extends ArtifactStoreContractTest {

    private static final String ACCESS_KEY = "quantserve";
    private static final String SECRET_KEY = "quantserve-secret";
    private static final AtomicInteger buckets = new AtomicInteger();

    private static S3Proxy server;
    private static URI endpoint;
    private static S3Client admin;

    private S3ArtifactStore s3Store;

    @BeforeAll
    static void startServer() throws Exception {
        server = S3Proxy.builder()
                .blobStore(new TransientNio2BlobStore())
                .endpoint(URI.create("http://127.0.0.1:0"))
                .awsAuthentication(AuthenticationType.AWS_V4, ACCESS_KEY, SECRET_KEY)
                .build();
        server.start();
        while (!server.getState().equals("STARTED")) {
            Thread.sleep(10);
        }
        endpoint = URI.create("http://127.0.0.1:" + server.getPort());
        admin = client();
    }

    @AfterAll
    static void stopServer() throws Exception {
        if (admin != null) {
            admin.close();
        }
        if (server != null) {
            server.stop();
        }
    }

    static S3Client client() {
        return S3Client.builder().region(Region.US_EAST_1).endpointOverride(endpoint).forcePathStyle(true)
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(ACCESS_KEY, SECRET_KEY)))
                .build();
    }

    /** A fresh bucket per test, reached through the client the store builds from its properties. */
    @Override
    ArtifactStore newStore() {
        String bucket = "contract-" + buckets.incrementAndGet();
        admin.createBucket(b -> b.bucket(bucket));
        s3Store = new S3ArtifactStore(new ArtifactStoreProperties.S3(bucket, "quantserve/", "us-east-1", endpoint, true,
                ACCESS_KEY, SECRET_KEY, PART_SIZE));
        return s3Store;
    }

    @AfterEach
    void closeStore() {
        s3Store.close();
    }

    @Test
    void shouldKeepObjectsUnderTheConfiguredKeyPrefix() throws IOException {
        putString("models/m1/config.json", "{}");

        assertThat(admin.listObjectsV2(b -> b.bucket(s3Store.bucket())).contents())
                .extracting(o -> o.key()).containsExactly("quantserve/models/m1/config.json");
        assertThat(store.uri("models/m1/config.json"))
                .isEqualTo(URI.create("s3://" + s3Store.bucket() + "/quantserve/models/m1/config.json"));
    }

    @Test
    void shouldLeaveNoPendingMultipartUploadWhenTheStreamEndsEarly() {
        byte[] bytes = new byte[(int) PART_SIZE + 10];

        assertThatThrownBy(() -> store.put("models/m1/w.bin", new ByteArrayInputStream(bytes), 2 * PART_SIZE))
                .isInstanceOf(IOException.class).hasMessageContaining("models/m1/w.bin");
        assertThat(admin.listMultipartUploads(b -> b.bucket(s3Store.bucket())).uploads()).isEmpty();
        assertThat(listKeys("models/")).isEmpty();
    }

    @Test
    void shouldPublishObjectsBeyondTheSingleCopyLimitPartByPart() throws IOException {
        byte[] bytes = new byte[(int) (2 * PART_SIZE + 7)];
        new Random(7).nextBytes(bytes);
        Path big = Files.write(work.resolve("big.bin"), bytes);
        String bucket = "copy-" + buckets.incrementAndGet();
        admin.createBucket(b -> b.bucket(bucket));
        try (S3ArtifactStore partCopying = new S3ArtifactStore(client(), bucket, "", PART_SIZE, PART_SIZE)) {
            partCopying.put("tmp/q1/model.safetensors", big);
            partCopying.put("tmp/q1/manifest.json", new ByteArrayInputStream(new byte[] {'{', '}'}), 2);

            partCopying.publish("tmp/q1/", "artifacts/a1/", "manifest.json");

            try (InputStream in = partCopying.open("artifacts/a1/model.safetensors", 0, -1)) {
                assertThat(in.readAllBytes()).isEqualTo(bytes);
            }
            assertThat(partCopying.list("tmp/")).isEmpty();
        }
    }

    @Test
    void shouldRejectAPartSizeBelowTheS3Minimum() {
        assertThatThrownBy(() -> new S3ArtifactStore(client(), "b", "", 1024))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantserve.store.s3.part-size");
    }

    @Test
    void shouldRequireABucket() {
        assertThatThrownBy(() -> ArtifactStores.create(new ArtifactStoreProperties("s3", null,
                new ArtifactStoreProperties.S3(" ", null, null, endpoint, true, ACCESS_KEY, SECRET_KEY, 0))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("quantserve.store.s3.bucket");
    }
}
