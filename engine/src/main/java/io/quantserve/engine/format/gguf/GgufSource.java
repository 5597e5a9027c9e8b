package io.quantserve.engine.format.gguf;

import java.nio.file.Path;

/** Names the file being parsed so every error can say which one. */
record GgufSource(Path path) {
    GgufFormatException error(String problem) {
        return new GgufFormatException(path, problem);
    }
}
