package io.quantserve.engine.cli;

import io.quantserve.engine.generate.Prompts;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "generate", description = "Continue a prompt (text, streamed) or a list of token ids (ids printed).")
final class GenerateCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder")
    Path model;

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    static final class Input {
        @Option(names = "--prompt", description = "text to continue; the generated text streams to stdout")
        String prompt;

        @Option(names = "--ids", description = "token ids to continue, e.g. 1,5,9; prints the generated ids")
        String ids;
    }

    @Option(names = "--max-tokens", defaultValue = "256", description = "tokens to generate at most (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--stop", description = "stop string (repeatable)")
    List<String> stop = new ArrayList<>();

    @Option(names = "--tokenizer", description = "tokenizer file (.gguf, tokenizer.json, tokenizer.model) when the folder has none")
    Path tokenizerFile;

    @Option(names = "--backend", description = "auto, cpu or cuda (default: -Dquantserve.backend, else QUANTSERVE_BACKEND, else auto)")
    String backend;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        try (LoadedModel loaded = LoadedModel.open(model); ModelRunner runner = ModelRunner.open(loaded, backend)) {
            Set<Integer> eos = loaded.eosIds();
            if (input.ids != null) {
                int[] ids = TokenIds.parse(input.ids, "--ids");
                TokenIds.checkVocabulary(ids, loaded.config().vocabSize(), "--ids");
                Generator generator = new Generator(runner.model(), null, eos);
                Generator.Result r = generator.generate(request(ids, loaded, List.of()), piece -> { });
                out.println(TokenIds.format(r.tokens()));
                return 0;
            }
            Tokenizer tokenizer = TokenizerFiles.resolve(tokenizerFile, loaded);
            int[] prompt = Prompts.text(tokenizer, input.prompt);
            Generator generator = new Generator(runner.model(), tokenizer, eos);
            out.print(input.prompt);
            out.flush();
            Generator.Result r = generator.generate(request(prompt, loaded, stop), piece -> {
                out.print(piece);
                out.flush();
            });
            out.println();
            spec.commandLine().getErr().printf(Locale.ROOT,
                    "[%d prompt tokens, %d generated, finish %s; prefill %.1f tok/s, decode %.1f tok/s]%n",
                    r.promptTokens(), r.tokens().length, r.finishReason().name().toLowerCase(Locale.ROOT),
                    r.promptTokens() / r.prefillSeconds(), r.tokens().length / Math.max(r.decodeSeconds(), 1e-9));
        }
        return 0;
    }

    private Generator.Request request(int[] prompt, LoadedModel loaded, List<String> stops) {
        return new Generator.Request(prompt, sampling.toParams(loaded.generationConfig()), maxTokens, stops, false);
    }
}
