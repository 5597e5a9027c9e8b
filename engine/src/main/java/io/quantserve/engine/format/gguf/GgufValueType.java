package io.quantserve.engine.format.gguf;

/** Metadata value types of GGUF, by their stored id. */
public enum GgufValueType {
    UINT8, INT8, UINT16, INT16, UINT32, INT32, FLOAT32, BOOL, STRING, ARRAY, UINT64, INT64, FLOAT64;

    public static GgufValueType fromId(int id) {
        GgufValueType[] all = values();
        if (id < 0 || id >= all.length) {
            throw new IllegalArgumentException("unknown metadata value type " + id);
        }
        return all[id];
    }
}
