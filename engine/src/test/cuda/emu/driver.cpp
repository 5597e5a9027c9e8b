// A CUDA driver for machines without a GPU: the entry points of libcuda.so.1 that the engine's JCuda code calls,
// running the kernels under cuda_emu.h on the host. Built (with the kernels, one file each, registered by their PTX
// entry names) into a shared object named libcuda.so.1 by io.quantserve.engine.gpu.EmulatedCuda, which loads it
// before JCuda's binding so that the GPU device tests run here against it. Device memory is host memory; launches
// run synchronously, a block at a time (every other launch last to first, copies landing early); streams are names; a
// stream captured into a graph records its launches.
//
// It checks what the hardware would refuse: copies and fills outside an allocation, frees of unknown pointers,
// blocks of more than 1024 threads (or not along x: the emulation's limit), dynamic shared memory over 48 KB, sync
// copies from a thread that is capturing, kernels not in the module's image; and, which a GPU would not notice, a
// kernel writing just outside an allocation (256 guard bytes each side, checked after every launch).
#include <cuda.h>

#include "registry.h"

// JCuda 12.6's binding calls these by their CUDA 12 names, which this toolkit's cuda.h maps to newer versions.
#undef cuEventElapsedTime
extern "C" CUresult cuEventElapsedTime(float* ms, CUevent start, CUevent end);

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <map>
#include <mutex>
#include <string>
#include <vector>
#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#endif

namespace {

constexpr size_t TOTAL_MEMORY = 4ull << 30;
constexpr size_t DEFAULT_DYNAMIC_SHARED = 48 * 1024;
constexpr int MAX_DYNAMIC_SHARED = 227 * 1024;
constexpr size_t GUARD = 256;
constexpr unsigned char GUARD_BYTE = 0xA5;
const char* const NAME = "QuantServe CUDA emulation on the host CPU";

struct Module {
    std::string image;
};

struct Function {
    std::string name;
    emu::Binder binder;
    size_t max_dynamic_shared = DEFAULT_DYNAMIC_SHARED;  // raised by cuFuncSetAttribute, as on a device
};

struct Graph {
    std::vector<std::function<void()>> ops;
};

struct Event {
    std::chrono::steady_clock::time_point at;
    bool recorded = false;
};

std::recursive_mutex lock;
std::map<uintptr_t, size_t> allocations;  // start -> bytes
size_t allocated = 0;
int context;                               // the primary context's identity
CUstream capturing = nullptr;              // the stream being captured, if any
Graph* capture = nullptr;
thread_local bool capturingThread = false;
CUresult sticky = CUDA_SUCCESS;            // as a device's illegal address: every later call fails

int sms() {
    const char* v = std::getenv("QUANTSERVE_CUDA_EMU_SMS");
    return v != nullptr ? std::atoi(v) : 132;
}

void report(const std::string& what) { std::fprintf(stderr, "cuda emulation: %s\n", what.c_str()); }

/** Whether [p, p + bytes) lies inside one allocation. */
bool inside(CUdeviceptr p, size_t bytes) {
    auto it = allocations.upper_bound((uintptr_t) p);
    if (it == allocations.begin()) return false;
    --it;
    return (uintptr_t) p >= it->first && (uintptr_t) p + bytes <= it->first + it->second;
}

/** The first allocation whose guard bytes a write changed, or 0. */
uintptr_t overwrittenGuard() {
#if defined(__SANITIZE_ADDRESS__)
    return 0;  // poisoned: AddressSanitizer has stopped any access to them
#endif
    for (const auto& [start, bytes] : allocations) {
        const unsigned char* before = reinterpret_cast<const unsigned char*>(start) - GUARD;
        const unsigned char* after = reinterpret_cast<const unsigned char*>(start) + bytes;
        for (size_t i = 0; i < GUARD; i++) {
            if (before[i] != GUARD_BYTE || after[i] != GUARD_BYTE) return start;
        }
    }
    return 0;
}

/** Runs op now, or records it into the graph when the stream is being captured. */
CUresult enqueue(CUstream stream, std::function<void()> op) {
    if (capture != nullptr && stream == capturing) {
        capture->ops.push_back(std::move(op));
        return CUDA_SUCCESS;
    }
    op();
    return sticky;
}

/**
 * A synchronous copy or fill of n bytes at each of the device pointers: refused after an illegal address, on the
 * thread that is capturing (thread-local capture mode), or outside an allocation.
 */
CUresult synchronous(const char* call, size_t n, std::initializer_list<CUdeviceptr> device, const std::function<void()>& op) {
    std::lock_guard<std::recursive_mutex> g(lock);
    if (sticky != CUDA_SUCCESS) return sticky;
    if (capture != nullptr && capturingThread) {
        report(std::string(call) + " during stream capture");
        return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    }
    for (CUdeviceptr p : device) {
        if (!inside(p, n)) return CUDA_ERROR_INVALID_VALUE;
    }
    op();
    return CUDA_SUCCESS;
}

/** A PTX module's text or a cubin (ELF64: ends with its section headers). */
std::string imageBytes(const void* image) {
    const char* p = static_cast<const char*>(image);
    if (std::memcmp(p, "\x7f" "ELF", 4) == 0) {
        uint64_t shoff;
        uint16_t shentsize, shnum;
        std::memcpy(&shoff, p + 0x28, 8);
        std::memcpy(&shentsize, p + 0x3A, 2);
        std::memcpy(&shnum, p + 0x3C, 2);
        return std::string(p, shoff + (uint64_t) shentsize * shnum);
    }
    return std::string(p);
}

}  // namespace

extern "C" {

CUresult cuInit(unsigned) { return CUDA_SUCCESS; }

CUresult cuDriverGetVersion(int* version) {
    *version = 12060;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetCount(int* count) {
    *count = 1;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGet(CUdevice* device, int ordinal) {
    if (ordinal != 0) return CUDA_ERROR_INVALID_DEVICE;
    *device = 0;
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetName(char* name, int length, CUdevice) {
    std::snprintf(name, length, "%s", NAME);
    return CUDA_SUCCESS;
}

CUresult cuDeviceGetAttribute(int* value, CUdevice_attribute attribute, CUdevice) {
    switch (attribute) {
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *value = 9; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *value = 0; return CUDA_SUCCESS;
        case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *value = sms(); return CUDA_SUCCESS;
        default:
            report("device attribute " + std::to_string((int) attribute) + " is not emulated");
            return CUDA_ERROR_NOT_SUPPORTED;
    }
}

CUresult cuDeviceTotalMem_v2(size_t* bytes, CUdevice) {
    *bytes = TOTAL_MEMORY;
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRetain(CUcontext* ctx, CUdevice) {
    *ctx = reinterpret_cast<CUcontext>(&context);
    return CUDA_SUCCESS;
}

CUresult cuDevicePrimaryCtxRelease_v2(CUdevice) { return CUDA_SUCCESS; }
CUresult cuCtxSetCurrent(CUcontext) { return CUDA_SUCCESS; }
CUresult cuCtxSynchronize() { return sticky; }

CUresult cuMemGetInfo_v2(size_t* free, size_t* total) {
    std::lock_guard<std::recursive_mutex> g(lock);
    *free = TOTAL_MEMORY - allocated;
    *total = TOTAL_MEMORY;
    return CUDA_SUCCESS;
}

CUresult cuMemAlloc_v2(CUdeviceptr* p, size_t bytes) {
    std::lock_guard<std::recursive_mutex> g(lock);
    if (bytes == 0) return CUDA_ERROR_INVALID_VALUE;
    if (allocated + bytes > TOTAL_MEMORY) return CUDA_ERROR_OUT_OF_MEMORY;
    unsigned char* memory = static_cast<unsigned char*>(std::aligned_alloc(256, GUARD + (bytes + 255) / 256 * 256 + GUARD));
    if (memory == nullptr) return CUDA_ERROR_OUT_OF_MEMORY;
    std::memset(memory, GUARD_BYTE, GUARD);
    std::memset(memory + GUARD + bytes, GUARD_BYTE, GUARD);
#if defined(__SANITIZE_ADDRESS__)
    __asan_poison_memory_region(memory, GUARD);  // a kernel reading or writing there stops at once, naming its line
    __asan_poison_memory_region(memory + GUARD + bytes, GUARD);
#endif
    allocations[(uintptr_t) (memory + GUARD)] = bytes;
    allocated += bytes;
    *p = (CUdeviceptr) (memory + GUARD);
    return CUDA_SUCCESS;
}

CUresult cuMemFree_v2(CUdeviceptr p) {
    std::lock_guard<std::recursive_mutex> g(lock);
    auto it = allocations.find((uintptr_t) p);
    if (it == allocations.end()) {
        report("cuMemFree of a pointer that is not an allocation's start");
        return CUDA_ERROR_INVALID_VALUE;
    }
    size_t bytes = it->second;
    allocated -= bytes;
    allocations.erase(it);
#if defined(__SANITIZE_ADDRESS__)
    __asan_unpoison_memory_region(reinterpret_cast<unsigned char*>(p) - GUARD, GUARD + bytes + GUARD);
#else
    (void) bytes;
#endif
    std::free(reinterpret_cast<unsigned char*>(p) - GUARD);
    return CUDA_SUCCESS;
}

CUresult cuMemsetD8_v2(CUdeviceptr p, unsigned char value, size_t n) {
    return synchronous("cuMemsetD8", n, {p}, [&] { std::memset(reinterpret_cast<void*>(p), value, n); });
}

CUresult cuMemcpyHtoD_v2(CUdeviceptr dst, const void* src, size_t n) {
    return synchronous("cuMemcpyHtoD", n, {dst}, [&] { std::memcpy(reinterpret_cast<void*>(dst), src, n); });
}

CUresult cuMemcpyDtoH_v2(void* dst, CUdeviceptr src, size_t n) {
    return synchronous("cuMemcpyDtoH", n, {src}, [&] { std::memcpy(dst, reinterpret_cast<void*>(src), n); });
}

CUresult cuMemcpyDtoD_v2(CUdeviceptr dst, CUdeviceptr src, size_t n) {
    return synchronous("cuMemcpyDtoD", n, {dst, src},
                       [&] { std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<void*>(src), n); });
}

CUresult cuModuleLoadData(CUmodule* module, const void* image) {
    *module = reinterpret_cast<CUmodule>(new Module{imageBytes(image)});
    return CUDA_SUCCESS;
}

CUresult cuModuleUnload(CUmodule module) {
    delete reinterpret_cast<Module*>(module);
    return CUDA_SUCCESS;
}

CUresult cuModuleGetFunction(CUfunction* function, CUmodule module, const char* name) {
    if (reinterpret_cast<Module*>(module)->image.find(name) == std::string::npos) return CUDA_ERROR_NOT_FOUND;
    auto it = emu::kernels().find(name);
    if (it == emu::kernels().end()) {
        report(std::string("kernel ") + name + " is in the module but not in the emulation");
        return CUDA_ERROR_NOT_FOUND;
    }
    *function = reinterpret_cast<CUfunction>(new Function{name, it->second});
    return CUDA_SUCCESS;
}

CUresult cuLaunchKernel(CUfunction f, unsigned gx, unsigned gy, unsigned gz, unsigned bx, unsigned by, unsigned bz,
                        unsigned sharedBytes, CUstream stream, void** params, void** extra) {
    std::lock_guard<std::recursive_mutex> g(lock);
    Function* function = reinterpret_cast<Function*>(f);
    if (extra != nullptr || params == nullptr) {
        report(function->name + ": only kernelParams are emulated");
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (by != 1 || bz != 1 || bx == 0 || bx > 1024 || bx % 32 != 0) {
        report(function->name + ": blocks of 32-1024 threads along x only");
        return CUDA_ERROR_INVALID_VALUE;
    }
    if (gx == 0 || gy == 0 || gz == 0 || gy > 65535 || gz > 65535) return CUDA_ERROR_INVALID_VALUE;
    if (sharedBytes > function->max_dynamic_shared) {
        report(function->name + ": " + std::to_string(sharedBytes) + " B of dynamic shared memory, over the kernel's " +
               std::to_string(function->max_dynamic_shared) + " B (cuFuncSetAttribute raises the 48 KB default)");
        return CUDA_ERROR_INVALID_VALUE;
    }
    emu::BoundLaunch launch = function->binder(params);
    dim3 grid(gx, gy, gz), block(bx, by, bz);
    std::string name = function->name;
    return enqueue(stream, [launch, grid, block, sharedBytes, name] {
        // every other launch runs its blocks and threads last to first with its cp.async copies landing at once (a
        // GPU fixes neither order nor timing): a kernel whose results depend on them fails the tests one way
        static unsigned long long launches = 0;
        emu::reversed = launches++ % 2 == 1;
        emu::timing = emu::reversed ? emu::CopyTiming::EARLY : emu::CopyTiming::LATE;
        launch(grid, block, sharedBytes);
        if (uintptr_t start = overwrittenGuard()) {
            report(name + " wrote outside the allocation at " + std::to_string(start) + " (" +
                   std::to_string(allocations[start]) + " bytes)");
            sticky = CUDA_ERROR_ILLEGAL_ADDRESS;
        }
    });
}

/** Only the dynamic shared memory limit, up to sm_90's 227 KB a block. */
CUresult cuFuncSetAttribute(CUfunction f, CUfunction_attribute attribute, int value) {
    std::lock_guard<std::recursive_mutex> g(lock);
    Function* function = reinterpret_cast<Function*>(f);
    if (attribute != CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES) {
        report(function->name + ": function attribute " + std::to_string((int) attribute) + " is not emulated");
        return CUDA_ERROR_NOT_SUPPORTED;
    }
    if (value < 0 || value > MAX_DYNAMIC_SHARED) {
        report(function->name + ": " + std::to_string(value) + " B of dynamic shared memory, over sm_90's " +
               std::to_string(MAX_DYNAMIC_SHARED) + " B a block");
        return CUDA_ERROR_INVALID_VALUE;
    }
    function->max_dynamic_shared = (size_t) value;
    return CUDA_SUCCESS;
}

CUresult cuStreamCreate(CUstream* stream, unsigned) {
    *stream = reinterpret_cast<CUstream>(new int);
    return CUDA_SUCCESS;
}

CUresult cuStreamDestroy_v2(CUstream stream) {
    delete reinterpret_cast<int*>(stream);
    return CUDA_SUCCESS;
}

CUresult cuStreamSynchronize(CUstream) { return sticky; }

CUresult cuStreamBeginCapture_v2(CUstream stream, CUstreamCaptureMode) {
    std::lock_guard<std::recursive_mutex> g(lock);
    if (capture != nullptr) return CUDA_ERROR_ILLEGAL_STATE;
    if (stream == nullptr) return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
    capture = new Graph();
    capturing = stream;
    capturingThread = true;
    return CUDA_SUCCESS;
}

CUresult cuStreamEndCapture(CUstream stream, CUgraph* graph) {
    std::lock_guard<std::recursive_mutex> g(lock);
    if (capture == nullptr || stream != capturing) return CUDA_ERROR_ILLEGAL_STATE;
    *graph = reinterpret_cast<CUgraph>(capture);
    capture = nullptr;
    capturing = nullptr;
    capturingThread = false;
    return CUDA_SUCCESS;
}

CUresult cuGraphInstantiateWithFlags(CUgraphExec* exec, CUgraph graph, unsigned long long) {
    *exec = reinterpret_cast<CUgraphExec>(new Graph(*reinterpret_cast<Graph*>(graph)));
    return CUDA_SUCCESS;
}

CUresult cuGraphLaunch(CUgraphExec exec, CUstream stream) {
    std::lock_guard<std::recursive_mutex> g(lock);
    Graph* graph = reinterpret_cast<Graph*>(exec);
    return enqueue(stream, [graph] {
        for (auto& op : graph->ops) op();
    });
}

CUresult cuGraphDestroy(CUgraph graph) {
    delete reinterpret_cast<Graph*>(graph);
    return CUDA_SUCCESS;
}

CUresult cuGraphExecDestroy(CUgraphExec exec) {
    delete reinterpret_cast<Graph*>(exec);
    return CUDA_SUCCESS;
}

CUresult cuEventCreate(CUevent* event, unsigned) {
    *event = reinterpret_cast<CUevent>(new Event());
    return CUDA_SUCCESS;
}

CUresult cuEventDestroy_v2(CUevent event) {
    delete reinterpret_cast<Event*>(event);
    return CUDA_SUCCESS;
}

CUresult cuEventRecord(CUevent e, CUstream stream) {
    std::lock_guard<std::recursive_mutex> g(lock);
    Event* event = reinterpret_cast<Event*>(e);
    return enqueue(stream, [event] {
        event->at = std::chrono::steady_clock::now();
        event->recorded = true;
    });
}

CUresult cuEventSynchronize(CUevent) { return CUDA_SUCCESS; }

CUresult cuEventElapsedTime(float* ms, CUevent start, CUevent end) {
    Event* a = reinterpret_cast<Event*>(start);
    Event* b = reinterpret_cast<Event*>(end);
    if (!a->recorded || !b->recorded) return CUDA_ERROR_INVALID_HANDLE;
    *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
    return CUDA_SUCCESS;
}

// a profiler's collection range (cudaProfiler.h): nothing to collect here, as on a device with no profiler attached
CUresult cuProfilerStart() { return CUDA_SUCCESS; }

CUresult cuProfilerStop() { return CUDA_SUCCESS; }

CUresult cuGetErrorName(CUresult error, const char** name) {
    static thread_local std::string text;
    text = "CUresult " + std::to_string((int) error);
    *name = text.c_str();
    return CUDA_SUCCESS;
}

CUresult cuGetErrorString(CUresult error, const char** message) { return cuGetErrorName(error, message); }

}  // extern "C"
