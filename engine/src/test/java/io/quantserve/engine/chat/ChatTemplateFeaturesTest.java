package io.quantserve.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The Jinja features HF templates rely on that jinjava does not provide out of the box. */
class ChatTemplateFeaturesTest {

    private static final List<ChatMessage> CHAT = List.of(
            ChatMessage.system("  be brief  "), ChatMessage.user("hi"), ChatMessage.assistant("hello"));

    private static String render(String template) {
        return ChatTemplate.of(template, "<s>", "</s>").render(CHAT, true);
    }

    @Test
    void pythonStringMethods() {
        assertThat(render("{{ messages[0].content.strip() }}|{{ messages[0].content.lstrip() }}|{{ messages[0].content.rstrip() }}"))
                .isEqualTo("be brief|be brief  |  be brief");
        assertThat(render("{{ messages[1].role.startswith('us') }} {{ messages[1].role.endswith(('x', 'er')) }} {{ 'abc'.startswith('b') }}"))
                .isEqualTo("true true false");
        assertThat(render("{{ 'xxhixx'.strip('x') }} {{ 'Hi'.upper() }}{{ 'Hi'.lower() }} {{ 'a,b,,c'.split(',') | length }} {{ ' a  b '.split() | join('+') }}"))
                .isEqualTo("hi HIhi 4 a+b");
        assertThat(render("{{ 'a-b-c'.replace('-', '+') }} {{ 'hello world'.title() }} {{ 'banana'.count('an') }}"))
                .isEqualTo("a+b+c Hello World 2");
    }

    @Test
    void loopLastAndFirst() {
        assertThat(render("{% for m in messages %}{{ m.role }}{% if not loop.last %},{% endif %}{% endfor %}"))
                .isEqualTo("system,user,assistant");
        assertThat(render("{% for m in messages %}{% if loop.first %}[{% endif %}{{ loop.index }}{% endfor %}]"))
                .isEqualTo("[123]");
    }

    @Test
    void namespaceSurvivesLoopScope() {
        String t = "{% set ns = namespace(found=false, count=0) %}"
                + "{% for m in messages %}{% if m.role == 'user' %}{% set ns.found = true %}{% endif %}"
                + "{% set ns.count = ns.count + 1 %}{% endfor %}{{ ns.found }} {{ ns.count }}";
        assertThat(render(t)).isEqualTo("true 3");
    }

    @Test
    void whitespaceControlAndLstripBlocks() {
        String t = "{%- for m in messages %}\n    {%- if m.role == 'user' %}\n        {{- m.content }}\n    {%- endif %}\n{%- endfor %}\n";
        assertThat(render(t)).isEqualTo("hi");
        // lstrip_blocks removes the indentation before a block tag; trim_blocks the newline after it.
        assertThat(render("A\n  {% if true %}\n  B\n  {% endif %}\nC\n")).isEqualTo("A\n  B\nC");
        // {{ }} output tags are not block tags: their newline stays.
        assertThat(render("{{ 'x' }}\n{{ 'y' }}\n")).isEqualTo("x\ny");
    }

    @Test
    void tojsonMatchesPythonJsonDumps() {
        assertThat(render("{{ messages[1] | tojson }}")).isEqualTo("{\"role\": \"user\", \"content\": \"hi\"}");
        assertThat(render("{{ tools | tojson }}")).isEqualTo("null");
        var t = ChatTemplate.of("{{ tools | tojson(indent=2) }}", null, null);
        Map<String, Object> tool = new java.util.LinkedHashMap<>();
        tool.put("name", "get_weather");
        tool.put("args", List.of("city", "ü\"\n"));
        tool.put("strict", true);
        tool.put("empty", List.of());
        assertThat(t.render(List.of(), false, Map.of("tools", List.of(tool)))).isEqualTo("""
                [
                  {
                    "name": "get_weather",
                    "args": [
                      "city",
                      "ü\\"\\n"
                    ],
                    "strict": true,
                    "empty": []
                  }
                ]""");
    }

    @Test
    void strftimeNowUsesTheTemplatesClock() {
        var clock = Clock.fixed(Instant.parse("2024-07-05T09:03:00Z"), ZoneOffset.UTC);
        var t = ChatTemplate.of("Today Date: {{ strftime_now('%d %b %Y') }} {{ strftime_now('%-d %B %y %H:%M %p %A') }}", null, null)
                .withClock(clock);
        assertThat(t.render(List.of(), false)).isEqualTo("Today Date: 05 Jul 2024 5 July 24 09:03 AM Friday");
    }

    @Test
    void missingKeysAndNoneAreFalsyLikeHuggingFace() {
        // Jinja2's default Undefined, which HF uses: real templates test optional keys this way.
        assertThat(render("{% if messages[1].tool_calls %}calls{% else %}none{% endif %}|{% if tools %}t{% endif %}|{{ tools is none }}"))
                .isEqualTo("none||true");
        assertThat(render("{% if custom is defined %}x{% else %}undefined{% endif %}")).isEqualTo("undefined");
        var noSpecialTokens = ChatTemplate.of("[{{ bos_token }}]{% if eos_token is defined %}eos{% endif %}", null, null);
        assertThat(noSpecialTokens.render(CHAT, false)).isEqualTo("[]");
    }

    @Test
    void extraVariablesReachTheTemplate() {
        var t = ChatTemplate.of("{% if enable_thinking %}think{% endif %}{{ messages | length }}", null, null);
        assertThat(t.render(CHAT, false, Map.of("enable_thinking", true))).isEqualTo("think3");
    }

    @Test
    void raiseExceptionCarriesTheTemplatesMessage() {
        var t = ChatTemplate.of("{% if messages | length > 2 %}{{ raise_exception('too many: ' + (messages | length | string)) }}{% endif %}ok", null, null);
        assertThat(t.render(CHAT.subList(0, 1), false)).isEqualTo("ok");
        assertThatThrownBy(() -> t.render(CHAT, false))
                .isInstanceOf(TemplateRaisedException.class)
                .hasMessage("too many: 3");
    }

    @Test
    void unknownFilterIsRejectedWhenTheTemplateIsCreated() {
        assertThatThrownBy(() -> ChatTemplate.of("{{ '<|a|b|>' }}{{ messages | frobnicate }}{{ 'x' | trim }}", null, null))
                .isInstanceOf(ChatTemplateException.class)
                .hasMessageContaining("frobnicate")
                .hasMessageNotContaining("trim");
        assertThatThrownBy(() -> ChatTemplate.of("{% filter shout %}x{% endfilter %}", null, null))
                .hasMessageContaining("shout");
    }

    @Test
    void unknownFunctionMethodAndSyntaxErrorsFailRendering() {
        assertThatThrownBy(() -> render("{{ no_such_function(1) }}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("no_such_function");
        assertThatThrownBy(() -> render("{{ messages[0].content.no_such_method() }}"))
                .isInstanceOf(ChatTemplateException.class).hasMessageContaining("no_such_method");
        assertThatThrownBy(() -> render("{% if %}x{% endif %}"))
                .isInstanceOf(ChatTemplateException.class);
        assertThatThrownBy(() -> render("{% for m in messages %}x"))
                .isInstanceOf(ChatTemplateException.class);
    }

    @Test
    void generationBlockRendersItsBody() {
        assertThat(render("{% for m in messages %}{% if m.role == 'assistant' %}{% generation %}{{ m.content }}{% endgeneration %}{% endif %}{% endfor %}"))
                .isEqualTo("hello");
    }

    @Test
    void fallbackTemplateIsFlaggedAndDocumented() {
        var t = ChatTemplate.fallback("<s>", "</s>");
        assertThat(t.isFallback()).isTrue();
        assertThat(ChatTemplate.of("x", null, null).isFallback()).isFalse();
        assertThat(t.render(CHAT, true)).isEqualTo("system:   be brief  \nuser: hi\nassistant: hello\nassistant:");
        assertThat(t.render(CHAT, false)).isEqualTo("system:   be brief  \nuser: hi\nassistant: hello\n");
    }

    @Test
    void toolsAndToolCallsReachTheTemplateAsHermesStyleTemplatesReadThem() {
        // the shapes transformers' apply_chat_template hands templates: tools as given, a call's arguments as a dict
        String t = "{%- if tools %}<tools>{% for tool in tools %}{{ tool.function.name }};{% endfor %}</tools>{% endif %}"
                + "{%- for m in messages %}|{{ m.role }}:"
                + "{%- if m.tool_calls %}{% for c in m.tool_calls %}<tool_call>{\"name\": \"{{ c.function.name }}\","
                + " \"arguments\": {{ c.function.arguments | tojson }}}</tool_call>{% endfor %}"
                + "{%- elif m.role == 'tool' %}<tool_response id={{ m.tool_call_id }}>{{ m.content }}</tool_response>"
                + "{%- else %}{{ m.content }}{% endif %}{% endfor %}";
        var call = Map.<String, Object>of("id", "c1", "type", "function",
                "function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")));
        List<ChatMessage> chat = List.of(ChatMessage.user("weather?"),
                new ChatMessage("assistant", "", List.of(call), null),
                new ChatMessage("tool", "18C", null, "c1"));
        var tools = List.of(Map.of("type", "function", "function", Map.of("name", "get_weather")),
                Map.of("type", "function", "function", Map.of("name", "get_time")));
        assertThat(ChatTemplate.of(t, "<s>", "</s>").render(chat, false, Map.of("tools", tools)))
                .isEqualTo("<tools>get_weather;get_time;</tools>|user:weather?"
                        + "|assistant:<tool_call>{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}</tool_call>"
                        + "|tool:<tool_response id=c1>18C</tool_response>");
        // without tools the variable is none, as HF passes it
        assertThat(ChatTemplate.of(t, "<s>", "</s>").render(List.of(ChatMessage.user("hi")), false))
                .isEqualTo("|user:hi");
    }
}
