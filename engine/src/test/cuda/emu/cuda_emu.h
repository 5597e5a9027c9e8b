// Runs CUDA kernels on the host, for checks of their indexing and synchronization where no GPU is at hand (compiled
// by the host C++ compiler, not nvcc, with -fno-strict-aliasing as CUDA code reinterprets freely). Used by
// awq_kernels_emulated_test.cpp and by driver.cpp (every kernel behind a libcuda.so.1 for the JCuda device tests).
// A CUDA thread is a fiber (a stack switched by emu_switch on x86-64, ucontext elsewhere), one block at a time, its
// threads run one after another up to their next barrier, blocks and threads in order or both reversed: __shared__ variables become
// statics (one block's shared memory), __syncthreads and __syncwarp barriers, shuffles and ballots exchanges through
// the warp's scratch, ldmatrix and mma.sync (m16n8k16, fp16 or bf16 in, fp32 accumulators) warp-wide exchanges over
// PTX's fragment layouts, atomics plain read-modify-writes (threads switch only at barriers), and cp.async copies
// land either at once (EARLY) or only when the thread's cp.async.wait_group must have seen them (LATE): a kernel must
// give the same results every way. Checks as it goes: cp.async and ldmatrix alignment, no thread ending with copies
// in flight, no barrier that some threads never reach. Include this, then the kernels' sources.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <vector_functions.h>
#include <vector_types.h>

#include <math.h>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <functional>
#include <ucontext.h>
#include <type_traits>
#include <vector>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

#undef __device__
#undef __host__
#undef __global__
#undef __shared__
#undef __forceinline__
#define __device__
#define __host__
#define __global__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(...)

namespace emu {

inline void fail(const char* what) {
    std::fprintf(stderr, "emulation: %s\n", what);
    std::exit(2);
}

struct Copy {
    void* dst;
    const void* src;
    int src_bytes, size;
};

/** A barrier of cooperative threads: the last to arrive opens it; a thread that ends leaves it. */
struct Barrier {
    int expected = 0, arrived = 0;
    long generation = 0;
    void open() {
        arrived = 0;
        generation++;
    }
};

/** One warp's barrier and scratch for its collectives. */
struct Warp {
    Barrier bar;
    uint64_t word[32];
    uint32_t a[32][4], b[32][2];
};

/** A CUDA thread: a fiber with its indices, the barrier it waits at, and its cp.async copies not yet landed. */
struct Thread {
    uint3 thread, block;
    dim3 blockDim, gridDim;
    void* sp;               // while switched out: its stack pointer (x86-64) ...
    ucontext_t context;     // ... or its context (elsewhere)
    std::vector<char> stack;
    bool done;
    const Barrier* waiting;  // until this barrier's generation moves on
    long waitingGeneration;
    std::vector<Copy> pending;
    std::deque<std::vector<Copy>> groups;
    int lane() const { return thread.x % 32; }
};

struct Block {
    Barrier bar;
    std::vector<Warp> warps;
    std::vector<unsigned char> dynamic;
};

inline Thread* self = nullptr;
inline Block* block = nullptr;
inline ucontext_t scheduler;
inline void* scheduler_sp;
inline bool progressed;
inline std::function<void()> body;

enum class CopyTiming { EARLY, LATE };
inline CopyTiming timing = CopyTiming::LATE;
/** Whether a block's threads run last to first between barriers. */
inline bool reversed = false;

inline Warp& warp() { return block->warps[self->thread.x / 32]; }

#if defined(__x86_64__)
// Switching fibers: saves the callee-saved registers on the current stack and its pointer in *save, then continues
// on the stack at load (ucontext's swapcontext would also save the signal mask, a system call each switch).
extern "C" void emu_switch(void** save, void* load);
asm(R"(
    .text
    .weak emu_switch
    .hidden emu_switch
    .type emu_switch, @function
emu_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
    .size emu_switch, .-emu_switch
)");
#endif

/** Back to the scheduler, which resumes the other threads in turn. */
inline void yield() {
#if defined(__x86_64__)
    emu_switch(&self->sp, scheduler_sp);
#else
    swapcontext(&self->context, &scheduler);
#endif
}

/** Waits until every thread expected at b has arrived; the scheduler skips this thread until then. */
inline void arrive_and_wait(Barrier& b) {
    if (++b.arrived == b.expected) {
        b.open();
        progressed = true;
        return;
    }
    self->waiting = &b;
    self->waitingGeneration = b.generation;
    while (b.generation == self->waitingGeneration) yield();
    self->waiting = nullptr;
}

inline void drop(Barrier& b) {
    b.expected--;
    if (b.arrived > 0 && b.arrived == b.expected) {
        b.open();
        progressed = true;
    }
}

inline void land(const Copy& c) {
    std::memcpy(c.dst, c.src, c.src_bytes);
    std::memset(static_cast<char*>(c.dst) + c.src_bytes, 0, c.size - c.src_bytes);
}

inline void issue(void* dst, const void* src, int src_bytes, int size) {
    if (reinterpret_cast<uintptr_t>(dst) % size != 0 || (src_bytes > 0 && reinterpret_cast<uintptr_t>(src) % size != 0)) {
        fail("cp.async with a misaligned address");
    }
    if (src_bytes < 0 || src_bytes > size) fail("cp.async with src-size out of range");
#if defined(__SANITIZE_ADDRESS__)
    char source[16];  // read at the issue, so that AddressSanitizer names the kernel line that starts a copy out of bounds
    std::memcpy(source, src, src_bytes);
#endif
    Copy c{dst, src, src_bytes, size};
    if (timing == CopyTiming::EARLY) {
        land(c);
    } else {
        self->pending.push_back(c);
    }
}

inline void thread_main() {
    body();
    if (!self->pending.empty() || !self->groups.empty()) fail("a thread ended with cp.async copies in flight");
    self->done = true;
    progressed = true;
    drop(warp().bar);
    drop(block->bar);
#if defined(__x86_64__)
    yield();  // never resumed
    fail("a finished thread was resumed");
#endif
}  // (ucontext) returns to the scheduler through uc_link

/** A thread's stack, set up so that the first switch to it enters thread_main. */
inline void start(Thread& t) {
#if defined(__SANITIZE_ADDRESS__)
    __asan_unpoison_memory_region(t.stack.data(), t.stack.size());  // its last thread ended without returning
#endif
#if defined(__x86_64__)
    uintptr_t top = (reinterpret_cast<uintptr_t>(t.stack.data()) + t.stack.size()) & ~(uintptr_t) 15;
    void** sp = reinterpret_cast<void**>(top) - 8;  // 6 saved registers, the entry, a return slot: 16-byte aligned
    for (int i = 0; i < 6; i++) sp[i] = nullptr;
    sp[6] = reinterpret_cast<void*>(&thread_main);
    sp[7] = nullptr;
    t.sp = sp;
#else
    getcontext(&t.context);
    t.context.uc_stack.ss_sp = t.stack.data();
    t.context.uc_stack.ss_size = t.stack.size();
    t.context.uc_link = &scheduler;
    makecontext(&t.context, thread_main, 0);
#endif
}

/** Runs thread t until it waits at a barrier or ends. */
inline void resume(Thread& t) {
    self = &t;
#if defined(__x86_64__)
    emu_switch(&scheduler_sp, t.sp);
#else
    swapcontext(&scheduler, &t.context);
#endif
}

/**
 * Runs kernel() as every thread of every block of the grid, a block at a time, first to last or (reversed) last to
 * first; between barriers the threads of a block run one after another, in the same order. Dynamic shared memory starts NaN-filled.
 */
inline void launch(dim3 grid, dim3 threads_per_block, size_t dynamic_bytes, std::function<void()> kernel) {
    int threads = threads_per_block.x;
    if (threads_per_block.y != 1 || threads_per_block.z != 1 || threads % 32 != 0) fail("blocks of whole warps along x only");
    body = std::move(kernel);
    static std::vector<Thread> all;  // kept, stacks and all, from launch to launch
#if defined(__SANITIZE_ADDRESS__)
    for (Thread& t : all) __asan_unpoison_memory_region(t.stack.data(), t.stack.size());  // growing copies them
#endif
    if ((int) all.size() < threads) all.resize(threads);
    for (Thread& t : all) t.stack.resize(128 * 1024);
    size_t blocks = (size_t) grid.x * grid.y * grid.z;
    for (size_t done = 0; done < blocks; done++) {
        // reversed: the last block first as well (a GPU runs them in no set order)
        size_t index = reversed ? blocks - 1 - done : done;
        unsigned x = index % grid.x, y = index / grid.x % grid.y, z = index / ((size_t) grid.x * grid.y);
        Block b;
        b.bar.expected = threads;
        b.warps.resize(threads / 32);
        for (Warp& w : b.warps) w.bar.expected = 32;
        b.dynamic.assign(dynamic_bytes + 16, 0xFF);
#if defined(__SANITIZE_ADDRESS__)
        __asan_poison_memory_region(b.dynamic.data() + dynamic_bytes, 16);  // past the launch's bytes
#endif
        block = &b;
        for (int i = 0; i < threads; i++) {
            Thread& t = all[i];
            t.thread = {(unsigned) i, 0, 0};
            t.block = {x, y, z};
            t.blockDim = threads_per_block;
            t.gridDim = grid;
            t.done = false;
            t.waiting = nullptr;
            start(t);
        }
        for (int left = threads; left > 0;) {
            progressed = false;
            left = 0;
            for (int n = 0; n < threads; n++) {
                Thread& t = all[reversed ? threads - 1 - n : n];
                if (t.done) continue;
                if (t.waiting == nullptr || t.waiting->generation != t.waitingGeneration) resume(t);
                left += t.done ? 0 : 1;
            }
            if (left > 0 && !progressed) fail("deadlock: threads wait at a barrier that the others never reach");
        }
        self = nullptr;
        block = nullptr;
    }
}

inline void* dynamic_shared() { return block->dynamic.data(); }

}  // namespace emu

#define threadIdx (emu::self->thread)
#define blockIdx (emu::self->block)
#define blockDim (emu::self->blockDim)
#define gridDim (emu::self->gridDim)

inline void __syncthreads() { emu::arrive_and_wait(emu::block->bar); }
inline void __syncwarp(unsigned = 0xffffffffu) { emu::arrive_and_wait(emu::warp().bar); }

namespace emu {
/** Every lane of the warp gives v; each gets the value of lane source(its lane). */
template <typename T, typename Source>
T exchange(T v, Source source) {
    static_assert(sizeof(T) <= 8, "shuffles of at most 64 bits");
    Warp& w = warp();
    int lane = self->lane();
    std::memcpy(&w.word[lane], &v, sizeof(T));
    arrive_and_wait(w.bar);
    T out;
    std::memcpy(&out, &w.word[source(lane)], sizeof(T));
    arrive_and_wait(w.bar);
    return out;
}
}  // namespace emu

template <typename T>
T __shfl_xor_sync(unsigned, T v, int lane_mask, int = 32) {
    return emu::exchange(v, [&](int lane) { return lane ^ lane_mask; });
}

template <typename T>
T __shfl_sync(unsigned, T v, int src_lane, int = 32) {
    return emu::exchange(v, [&](int) { return src_lane & 31; });
}

template <typename T>
T __shfl_up_sync(unsigned, T v, unsigned delta, int = 32) {
    return emu::exchange(v, [&](int lane) { return lane >= (int) delta ? lane - (int) delta : lane; });
}

inline unsigned __ballot_sync(unsigned, int predicate) {
    emu::Warp& w = emu::warp();
    int lane = emu::self->lane();
    w.word[lane] = predicate != 0;
    emu::arrive_and_wait(w.bar);
    unsigned bits = 0;
    for (int i = 0; i < 32; i++) bits |= (unsigned) (w.word[i] & 1) << i;
    emu::arrive_and_wait(w.bar);
    return bits;
}

// Threads switch only at barriers, so a read-modify-write is atomic as written.
template <typename T>
T atomicAdd(T* p, T v) {
    T old = *p;
    *p = old + v;
    return old;
}

inline int atomicMin(int* p, int v) {
    int old = *p;
    *p = old < v ? old : v;
    return old;
}

inline int atomicMax(int* p, int v) {
    int old = *p;
    *p = old > v ? old : v;
    return old;
}

inline int __popc(unsigned v) { return __builtin_popcount(v); }
inline int __ffs(int v) { return __builtin_ffs(v); }
inline float __expf(float v) { return expf(v); }
inline unsigned __float_as_uint(float v) {
    unsigned u;
    std::memcpy(&u, &v, 4);
    return u;
}
inline float __uint_as_float(unsigned u) {
    float v;
    std::memcpy(&v, &u, 4);
    return v;
}
/** Byte i of the result is byte (s >> 4i) & 7 of the 8 bytes y:x. */
inline unsigned __byte_perm(unsigned x, unsigned y, unsigned s) {
    uint64_t bytes = (uint64_t) y << 32 | x;
    unsigned r = 0;
    for (int i = 0; i < 4; i++) r |= (unsigned) ((bytes >> (8 * ((s >> (4 * i)) & 7))) & 0xff) << (8 * i);
    return r;
}

template <typename T>
T __ldg(const T* p) {
    return *p;
}

/** A load from L2, past L1: host memory is coherent. */
template <typename T>
T __ldcg(const T* p) {
    return *p;
}

/** Blocks run one after another here, so every write is seen by the blocks after it without a fence. */
inline void __threadfence() {}

/** bench.cu's %globaltimer read (spin_ns): the host's monotonic clock. */
inline unsigned long long global_timer_ns() {
    return (unsigned long long) std::chrono::duration_cast<std::chrono::nanoseconds>(
        std::chrono::steady_clock::now().time_since_epoch()).count();
}

inline float rsqrtf(float v) { return 1.f / sqrtf(v); }
// CUDA's integer min/max overloads (the host has none; a template would not take mixed types as CUDA does).
#define EMU_MIN_MAX(T)                               \
    inline T min(T a, T b) { return a < b ? a : b; } \
    inline T max(T a, T b) { return a > b ? a : b; }
EMU_MIN_MAX(int)
EMU_MIN_MAX(unsigned)
EMU_MIN_MAX(long long)
EMU_MIN_MAX(unsigned long long)
#undef EMU_MIN_MAX

// ---- the kernels' shared header, with the primitives it leaves to the host defined here ----
#include "../../../main/cuda/common.cuh"
#include "../../../main/cuda/cp_async.cuh"
#include "../../../main/cuda/mma.cuh"

#undef DYNAMIC_SHARED
#define DYNAMIC_SHARED(T, name) T* name = reinterpret_cast<T*>(emu::dynamic_shared())

inline void cp_async16(void* dst, const void* src, int src_bytes) { emu::issue(dst, src, src_bytes, 16); }
inline void cp_async4(void* dst, const void* src, int src_bytes) { emu::issue(dst, src, src_bytes, 4); }

inline void cp_async_commit() {
    emu::self->groups.push_back(std::move(emu::self->pending));
    emu::self->pending.clear();
}

template <int PENDING>
inline void cp_async_wait() {
    auto& groups = emu::self->groups;
    while (groups.size() > PENDING) {
        for (const emu::Copy& c : groups.front()) emu::land(c);
        groups.pop_front();
    }
}

namespace emu {
template <typename T>
float element(uint32_t word, int high) {
    unsigned short bits = (unsigned short) (word >> (16 * high));
    T v;
    std::memcpy(&v, &bits, 2);
    if constexpr (sizeof(T) == 2 && std::is_same_v<T, half>) return __half2float(v);
    else return __bfloat162float(v);
}

/**
 * mma.sync.aligned.m16n8k16.row.col.f32.{f16,bf16} for the calling lane: lane (g, t) = (lane / 4, lane % 4) holds
 * A's (g, 2t..2t+1), (g+8, 2t..), (g, 2t+8..), (g+8, 2t+8..) as a[0..3], B's (2t..2t+1, g), (2t+8.., g) as b[0..1],
 * and C/D's (g, 2t..2t+1), (g+8, 2t..2t+1) as c[0..3].
 */
template <typename T>
void mma(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    Warp& w = warp();
    int lane = self->lane();
    std::memcpy(w.a[lane], a, sizeof a);
    w.b[lane][0] = b0;
    w.b[lane][1] = b1;
    arrive_and_wait(w.bar);
    int g = lane >> 2, t = lane & 3;
    float d[4];
    for (int i = 0; i < 4; i++) {
        int row = g + 8 * (i >> 1), col = 2 * t + (i & 1);
        float sum = c[i];  // this lane's own element (row, col) of C
        for (int k = 0; k < 16; k++) {
            float av = element<T>(w.a[(row & 7) * 4 + ((k & 7) >> 1)][(row >> 3) + 2 * (k >> 3)], k & 1);
            float bv = element<T>(w.b[col * 4 + ((k & 7) >> 1)][k >> 3], k & 1);
            sum += av * bv;
        }
        d[i] = sum;
    }
    arrive_and_wait(w.bar);
    std::memcpy(c, d, sizeof d);
}

/**
 * ldmatrix.sync.aligned.m8n8.x4[.trans].shared.b16: lanes 8i..8i+7 give the row addresses of matrix i; lane l gets
 * r[i] = matrix i's (l / 4, 2 (l % 4) .. + 1), or transposed its (2 (l % 4) .. + 1, l / 4).
 */
inline void ldmatrix(unsigned (&r)[4], const void* p, bool transposed) {
    Warp& w = warp();
    int lane = self->lane();
    w.word[lane] = reinterpret_cast<uintptr_t>(p);
    arrive_and_wait(w.bar);
    for (int i = 0; i < 4; i++) {
        const unsigned char* rows[8];
        for (int j = 0; j < 8; j++) {
            rows[j] = reinterpret_cast<const unsigned char*>(w.word[8 * i + j]);
            if (reinterpret_cast<uintptr_t>(rows[j]) % 16 != 0) fail("ldmatrix with a row address not 16-byte aligned");
        }
        if (!transposed) {
            std::memcpy(&r[i], rows[lane >> 2] + 4 * (lane & 3), 4);
        } else {
            unsigned short lo, hi;
            std::memcpy(&lo, rows[2 * (lane & 3)] + 2 * (lane >> 2), 2);
            std::memcpy(&hi, rows[2 * (lane & 3) + 1] + 2 * (lane >> 2), 2);
            r[i] = (unsigned) hi << 16 | lo;
        }
    }
    arrive_and_wait(w.bar);
}
}  // namespace emu

template <>
inline void mma16816<half>(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    emu::mma<half>(c, a, b0, b1);
}

template <>
inline void mma16816<bf16>(float (&c)[4], const unsigned (&a)[4], unsigned b0, unsigned b1) {
    emu::mma<bf16>(c, a, b0, b1);
}

inline void ldmatrix_x4(unsigned (&r)[4], const void* p) { emu::ldmatrix(r, p, false); }
inline void ldmatrix_x4_trans(unsigned (&r)[4], const void* p) { emu::ldmatrix(r, p, true); }
