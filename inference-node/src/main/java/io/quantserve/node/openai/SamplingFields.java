package io.quantserve.node.openai;

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
}
