package io.quantserve.engine.cli;

import io.quantserve.engine.generate.Prompts;
import io.quantserve.engine.chat.ChatMessage;
import io.quantserve.engine.chat.ChatTemplate;
import io.quantserve.engine.generate.Generator;
import io.quantserve.engine.model.LoadedModel;
import io.quantserve.engine.tokenizer.Tokenizer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "chat", description = "Interactive chat using the model's chat template. Empty line or /exit quits.")
final class ChatCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--model", required = true, description = "model folder")
    Path model;

    @Option(names = "--system", description = "system message")
    String system;

    @Option(names = "--max-tokens", defaultValue = "512", description = "tokens per reply at most (default ${DEFAULT-VALUE})")
    int maxTokens;

    @Option(names = "--tokenizer", description = "tokenizer file (.gguf, tokenizer.json, tokenizer.model) when the folder has none")
    Path tokenizerFile;

    @Option(names = "--backend", description = "auto, cpu or cuda (default: -Dquantserve.backend, else QUANTSERVE_BACKEND, else auto)")
    String backend;

    @Mixin
    SamplingOptions sampling;

    @Override
    public Integer call() throws Exception {
        PrintWriter out = spec.commandLine().getOut();
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        try (LoadedModel loaded = LoadedModel.open(model); ModelRunner runner = ModelRunner.open(loaded, backend)) {
            Tokenizer tokenizer = TokenizerFiles.resolve(tokenizerFile, loaded);
            ChatTemplate template = loaded.chatTemplate();
            if (template.isFallback()) {
                spec.commandLine().getErr().println("note: " + model + " has no chat template; using a plain 'role: content' format");
            }
            Generator generator = new Generator(runner.model(), tokenizer, loaded.eosIds());
            List<ChatMessage> messages = new ArrayList<>();
            if (system != null) {
                messages.add(ChatMessage.system(system));
            }
            while (true) {
                out.print("> ");
                out.flush();
                String line = in.readLine();
                if (line == null || line.isBlank() || line.strip().equals("/exit")) {
                    return 0;
                }
                messages.add(ChatMessage.user(line));
                int[] prompt = Prompts.chat(tokenizer, template, messages);
                Generator.Result r = generator.generate(
                        new Generator.Request(prompt, sampling.toParams(loaded.generationConfig()), maxTokens, List.of(), false),
                        piece -> {
                            out.print(piece);
                            out.flush();
                        });
                out.println();
                messages.add(ChatMessage.assistant(r.text()));
            }
        }
    }
}
