#include "io/netlink.hpp"

#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <utility>

namespace portwarden::io::netlink {

namespace {

constexpr std::size_t kHeader = sizeof(nlmsghdr);
constexpr std::size_t kAttributeHeader = 4;   // rtattr: u16 length, u16 type
constexpr std::size_t kReceiveBuffer = 65536;
constexpr int kMaxDatagrams = 64;             // replies read before giving up
constexpr int kMaxDumpDatagrams = 1 << 20;    // a dump's (64 KB each; the 2 s time-out ends a stall)
constexpr std::uint16_t kAttributeTypeMask = 0x3fff;

class Fd {
public:
    explicit Fd(int fd) : fd_(fd) {}
    Fd(Fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    Fd(const Fd&) = delete;
    Fd& operator=(const Fd&) = delete;
    Fd& operator=(Fd&&) = delete;
    ~Fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    int get() const { return fd_; }
    int release() { return std::exchange(fd_, -1); }

private:
    int fd_;
};

constexpr int kMore = -1;     // walk(): the datagram ended, more is to come
constexpr int kStopped = -2;  // walk(): on_reply took what it wanted
constexpr int kDone = 0;      // walk(): NLMSG_DONE

// Walks one datagram's messages to `seq`, handing each reply of `reply_type` to on_reply
// (which returns true to stop). Returns kMore, kStopped, kDone, or a positive errno (the
// kernel's NLMSG_ERROR code, EBADMSG for a malformed message, EINTR for an interrupted dump).
template <class OnReply>
int walk(net::ConstBytes data, std::uint32_t seq, std::uint16_t reply_type, OnReply&& on_reply) {
    std::size_t offset = 0;
    while (offset < data.size()) {
        const auto header = load_struct<nlmsghdr>(data.subspan(offset));
        if (!header || header->nlmsg_len < kHeader || !net::fits(data.size(), offset,
                                                                 header->nlmsg_len)) {
            return EBADMSG;
        }
        const net::ConstBytes payload =
            data.subspan(offset + kHeader, header->nlmsg_len - kHeader);
        offset += align4(header->nlmsg_len);
        if (header->nlmsg_seq != seq) {
            continue;
        }
        if ((header->nlmsg_flags & NLM_F_DUMP_INTR) != 0) {
            return EINTR;
        }
        if (header->nlmsg_type == NLMSG_ERROR) {
            const auto error = load_struct<nlmsgerr>(payload);
            if (!error) {
                return EBADMSG;
            }
            if (error->error != 0) {
                return -error->error;
            }
            continue;  // an acknowledgement
        }
        if (header->nlmsg_type == NLMSG_DONE) {
            return kDone;
        }
        if (header->nlmsg_type == reply_type && on_reply(payload)) {
            return kStopped;
        }
    }
    return kMore;
}

std::uint32_t next_seq() {
    static std::atomic<std::uint32_t> counter{1};
    return counter.fetch_add(1);
}

// A fresh netlink socket of `protocol`.
tl::expected<Fd, int> open_socket(int protocol) {
    Fd fd(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, protocol));
    if (fd.get() < 0) {
        return tl::unexpected(errno);
    }
    const timeval timeout{2, 0};  // the kernel answers at once; never hang on it
    if (::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout)) != 0) {
        return tl::unexpected(errno);
    }
    return fd;
}

// `request` sent to the kernel on `fd`: 0, or a positive errno.
int send_request(int fd, const Request& request, std::uint32_t seq) {
    sockaddr_nl kernel{};
    kernel.nl_family = AF_NETLINK;
    const std::vector<std::uint8_t> message = request.bytes(seq);
    sockaddr* const kernel_address = static_cast<sockaddr*>(static_cast<void*>(&kernel));
    if (::sendto(fd, message.data(), message.size(), 0, kernel_address, sizeof(kernel)) < 0) {
        return errno;
    }
    return 0;
}

// One datagram; its length, or a positive errno (ETIMEDOUT when the kernel said nothing).
tl::expected<std::size_t, int> receive(int fd, std::vector<std::uint8_t>& buffer) {
    for (;;) {
        const ssize_t n = ::recv(fd, buffer.data(), buffer.size(), MSG_TRUNC);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return tl::unexpected(errno == EAGAIN ? ETIMEDOUT : errno);
        }
        if (static_cast<std::size_t>(n) > buffer.size()) {
            return tl::unexpected(EMSGSIZE);
        }
        return static_cast<std::size_t>(n);
    }
}

// Sends `request` on `fd` and walks the kernel's datagrams (at most `max_datagrams`, read into
// `buffer`) until on_reply stops, NLMSG_DONE or an error: the last walk() status.
template <class OnReply>
int exchange_on(int fd, std::vector<std::uint8_t>& buffer, const Request& request, std::uint16_t reply_type,
                int max_datagrams, OnReply&& on_reply) {
    const std::uint32_t seq = next_seq();
    if (const int err = send_request(fd, request, seq); err != 0) {
        return err;
    }
    int status = kMore;
    for (int i = 0; i < max_datagrams && status == kMore; ++i) {
        const auto n = receive(fd, buffer);
        if (!n) {
            return n.error();
        }
        status = walk(net::ConstBytes(buffer).first(*n), seq, reply_type, on_reply);
    }
    return status;
}

// exchange_on over a fresh socket of `protocol`.
template <class OnReply>
int exchange(int protocol, const Request& request, std::uint16_t reply_type, int max_datagrams,
             OnReply&& on_reply) {
    auto opened = open_socket(protocol);
    if (!opened) {
        return opened.error();
    }
    std::vector<std::uint8_t> buffer(kReceiveBuffer);
    return exchange_on(opened->get(), buffer, request, reply_type, max_datagrams, on_reply);
}

// query()'s result from an exchange's status.
tl::expected<std::vector<std::uint8_t>, int> query_result(int status, std::vector<std::uint8_t>& reply) {
    if (status == kStopped) {
        return std::move(reply);
    }
    return tl::unexpected(status == kDone ? ENOENT : status == kMore ? ENOMSG : status);
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
    std::vector<std::uint8_t> reply;
    const int status = exchange(NETLINK_ROUTE, request, reply_type, kMaxDatagrams, [&](net::ConstBytes p) {
        reply.assign(p.begin(), p.end());
        return true;
    });
    return query_result(status, reply);
}

Channel::~Channel() {
    if (fd_ >= 0) {
        ::close(fd_);
    }
}

tl::expected<std::vector<std::uint8_t>, int> Channel::query(const Request& request, std::uint16_t reply_type) {
    if (fd_ < 0) {
        auto opened = open_socket(NETLINK_ROUTE);
        if (!opened) {
            return tl::unexpected(opened.error());
        }
        fd_ = opened->release();
        buffer_.resize(kReceiveBuffer);
    }
    std::vector<std::uint8_t> reply;
    const int status = exchange_on(fd_, buffer_, request, reply_type, kMaxDatagrams, [&](net::ConstBytes p) {
        reply.assign(p.begin(), p.end());
        return true;
    });
    return query_result(status, reply);
}

tl::expected<std::vector<std::vector<std::uint8_t>>, int> dump(int protocol, const Request& request,
                                                               std::uint16_t reply_type) {
    std::vector<std::vector<std::uint8_t>> replies;
    const int status = exchange(protocol, request, reply_type, kMaxDumpDatagrams, [&](net::ConstBytes p) {
        replies.emplace_back(p.begin(), p.end());
        return false;
    });
    if (status == kDone) {
        return replies;
    }
    return tl::unexpected(status == kMore ? ENOMSG : status);
}

}  // namespace portwarden::io::netlink
