package io.quantserve.engine.format.gguf;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * Sequential little-endian reader over a mapped GGUF file. Every read checks bounds first so a
 * truncated file ends in a clear {@link GgufFormatException} rather than an index error.
 */
final class GgufCursor {
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private final GgufSource source;
    private final MemorySegment segment;
    private long pos;

    GgufCursor(GgufSource source, MemorySegment segment) {
        this.source = source;
        this.segment = segment;
    }

    long position() {
        return pos;
    }

    private long take(long bytes, String what) {
        if (bytes < 0 || pos + bytes > segment.byteSize() || pos + bytes < pos) {
            throw source.error("truncated: " + what + " at offset " + pos + " needs " + bytes
                    + " bytes, file has " + segment.byteSize());
        }
        long at = pos;
        pos += bytes;
        return at;
    }

    byte u8(String what) {
        return segment.get(ValueLayout.JAVA_BYTE, take(1, what));
    }

    short u16(String what) {
        return segment.get(U16, take(2, what));
    }

    int u32(String what) {
        return segment.get(U32, take(4, what));
    }

    long u64(String what) {
        return segment.get(U64, take(8, what));
    }

    float f32(String what) {
        return segment.get(F32, take(4, what));
    }

    double f64(String what) {
        return segment.get(F64, take(8, what));
    }

    /** A count stored as uint64 that must also fit the remaining bytes at {@code minBytesEach}. */
    long count(String what, long minBytesEach) {
        long n = u64(what);
        long remaining = segment.byteSize() - pos;
        if (n < 0 || (minBytesEach > 0 && n > remaining / minBytesEach)) {
            throw source.error("implausible " + what + " " + Long.toUnsignedString(n) + " with "
                    + remaining + " bytes left");
        }
        return n;
    }

    String string(String what) {
        long len = count(what + " length", 1);
        long at = take(len, what);
        if (len > Integer.MAX_VALUE - 8) {
            throw source.error(what + " of " + len + " bytes is too long");
        }
        byte[] bytes = segment.asSlice(at, len).toArray(ValueLayout.JAVA_BYTE);
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            // GGUF vocabularies sometimes hold raw byte pieces; keep them readable rather than failing
            return new String(bytes, StandardCharsets.UTF_8);
        }
    }
}
