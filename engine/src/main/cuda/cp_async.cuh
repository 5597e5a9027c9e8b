// cp.async (sm_80+): copies from global into shared memory that run in the background and complete in the groups a
// thread commits. Inline PTX for the device; a host build sees declarations only and brings its own definitions
// (src/test/cuda/emu: the kernels run on the host against a reference, their copies landing early or late).
#pragma once
#include "common.cuh"

/** Starts copying 16 bytes (through L2 only); the first src_bytes are read, the rest of dst zero-filled. */
__device__ __forceinline__ void cp_async16(void* dst, const void* src, int src_bytes);
/** Starts copying 4 bytes (through L1 and L2); the first src_bytes (0 or 4) are read, the rest zero-filled. */
__device__ __forceinline__ void cp_async4(void* dst, const void* src, int src_bytes);
/** Closes the group of this thread's copies started since the last commit (an empty group when none were). */
__device__ __forceinline__ void cp_async_commit();
/** Waits until at most PENDING of this thread's committed groups, the newest, are still copying. */
template <int PENDING> __device__ __forceinline__ void cp_async_wait();

#ifdef __CUDA_ARCH__
__device__ __forceinline__ void cp_async16(void* dst, const void* src, int src_bytes) {
    asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"((unsigned) __cvta_generic_to_shared(dst)),
                 "l"(src), "r"(src_bytes)
                 : "memory");
}

__device__ __forceinline__ void cp_async4(void* dst, const void* src, int src_bytes) {
    asm volatile("cp.async.ca.shared.global [%0], [%1], 4, %2;\n" ::"r"((unsigned) __cvta_generic_to_shared(dst)),
                 "l"(src), "r"(src_bytes)
                 : "memory");
}

__device__ __forceinline__ void cp_async_commit() { asm volatile("cp.async.commit_group;\n" ::: "memory"); }

template <int PENDING> __device__ __forceinline__ void cp_async_wait() {
    asm volatile("cp.async.wait_group %0;\n" ::"n"(PENDING) : "memory");
}
#endif
