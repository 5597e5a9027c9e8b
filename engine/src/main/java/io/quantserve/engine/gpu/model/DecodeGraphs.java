package io.quantserve.engine.gpu.model;

import io.quantserve.engine.gpu.CudaDevice;
import io.quantserve.engine.gpu.CudaException;
import io.quantserve.engine.gpu.CudaGraph;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * CUDA graphs of decode steps, one per batch shape: a forward whose segments are all one token and all want logits
 * runs as plain launches the first time its shape (rows, decode table width) comes (a warm-up: modules load, lazily
 * loaded kernels reach the device, none of which a capture may do), is recorded the second time, and replayed from
 * then on, its inputs (token ids, positions, slots, block tables) copied into the same device buffers before each
 * replay. A 7B model's decode
 * step is ~450 small launches, which cost the host more than the GPU takes to run them at small batches.
 *
 * <p>A graph names buffers by address, so all graphs are dropped when a buffer they read is replaced (the metadata
 * buffer grown, the rotary tables grown): the {@code buffers} the caller passes. At most {@value #CAPACITY} shapes
 * are kept, the least recently used dropped first. A capture the driver refuses turns graphs off for this state
 * (logged once) and the step runs as plain launches. Off with {@code -D}{@value #PROPERTY}{@code =false}.
 */
final class DecodeGraphs implements AutoCloseable {
    static final String PROPERTY = "quantserve.cuda.graphs";
    static final int CAPACITY = 64;
    private static final Logger LOG = LoggerFactory.getLogger(DecodeGraphs.class);

    private final CudaDevice device;
    private final Map<Long, CudaGraph> graphs = new LinkedHashMap<>(16, 0.75f, true);
    private final Set<Long> warmedUp = new HashSet<>();
    private List<Object> buffers = List.of();
    private boolean enabled = !"false".equals(System.getProperty(PROPERTY));
    private long captures;
    private long replays;

    DecodeGraphs(CudaDevice device) {
        this.device = device;
    }

    /** Whether a plan's forward can be a replay: decode items only, every row wants logits (no gather of rows). */
    static boolean replayable(BatchPlan plan) {
        return plan.prefills().isEmpty() && plan.logitRows().length == plan.rows();
    }

    /** The shape a graph is recorded for: rows in the high half, decode table width in the low. */
    static long shape(BatchPlan plan) {
        return ((long) plan.rows() << 32) | plan.decodeTableWidth();
    }

    void enable(boolean on) {
        if (!on) {
            clear();
        }
        enabled = on;
    }

    /** Graphs recorded so far (and how many steps replayed one), for logs and tests. */
    long captures() {
        return captures;
    }

    long replays() {
        return replays;
    }

    /**
     * Runs {@code launches} (kernel launches only, its inputs already on the device) for {@code plan}: replays the
     * graph of its shape; records it first if the shape came before (the first time is the warm-up); plain launches
     * where no graph applies.
     */
    void run(BatchPlan plan, List<Object> buffers, Runnable launches) {
        if (!enabled || !replayable(plan)) {
            launches.run();
            return;
        }
        if (!sameBuffers(buffers)) {
            clear();
            this.buffers = List.copyOf(buffers);
        }
        long key = shape(plan);
        CudaGraph graph = graphs.get(key);
        if (graph == null && warmedUp.add(key)) {
            launches.run();
            return;
        }
        if (graph == null) {
            String label = "decode step of " + plan.rows() + " rows, table width " + plan.decodeTableWidth();
            try {
                graph = device.capture(label, launches);
            } catch (CudaException e) {
                LOG.warn("CUDA graph capture failed, decode steps run as plain launches from now on: {}", e.getMessage());
                enable(false);
                launches.run();
                return;
            }
            captures++;
            graphs.put(key, graph);
            evictBeyondCapacity();
        } else {
            replays++;
        }
        graph.launch();
    }

    private boolean sameBuffers(List<Object> now) {
        if (now.size() != buffers.size()) {
            return false;
        }
        for (int i = 0; i < now.size(); i++) {
            if (now.get(i) != buffers.get(i)) { // by identity: a new buffer is a new address
                return false;
            }
        }
        return true;
    }

    private void evictBeyondCapacity() {
        Iterator<CudaGraph> it = graphs.values().iterator();
        while (graphs.size() > CAPACITY && it.hasNext()) {
            CudaGraph eldest = it.next();
            it.remove();
            eldest.close();
        }
    }

    private void clear() {
        graphs.values().forEach(CudaGraph::close);
        graphs.clear();
    }

    @Override
    public void close() {
        clear();
    }
}
