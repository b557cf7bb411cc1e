// Example for library users: wait for a service to accept connections, then say what happened.
//   wait_for_service 127.0.0.1:5432 10000
// Exit 0 when open; 1 when still closed (nothing listens); 3 when filtered/unreachable; 2 bad input.
#include <cstdio>
#include <string>

#include <portwarden/portwarden.hpp>

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: wait_for_service HOST:PORT [TIMEOUT_MS]\n");
        return 2;
    }
    const auto target = portwarden::parse_host_port(argv[1]);
    if (!target) {
        std::fprintf(stderr, "wait_for_service: %s\n", target.error().message.c_str());
        return 2;
    }
    portwarden::WaitOptions options;
    if (argc >= 3) {
        options.timeout = std::chrono::milliseconds(std::stol(argv[2]));
    }
    const auto result = portwarden::wait_until_open(target->host, target->port, options);
    if (!result) {
        std::fprintf(stderr, "wait_for_service: %s\n", result.error().message.c_str());
        return 2;
    }
    std::printf("%s: %s (%s)\n%s\n", argv[1], std::string(portwarden::to_string(result->state)).c_str(),
                std::string(portwarden::to_string(result->reason)).c_str(), result->hint.c_str());
    switch (result->state) {
        case portwarden::PortState::open: return 0;
        case portwarden::PortState::closed: return 1;
        default: return 3;
    }
}
