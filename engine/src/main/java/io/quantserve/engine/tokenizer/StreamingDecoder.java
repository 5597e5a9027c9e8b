package io.quantserve.engine.tokenizer;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Turns ids fed one at a time into text as soon as it is complete. Bytes of a UTF-8 character
 * split across tokens (byte-fallback {@code <0xE2>} pieces, byte-level BPE fragments) are held
 * until the character is whole, so no partial character or stray U+FFFD is ever emitted for
 * valid text. The concatenation of everything returned by {@link #accept} and {@link #finish}
 * equals {@link Tokenizer#decode(int[], boolean)} of the same ids, including SentencePiece's rule
 * of dropping the dummy-prefix space at the very start of the output. A decoder made for ids that
 * continue a context (the prompt, {@link Tokenizer#newStreamingDecoder(boolean, int[])}) returns
 * {@code decode(context + ids)} minus {@code decode(context)} instead: once the context has produced
 * text, the output is no longer at the start, and a continuation keeps its leading space
 * ("Once" + " upon").
 *
 * <p>Not thread-safe; use one per generation stream.
 */
public final class StreamingDecoder {
    private final BaseTokenizer tokenizer;
    private final boolean skipSpecialTokens;
    private final CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
            .onMalformedInput(CodingErrorAction.REPLACE)
            .onUnmappableCharacter(CodingErrorAction.REPLACE);
    private final ByteArrayOutputStream tokenBytes = new ByteArrayOutputStream();
    private ByteBuffer pending = ByteBuffer.allocate(64);
    /** Whether no leading space is to be dropped: the tokenizer drops none, or the context produced text. */
    private final boolean pastStart;
    private boolean leadingSpaceHandled;

    StreamingDecoder(BaseTokenizer tokenizer, boolean skipSpecialTokens, boolean pastStart) {
        this.tokenizer = tokenizer;
        this.skipSpecialTokens = skipSpecialTokens;
        this.pastStart = pastStart || !tokenizer.stripsLeadingSpace();
        this.leadingSpaceHandled = this.pastStart;
    }

    /** Feeds one id; returns the text that became complete (possibly empty, never partial). */
    public String accept(int id) {
        tokenBytes.reset();
        tokenizer.appendDecoded(id, skipSpecialTokens, tokenBytes);
        byte[] bytes = tokenBytes.toByteArray();
        int from = 0;
        if (!leadingSpaceHandled && bytes.length > 0) {
            // the first byte of the whole output decides, exactly as decode() strips it
            leadingSpaceHandled = true;
            if (bytes[0] == ' ') {
                from = 1;
            }
        }
        append(bytes, from);
        return drain(false);
    }

    /** Ends the stream: any incomplete trailing bytes come out as U+FFFD, as decode() would render them. */
    public String finish() {
        String rest = drain(true);
        utf8.reset();
        pending.clear();
        leadingSpaceHandled = pastStart;
        return rest;
    }

    /** Whether bytes of an incomplete character are being held back. */
    public boolean hasPendingBytes() {
        return pending.position() > 0;
    }

    private void append(byte[] bytes, int from) {
        int n = bytes.length - from;
        if (pending.remaining() < n) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(pending.capacity() * 2, pending.position() + n));
            pending.flip();
            bigger.put(pending);
            pending = bigger;
        }
        pending.put(bytes, from, n);
    }

    private String drain(boolean endOfInput) {
        pending.flip();
        CharBuffer chars = CharBuffer.allocate(pending.remaining() + 2);
        utf8.decode(pending, chars, endOfInput);
        if (endOfInput) {
            utf8.flush(chars);
        }
        pending.compact(); // keeps the incomplete tail for the next token
        chars.flip();
        return chars.toString();
    }
}
