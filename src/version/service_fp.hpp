#pragma once
// nmap's service fingerprint: the responses of a port no match line recognised, in the text
// nmap asks users to submit ("SF-Port8888-TCP:V=...%I=7%D=12/3%Time=...%P=...%r(NULL,1A,\"...\")").
// The same escaping, the same "\nSF:" line wrapping at 74 columns, the same truncation (900
// bytes of each response, no new response once the text passed 2200 characters).
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>

#include "portwarden/state.hpp"

namespace portwarden::version {

struct FingerprintHeader {
    std::uint16_t port = 0;
    Proto proto = Proto::tcp;
    bool ssl = false;          // the responses came through the ssl tunnel: "%T=SSL"
    int intensity = 7;
    std::string version;       // the scanner's version ("V=")
    std::string platform;      // "P=": the build's target triple
    std::time_t time = 0;      // when the first response was added
};

class ServiceFingerprint {
public:
    explicit ServiceFingerprint(FingerprintHeader header) : header_(std::move(header)) {}

    // A probe's whole response (not empty) that settled nothing.
    void add(std::string_view probe_name, std::string_view response);
    bool empty() const { return text_.empty(); }
    // The fingerprint as nmap prints it in normal output, ending in ';' (empty if no response).
    std::string text() const { return text_.empty() ? std::string() : text_ + ';'; }
    void clear() { text_.clear(); }
    void set_ssl(bool ssl) { header_.ssl = ssl; }

private:
    void put(char c);
    void put(std::string_view s);

    FingerprintHeader header_;
    std::string text_;
};

// nmap's XML form: the "\nSF:" line breaks taken out.
std::string unwrap_fingerprint(std::string_view wrapped);

// The platform nmap names in "P=" (its configure triple); ours, from the compiler.
std::string build_platform();

}  // namespace portwarden::version
