#pragma once
// A TCP PortResult in one call, for tests that build HostResults by hand.
#include <cstdint>

#include "portwarden/results.hpp"

namespace portwarden::test {

inline PortResult port(std::uint16_t p, PortState s, Reason r) {
    PortResult out;
    out.proto = Proto::tcp;
    out.port = p;
    out.state = s;
    out.reason = r;
    return out;
}

}  // namespace portwarden::test
