package io.quantserve.registry.web;

/** 416: the requested byte range does not fit the file. */
public class RangeNotSatisfiableException extends RuntimeException {
    private final long size;

    public RangeNotSatisfiableException(String range, long size) {
        super("range '" + range + "' does not fit the file's " + size + " bytes");
        this.size = size;
    }

    public long size() {
        return size;
    }
}
