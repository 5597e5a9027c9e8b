package io.quantserve.node.generation;

/** Receives one request's output, on the engine thread: keep it quick (hand off to the HTTP thread). */
public interface GenerationListener {
    void onDelta(ChoiceDelta delta);

    /** After the last choice's last delta. */
    void onComplete(Usage usage);

    /** The request failed inside the engine; no more calls follow. */
    void onError(String message);
}
