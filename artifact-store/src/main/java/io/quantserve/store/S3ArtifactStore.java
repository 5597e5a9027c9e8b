package io.quantserve.store;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3ClientBuilder;
import software.amazon.awssdk.services.s3.model.CompletedPart;
import software.amazon.awssdk.services.s3.model.Delete;
import software.amazon.awssdk.services.s3.model.DeleteObjectsResponse;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.ObjectIdentifier;
import software.amazon.awssdk.services.s3.model.S3Exception;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * An artifact store in an S3 bucket (AWS, MinIO, Ceph, S3Proxy...): key {@code a/b} is the object
 * {@code <prefix>a/b}. Files larger than one part go up as multipart uploads (aborted on failure, so nothing partial
 * is ever visible); {@link #publish} copies server-side, the manifest last, then removes the temporary objects.
 */
public final class S3ArtifactStore implements ArtifactStore, AutoCloseable {

    /** S3 refuses parts below 5 MiB (except the last one). */
    public static final long MIN_PART_SIZE = 5L * 1024 * 1024;
    public static final long DEFAULT_PART_SIZE = 8L * 1024 * 1024;
    /** CopyObject copies at most 5 GiB; larger objects are copied part by part (UploadPartCopy). */
    static final long MAX_SINGLE_COPY = 5L * 1024 * 1024 * 1024;
    private static final long COPY_PART_SIZE = 1024L * 1024 * 1024;
    private static final int DELETE_BATCH = 1000;
    private static final Logger log = LoggerFactory.getLogger(S3ArtifactStore.class);

    private final S3Client s3;
    private final String bucket;
    private final String keyPrefix;
    private final long partSize;
    private final long singleCopyLimit;

    /** A store on a client built from {@code quantserve.store.s3.*}. */
    public S3ArtifactStore(ArtifactStoreProperties.S3 properties) {
        this(client(properties), properties.bucket(), properties.prefix(), properties.partSize());
    }

    /** A store on the given client (closed with the store); {@code partSize} 0 means {@value #DEFAULT_PART_SIZE}. */
    public S3ArtifactStore(S3Client s3, String bucket, String keyPrefix, long partSize) {
        this(s3, bucket, keyPrefix, partSize, MAX_SINGLE_COPY);
    }

    S3ArtifactStore(S3Client s3, String bucket, String keyPrefix, long partSize, long singleCopyLimit) {
        if (bucket == null || bucket.isBlank()) {
            throw new IllegalArgumentException("quantserve.store.s3.bucket (QUANTSERVE_STORE_S3_BUCKET) is required for the s3 store");
        }
        if (partSize != 0 && partSize < MIN_PART_SIZE) {
            throw new IllegalArgumentException("quantserve.store.s3.part-size (QUANTSERVE_STORE_S3_PART_SIZE) is " + partSize
                    + " bytes; S3 needs at least " + MIN_PART_SIZE + " (5 MiB)");
        }
        this.s3 = s3;
        this.bucket = bucket;
        this.keyPrefix = normalizePrefix(keyPrefix);
        this.partSize = partSize == 0 ? DEFAULT_PART_SIZE : partSize;
        this.singleCopyLimit = singleCopyLimit;
    }

    private static String normalizePrefix(String prefix) {
        if (prefix == null || prefix.isBlank() || prefix.equals("/")) {
            return "";
        }
        String trimmed = prefix.startsWith("/") ? prefix.substring(1) : prefix;
        return StoreKeys.checkPrefix(trimmed.endsWith("/") ? trimmed : trimmed + "/");
    }

    private static S3Client client(ArtifactStoreProperties.S3 properties) {
        if (properties == null) {
            throw new IllegalArgumentException("quantserve.store.s3.* is required when quantserve.store.type is s3");
        }
        S3ClientBuilder builder = S3Client.builder()
                .region(Region.of(properties.region() == null || properties.region().isBlank() ? "us-east-1" : properties.region()))
                .forcePathStyle(properties.pathStyle())
                .credentialsProvider(credentials(properties));
        if (properties.endpoint() != null) {
            builder.endpointOverride(properties.endpoint());
        }
        return builder.build();
    }

    private static AwsCredentialsProvider credentials(ArtifactStoreProperties.S3 properties) {
        if (properties.accessKey() == null || properties.accessKey().isBlank()) {
            return DefaultCredentialsProvider.builder().build();
        }
        if (properties.secretKey() == null) {
            throw new IllegalArgumentException("quantserve.store.s3.secret-key (QUANTSERVE_STORE_S3_SECRET_KEY) is required with an access key");
        }
        return StaticCredentialsProvider.create(AwsBasicCredentials.create(properties.accessKey(), properties.secretKey()));
    }

    public String bucket() {
        return bucket;
    }

    public long partSize() {
        return partSize;
    }

    @Override
    public void put(String key, Path file) throws IOException {
        StoreKeys.checkKey(key);
        long size = Files.size(file);
        if (size <= partSize) {
            call(key, () -> s3.putObject(b -> b.bucket(bucket).key(objectKey(key)), RequestBody.fromFile(file)));
            return;
        }
        try (InputStream in = Files.newInputStream(file)) {
            putMultipart(key, in, size);
        }
    }

    @Override
    public void put(String key, InputStream in, long size) throws IOException {
        StoreKeys.checkKey(key);
        if (size < 0) {
            throw new IllegalArgumentException("size of " + key + " is negative: " + size);
        }
        if (size > partSize) {
            putMultipart(key, in, size);
            return;
        }
        byte[] bytes = readPart(key, in, (int) size, 0, size);
        call(key, () -> s3.putObject(b -> b.bucket(bucket).key(objectKey(key)), RequestBody.fromBytes(bytes)));
    }

    private void putMultipart(String key, InputStream in, long size) throws IOException {
        String objectKey = objectKey(key);
        String uploadId = call(key, () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(objectKey)).uploadId());
        try {
            List<CompletedPart> parts = new ArrayList<>();
            long done = 0;
            for (int number = 1; done < size; number++) {
                int length = (int) Math.min(partSize, size - done);
                byte[] bytes = readPart(key, in, length, done, size);
                int partNumber = number;
                String etag = call(key, () -> s3.uploadPart(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                        .partNumber(partNumber).contentLength((long) length), RequestBody.fromBytes(bytes)).eTag());
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
                done += length;
            }
            call(key, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(parts))));
        } catch (IOException | RuntimeException | Error e) {
            abort(objectKey, uploadId, e);
            throw e;
        }
    }

    private static byte[] readPart(String key, InputStream in, int length, long done, long size) throws IOException {
        byte[] bytes = in.readNBytes(length);
        if (bytes.length != length) {
            throw new IOException("stream for " + key + " ended after " + (done + bytes.length) + " of " + size + " bytes");
        }
        return bytes;
    }

    private void abort(String objectKey, String uploadId, Throwable cause) {
        try {
            s3.abortMultipartUpload(b -> b.bucket(bucket).key(objectKey).uploadId(uploadId));
        } catch (SdkException e) {
            cause.addSuppressed(e);
            log.warn("could not abort multipart upload {} of s3://{}/{}; a bucket lifecycle rule should clean it up",
                    uploadId, bucket, objectKey, e);
        }
    }

    @Override
    public InputStream open(String key, long offset, long length) throws IOException {
        StoreKeys.checkKey(key);
        FilesystemArtifactStore.checkRange(key, offset, length);
        if (length == 0) {
            stat(key).orElseThrow(() -> missing(key));
            return InputStream.nullInputStream();
        }
        String range = "bytes=" + offset + "-" + (length < 0 ? "" : String.valueOf(offset + length - 1));
        try {
            return s3.getObject(b -> b.bucket(bucket).key(objectKey(key)).range(range));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw missing(key);
            }
            if (e.statusCode() == 416) {
                // The range starts at or past the end: like reading a file there, nothing is left.
                stat(key).orElseThrow(() -> missing(key));
                return new ByteArrayInputStream(new byte[0]);
            }
            throw failure(key, e);
        } catch (SdkException e) {
            throw failure(key, e);
        }
    }

    @Override
    public Optional<StoredObject> stat(String key) throws IOException {
        StoreKeys.checkKey(key);
        try {
            HeadObjectResponse head = s3.headObject(b -> b.bucket(bucket).key(objectKey(key)));
            return Optional.of(new StoredObject(key, head.contentLength(), head.lastModified()));
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return Optional.empty();
            }
            throw failure(key, e);
        } catch (SdkException e) {
            throw failure(key, e);
        }
    }

    @Override
    public List<StoredObject> list(String prefix) throws IOException {
        StoreKeys.checkPrefix(prefix);
        List<StoredObject> objects = new ArrayList<>();
        call(prefix, () -> {
            for (S3Object object : s3.listObjectsV2Paginator(b -> b.bucket(bucket).prefix(keyPrefix + prefix)).contents()) {
                objects.add(new StoredObject(object.key().substring(keyPrefix.length()), object.size(), object.lastModified()));
            }
            return null;
        });
        objects.sort(Comparator.comparing(StoredObject::key));
        return objects;
    }

    @Override
    public void deletePrefix(String prefix) throws IOException {
        List<StoredObject> objects = list(prefix);
        for (int from = 0; from < objects.size(); from += DELETE_BATCH) {
            List<ObjectIdentifier> batch = objects.subList(from, Math.min(from + DELETE_BATCH, objects.size())).stream()
                    .map(o -> ObjectIdentifier.builder().key(objectKey(o.key())).build()).toList();
            DeleteObjectsResponse response = call(prefix, () -> s3.deleteObjects(b -> b.bucket(bucket)
                    .delete(Delete.builder().objects(batch).quiet(true).build())));
            if (response.hasErrors() && !response.errors().isEmpty()) {
                var error = response.errors().getFirst();
                throw new IOException("could not delete " + response.errors().size() + " objects under " + uri(prefix)
                        + ", first " + error.key() + ": " + error.code() + " " + error.message());
            }
        }
    }

    @Override
    public void publish(String tempPrefix, String finalPrefix, String lastName) throws IOException {
        StoreKeys.checkFolderPrefix(tempPrefix);
        StoreKeys.checkFolderPrefix(finalPrefix);
        StoreKeys.checkKey(lastName);
        if (stat(finalPrefix + lastName).isPresent()) {
            throw new FileAlreadyExistsException(finalPrefix, null, "already published (" + finalPrefix + lastName + " exists)");
        }
        List<StoredObject> objects = list(tempPrefix);
        StoredObject last = objects.stream().filter(o -> o.key().equals(tempPrefix + lastName)).findFirst()
                .orElseThrow(() -> new NoSuchFileException(tempPrefix + lastName, null,
                        "nothing to publish: the last object " + lastName + " is not under " + tempPrefix));
        for (StoredObject object : objects) {
            if (object != last) {
                copy(object, finalPrefix + object.key().substring(tempPrefix.length()));
            }
        }
        // Written last: a reader that sees the manifest sees every file it lists.
        copy(last, finalPrefix + lastName);
        deletePrefix(tempPrefix);
    }

    private void copy(StoredObject source, String targetKey) throws IOException {
        String from = objectKey(source.key());
        String to = objectKey(targetKey);
        if (source.size() <= singleCopyLimit) {
            call(source.key(), () -> s3.copyObject(b -> b.sourceBucket(bucket).sourceKey(from)
                    .destinationBucket(bucket).destinationKey(to)));
            return;
        }
        String uploadId = call(targetKey, () -> s3.createMultipartUpload(b -> b.bucket(bucket).key(to)).uploadId());
        try {
            long piece = Math.max(Math.min(COPY_PART_SIZE, singleCopyLimit), partSize);
            List<CompletedPart> parts = new ArrayList<>();
            int number = 1;
            for (long start = 0; start < source.size(); start += piece, number++) {
                String range = "bytes=" + start + "-" + (Math.min(start + piece, source.size()) - 1);
                int partNumber = number;
                String etag = call(targetKey, () -> s3.uploadPartCopy(b -> b.sourceBucket(bucket).sourceKey(from)
                        .destinationBucket(bucket).destinationKey(to).uploadId(uploadId).partNumber(partNumber)
                        .copySourceRange(range)).copyPartResult().eTag());
                parts.add(CompletedPart.builder().partNumber(partNumber).eTag(etag).build());
            }
            call(targetKey, () -> s3.completeMultipartUpload(b -> b.bucket(bucket).key(to).uploadId(uploadId)
                    .multipartUpload(u -> u.parts(parts))));
        } catch (IOException | RuntimeException | Error e) {
            abort(to, uploadId, e);
            throw e;
        }
    }

    @Override
    public URI uri(String key) {
        return URI.create("s3://" + bucket + "/" + keyPrefix + StoreKeys.checkPrefix(key));
    }

    @Override
    public void close() {
        s3.close();
    }

    @Override
    public String toString() {
        return "S3ArtifactStore[s3://" + bucket + "/" + keyPrefix + "]";
    }

    private String objectKey(String key) {
        return keyPrefix + key;
    }

    private NoSuchFileException missing(String key) {
        return new NoSuchFileException(key, null, "no object in the artifact store at " + uri(key));
    }

    private IOException failure(String key, SdkException e) {
        return new IOException("S3 request for " + uri(key) + " failed: " + e.getMessage(), e);
    }

    /** Runs one S3 call, reporting SDK failures as IOExceptions naming the key. */
    private <T> T call(String key, S3Call<T> call) throws IOException {
        try {
            return call.run();
        } catch (S3Exception e) {
            if (e.statusCode() == 404 && "NoSuchKey".equals(e.awsErrorDetails() == null ? null : e.awsErrorDetails().errorCode())) {
                throw missing(key);
            }
            throw failure(key, e);
        } catch (SdkException e) {
            throw failure(key, e);
        }
    }

    @FunctionalInterface
    private interface S3Call<T> {
        T run() throws IOException;
    }
}
