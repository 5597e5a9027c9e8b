package io.quantserve.engine.tokenizer;

import java.nio.charset.StandardCharsets;

/**
 * Just enough of the protobuf wire format to read a SentencePiece {@code ModelProto}: varints,
 * fixed 32/64-bit fields and length-delimited fields, with bounds checks so a truncated file
 * is reported instead of misread.
 */
final class ProtoReader {
    static final int VARINT = 0;
    static final int FIXED64 = 1;
    static final int LENGTH_DELIMITED = 2;
    static final int FIXED32 = 5;

    /** Thrown on malformed input; the caller adds the file name. */
    static final class MalformedException extends RuntimeException {
        MalformedException(String message) {
            super(message);
        }
    }

    private final byte[] buf;
    private int pos;
    private final int end;
    private int tag;

    ProtoReader(byte[] buf) {
        this(buf, 0, buf.length);
    }

    private ProtoReader(byte[] buf, int start, int end) {
        this.buf = buf;
        this.pos = start;
        this.end = end;
    }

    /** Advances to the next field; false at the end of this message. */
    boolean next() {
        if (pos >= end) {
            return false;
        }
        long t = varint();
        if (t >>> 3 == 0 || t > Integer.MAX_VALUE) {
            throw new MalformedException("invalid field tag " + t + " at byte " + pos);
        }
        tag = (int) t;
        return true;
    }

    int field() {
        return tag >>> 3;
    }

    int wireType() {
        return tag & 7;
    }

    long varint() {
        long result = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos >= end) {
                throw new MalformedException("truncated varint at byte " + pos);
            }
            byte b = buf[pos++];
            result |= (long) (b & 0x7F) << shift;
            if (b >= 0) {
                return result;
            }
        }
        throw new MalformedException("varint longer than 10 bytes at byte " + pos);
    }

    int fixed32() {
        require(4);
        int v = (buf[pos] & 0xFF) | (buf[pos + 1] & 0xFF) << 8 | (buf[pos + 2] & 0xFF) << 16 | (buf[pos + 3] & 0xFF) << 24;
        pos += 4;
        return v;
    }

    float float32() {
        expect(FIXED32);
        return Float.intBitsToFloat(fixed32());
    }

    /** The body of a length-delimited field as a reader of its own. */
    ProtoReader message() {
        int len = length();
        ProtoReader sub = new ProtoReader(buf, pos, pos + len);
        pos += len;
        return sub;
    }

    String string() {
        int len = length();
        String s = new String(buf, pos, len, StandardCharsets.UTF_8);
        pos += len;
        return s;
    }

    long varintField() {
        expect(VARINT);
        return varint();
    }

    /** Skips the current field's value. */
    void skip() {
        switch (wireType()) {
            case VARINT -> varint();
            case FIXED64 -> {
                require(8);
                pos += 8;
            }
            case LENGTH_DELIMITED -> {
                int len = length(); // reads the length varint first, moving pos
                pos += len;
            }
            case FIXED32 -> {
                require(4);
                pos += 4;
            }
            default -> throw new MalformedException("unsupported wire type " + wireType() + " for field " + field());
        }
    }

    private int length() {
        expect(LENGTH_DELIMITED);
        long len = varint();
        if (len < 0 || len > end - pos) {
            throw new MalformedException("truncated: field " + field() + " claims " + len + " bytes, "
                    + (end - pos) + " left");
        }
        return (int) len;
    }

    private void expect(int wireType) {
        if (wireType() != wireType) {
            throw new MalformedException("field " + field() + " has wire type " + wireType() + ", expected " + wireType);
        }
    }

    private void require(int n) {
        if (end - pos < n) {
            throw new MalformedException("truncated: need " + n + " bytes at byte " + pos);
        }
    }
}
