#include "io/netlink.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>

namespace portwarden::io::netlink {

namespace {

constexpr std::size_t kHeader = sizeof(nlmsghdr);
constexpr std::size_t kAttributeHeader = 4;   // rtattr: u16 length, u16 type
constexpr std::size_t kReceiveBuffer = 65536;
constexpr int kMaxDatagrams = 64;             // replies read before giving up
constexpr std::uint16_t kAttributeTypeMask = 0x3fff;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }

private:
    int fd_;
};

struct Reply {
    bool done = false;  // found the reply or an error
    tl::expected<std::vector<std::uint8_t>, int> result = tl::unexpected(ENOMSG);
};

// Looks through one datagram for the answer to `seq`.
Reply scan_datagram(net::ConstBytes data, std::uint32_t seq, std::uint16_t reply_type) {
    std::size_t offset = 0;
    while (offset < data.size()) {
        const auto header = load_struct<nlmsghdr>(data.subspan(offset));
        if (!header || header->nlmsg_len < kHeader || !net::fits(data.size(), offset,
                                                                 header->nlmsg_len)) {
            return {true, tl::unexpected(EBADMSG)};
        }
        const net::ConstBytes payload =
            data.subspan(offset + kHeader, header->nlmsg_len - kHeader);
        offset += align4(header->nlmsg_len);
        if (header->nlmsg_seq != seq) {
            continue;
        }
        if (header->nlmsg_type == NLMSG_ERROR) {
            const auto error = load_struct<nlmsgerr>(payload);
            if (!error) {
                return {true, tl::unexpected(EBADMSG)};
            }
            if (error->error != 0) {
                return {true, tl::unexpected(-error->error)};
            }
            continue;  // an acknowledgement
        }
        if (header->nlmsg_type == NLMSG_DONE) {
            return {true, tl::unexpected(ENOENT)};
        }
        if (header->nlmsg_type == reply_type) {
            return {true, std::vector<std::uint8_t>(payload.begin(), payload.end())};
        }
    }
    return {};
}

}  // namespace

Request::Request(std::uint16_t type, std::uint16_t flags) {
    nlmsghdr header{};
    header.nlmsg_type = type;
    header.nlmsg_flags = flags;
    append(&header, sizeof(header));
}

void Request::append(const void* data, std::size_t length) {
    const std::size_t start = bytes_.size();
    bytes_.resize(start + length);
    std::memcpy(bytes_.data() + start, data, length);
    bytes_.resize(align4(bytes_.size()), 0);
}

Request& Request::attribute(std::uint16_t type, net::ConstBytes payload) {
    const auto length = static_cast<std::uint16_t>(kAttributeHeader + payload.size());
    const std::uint16_t header[2] = {length, type};
    const std::size_t start = bytes_.size();
    bytes_.resize(start + kAttributeHeader + payload.size());
    std::memcpy(bytes_.data() + start, header, kAttributeHeader);
    if (!payload.empty()) {
        std::memcpy(bytes_.data() + start + kAttributeHeader, payload.data(), payload.size());
    }
    bytes_.resize(align4(bytes_.size()), 0);
    return *this;
}

std::vector<std::uint8_t> Request::bytes(std::uint32_t seq) const {
    std::vector<std::uint8_t> out = bytes_;
    auto header = load_struct<nlmsghdr>(out).value();
    header.nlmsg_len = static_cast<std::uint32_t>(out.size());
    header.nlmsg_seq = seq;
    std::memcpy(out.data(), &header, sizeof(header));
    return out;
}

std::optional<std::vector<Attribute>> parse_attributes(net::ConstBytes data) {
    std::vector<Attribute> attributes;
    std::size_t offset = 0;
    while (data.size() - offset >= kAttributeHeader) {
        std::uint16_t header[2] = {0, 0};
        std::memcpy(header, data.data() + offset, kAttributeHeader);
        if (header[0] < kAttributeHeader || !net::fits(data.size(), offset, header[0])) {
            return std::nullopt;
        }
        attributes.push_back(
            {static_cast<std::uint16_t>(header[1] & kAttributeTypeMask),
             data.subspan(offset + kAttributeHeader, header[0] - kAttributeHeader)});
        offset = std::min(data.size(), offset + align4(header[0]));
    }
    return attributes;
}

std::optional<net::ConstBytes> find(const std::vector<Attribute>& attributes, std::uint16_t type) {
    for (const auto& attribute : attributes) {
        if (attribute.type == type) {
            return attribute.payload;
        }
    }
    return std::nullopt;
}

std::optional<std::uint32_t> as_u32(std::optional<net::ConstBytes> payload) {
    if (!payload || payload->size() != sizeof(std::uint32_t)) {
        return std::nullopt;
    }
    return load_struct<std::uint32_t>(*payload);
}

tl::expected<std::vector<std::uint8_t>, int> query(const Request& request,
                                                   std::uint16_t reply_type) {
    const Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE));
    if (fd.get() < 0) {
        return tl::unexpected(errno);
    }
    const timeval timeout{2, 0};  // the kernel answers at once; never hang on it
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
        return tl::unexpected(errno);
    }
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    static std::atomic<std::uint32_t> next_seq{1};
    const std::uint32_t seq = next_seq.fetch_add(1);
    const std::vector<std::uint8_t> message = request.bytes(seq);
    sockaddr* const kernel_address = static_cast<sockaddr*>(static_cast<void*>(&kernel));
    if (::sendto(fd.get(), message.data(), message.size(), 0, kernel_address,
                 sizeof(kernel)) < 0) {
        return tl::unexpected(errno);
    }
    std::vector<std::uint8_t> buffer(kReceiveBuffer);
    for (int i = 0; i < kMaxDatagrams; ++i) {
        const ssize_t n = ::recv(fd.get(), buffer.data(), buffer.size(), MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return tl::unexpected(errno == EAGAIN ? ETIMEDOUT : errno);
        }
        if (static_cast<std::size_t>(n) > buffer.size()) {
            return tl::unexpected(EMSGSIZE);
        }
        Reply reply = scan_datagram(net::ConstBytes(buffer).first(static_cast<std::size_t>(n)),
                                    seq, reply_type);
        if (reply.done) {
            return std::move(reply.result);
        }
    }
    return tl::unexpected(ENOMSG);
}

}  // namespace portwarden::io::netlink
