package io.quantserve.engine.chat;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.ObjectMapper;

/**
 * Qwen3's published chat template (Qwen/Qwen3-*: thinking blocks, tools, {@code enable_thinking}), rendered as
 * transformers' apply_chat_template(tokenize=False) does; expected strings rendered from the same template by Python's
 * jinja2 (trim_blocks, lstrip_blocks), as transformers sets it up.
 */
class Qwen3TemplateTest {
    static final String QWEN3 = """
            {%- if tools %}
                {{- '<|im_start|>system\\n' }}
                {%- if messages[0].role == 'system' %}
                    {{- messages[0].content + '\\n\\n' }}
                {%- endif %}
                {{- "# Tools\\n\\nYou may call one or more functions to assist with the user query.\\n\\nYou are provided with function signatures within <tools></tools> XML tags:\\n<tools>" }}
                {%- for tool in tools %}
                    {{- "\\n" }}
                    {{- tool | tojson }}
                {%- endfor %}
                {{- "\\n</tools>\\n\\nFor each function call, return a json object with function name and arguments within <tool_call></tool_call> XML tags:\\n<tool_call>\\n{\\"name\\": <function-name>, \\"arguments\\": <args-json-object>}\\n</tool_call><|im_end|>\\n" }}
            {%- else %}
                {%- if messages[0].role == 'system' %}
                    {{- '<|im_start|>system\\n' + messages[0].content + '<|im_end|>\\n' }}
                {%- endif %}
            {%- endif %}
            {%- set ns = namespace(multi_step_tool=true, last_query_index=messages|length - 1) %}
            {%- for message in messages[::-1] %}
                {%- set index = (messages|length - 1) - loop.index0 %}
                {%- if ns.multi_step_tool and message.role == "user" and not(message.content.startswith('<tool_response>') and message.content.endswith('</tool_response>')) %}
                    {%- set ns.multi_step_tool = false %}
                    {%- set ns.last_query_index = index %}
                {%- endif %}
            {%- endfor %}
            {%- for message in messages %}
                {%- if (message.role == "user") or (message.role == "system" and not loop.first) %}
                    {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}
                {%- elif message.role == "assistant" %}
                    {%- set content = message.content %}
                    {%- set reasoning_content = '' %}
                    {%- if message.reasoning_content is defined and message.reasoning_content is not none %}
                        {%- set reasoning_content = message.reasoning_content %}
                    {%- else %}
                        {%- if '</think>' in message.content %}
                            {%- set content = message.content.split('</think>')[-1].lstrip('\\n') %}
                            {%- set reasoning_content = message.content.split('</think>')[0].rstrip('\\n').split('<think>')[-1].lstrip('\\n') %}
                        {%- endif %}
                    {%- endif %}
                    {%- if loop.index0 > ns.last_query_index %}
                        {%- if loop.last or (not loop.last and reasoning_content) %}
                            {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}
                        {%- else %}
                            {{- '<|im_start|>' + message.role + '\\n' + content }}
                        {%- endif %}
                    {%- else %}
                        {{- '<|im_start|>' + message.role + '\\n' + content }}
                    {%- endif %}
                    {%- if message.tool_calls %}
                        {%- for tool_call in message.tool_calls %}
                            {%- if (loop.first and content) or (not loop.first) %}
                                {{- '\\n' }}
                            {%- endif %}
                            {%- if tool_call.function %}
                                {%- set tool_call = tool_call.function %}
                            {%- endif %}
                            {{- '<tool_call>\\n{"name": "' }}
                            {{- tool_call.name }}
                            {{- '", "arguments": ' }}
                            {%- if tool_call.arguments is string %}
                                {{- tool_call.arguments }}
                            {%- else %}
                                {{- tool_call.arguments | tojson }}
                            {%- endif %}
                            {{- '}\\n</tool_call>' }}
                        {%- endfor %}
                    {%- endif %}
                    {{- '<|im_end|>\\n' }}
                {%- elif message.role == "tool" %}
                    {%- if loop.first or (messages[loop.index0 - 1].role != "tool") %}
                        {{- '<|im_start|>user' }}
                    {%- endif %}
                    {{- '\\n<tool_response>\\n' }}
                    {{- message.content }}
                    {{- '\\n</tool_response>' }}
                    {%- if loop.last or (messages[loop.index0 + 1].role != "tool") %}
                        {{- '<|im_end|>\\n' }}
                    {%- endif %}
                {%- endif %}
            {%- endfor %}
            {%- if add_generation_prompt %}
                {{- '<|im_start|>assistant\\n' }}
                {%- if enable_thinking is defined and enable_thinking is false %}
                    {{- '<think>\\n\\n</think>\\n\\n' }}
                {%- endif %}
            {%- endif %}""";

    static final List<ChatMessage> CONVERSATION = List.of(
            ChatMessage.system("You are terse."),
            ChatMessage.user("Hello!"),
            ChatMessage.assistant("<think>\nGreet back.\n</think>\n\nHi."),
            ChatMessage.user("What is 2+2?"));

    @Test
    void earlierTurnsLoseTheirThinkingAndTheReplyOpensAnAssistantTurn() {
        assertThat(ChatTemplate.of(QWEN3, null, "<|im_end|>").render(CONVERSATION, true)).isEqualTo(
                "<|im_start|>system\nYou are terse.<|im_end|>\n<|im_start|>user\nHello!<|im_end|>\n"
                        + "<|im_start|>assistant\nHi.<|im_end|>\n<|im_start|>user\nWhat is 2+2?<|im_end|>\n"
                        + "<|im_start|>assistant\n");
    }

    @Test
    void enableThinkingFalseClosesAnEmptyThinkingBlock() {
        assertThat(ChatTemplate.of(QWEN3, null, "<|im_end|>").render(CONVERSATION, true,
                Map.of("enable_thinking", false))).endsWith("<|im_start|>assistant\n<think>\n\n</think>\n\n");
    }

    @Test
    void toolsGoToTheSystemTurnAndCallsAndResponsesInlineAsHermesTags() throws Exception {
        Map<?, ?> tool = new ObjectMapper().readValue("{\"type\": \"function\", \"function\": {\"name\":"
                + " \"get_weather\", \"description\": \"Weather in a city\", \"parameters\": {\"type\": \"object\","
                + " \"properties\": {\"city\": {\"type\": \"string\"}}, \"required\": [\"city\"]}}}", Map.class);
        List<ChatMessage> conversation = List.of(
                ChatMessage.user("Weather in Paris?"),
                new ChatMessage("assistant", "", List.of(Map.of("id", "c1", "type", "function",
                        "function", Map.of("name", "get_weather", "arguments", Map.of("city", "Paris")))), null),
                new ChatMessage("tool", "18°C, sunny", null, "c1"));
        String prompt = ChatTemplate.of(QWEN3, null, "<|im_end|>").render(conversation, true,
                Map.of("tools", List.of(tool)));
        assertThat(prompt).isEqualTo("<|im_start|>system\n# Tools\n\nYou may call one or more functions to assist"
                + " with the user query.\n\nYou are provided with function signatures within <tools></tools> XML tags:"
                + "\n<tools>\n{\"type\": \"function\", \"function\": {\"name\": \"get_weather\", \"description\":"
                + " \"Weather in a city\", \"parameters\": {\"type\": \"object\", \"properties\": {\"city\": {\"type\":"
                + " \"string\"}}, \"required\": [\"city\"]}}}\n</tools>\n\nFor each function call, return a json object"
                + " with function name and arguments within <tool_call></tool_call> XML tags:\n<tool_call>\n"
                + "{\"name\": <function-name>, \"arguments\": <args-json-object>}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\nWeather in Paris?<|im_end|>\n<|im_start|>assistant\n<tool_call>\n"
                + "{\"name\": \"get_weather\", \"arguments\": {\"city\": \"Paris\"}}\n</tool_call><|im_end|>\n"
                + "<|im_start|>user\n<tool_response>\n18°C, sunny\n</tool_response><|im_end|>\n<|im_start|>assistant\n");
    }
}
