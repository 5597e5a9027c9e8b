// Tensor-core primitives (sm_80+): ldmatrix and mma.sync m16n8k16 with fp32 accumulators. Inline PTX for the device;
// a host build sees declarations only and brings its own definitions (src/test/cuda/emu: warp-wide exchanges over
// PTX's fragment layouts).
#pragma once
#include "common.cuh"

/** Four 8x8 b16 matrices from shared memory, lanes 8i..8i+7 giving matrix i's row addresses: r[i] = lane's pair. */
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const void* p);
/** As ldmatrix_x4, each matrix transposed. */
__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], const void* p);
/** c += a (16 x 16, row) . b (16 x 8, col) in T (half or bf16); fragments as PTX's m16n8k16 layout. */
template <typename T> __device__ __forceinline__ void mma16816(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1);

#ifdef __CUDA_ARCH__
__device__ __forceinline__ void ldmatrix_x4(unsigned (&r)[4], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"((unsigned) __cvta_generic_to_shared(p)) : "memory");
}

__device__ __forceinline__ void ldmatrix_x4_trans(unsigned (&r)[4], const void* p) {
    asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
                 : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3]) : "r"((unsigned) __cvta_generic_to_shared(p)) : "memory");
}

template <> __device__ __forceinline__ void mma16816<half>(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

template <> __device__ __forceinline__ void mma16816<bf16>(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    asm volatile("mma.sync.aligned.m16n8k16.row.col.f32.bf16.bf16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, {%8, %9}, "
                 "{%0, %1, %2, %3};\n"
                 : "+f"(c[0]), "+f"(c[1]), "+f"(c[2]), "+f"(c[3])
                 : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}
#endif
