package io.quantserve.node.generation;

/** Token counts of one API request: the prompt once, the completion tokens of all its choices. */
public record Usage(int promptTokens, int completionTokens) {
    public int totalTokens() {
        return promptTokens + completionTokens;
    }
}
