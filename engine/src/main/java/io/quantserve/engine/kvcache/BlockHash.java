package io.quantserve.engine.kvcache;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The identity of a full block's content: 128 bits of SHA-256 over its parent block's hash and its token ids. Chaining
 * the parent in makes equal hashes mean equal whole prefixes, which is what lets two sequences share the block's K/V
 * (keys depend on every earlier token, not just the block's own). A strong hash, because a collision would silently
 * serve one prompt another prompt's attention state.
 */
record BlockHash(long high, long low) {
    /** The parent of a sequence's first block. */
    static final BlockHash ROOT = new BlockHash(0, 0);

    static BlockHash of(BlockHash parent, int[] tokens, int from, int count) {
        ByteBuffer bytes = ByteBuffer.allocate(2 * Long.BYTES + count * Integer.BYTES);
        bytes.putLong(parent.high).putLong(parent.low);
        for (int i = 0; i < count; i++) {
            bytes.putInt(tokens[from + i]);
        }
        ByteBuffer digest = ByteBuffer.wrap(sha256().digest(bytes.array()));
        return new BlockHash(digest.getLong(), digest.getLong());
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java platform must provide SHA-256", e);
        }
    }
}
