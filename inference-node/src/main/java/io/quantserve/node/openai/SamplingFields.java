package io.quantserve.node.openai;

import java.util.List;
import tools.jackson.databind.JsonNode;

/** The generation fields chat and completion requests share (the record accessors implement these). */
interface SamplingFields {
    String model();

    Integer maxTokens();

    Float temperature();

    Float topP();

    Integer topK();

    Float minP();

    Float presencePenalty();

    Float frequencyPenalty();

    Float repetitionPenalty();

    Long seed();

    /** a string or a list of strings */
    JsonNode stop();

    Integer n();

    Boolean stream();

    StreamOptions streamOptions();

    Boolean ignoreEos();

    JsonNode responseFormat();

    JsonNode logitBias();

    /** vLLM: no stop token (EOS, stop_token_ids) or stop string before this many tokens */
    Integer minTokens();

    /** vLLM: token ids that end a choice like EOS does (also with ignore_eos) */
    List<Integer> stopTokenIds();

    /** vLLM: only these token ids may be drawn */
    List<Integer> allowedTokenIds();

    /** vLLM: words the output may not spell (the last token of each is masked right after the rest of it) */
    List<String> badWords();

    /** vLLM: the log-probability of every prompt token after the first, with this many alternatives */
    Integer promptLogprobs();

    /** vLLM: special tokens drawn add no text (default true) */
    Boolean skipSpecialTokens();

    /** vLLM: only the last k tokens of each prompt are read */
    Integer truncatePromptTokens();

    /** vLLM: BOS before a text prompt (completions, default true; chat: false, the template writes it) */
    Boolean addSpecialTokens();

    /** vLLM: refused when true (no beam search here) */
    Boolean useBeamSearch();

    /** refused above n (best_of, gone from vLLM's current engine) */
    Integer bestOf();

    /** vLLM: refused unless 0 (no priority scheduling here) */
    Integer priority();

    /** vLLM: refused when given (no code from requests runs here) */
    JsonNode logitsProcessors();

    /** vLLM: log-probabilities name their tokens "token_id:N" instead of by text */
    Boolean returnTokensAsTokenIds();

    /** vLLM: the generated token ids on each choice, and the prompt's */
    Boolean returnTokenIds();

    /** vLLM: the text ends after the stop string that ended it, not before */
    Boolean includeStopStrInOutput();

    /** vLLM: the output is an instance of this JSON schema (an object, or its JSON text) */
    JsonNode guidedJson();

    /** vLLM: the output is exactly one of these strings */
    JsonNode guidedChoice();

    /** vLLM: the whole output matches this regular expression (Python's re syntax) */
    JsonNode guidedRegex();

    /** vLLM: the whole output is text of this EBNF grammar (llama.cpp's GBNF, as xgrammar reads it) */
    JsonNode guidedGrammar();

    /**
     * vLLM's newer spelling of the guided fields: {@code {"json" | "choice" | "json_object" | "regex" | "grammar":
     * ...}}
     */
    JsonNode structuredOutputs();
}
