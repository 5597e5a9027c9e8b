package io.quantserve.engine.format.gguf;

import java.nio.file.Path;

/** A GGUF file that cannot be read as one; the message names the file and what is wrong. */
public class GgufFormatException extends IllegalArgumentException {
    private final transient Path file;

    public GgufFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = file;
    }

    public GgufFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
        this.file = file;
    }

    public Path file() {
        return file;
    }
}
