#pragma once
// A function of a dlopen()ed library (libpq for a postgresql:// history, libcurl for webhooks:
// loaded when first needed, not linked, so no run pays for loading them).
#include <dlfcn.h>

#include <cstring>

namespace portwarden::io {

// Points `fn` at the symbol `name` of `handle`; false (and `fn` null) when there is none.
template <typename Fn>
bool resolve_symbol(void* handle, const char* name, Fn& fn) {
    void* symbol = dlsym(handle, name);
    static_assert(sizeof(symbol) == sizeof(fn));
    std::memcpy(&fn, &symbol, sizeof fn);  // POSIX: a dlsym result may be used as a function pointer
    return symbol != nullptr;
}

}  // namespace portwarden::io
