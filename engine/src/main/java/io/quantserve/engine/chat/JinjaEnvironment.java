package io.quantserve.engine.chat;

import com.hubspot.jinjava.Jinjava;
import com.hubspot.jinjava.JinjavaConfig;
import com.hubspot.jinjava.LegacyOverrides;
import com.hubspot.jinjava.interpret.RenderResult;
import com.hubspot.jinjava.interpret.TemplateError;
import com.hubspot.jinjava.lib.fn.ELFunctionDefinition;
import java.lang.reflect.Method;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one jinjava instance configured to behave like the Jinja2 environment HF transformers
 * renders chat templates with ({@code ImmutableSandboxedEnvironment(trim_blocks=True,
 * lstrip_blocks=True)} plus {@code raise_exception}, {@code strftime_now} and its own
 * {@code tojson}). Jinjava is thread-safe for rendering, so it is shared.
 *
 * <p>Undefined values follow Jinja2's default {@code Undefined}, exactly like HF: a missing key is
 * falsy in {@code {% if message.tool_calls %}} and prints as empty. jinjava's
 * {@code failOnUnknownTokens} cannot tell those apart from typos (it rejects every expression
 * that evaluates to null, including {@code {% if tools %}} with {@code tools=None}), and turning it
 * on breaks real templates such as Qwen2.5's. Everything jinjava cannot evaluate (unknown
 * function, method, tag, filter; syntax errors) is an error.
 */
final class JinjaEnvironment {

    static final Jinjava JINJAVA = create();

    private JinjaEnvironment() {}

    private static Jinjava create() {
        var legacy = LegacyOverrides.newBuilder()
                // Jinja2 precedence and whitespace-control parsing rather than jinjava's legacy ones.
                .withUseNaturalOperatorPrecedence(true)
                .withParseWhitespaceControlStrictly(true)
                // Without this jinjava ignores "-" in {{- x -}} and {#- -#}; HF templates rely on it.
                .withUseTrimmingForNotesAndExpressions(true)
                .withKeepNullableLoopValues(true)
                .build();
        var defaults = JinjavaConfig.newBuilder().build();
        var config = JinjavaConfig.newBuilder()
                .withTrimBlocks(true)
                .withLstripBlocks(true)
                // jinjava's "false" trims the *output*; Jinja2 drops one trailing newline of the
                // *source* instead, which render() does itself.
                .withKeepTrailingNewline(true)
                .withFailOnUnknownTokens(false)
                .withLegacyOverrides(legacy)
                .withElResolver(new PyStringMethods(defaults.getElResolver()))
                .build();
        var jinjava = new Jinjava(config);
        try {
            jinjava.registerFunction(function("raise_exception", "raiseException", Object.class));
            jinjava.registerFunction(function("strftime_now", "strftimeNow", String.class));
        } catch (NoSuchMethodException e) {
            throw new IllegalStateException(e);
        }
        jinjava.registerFilter(new ToJsonFilter());
        jinjava.registerTag(new GenerationTag());
        return jinjava;
    }

    private static ELFunctionDefinition function(String name, String method, Class<?> param)
            throws NoSuchMethodException {
        Method m = TemplateFunctions.class.getMethod(method, param);
        m.setAccessible(true); // TemplateFunctions is package-private on purpose
        return new ELFunctionDefinition("", name, m);
    }

    /** Fails at construction time for filters jinjava would silently render as empty. */
    static void checkFilters(String template) {
        var unknown = FilterCheck.filterNames(template).stream()
                .filter(name -> JINJAVA.getGlobalContext().getFilter(name) == null)
                .toList();
        if (!unknown.isEmpty()) {
            throw new ChatTemplateException("chat template uses unsupported Jinja filter(s): " + unknown);
        }
    }

    static String render(String template, Map<String, Object> variables) {
        RenderResult result;
        try {
            result = JINJAVA.renderForResult(withoutTrailingNewline(template), variables);
        } catch (TemplateRaisedException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ChatTemplateException("chat template failed: " + e.getMessage(), e);
        }
        List<TemplateError> fatal = result.getErrors().stream()
                .filter(e -> e.getSeverity() == TemplateError.ErrorType.FATAL)
                .toList();
        for (TemplateError error : fatal) {
            TemplateRaisedException raised = raisedBy(error.getException());
            if (raised != null) {
                throw new TemplateRaisedException(raised.getMessage());
            }
        }
        if (!fatal.isEmpty()) {
            throw new ChatTemplateException("chat template failed: " + fatal.stream()
                    .map(e -> e.getMessage() + (e.getLineno() > 0 ? " (line " + e.getLineno() + ")" : ""))
                    .collect(Collectors.joining("; ")));
        }
        return result.getOutput();
    }

    /** Jinja2's keep_trailing_newline=False: the lexer drops a single final line break. */
    static String withoutTrailingNewline(String source) {
        if (source.endsWith("\r\n")) return source.substring(0, source.length() - 2);
        if (source.endsWith("\n") || source.endsWith("\r")) return source.substring(0, source.length() - 1);
        return source;
    }

    private static TemplateRaisedException raisedBy(Throwable t) {
        for (int depth = 0; t != null && depth < 16; t = t.getCause(), depth++) {
            if (t instanceof TemplateRaisedException raised) return raised;
        }
        return null;
    }
}
