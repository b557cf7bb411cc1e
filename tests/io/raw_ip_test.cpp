// LinkKind::raw_ip on a tun device: what TxSocket sends comes out of the tun descriptor with
// the right ethertype, and what we write into the tun reaches the RxSocket (and the kernel,
// which answers it).
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstring>

#include "io/packet_socket.hpp"
#include "io_support.hpp"
#include "net/packet_view.hpp"

namespace portwarden::iotest {
namespace {

using io::LinkKind;

constexpr std::size_t kPacketInfo = 4;  // struct tun_pi: u16 flags, be16 protocol

// The packet with its tun_pi header in front.
std::vector<std::uint8_t> with_info(std::uint16_t ethertype, const std::vector<std::uint8_t>& p) {
    std::vector<std::uint8_t> out(kPacketInfo + p.size(), 0);
    if (!net::store_be16(out, 2, ethertype) || !net::store_bytes(out, kPacketInfo, p)) {
        throw std::runtime_error("tun packet does not fit");
    }
    return out;
}

// The tun device of the namespace, attached with IFF_PI so each packet carries its ethertype.
class Tun {
public:
    Tun() {
        fd_ = ::open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
        ifreq request{};
        std::strncpy(request.ifr_name, env("TUN_IF").c_str(), IFNAMSIZ - 1);
        request.ifr_flags = IFF_TUN;
        if (fd_ < 0 || ::ioctl(fd_, TUNSETIFF, &request) != 0) {
            throw std::runtime_error(std::string("cannot attach the tun: ") + std::strerror(errno));
        }
    }
    Tun(const Tun&) = delete;
    Tun& operator=(const Tun&) = delete;
    ~Tun() { ::close(fd_); }

    void write_packet(std::uint16_t ethertype, const std::vector<std::uint8_t>& packet) const {
        const auto out = with_info(ethertype, packet);
        ASSERT_EQ(::write(fd_, out.data(), out.size()), static_cast<ssize_t>(out.size()));
    }

    // Reads packets (the kernel also sends its own, e.g. MLD) until `match` accepts one.
    template <class Match>
    std::optional<std::vector<std::uint8_t>> read_until(Match match) const {
        const auto deadline = std::chrono::steady_clock::now() + 2s;
        std::vector<std::uint8_t> buffer(65536);
        while (std::chrono::steady_clock::now() < deadline) {
            pollfd waiting{fd_, POLLIN, 0};
            if (::poll(&waiting, 1, 100) <= 0) {
                continue;
            }
            const ssize_t n = ::read(fd_, buffer.data(), buffer.size());
            if (n < static_cast<ssize_t>(kPacketInfo)) {
                continue;
            }
            std::vector<std::uint8_t> packet(buffer.begin(), buffer.begin() + n);
            if (match(packet)) {
                return packet;
            }
        }
        return std::nullopt;
    }

private:
    int fd_ = -1;
};

TEST(RawIp, TxSocketSendsIpv4AndIpv6WithTheirEthertypes) {
    const Tun tun;
    const int index = ifindex(env("TUN_IF"));
    auto tx = io::TxSocket::open(index, LinkKind::raw_ip);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    const auto v4 = frame({addr("198.18.202.1"), addr("198.18.202.2"), 45000, 80, 5, 6, {}, {}});
    const auto v6 =
        frame({addr("fd00:0:0:202::1"), addr("fd00:0:0:202::2"), 45001, 80, 6, 6, {}, {}});
    const std::vector<net::ConstBytes> frames = {v4, v6};
    const auto sent = tx->send(frames);
    ASSERT_TRUE(sent.has_value()) << sent.error().message;
    EXPECT_EQ(*sent, 2U);
    const auto is = [](const std::vector<std::uint8_t>& want) {
        return [&want](const std::vector<std::uint8_t>& got) { return got == want; };
    };
    const auto want_v4 = with_info(0x0800, v4);
    const auto want_v6 = with_info(0x86dd, v6);
    EXPECT_TRUE(tun.read_until(is(want_v4)).has_value());
    EXPECT_TRUE(tun.read_until(is(want_v6)).has_value());
}

TEST(RawIp, FrameThatIsNotIpIsAnError) {
    auto tx = io::TxSocket::open(ifindex(env("TUN_IF")), LinkKind::raw_ip);
    ASSERT_TRUE(tx.has_value()) << tx.error().message;
    const std::vector<std::uint8_t> junk(40, 0x11);
    const std::vector<net::ConstBytes> frames = {junk};
    EXPECT_FALSE(tx->send(frames).has_value());
}

TEST(RawIp, RxSocketReceivesWhatArrivesOnTheTunAndTheKernelAnswers) {
    const Tun tun;
    const int index = ifindex(env("TUN_IF"));
    struct Case {
        const char* peer;
        const char* us;
        std::uint16_t ethertype;
        const char* filter;
    };
    for (const Case& c : {Case{"198.18.202.2", "198.18.202.1", 0x0800, "tcp and dst port 7100"},
                          Case{"fd00:0:0:202::2", "fd00:0:0:202::1", 0x86dd,
                               "ip6 and tcp and dst port 7100"}}) {
        auto rx = io::RxSocket::open(index, LinkKind::raw_ip, c.filter);
        ASSERT_TRUE(rx.has_value()) << rx.error().message;
        EXPECT_EQ(rx->link_type(), net::LinkType::raw_ip);
        const auto syn = frame({addr(c.peer), addr(c.us), 46000, 7100, 1000, 6, {}, {}});
        tun.write_packet(c.ethertype, syn);
        const auto got = collect(*rx, 1, 2000ms);
        ASSERT_EQ(got.size(), 1U) << c.peer;
        EXPECT_EQ(got[0], syn);
        const auto parsed = net::parse_frame(got[0], net::LinkType::raw_ip);
        ASSERT_TRUE(parsed.has_value() && parsed->tcp.has_value());
        EXPECT_EQ(parsed->tcp->dst_port, 7100);
        // The kernel took it in and answered with a RST out of the tun.
        const auto rst = tun.read_until([&](const std::vector<std::uint8_t>& p) {
            const auto r = net::parse_frame(net::ConstBytes(p).subspan(kPacketInfo),
                                            net::LinkType::raw_ip);
            return r && r->tcp && r->tcp->src_port == 7100 && r->tcp->dst_port == 46000 &&
                   (r->tcp->flags & net::kTcpRst) != 0;
        });
        EXPECT_TRUE(rst.has_value()) << c.peer;
    }
}

}  // namespace
}  // namespace portwarden::iotest
