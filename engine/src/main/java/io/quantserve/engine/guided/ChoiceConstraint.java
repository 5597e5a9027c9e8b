package io.quantserve.engine.guided;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps one sequence's output to exactly one of a few strings (vLLM's {@code guided_choice}), then the end of the
 * sequence: a token is allowed while the text stays a prefix of some choice; end-of-sequence once it is one.
 */
final class ChoiceConstraint implements TokenConstraint {
    private static final Logger log = LoggerFactory.getLogger(ChoiceConstraint.class);
    private final GuidedVocabulary vocabulary;
    private List<byte[]> candidates; // the choices the text so far begins
    private int length;              // bytes so far
    private boolean ended;

    ChoiceConstraint(List<String> choices, GuidedVocabulary vocabulary) {
        this.vocabulary = vocabulary;
        this.candidates = choices.stream().map(c -> c.getBytes(StandardCharsets.UTF_8)).toList();
    }

    @Override
    public void mask(float[] logits) {
        int n = Math.min(logits.length, vocabulary.size());
        boolean complete = ended || candidates.stream().anyMatch(c -> c.length == length);
        boolean any = false;
        for (int i = 0; i < logits.length; i++) {
            boolean allowed = i < n && (vocabulary.isEos(i) ? complete : !ended && continues(vocabulary.bytes(i)) != null);
            if (allowed) {
                any = true;
            } else {
                logits[i] = Float.NEGATIVE_INFINITY; // including padding rows of the model's output head
            }
        }
        if (!any) { // no token spells the rest of a choice (a vocabulary without byte tokens): end rather than stall
            log.error("guided_choice: no token continues the choices; allowing only end of sequence");
            for (int eos : vocabulary.eosIds()) {
                if (eos < logits.length) {
                    logits[eos] = 0f;
                }
            }
        }
    }

    @Override
    public void accept(int token) {
        if (vocabulary.isEos(token)) {
            ended = true;
            return;
        }
        List<byte[]> next = ended ? null : continues(vocabulary.bytes(token));
        if (next == null) {
            throw new IllegalArgumentException("token " + token + " does not continue any of the choices");
        }
        length += vocabulary.bytes(token).length;
        candidates = next;
    }

    /** The candidates that {@code bytes} continues, or null when it continues none (or is not text). */
    private List<byte[]> continues(byte[] bytes) {
        if (bytes == null || bytes.length == 0) {
            return null;
        }
        List<byte[]> out = null;
        for (byte[] c : candidates) {
            if (length + bytes.length <= c.length
                    && Arrays.equals(c, length, length + bytes.length, bytes, 0, bytes.length)) {
                if (out == null) {
                    out = new ArrayList<>(candidates.size());
                }
                out.add(c);
            }
        }
        return out;
    }
}
