// Helpers of the GPU micro-benchmark (io.quantserve.engine.gpu.bench.GpuBench): random inputs made on the device
// (a 7B-sized weight set is hundreds of MB; uploading it from the JVM would take longer than timing it), and a
// kernel that keeps the GPU busy for a while so that the host can queue the timed launches behind it (the timed
// region then measures the GPU, not the JVM's launch rate).
#include "common.cuh"

/** A stateless 32-bit hash of (i, seed) (splitmix64's finalizer): value i of a random stream. */
__device__ __forceinline__ unsigned random_u32(unsigned long long i, unsigned seed) {
    unsigned long long z = i + 0x9e3779b97f4a7c15ull * (seed + 1ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return (unsigned) ((z ^ (z >> 31)) >> 32);
}

/** p[i] = random bits, i < n (packed 4-bit weights and zeros). */
extern "C" __global__ void fill_random_u32(unsigned* p, long long n, unsigned seed) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        p[i] = random_u32((unsigned long long) i, seed);
}

template <typename T>
__device__ __forceinline__ void fill_uniform(T* p, long long n, unsigned seed, float lo, float hi) {
    for (long long i = blockIdx.x * (long long) blockDim.x + threadIdx.x; i < n; i += (long long) gridDim.x * blockDim.x)
        p[i] = from_float<T>(lo + (hi - lo) * (random_u32((unsigned long long) i, seed) >> 8) * (1.f / 16777216.f));
}

/** p[i] uniform in [lo, hi), rounded to the type. */
extern "C" __global__ void fill_uniform_f16(half* p, long long n, unsigned seed, float lo, float hi) {
    fill_uniform<half>(p, n, seed, lo, hi);
}
extern "C" __global__ void fill_uniform_bf16(bf16* p, long long n, unsigned seed, float lo, float hi) {
    fill_uniform<bf16>(p, n, seed, lo, hi);
}

/** The GPU's global timer, in nanoseconds. */
__device__ __forceinline__ unsigned long long global_timer_ns();

#ifdef __CUDA_ARCH__
__device__ __forceinline__ unsigned long long global_timer_ns() {
    unsigned long long t;
    asm volatile("mov.u64 %0, %%globaltimer;" : "=l"(t));
    return t;
}
#endif

/** One thread waits ns nanoseconds of the GPU's global timer. */
extern "C" __global__ void spin_ns(long long ns) {
    unsigned long long start = global_timer_ns();
    while (global_timer_ns() - start < (unsigned long long) ns) {
    }
}
