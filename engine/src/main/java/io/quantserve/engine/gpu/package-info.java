/**
 * CUDA backend through JCuda's driver API ({@code jcuda.driver.*} only): device detection and backend choice,
 * checked driver calls, device buffers, kernel modules (PTX compiled from {@code src/main/cuda}, cubins where the
 * build had nvcc) and the kernels' launch shapes. Nothing here loads a native library unless a CUDA device is
 * looked for ({@link io.quantserve.engine.gpu.CudaProbe}) or opened ({@link io.quantserve.engine.gpu.CudaDevice}).
 */
package io.quantserve.engine.gpu;
