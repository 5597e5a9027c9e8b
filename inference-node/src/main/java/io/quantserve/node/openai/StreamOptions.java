package io.quantserve.node.openai;

/**
 * {@code stream_options}: with include_usage, a last chunk before [DONE] carries the usage; with vLLM's
 * continuous_usage_stats as well, every chunk carries the usage so far.
 */
record StreamOptions(Boolean includeUsage, Boolean continuousUsageStats) {
    static boolean includeUsage(StreamOptions options) {
        return options != null && Boolean.TRUE.equals(options.includeUsage());
    }

    static boolean continuousUsage(StreamOptions options) {
        return includeUsage(options) && Boolean.TRUE.equals(options.continuousUsageStats());
    }
}
