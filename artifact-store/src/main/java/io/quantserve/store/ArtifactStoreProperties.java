package io.quantserve.store;

import java.net.URI;
import java.nio.file.Path;

/**
 * How to reach the artifact store; bound by every service from {@code quantserve.store.*}
 * ({@code QUANTSERVE_STORE_TYPE}, {@code QUANTSERVE_STORE_ROOT}, {@code QUANTSERVE_STORE_S3_BUCKET}, ...).
 *
 * @param type {@code filesystem} (default) or {@code s3}
 * @param root the folder of the filesystem store
 */
public record ArtifactStoreProperties(String type, Path root, S3 s3) {

    /**
     * @param endpoint       null for AWS itself, else the S3-compatible server (MinIO, S3Proxy, Ceph...)
     * @param pathStyle      address buckets as {@code endpoint/bucket/key} instead of {@code bucket.endpoint/key}
     * @param accessKey      null to use the AWS SDK's default credential chain
     * @param partSize       multipart upload part size in bytes (files larger than this are uploaded in parts)
     */
    public record S3(String bucket, String prefix, String region, URI endpoint, boolean pathStyle, String accessKey,
            String secretKey, long partSize) {
    }
}
