// The webhook POST through libcurl: one easy handle per request, no redirects, http(s) only.
//
// libcurl is loaded with dlopen() at the first POST, not linked: it pulls in some thirty
// libraries (OpenSSL, Kerberos, LDAP, GnuTLS, ...) whose loading and symbol binding cost every
// run, a scan's start-up included, about 6 ms of CPU. Only its header is used at build time
// (as with libpq, src/history/postgres_store.cpp).
#include "audit/webhook.hpp"

#include <dlfcn.h>

#include <curl/curl.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <system_error>

#include <fmt/format.h>

#include "io/dynamic_symbol.hpp"

namespace portwarden::audit {
namespace {

// The libcurl functions a POST calls, resolved from libcurl.so.4 (kept loaded: RTLD_NODELETE,
// so a later POST finds it at once and nothing of it is unloaded under a running thread).
struct Libcurl {
    decltype(&curl_easy_init) easy_init = nullptr;
    decltype(&curl_easy_cleanup) easy_cleanup = nullptr;
    decltype(&curl_easy_setopt) easy_setopt = nullptr;
    decltype(&curl_easy_perform) easy_perform = nullptr;
    decltype(&curl_easy_getinfo) easy_getinfo = nullptr;
    decltype(&curl_easy_strerror) easy_strerror = nullptr;
    decltype(&curl_slist_append) slist_append = nullptr;
    decltype(&curl_slist_free_all) slist_free_all = nullptr;
};

using io::resolve_symbol;

Result<Libcurl> load_libcurl() {
    void* handle = dlopen("libcurl.so.4", RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
    if (handle == nullptr) {
        const char* why = dlerror();
        return fail(fmt::format("webhook: cannot load libcurl.so.4 (Debian package libcurl4): {}",
                                why != nullptr ? why : "unknown error"));
    }
    Libcurl lib;
    const bool ok = resolve_symbol(handle, "curl_easy_init", lib.easy_init) &&
                    resolve_symbol(handle, "curl_easy_cleanup", lib.easy_cleanup) &&
                    resolve_symbol(handle, "curl_easy_setopt", lib.easy_setopt) &&
                    resolve_symbol(handle, "curl_easy_perform", lib.easy_perform) &&
                    resolve_symbol(handle, "curl_easy_getinfo", lib.easy_getinfo) &&
                    resolve_symbol(handle, "curl_easy_strerror", lib.easy_strerror) &&
                    resolve_symbol(handle, "curl_slist_append", lib.slist_append) &&
                    resolve_symbol(handle, "curl_slist_free_all", lib.slist_free_all);
    dlclose(handle);  // RTLD_NODELETE: the library and these functions stay
    if (!ok) {
        return fail("webhook: libcurl.so.4 lacks a function this portwarden needs");
    }
    return lib;
}

struct EasyDeleter {
    const Libcurl* curl = nullptr;
    void operator()(CURL* handle) const { curl->easy_cleanup(handle); }
};
struct ListDeleter {
    const Libcurl* curl = nullptr;
    void operator()(curl_slist* list) const { curl->slist_free_all(list); }
};
using Easy = std::unique_ptr<CURL, EasyDeleter>;
using HeaderList = std::unique_ptr<curl_slist, ListDeleter>;

// The response body is not needed (only the status): read and dropped.
std::size_t discard(char*, std::size_t size, std::size_t count, void*) {
    return size * count;
}

std::string env_or(const char* name, std::string fallback) {
    const char* value = std::getenv(name);  // NOLINT(concurrency-mt-unsafe): portwarden never calls setenv
    return value != nullptr && *value != '\0' ? std::string(value) : fallback;
}

// A header value must be one line: a newline in the variable would inject headers.
bool one_line(std::string_view value) {
    return value.find_first_of("\r\n") == std::string_view::npos;
}

Result<HeaderList> headers_for(const Libcurl& curl, const WebhookOptions& options) {
    HeaderList list(nullptr, ListDeleter{&curl});
    std::string auth;
    if (!options.authorization.empty()) {
        if (!one_line(options.authorization)) {
            return fail("PORTWARDEN_WEBHOOK_AUTH must be one line");
        }
        auth = "Authorization: " + options.authorization;
    }
    for (const std::string& h : {std::string("Content-Type: application/json"), std::string("Expect:"), auth}) {
        if (h.empty()) {
            continue;
        }
        curl_slist* grown = curl.slist_append(list.get(), h.c_str());
        if (grown == nullptr) {
            return fail("out of memory building the webhook request");
        }
        static_cast<void>(list.release());
        list.reset(grown);
    }
    return list;
}

// A curl failure in words, naming the server ("cannot connect to HOST:PORT (...)").
// os_errno: the system's reason for a failed connect (curl's own text only says it failed).
std::string failure_text(const Libcurl& curl, const WebhookUrl& url, CURLcode code, const char* detail,
                         long os_errno) {
    const std::string why = *detail != '\0' ? std::string(detail) : std::string(curl.easy_strerror(code));
    switch (code) {
    case CURLE_COULDNT_RESOLVE_HOST:
        return fmt::format("cannot resolve '{}' ({})", url.host, why);
    case CURLE_COULDNT_CONNECT:
        return fmt::format("cannot connect to {} ({})", host_header(url),
                           os_errno != 0 ? std::system_category().message(static_cast<int>(os_errno)) : why);
    case CURLE_OPERATION_TIMEDOUT:
        return fmt::format("{}: timed out ({})", host_header(url), why);
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CACERT_BADFILE:
        return fmt::format("TLS with {} failed ({}); a private CA: PORTWARDEN_WEBHOOK_CA=FILE", host_header(url), why);
    default:
        return fmt::format("{}: {}", host_header(url), why);
    }
}

}  // namespace

WebhookOptions webhook_options_from_env() {
    WebhookOptions options;
    options.authorization = env_or("PORTWARDEN_WEBHOOK_AUTH", "");
    options.ca_file = env_or("PORTWARDEN_WEBHOOK_CA", env_or("CURL_CA_BUNDLE", ""));
    return options;
}

Result<int> post_webhook(const WebhookUrl& url, std::string_view body, std::chrono::milliseconds timeout,
                         const WebhookOptions& options) {
    const auto curl = load_libcurl();
    if (!curl) {
        return tl::unexpected(curl.error());
    }
    const Easy easy(curl->easy_init(), EasyDeleter{&*curl});
    if (!easy) {
        return fail("cannot start libcurl");
    }
    auto headers = headers_for(*curl, options);
    if (!headers) {
        return tl::unexpected(headers.error());
    }
    CURL* h = easy.get();
    const std::string target = webhook_url_text(url);
    std::array<char, CURL_ERROR_SIZE> error{};
    curl->easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
    curl->easy_setopt(h, CURLOPT_URL, target.c_str());
    curl->easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl->easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl->easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for the resolver's time-out
    curl->easy_setopt(h, CURLOPT_USERAGENT, "portwarden");
    curl->easy_setopt(h, CURLOPT_HTTPHEADER, headers->get());
    curl->easy_setopt(h, CURLOPT_POST, 1L);
    curl->easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl->easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl->easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl->easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(3 * timeout.count()));
    curl->easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
    if (!options.ca_file.empty()) {
        curl->easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
    }
    const CURLcode rc = curl->easy_perform(h);
    if (rc != CURLE_OK) {
        long os_errno = 0;
        curl->easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        return fail(failure_text(*curl, url, rc, error.data(), os_errno));
    }
    long status = 0;
    curl->easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return static_cast<int>(status);
}

}  // namespace portwarden::audit
