#pragma once
// -sV's ssl tunnel: a TLS client over a connected non-blocking socket (OpenSSL), driven by the
// prober's epoll loop. Like nmap's version detection it checks no certificate and accepts
// every protocol version and cipher the library has: it only wants to talk to the service.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

using SSL_CTX = struct ssl_ctx_st;
using SSL = struct ssl_st;

namespace portwarden::version {

// The client settings every tunnel of one -sV run shares. Empty when OpenSSL could not make
// one (then no tunnel is tried and "ssl" is the answer, as in an nmap without OpenSSL).
class TlsContext {
public:
    TlsContext();
    bool usable() const { return ctx_ != nullptr; }
    SSL_CTX* get() const { return ctx_.get(); }

private:
    struct Free {
        void operator()(SSL_CTX* ctx) const;
    };
    std::unique_ptr<SSL_CTX, Free> ctx_;
};

enum class TlsIo : std::uint8_t {
    ok,          // done (handshake finished, bytes read or written)
    want_read,   // wait for EPOLLIN, then call again
    want_write,  // wait for EPOLLOUT, then call again
    closed,      // the peer ended the session (or the connection)
    failed,      // a TLS or socket error: this probe is over
};

class TlsChannel {
public:
    TlsChannel(const TlsContext& context, int fd);
    bool usable() const { return ssl_ != nullptr; }
    TlsIo handshake();
    TlsIo write(std::string_view bytes);
    // Reads up to `size` bytes into `out`; `got` is set on ok.
    TlsIo read(char* out, std::size_t size, std::size_t& got);

private:
    TlsIo status(int ret);
    struct Free {
        void operator()(SSL* ssl) const;
    };
    std::unique_ptr<SSL, Free> ssl_;
};

}  // namespace portwarden::version
