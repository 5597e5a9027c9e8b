package io.quantserve.node.openai;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ReasoningParserTest {
    private static final ReasoningParser R1 = ReasoningParser.DEEPSEEK_R1;
    private static final ReasoningParser QWEN3 = ReasoningParser.QWEN3;

    @Test
    void shouldSplitAWholeReply() {
        assertThat(QWEN3.split("<think>\nAdd them.\n</think>\n\n4")).isEqualTo(
                new ReasoningParser.Split("\nAdd them.\n", "\n\n4"));
        assertThat(QWEN3.split("4")).isEqualTo(new ReasoningParser.Split(null, "4"));
        assertThat(QWEN3.split("<think>cut off")).isEqualTo(new ReasoningParser.Split("cut off", null));
        assertThat(R1.split("Add them.</think>4")).isEqualTo(new ReasoningParser.Split("Add them.", "4"));
        assertThat(R1.split("<think>Add them.</think>")).isEqualTo(new ReasoningParser.Split("Add them.", null));
        assertThat(R1.split("still thinking")).isEqualTo(new ReasoningParser.Split("still thinking", null));
    }

    /** Streamed in pieces of every size, the pieces add up to the whole reply's split and no tag leaks. */
    @Test
    void shouldStreamTheSameSplitWhateverThePieces() {
        Random random = new Random(3);
        for (ReasoningParser parser : ReasoningParser.values()) {
            for (String text : List.of("<think>\nAdd them.\n</think>\n\n4", "4 </think", "<thin", "<think>a</thi",
                    "Add </ them.</think>4 <think>", "", "<think></think>", "x<think>y</think>z")) {
                for (int round = 0; round < 50; round++) {
                    List<String> pieces = pieces(text, random);
                    ReasoningParser.Stream stream = parser.stream();
                    StringBuilder reasoning = new StringBuilder();
                    StringBuilder content = new StringBuilder();
                    for (int i = 0; i < pieces.size(); i++) {
                        ReasoningParser.Piece piece = stream.next(pieces.get(i), i == pieces.size() - 1);
                        assertThat(piece.reasoning()).doesNotContain("</think>");
                        reasoning.append(piece.reasoning());
                        content.append(piece.content());
                    }
                    ReasoningParser.Split whole = parser.split(text);
                    assertThat(reasoning.toString()).as(parser + " " + pieces)
                            .isEqualTo(whole.reasoning() == null ? "" : whole.reasoning());
                    assertThat(content.toString()).as(parser + " " + pieces)
                            .isEqualTo(whole.content() == null ? "" : whole.content());
                }
            }
        }
    }

    @Test
    void shouldNameTheSettingForAnUnknownParser() {
        assertThat(ReasoningParser.named("")).isNull();
        assertThat(ReasoningParser.named("qwen3")).isEqualTo(QWEN3);
        assertThatThrownBy(() -> ReasoningParser.named("granite"))
                .hasMessageContaining("quantserve.node.reasoning-parser 'granite'").hasMessageContaining("deepseek_r1");
    }

    private static List<String> pieces(String text, Random random) {
        List<String> pieces = new ArrayList<>();
        int at = 0;
        do {
            int n = Math.min(text.length() - at, random.nextInt(4));
            pieces.add(text.substring(at, at + n));
            at += n;
        } while (at < text.length());
        return pieces;
    }
}
