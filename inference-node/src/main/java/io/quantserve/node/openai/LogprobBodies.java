package io.quantserve.node.openai;

import io.quantserve.engine.sampling.TokenLogprob;
import io.quantserve.engine.tokenizer.Tokenizer;
import io.quantserve.node.engine.NodeEngine;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/** Log-probabilities in the two OpenAI formats: chat's list of objects and the legacy parallel lists. */
@Component
class LogprobBodies {
    private final Tokenizer tokenizer;
    private final boolean idsAsTokens; // vLLM's return_tokens_as_token_ids

    @Autowired
    LogprobBodies(NodeEngine engine) {
        this(engine.model().tokenizer(), false);
    }

    private LogprobBodies(Tokenizer tokenizer, boolean idsAsTokens) {
        this.tokenizer = tokenizer;
        this.idsAsTokens = idsAsTokens;
    }

    /** These bodies for one request: with vLLM's return_tokens_as_token_ids, tokens are named "token_id:N". */
    LogprobBodies forRequest(Boolean returnTokensAsTokenIds) {
        return Boolean.TRUE.equals(returnTokensAsTokenIds) ? new LogprobBodies(tokenizer, true) : this;
    }

    /** A token's own text; a piece of a UTF-8 character shows as U+FFFD, its {@code bytes} stay exact. */
    String text(int token) {
        return new String(tokenizer.tokenBytes(token), StandardCharsets.UTF_8);
    }

    /** How a token is named in log-probabilities: its text, or "token_id:N". */
    String label(int token) {
        return idsAsTokens ? "token_id:" + token : text(token);
    }

    List<Integer> bytes(int token) {
        byte[] b = tokenizer.tokenBytes(token);
        List<Integer> out = new ArrayList<>(b.length);
        for (byte x : b) {
            out.add(x & 0xff);
        }
        return out;
    }

    List<ChatCompletionResponses.TokenLogprobBody> chat(List<TokenLogprob> logprobs) {
        List<ChatCompletionResponses.TokenLogprobBody> out = new ArrayList<>(logprobs.size());
        for (TokenLogprob lp : logprobs) {
            List<ChatCompletionResponses.TopLogprob> top = new ArrayList<>(lp.topIds().length);
            for (int i = 0; i < lp.topIds().length; i++) {
                top.add(new ChatCompletionResponses.TopLogprob(label(lp.topIds()[i]), lp.topLogprobs()[i],
                        bytes(lp.topIds()[i])));
            }
            out.add(new ChatCompletionResponses.TokenLogprobBody(label(lp.token()), lp.logprob(), bytes(lp.token()),
                    top));
        }
        return out;
    }

    /** The legacy format; {@code offset} is where the first token's text starts in the completion. */
    CompletionResponses.Logprobs legacy(List<TokenLogprob> logprobs, int offset) {
        Legacy out = new Legacy(offset);
        for (TokenLogprob lp : logprobs) {
            out.add(lp.token(), lp, lp.topIds().length);
        }
        return out.body();
    }

    /**
     * Echo's share of the legacy format: every prompt token from offset 0, the first without a log-probability or
     * alternatives (null, as vLLM shows it), token i + 1 with {@code scored[i]} (null where a choice ended before
     * its prompt was scored).
     */
    CompletionResponses.Logprobs legacyPrompt(int[] prompt, List<TokenLogprob> scored, int top) {
        Legacy out = new Legacy(0);
        for (int i = 0; i < prompt.length; i++) {
            out.add(prompt[i], i == 0 || i > scored.size() ? null : scored.get(i - 1), top);
        }
        return out.body();
    }

    /**
     * vLLM's prompt_logprobs: null for the first prompt token (nothing before it to score it in), then for each
     * token an entry of its own and of the {@code top} most likely ids, keyed by id; null where a choice ended before
     * its prompt was scored.
     */
    List<Map<String, CompletionResponses.PromptLogprob>> prompt(int[] prompt, List<TokenLogprob> scored, int top) {
        List<Map<String, CompletionResponses.PromptLogprob>> out = new ArrayList<>(prompt.length);
        out.add(null);
        for (int i = 1; i < prompt.length; i++) {
            TokenLogprob lp = i > scored.size() ? null : scored.get(i - 1);
            if (lp == null) {
                out.add(null);
                continue;
            }
            Map<String, CompletionResponses.PromptLogprob> entry = new LinkedHashMap<>();
            entry.put(String.valueOf(lp.token()), new CompletionResponses.PromptLogprob(lp.logprob(), lp.rank(),
                    text(lp.token())));
            for (int k = 0; k < Math.min(top, lp.topIds().length); k++) {
                entry.putIfAbsent(String.valueOf(lp.topIds()[k]), new CompletionResponses.PromptLogprob(
                        lp.topLogprobs()[k], k + 1, text(lp.topIds()[k])));
            }
            out.add(entry);
        }
        return out;
    }

    /** The parallel lists being filled. */
    private final class Legacy {
        final List<Integer> offsets = new ArrayList<>();
        final List<Float> values = new ArrayList<>();
        final List<String> tokens = new ArrayList<>();
        final List<Map<String, Float>> top = new ArrayList<>();
        int at;

        Legacy(int offset) {
            at = offset;
        }

        /** One token, with at most {@code alternativesShown} of its alternatives. */
        void add(int token, TokenLogprob lp, int alternativesShown) {
            String text = text(token);
            offsets.add(at);
            at += text.length();
            tokens.add(label(token));
            values.add(lp == null ? null : lp.logprob());
            Map<String, Float> alternatives = null;
            if (lp != null) {
                alternatives = new LinkedHashMap<>();
                for (int i = 0; i < Math.min(alternativesShown, lp.topIds().length); i++) {
                    alternatives.putIfAbsent(label(lp.topIds()[i]), lp.topLogprobs()[i]);
                }
            }
            top.add(alternatives);
        }

        CompletionResponses.Logprobs body() {
            return new CompletionResponses.Logprobs(offsets, values, tokens, top);
        }
    }
}
