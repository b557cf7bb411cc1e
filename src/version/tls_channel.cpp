#include "version/tls_channel.hpp"

#include <openssl/err.h>
#include <openssl/ssl.h>

namespace portwarden::version {

void TlsContext::Free::operator()(SSL_CTX* ctx) const { SSL_CTX_free(ctx); }
void TlsChannel::Free::operator()(SSL* ssl) const { SSL_free(ssl); }

TlsContext::TlsContext() : ctx_(SSL_CTX_new(TLS_client_method())) {
    if (!ctx_) {
        return;
    }
    SSL_CTX_set_verify(ctx_.get(), SSL_VERIFY_NONE, nullptr);
    // Old services too (nmap's "max speed, any cipher"): security level 0, SSLv3 upward.
    SSL_CTX_set_security_level(ctx_.get(), 0);
    SSL_CTX_set_min_proto_version(ctx_.get(), 0);
    SSL_CTX_set_options(ctx_.get(), SSL_OP_LEGACY_SERVER_CONNECT | SSL_OP_IGNORE_UNEXPECTED_EOF);
    SSL_CTX_set_mode(ctx_.get(), SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
}

TlsChannel::TlsChannel(const TlsContext& context, int fd) : ssl_(context.usable() ? SSL_new(context.get()) : nullptr) {
    if (ssl_ && SSL_set_fd(ssl_.get(), fd) != 1) {
        ssl_.reset();
    }
    if (ssl_) {
        SSL_set_connect_state(ssl_.get());
    }
}

TlsIo TlsChannel::status(int ret) {
    const int err = SSL_get_error(ssl_.get(), ret);
    ERR_clear_error();  // the thread's queue: nothing of one probe may leak into the next
    switch (err) {
    case SSL_ERROR_WANT_READ:
        return TlsIo::want_read;
    case SSL_ERROR_WANT_WRITE:
        return TlsIo::want_write;
    case SSL_ERROR_ZERO_RETURN:
        return TlsIo::closed;
    case SSL_ERROR_SYSCALL:
        return ret == 0 ? TlsIo::closed : TlsIo::failed;
    default:
        return TlsIo::failed;
    }
}

TlsIo TlsChannel::handshake() {
    const int ret = SSL_do_handshake(ssl_.get());
    return ret == 1 ? TlsIo::ok : status(ret);
}

TlsIo TlsChannel::write(std::string_view bytes) {
    if (bytes.empty()) {
        return TlsIo::ok;
    }
    std::size_t written = 0;
    const int ret = SSL_write_ex(ssl_.get(), bytes.data(), bytes.size(), &written);
    return ret == 1 ? TlsIo::ok : status(ret);
}

TlsIo TlsChannel::read(char* out, std::size_t size, std::size_t& got) {
    got = 0;
    const int ret = SSL_read_ex(ssl_.get(), out, size, &got);
    return ret == 1 ? TlsIo::ok : status(ret);
}

}  // namespace portwarden::version
