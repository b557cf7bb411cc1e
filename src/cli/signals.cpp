#include "cli/signals.hpp"

#include <csignal>
#include <ctime>

namespace portwarden::cli {
namespace {

sigset_t stop_signals() {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGINT);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGHUP);
    sigaddset(&set, SIGUSR1);  // the destructor's wake-up call, never a stop
    return set;
}

}  // namespace

SignalStop::SignalStop() {
    const sigset_t set = stop_signals();
    pthread_sigmask(SIG_BLOCK, &set, nullptr);
    watcher_ = std::jthread([this](std::stop_token self) {
        const sigset_t wanted = stop_signals();
        const timespec tick{0, 100'000'000};
        while (!self.stop_requested()) {
            const int sig = sigtimedwait(&wanted, nullptr, &tick);
            if (sig > 0 && sig != SIGUSR1) {
                signal_.store(sig);
                source_.request_stop();
                return;
            }
        }
    });
}

SignalStop::~SignalStop() {
    watcher_.request_stop();
    pthread_kill(watcher_.native_handle(), SIGUSR1);  // no waiting out the 100 ms tick at exit
}

}  // namespace portwarden::cli
