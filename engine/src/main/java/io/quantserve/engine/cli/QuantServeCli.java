package io.quantserve.engine.cli;

import java.nio.file.AccessDeniedException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ScopeType;

/** The {@code ./quantserve} command. Errors exit with status 2 and one line naming the file and the problem. */
@Command(name = "quantserve", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, version = "QuantServe 0.1.0",
        description = "Run, evaluate and benchmark Llama-family models on the CPU.",
        subcommands = {
            GenerateCommand.class,
            ChatCommand.class,
            LogitsCommand.class,
            PerplexityCommand.class,
            BenchCommand.class,
            BenchServeCommand.class,
            QuantizeCommand.class,
            QuantReportCommand.class,
            SynthModelCommand.class,
        })
public final class QuantServeCli {
    static final int BAD_INPUT = 2;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    static CommandLine commandLine() {
        return new CommandLine(new QuantServeCli())
                .setExecutionExceptionHandler((e, cmd, parsed) -> {
                    cmd.getErr().println("error: " + oneLine(e));
                    if (System.getenv("QUANTSERVE_DEBUG") != null) {
                        e.printStackTrace(cmd.getErr());
                    }
                    return BAD_INPUT;
                })
                .setParameterExceptionHandler((e, args) -> {
                    e.getCommandLine().getErr().println("error: " + e.getMessage());
                    e.getCommandLine().getErr().println("(see '" + e.getCommandLine().getCommandSpec().qualifiedName()
                            + " --help')");
                    return BAD_INPUT;
                });
    }

    static String oneLine(Throwable e) {
        String message = switch (e) {
            case NoSuchFileException n -> n.getFile() + ": no such file or directory";
            case AccessDeniedException a -> a.getFile() + ": permission denied";
            default -> e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        };
        return message.replace('\n', ' ');
    }
}
