#include "engine/raw/raw_prepare.hpp"

#include <utility>

#include "engine/raw/raw_link.hpp"
#include "portwarden/scan.hpp"

namespace portwarden {

RawPrepared::RawPrepared()
    : link_(std::async(std::launch::async,
                       [] { return io::RxSocket::prepare(io::LinkKind::ethernet, engine::link_ring_options()); })) {}

RawPrepared::~RawPrepared() {
    if (discarder_.joinable()) {
        discarder_.join();
    }
}

std::optional<io::RxSocket> RawPrepared::take_link(io::LinkKind kind) {
    const std::lock_guard lock(mutex_);
    if (!link_.valid()) {
        return std::nullopt;
    }
    Result<io::RxSocket> socket = link_.get();
    if (!socket) {
        return std::nullopt;
    }
    if (!socket->prepared_for(kind, engine::link_ring_options())) {
        discarder_ = std::thread([unused = std::move(*socket)]() mutable { (void)unused; });
        return std::nullopt;
    }
    return std::move(*socket);
}

std::shared_ptr<RawPrepared> prepare_raw_sockets() { return std::make_shared<RawPrepared>(); }

}  // namespace portwarden
