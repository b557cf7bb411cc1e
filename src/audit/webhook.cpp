// The webhook POST through libcurl: one easy handle per request, no redirects, http(s) only.
#include "audit/webhook.hpp"

#include <curl/curl.h>

#include <array>
#include <cstdlib>
#include <memory>
#include <system_error>

#include <fmt/format.h>

namespace portwarden::audit {
namespace {

struct EasyDeleter {
    void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
struct ListDeleter {
    void operator()(curl_slist* list) const { curl_slist_free_all(list); }
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

Result<HeaderList> headers_for(const WebhookOptions& options) {
    HeaderList list;
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
        curl_slist* grown = curl_slist_append(list.get(), h.c_str());
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
std::string failure_text(const WebhookUrl& url, CURLcode code, const char* detail, long os_errno) {
    const std::string why = *detail != '\0' ? std::string(detail) : std::string(curl_easy_strerror(code));
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
    const Easy easy(curl_easy_init());
    if (!easy) {
        return fail("cannot start libcurl");
    }
    auto headers = headers_for(options);
    if (!headers) {
        return tl::unexpected(headers.error());
    }
    CURL* h = easy.get();
    const std::string target = webhook_url_text(url);
    std::array<char, CURL_ERROR_SIZE> error{};
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error.data());
    curl_easy_setopt(h, CURLOPT_URL, target.c_str());
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for the resolver's time-out
    curl_easy_setopt(h, CURLOPT_USERAGENT, "portwarden");
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers->get());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(timeout.count()));
    curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(3 * timeout.count()));
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &discard);
    if (!options.ca_file.empty()) {
        curl_easy_setopt(h, CURLOPT_CAINFO, options.ca_file.c_str());
    }
    const CURLcode rc = curl_easy_perform(h);
    if (rc != CURLE_OK) {
        long os_errno = 0;
        curl_easy_getinfo(h, CURLINFO_OS_ERRNO, &os_errno);
        return fail(failure_text(url, rc, error.data(), os_errno));
    }
    long status = 0;
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
    return static_cast<int>(status);
}

}  // namespace portwarden::audit
