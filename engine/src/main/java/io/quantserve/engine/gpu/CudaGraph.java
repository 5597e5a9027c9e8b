package io.quantserve.engine.gpu;

import static jcuda.driver.JCudaDriver.cuGraphDestroy;
import static jcuda.driver.JCudaDriver.cuGraphExecDestroy;
import static jcuda.driver.JCudaDriver.cuGraphInstantiate;
import static jcuda.driver.JCudaDriver.cuGraphLaunch;

import jcuda.driver.CUgraph;
import jcuda.driver.CUgraphExec;
import jcuda.driver.CUresult;

/**
 * Kernel launches recorded once by {@link CudaDevice#capture} and replayed with one driver call: what a decode step
 * of many small kernels costs the host drops from hundreds of launches to one. Replays use the recorded arguments,
 * so the buffers they name must stay allocated, and their contents are the inputs of each replay.
 */
public final class CudaGraph implements AutoCloseable {
    private final CudaDevice device;
    private final String label;
    private final CUgraph graph;
    private final CUgraphExec exec;
    private boolean closed;

    private CudaGraph(CudaDevice device, String label, CUgraph graph, CUgraphExec exec) {
        this.device = device;
        this.label = label;
        this.graph = graph;
        this.exec = exec;
    }

    static CudaGraph instantiate(CudaDevice device, String label, CUgraph graph) {
        CUgraphExec exec = new CUgraphExec();
        int result = cuGraphInstantiate(exec, graph, 0);
        if (result != CUresult.CUDA_SUCCESS) {
            cuGraphDestroy(graph);
            throw new CudaException("cuGraphInstantiate(" + label + ")", result);
        }
        return new CudaGraph(device, label, graph, exec);
    }

    public String label() {
        return label;
    }

    /** Queues the recorded launches after all work queued so far (they finish before the next synchronous copy). */
    public void launch() {
        if (closed) {
            throw new IllegalStateException("CUDA graph '" + label + "' was destroyed");
        }
        device.bind();
        CudaException.check(cuGraphLaunch(exec, device.graphStream()), () -> "cuGraphLaunch(" + label + ")");
        String replay = "graph " + label;
        device.launched(replay, replay);
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            device.bind();
            CudaException.check(cuGraphExecDestroy(exec), () -> "cuGraphExecDestroy(" + label + ")");
            CudaException.check(cuGraphDestroy(graph), () -> "cuGraphDestroy(" + label + ")");
        }
    }
}
