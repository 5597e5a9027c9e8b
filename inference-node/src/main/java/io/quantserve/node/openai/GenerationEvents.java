package io.quantserve.node.openai;

import io.quantserve.node.generation.ChoiceDelta;
import io.quantserve.node.generation.GenerationListener;
import io.quantserve.node.generation.Usage;
import java.util.concurrent.LinkedBlockingQueue;

/** Hands one request's output from the engine thread to the HTTP thread that writes the response. */
final class GenerationEvents implements GenerationListener {
    sealed interface Event permits DeltaEvent, Completed, Failed {
    }

    record DeltaEvent(ChoiceDelta delta) implements Event {
    }

    record Completed(Usage usage) implements Event {
    }

    record Failed(String message) implements Event {
    }

    private final LinkedBlockingQueue<Event> queue = new LinkedBlockingQueue<>();

    @Override
    public void onDelta(ChoiceDelta delta) {
        queue.add(new DeltaEvent(delta));
    }

    @Override
    public void onComplete(Usage usage) {
        queue.add(new Completed(usage));
    }

    @Override
    public void onError(String message) {
        queue.add(new Failed(message));
    }

    Event take() throws InterruptedException {
        return queue.take();
    }
}
