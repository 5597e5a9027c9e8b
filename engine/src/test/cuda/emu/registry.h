// The emulated kernels by name, for the host driver (driver.cpp): a launch's parameters arrive as cuLaunchKernel's
// void** (one pointer to each argument's value); each kernel's registration knows its parameter types, so it copies
// the values (as the driver does at launch or at graph capture) into a call it can run later.
#pragma once
#include "cuda_emu.h"

#include <map>
#include <string>
#include <tuple>
#include <utility>

namespace emu {

/** A launch with its arguments copied: runs the kernel on a grid of blocks. */
using BoundLaunch = std::function<void(dim3 grid, dim3 block, size_t dynamic_bytes)>;
using Binder = std::function<BoundLaunch(void** params)>;

inline std::map<std::string, Binder>& kernels() {
    static std::map<std::string, Binder> byName;
    return byName;
}

template <typename... A, size_t... I>
BoundLaunch bind_arguments(void (*kernel)(A...), void** params, std::index_sequence<I...>) {
    std::tuple<std::decay_t<A>...> args{*static_cast<std::decay_t<A>*>(params[I])...};
    return [kernel, args](dim3 grid, dim3 block, size_t dynamic_bytes) {
        launch(grid, block, dynamic_bytes, [&] { std::apply(kernel, args); });
    };
}

/** Registers kernel under its PTX entry name (a static of the file that includes the kernel's source). */
struct Registration {
    template <typename... A>
    Registration(const char* name, void (*kernel)(A...)) {
        kernels()[name] = [kernel](void** params) { return bind_arguments(kernel, params, std::index_sequence_for<A...>{}); };
    }
};

}  // namespace emu
