package io.quantserve.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The rewrites, and that what they rewrite renders as Jinja2 renders it. */
class Jinja2SyntaxTest {
    private static final List<ChatMessage> TWO = List.of(ChatMessage.user("a"), ChatMessage.assistant("b"));

    private static String render(String template) {
        return ChatTemplate.of(template, null, null).render(TWO, false);
    }

    @Test
    void shouldParenthesiseKeywordArgumentValues() {
        assertThat(Jinja2Syntax.rewrite("{%- set ns = namespace(flag=true, last=messages|length - 1) %}"))
                .isEqualTo("{%- set ns = namespace(flag=(true), last=(messages|length - 1)) %}");
        assertThat(Jinja2Syntax.rewrite("{{ x|tojson(indent=2 * 2) }} {{ f(a, b == c, d=g(e=1)) }}"))
                .isEqualTo("{{ x|tojson(indent=(2 * 2)) }} {{ f(a, b == c, d=(g(e=(1)))) }}");
        assertThat(render("{% set ns = namespace(last=messages|length - 1, n=3 - 1) %}{{ ns.last }}{{ ns.n }}"))
                .isEqualTo("12");
        // keyword arguments that already parsed right still do
        assertThat(render("{{ messages|map(attribute='role')|join(', ') }}|{{ {'a': [1]}|tojson(indent=2) }}"
                + "|{% macro m(x, y='d') %}{{ x }}{{ y }}{% endmacro %}{{ m(1) }}{{ m(2, y='e') }}"))
                .isEqualTo("user, assistant|{\n  \"a\": [\n    1\n  ]\n}|1d2e");
    }

    @Test
    void shouldTurnAReversedSliceIntoTheReverseFilter() {
        assertThat(Jinja2Syntax.rewrite("{% for m in messages[::-1] %}{{ m.content[::-1] + x[0][::-1] }}{% endfor %}"))
                .isEqualTo("{% for m in (messages|reverse) %}{{ (m.content|reverse) + (x[0]|reverse) }}{% endfor %}");
        assertThat(render("{% for m in messages[::-1] %}{{ loop.index0 }}{{ m.role }}{{ (m.content + 'yz')[::-1] }}"
                + "{% endfor %}")).isEqualTo("0assistantzyb1userzya");
    }

    @Test
    void shouldLeaveTextStringsCommentsAndRawBlocksAlone() {
        String untouched = "f(a=1) x[::-1]{# f(a=1)[::-1] #}{{ 'f(a=1)[::-1]' }}{% raw %}{{ f(a=1) }}{% endraw %}";
        assertThat(Jinja2Syntax.rewrite(untouched)).isEqualTo(untouched);
        assertThat(render(untouched)).isEqualTo("f(a=1) x[::-1]f(a=1)[::-1]{{ f(a=1) }}");
    }
}
