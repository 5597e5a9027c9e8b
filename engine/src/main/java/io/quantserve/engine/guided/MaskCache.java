package io.quantserve.engine.guided;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/**
 * The allowed-token sets of the most recently used states of one format (a grammar's recognizer states, a regular
 * expression's automaton states): from token to token the state often repeats, and requests with the same format
 * share the sets. Safe to share between threads; a set is computed outside the lock.
 */
final class MaskCache<S> {
    private final Function<S, long[]> compute;
    private final Map<S, long[]> cache;

    MaskCache(int states, Function<S, long[]> compute) {
        this.compute = compute;
        this.cache = new LinkedHashMap<>(64, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<S, long[]> eldest) {
                return size() > states;
            }
        };
    }

    /** One bit per token id: set when the token may come next in {@code state}; read-only. */
    long[] allowed(S state) {
        synchronized (cache) {
            long[] bits = cache.get(state);
            if (bits != null) {
                return bits;
            }
        }
        long[] bits = compute.apply(state);
        synchronized (cache) {
            cache.put(state, bits);
        }
        return bits;
    }
}
