#pragma once
// A minimal rtnetlink client: build one request (header, fixed struct, attributes), send it,
// and read the kernel's answer. Replies are parsed by copying headers out of the received
// bytes (memcpy), every length checked against the buffer; nothing casts packet memory.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <optional>
#include <type_traits>
#include <utility>
#include <vector>

#include <tl/expected.hpp>

#include "net/bytes.hpp"

namespace portwarden::io::netlink {

// NLMSG_ALIGN / RTA_ALIGN: netlink headers and attributes start at 4-byte boundaries.
constexpr std::size_t align4(std::size_t n) { return (n + 3U) & ~std::size_t{3}; }

// Reads a trivially copyable struct from the start of `data`; nullopt when it is too short.
template <class T>
std::optional<T> load_struct(net::ConstBytes data) {
    static_assert(std::is_trivially_copyable_v<T>);
    if (data.size() < sizeof(T)) {
        return std::nullopt;
    }
    T value{};
    std::memcpy(&value, data.data(), sizeof(T));
    return value;
}

// One request message: nlmsghdr + a fixed struct + attributes, lengths filled in by bytes().
class Request {
public:
    Request(std::uint16_t type, std::uint16_t flags);

    template <class T>
    Request& body(const T& value) {
        static_assert(std::is_trivially_copyable_v<T>);
        append(&value, sizeof(T));
        return *this;
    }
    Request& attribute(std::uint16_t type, net::ConstBytes payload);

    // The finished message with nlmsg_len and nlmsg_seq set.
    std::vector<std::uint8_t> bytes(std::uint32_t seq) const;

private:
    void append(const void* data, std::size_t length);
    std::vector<std::uint8_t> bytes_;
};

struct Attribute {
    std::uint16_t type = 0;  // without NLA_F_NESTED / NLA_F_NET_BYTEORDER
    net::ConstBytes payload;
};

// The attributes packed in `data` (rtattr list); nullopt when one overruns the buffer.
std::optional<std::vector<Attribute>> parse_attributes(net::ConstBytes data);
// The payload of the first attribute of this type.
std::optional<net::ConstBytes> find(const std::vector<Attribute>& attributes, std::uint16_t type);
// A native-endian u32 attribute payload (RTA_OIF, IFLA_MTU, ...).
std::optional<std::uint32_t> as_u32(std::optional<net::ConstBytes> payload);

// A reply's fixed struct (rtmsg, ifinfomsg, ndmsg, ...) and the attributes after it.
template <class T>
struct Message {
    T header;
    std::vector<Attribute> attributes;
};

template <class T>
std::optional<Message<T>> parse_message(net::ConstBytes payload) {
    const auto header = load_struct<T>(payload);
    if (!header || payload.size() < align4(sizeof(T))) {
        return std::nullopt;
    }
    auto attributes = parse_attributes(payload.subspan(align4(sizeof(T))));
    if (!attributes) {
        return std::nullopt;
    }
    return Message<T>{*header, std::move(*attributes)};
}

// Sends `request` (built by Request) over a fresh NETLINK_ROUTE socket and returns the payload
// (after nlmsghdr) of the kernel's reply of type `reply_type`. On failure: a positive errno
// (the kernel's NLMSG_ERROR code, a socket error, or EBADMSG for a malformed reply).
tl::expected<std::vector<std::uint8_t>, int> query(const Request& request,
                                                   std::uint16_t reply_type);

// query() for many requests in a row (a host group's routes): one NETLINK_ROUTE socket and
// one receive buffer for all of them, opened at the first query. Not thread-safe.
class Channel {
public:
    Channel() = default;
    Channel(const Channel&) = delete;
    Channel& operator=(const Channel&) = delete;
    ~Channel();
    tl::expected<std::vector<std::uint8_t>, int> query(const Request& request, std::uint16_t reply_type);

private:
    int fd_ = -1;
    std::vector<std::uint8_t> buffer_;
};

// Sends a dump request (NLM_F_DUMP) over a fresh socket of `protocol` (NETLINK_SOCK_DIAG, ...)
// and returns the payload of every reply of type `reply_type` up to NLMSG_DONE. A dump the
// kernel flags as interrupted (NLM_F_DUMP_INTR: the table changed meanwhile) fails with EINTR.
// The socket is made in the calling thread's network namespace.
tl::expected<std::vector<std::vector<std::uint8_t>>, int> dump(int protocol, const Request& request,
                                                               std::uint16_t reply_type);

}  // namespace portwarden::io::netlink
