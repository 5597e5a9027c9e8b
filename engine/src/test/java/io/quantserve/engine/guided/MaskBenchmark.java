package io.quantserve.engine.guided;

import io.quantserve.engine.tokenizer.Tokenizer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Cost of one mask, not a test: run its main from the test classpath. For each fixture tokenizer and a few states,
 * the uncached trie walk (what a state seen for the first time costs) and the cached lookup plus applying the mask to
 * the logits (what a repeated state costs, e.g. every token inside a long string).
 */
public final class MaskBenchmark {
    private static final List<String> PREFIXES = List.of("", "{\"name\": \"Ad", "{\"name\": \"Ada\", \"age\": 3",
            "{\"name\": \"Ada\", \"age\": 36, \"score\": null, \"role\": \"admin\", \"active\": true, \"tags\": [");

    private MaskBenchmark() {
    }

    public static void main(String[] args) {
        report("llama2", FixtureTokenizers.llama2());
        report("gpt2", FixtureTokenizers.gpt2());
    }

    static void report(String name, Tokenizer tokenizer) {
        long t0 = System.nanoTime();
        GuidedVocabulary vocabulary = GuidedVocabulary.of(tokenizer);
        System.out.printf("%s: vocabulary of %d tokens, trie of %d nodes built in %.0f ms%n", name, vocabulary.size(),
                vocabulary.trie().nodeCount(), (System.nanoTime() - t0) / 1e6);
        reportRegex(vocabulary);
        Map<String, Recognizer> grammars = new LinkedHashMap<>();
        grammars.put("json_object", JsonGrammar.anyObject().start());
        grammars.put("PERSON", JsonGrammar.fromSchema(Schemas.parse(Schemas.PERSON)).start());
        grammars.put("EBNF json", EbnfGrammar.parse(EbnfConstraintTest.JSON).start()); // any object, as EBNF
        // a schema whose strings have a pattern, a format and a number range: code-point automata inside strings
        grammars.put("PATTERNED", JsonGrammar.fromSchema(Schemas.parse("{\"type\": \"object\", \"properties\":"
                + " {\"name\": {\"type\": \"string\", \"pattern\": \"^[A-Z][a-z]+( [A-Z][a-z]+)*$\"},"
                + " \"age\": {\"type\": \"integer\", \"minimum\": 0, \"maximum\": 150}, \"day\": {\"type\":"
                + " \"string\", \"format\": \"date\"}}, \"required\": [\"name\", \"age\", \"day\"]}")).start());
        for (Map.Entry<String, Recognizer> grammar : grammars.entrySet()) {
            GrammarMasks masks = new GrammarMasks(grammar.getValue(), vocabulary);
            for (String prefix : PREFIXES) {
                Recognizer state = grammar.getValue().advance(prefix);
                if (state == null) {
                    continue;
                }
                int rounds = 30;
                for (int i = 0; i < 100; i++) {
                    masks.compute(state); // warm-up
                }
                long start = System.nanoTime();
                int allowed = 0;
                for (int i = 0; i < rounds; i++) {
                    long[] bits = masks.compute(state);
                    allowed = 0;
                    for (long w : bits) {
                        allowed += Long.bitCount(w);
                    }
                }
                double uncached = (System.nanoTime() - start) / 1e6 / rounds;
                float[] logits = new float[vocabulary.size()];
                masks.allowed(state);
                GrammarConstraint constraint = new GrammarConstraint(masks);
                constraint.accept(lastTokenOf(tokenizer, prefix, constraint));
                start = System.nanoTime();
                for (int i = 0; i < 1000; i++) {
                    constraint.mask(logits);
                }
                double cached = (System.nanoTime() - start) / 1e6 / 1000;
                System.out.printf("  %-11s after %-40s %6d allowed: %7.2f ms uncached, %6.3f ms cached%n",
                        grammar.getKey(), "'" + shorten(prefix) + "'", allowed, uncached, cached);
            }
        }
    }

    /** A regular expression's masks (guided_regex): the start state and a state inside a free-text run. */
    static void reportRegex(GuidedVocabulary vocabulary) {
        String pattern = "(19|20)\\d\\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\\d|3[01]): [A-Za-z ,.'-]{1,200}\\.";
        RegexMasks masks = new RegexMasks(pattern, vocabulary);
        int start = 0;
        int inText = start;
        for (byte b : "2024-05-06: Once upon".getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            inText = masks.dfa().step(inText, b & 0xff);
        }
        for (int state : new int[] {start, inText}) {
            for (int i = 0; i < 100; i++) {
                masks.allowed(state); // warm-up of the cache, then the uncached walk below
            }
            long t0 = System.nanoTime();
            int rounds = 30;
            for (int i = 0; i < rounds; i++) {
                vocabulary.trie().allowed(masks.dfa(), state, new long[(vocabulary.size() + 63) >>> 6]);
            }
            System.out.printf("  %-11s %-46s %7.2f ms uncached%n", "regex", state == start ? "at the start"
                    : "inside the free text", (System.nanoTime() - t0) / 1e6 / rounds);
        }
    }

    /** Feeds all but the last token of the prefix (or of "{") to the constraint and returns that last one. */
    private static int lastTokenOf(Tokenizer tokenizer, String prefix, GrammarConstraint constraint) {
        int[] ids = tokenizer.encode(prefix.isEmpty() ? "{" : prefix);
        for (int i = 0; i < ids.length - 1; i++) {
            constraint.accept(ids[i]);
        }
        return ids[ids.length - 1];
    }

    private static String shorten(String s) {
        return s.length() <= 36 ? s : "…" + s.substring(s.length() - 35);
    }
}
