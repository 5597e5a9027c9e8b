package io.quantserve.engine.tokenizer;

import java.nio.file.Path;

/** A tokenizer file that cannot be loaded; the message names the file and the problem. */
public class TokenizerFormatException extends IllegalArgumentException {
    public TokenizerFormatException(Path file, String problem) {
        super(file + ": " + problem);
    }

    public TokenizerFormatException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
