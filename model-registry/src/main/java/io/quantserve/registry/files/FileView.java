package io.quantserve.registry.files;

/** A stored file in API responses. */
public record FileView(String path, long size, String sha256) {

    public static FileView of(FileEntry e) {
        return new FileView(e.path(), e.size(), e.sha256());
    }
}
