package io.quantserve.engine.tokenizer;

import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Token strings, their types and the conventional BOS/EOS settings, shared by every tokenizer
 * implementation. Where a string appears twice the lower id wins, as in llama.cpp.
 */
final class Vocabulary {
    private final String[] tokens;
    private final TokenType[] types;
    private final Map<String, Integer> ids;
    private final int bosId;
    private final int[] eosIds;
    private final int unknownId;
    private final boolean addBos;
    private final boolean addEos;

    Vocabulary(List<String> tokens, List<TokenType> types, int bosId, int[] eosIds, int unknownId,
               boolean addBos, boolean addEos) {
        if (tokens.size() != types.size()) {
            throw new IllegalArgumentException(tokens.size() + " tokens but " + types.size() + " token types");
        }
        this.tokens = tokens.toArray(String[]::new);
        this.types = types.toArray(TokenType[]::new);
        this.ids = new HashMap<>(this.tokens.length * 2);
        for (int i = 0; i < this.tokens.length; i++) {
            if (this.tokens[i] != null) {
                ids.putIfAbsent(this.tokens[i], i);
            }
        }
        this.bosId = valid(bosId) ? bosId : -1;
        this.eosIds = Arrays.stream(eosIds).filter(this::valid).distinct().toArray();
        this.unknownId = valid(unknownId) ? unknownId : -1;
        this.addBos = addBos && this.bosId >= 0;
        this.addEos = addEos && this.eosIds.length > 0;
    }

    private boolean valid(int id) {
        return id >= 0 && id < tokens.length;
    }

    int size() {
        return tokens.length;
    }

    String text(int id) {
        checkId(id);
        return tokens[id] == null ? "" : tokens[id];
    }

    TokenType type(int id) {
        checkId(id);
        return types[id];
    }

    /** Id of an exact token string, or -1. */
    int id(String token) {
        Integer id = ids.get(token);
        return id == null ? -1 : id;
    }

    OptionalInt find(String token) {
        int id = id(token);
        return id < 0 ? OptionalInt.empty() : OptionalInt.of(id);
    }

    /** Special tokens: dropped by skip-special decoding and matched only by encodeWithSpecials. */
    boolean isSpecial(int id) {
        TokenType t = type(id);
        return t == TokenType.CONTROL || t == TokenType.UNKNOWN;
    }

    OptionalInt bos() {
        return bosId < 0 ? OptionalInt.empty() : OptionalInt.of(bosId);
    }

    int[] eos() {
        return eosIds.clone();
    }

    int unknownId() {
        return unknownId;
    }

    boolean addBos() {
        return addBos;
    }

    boolean addEos() {
        return addEos;
    }

    private void checkId(int id) {
        if (id < 0 || id >= tokens.length) {
            throw new IllegalArgumentException("token id " + id + " outside vocabulary of " + tokens.length);
        }
    }
}
