package io.quantserve.node.openai;

import io.quantserve.node.generation.Usage;

record UsageBody(int promptTokens, int completionTokens, int totalTokens) {
    static UsageBody of(Usage usage) {
        return new UsageBody(usage.promptTokens(), usage.completionTokens(), usage.totalTokens());
    }

    static UsageBody of(int promptTokens, int completionTokens) {
        return new UsageBody(promptTokens, completionTokens, promptTokens + completionTokens);
    }
}
