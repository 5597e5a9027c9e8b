package io.quantserve.node.openai;

/** {@code stream_options}: with include_usage, a last chunk before [DONE] carries the usage. */
record StreamOptions(Boolean includeUsage) {
    static boolean includeUsage(StreamOptions options) {
        return options != null && Boolean.TRUE.equals(options.includeUsage());
    }
}
