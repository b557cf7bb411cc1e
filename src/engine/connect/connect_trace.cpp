#include "engine/connect/connect_trace.hpp"

#include <system_error>

#include <fmt/format.h>

namespace portwarden::engine {

void ConnectTrace::connect_result(const Address& address, std::uint16_t port, int error,
                                  std::chrono::steady_clock::time_point at) const {
    if (!sink) {
        return;
    }
    const std::chrono::duration<double> since = at - start;
    // generic_category's message is strerror_r's: safe from the worker threads.
    const std::string result = error == 0 ? "Connected" : std::error_code(error, std::generic_category()).message();
    sink(fmt::format("CONN ({:.4f}s) TCP localhost > {}:{} => {}", since.count(), address.to_string(), port, result));
}

}  // namespace portwarden::engine
