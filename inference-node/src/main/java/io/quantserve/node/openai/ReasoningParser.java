package io.quantserve.node.openai;

/**
 * vLLM's {@code --reasoning-parser}: a thinking model's {@code <think>...</think>} goes to the reply's
 * {@code reasoning_content}, what follows to its {@code content}.
 * <ul>
 *   <li>{@code deepseek_r1}: the reply is reasoning up to {@code </think>} whether or not it opens with
 *       {@code <think>} (DeepSeek-R1's template opens the block in the prompt); without {@code </think>} all of it is
 *       reasoning (the model was cut off while thinking).</li>
 *   <li>{@code qwen3}: only a reply that opens with {@code <think>} is reasoning up to {@code </think>}; any other
 *       reply is content (Qwen3 with {@code enable_thinking: false}, whose template closes an empty block in the
 *       prompt).</li>
 * </ul>
 */
enum ReasoningParser {
    DEEPSEEK_R1, QWEN3;

    static final String START = "<think>";
    static final String END = "</think>";

    /** The parser named by {@code quantserve.node.reasoning-parser}; null for "" (none). */
    static ReasoningParser named(String name) {
        return switch (name) {
            case "" -> null;
            case "deepseek_r1" -> DEEPSEEK_R1;
            case "qwen3" -> QWEN3;
            default -> throw new IllegalStateException("quantserve.node.reasoning-parser '" + name
                    + "' is not supported (supported: deepseek_r1, qwen3)");
        };
    }

    /** A reply's parts: {@code reasoning} null when it did not think, {@code content} null when nothing follows. */
    record Split(String reasoning, String content) {
    }

    Split split(String text) {
        boolean opens = text.startsWith(START);
        if (!opens && this == QWEN3) {
            return new Split(null, text);
        }
        String rest = opens ? text.substring(START.length()) : text;
        int end = rest.indexOf(END);
        if (end < 0) {
            return new Split(rest, null);
        }
        String after = rest.substring(end + END.length());
        return new Split(rest.substring(0, end), after.isEmpty() ? null : after);
    }

    /** The same split on a streamed reply, piece by piece. */
    Stream stream() {
        return new Stream(this);
    }

    /** What one piece of text became: reasoning and content pieces, either maybe empty. */
    record Piece(String reasoning, String content) {
    }

    /**
     * Holds back only what may still turn out to be a tag: the start of the reply while it could be {@code <think>},
     * and in the reasoning a tail that could begin {@code </think>}.
     */
    static final class Stream {
        private enum Phase { OPENING, REASONING, CONTENT }

        private final ReasoningParser parser;
        private final StringBuilder held = new StringBuilder();
        private Phase phase = Phase.OPENING;

        private Stream(ReasoningParser parser) {
            this.parser = parser;
        }

        Piece next(String piece, boolean last) {
            if (phase == Phase.CONTENT) {
                return new Piece("", piece);
            }
            held.append(piece);
            if (phase == Phase.OPENING) {
                if (held.length() < START.length() && START.startsWith(held.toString()) && !last) {
                    return new Piece("", "");
                }
                boolean opens = held.toString().startsWith(START);
                if (opens) {
                    held.delete(0, START.length());
                }
                phase = opens || parser == DEEPSEEK_R1 ? Phase.REASONING : Phase.CONTENT;
                if (phase == Phase.CONTENT) {
                    return new Piece("", take(held.length()));
                }
            }
            int end = held.indexOf(END);
            if (end >= 0) {
                String reasoning = take(end);
                held.delete(0, END.length());
                phase = Phase.CONTENT;
                return new Piece(reasoning, take(held.length()));
            }
            return new Piece(take(last ? held.length() : held.length() - partialEnd()), "");
        }

        /** The length of the longest tail of what is held that {@code </think>} starts with. */
        private int partialEnd() {
            for (int n = Math.min(END.length() - 1, held.length()); n > 0; n--) {
                if (END.startsWith(held.substring(held.length() - n))) {
                    return n;
                }
            }
            return 0;
        }

        private String take(int n) {
            String out = held.substring(0, n);
            held.delete(0, n);
            return out;
        }
    }
}
