package io.quantserve.engine.cli;

import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.engine.tokenizer.Tokenizers;
import java.io.IOException;
import java.nio.file.Path;

/** The tokenizer for a command: the --tokenizer file when given, else the model folder's own. */
final class TokenizerFiles {
    private TokenizerFiles() {
    }

    static Tokenizer resolve(Path override, LoadedModel model) throws IOException {
        if (override == null) {
            return model.tokenizer().orElseThrow(() -> new IllegalArgumentException(model.path()
                    + ": no tokenizer.json or tokenizer.model (pass --tokenizer FILE, or use --ids)"));
        }
        return Tokenizers.fromFile(override, model.config().vocabSize());
    }
}
