#pragma once
// Ctrl-C / SIGTERM turn into a stop request (no global flag): the signals are blocked in every
// thread and one watcher thread waits for them with sigtimedwait.
#include <atomic>
#include <stop_token>
#include <thread>

namespace portwarden::cli {

class SignalStop {
public:
    SignalStop();   // blocks SIGINT/SIGTERM/SIGHUP and starts the watcher
    ~SignalStop();  // stops the watcher
    SignalStop(const SignalStop&) = delete;
    SignalStop& operator=(const SignalStop&) = delete;

    std::stop_token token() const { return source_.get_token(); }
    void stop() { source_.request_stop(); }  // a stop without a signal (standard output's reader left)
    int signal_received() const { return signal_.load(); }  // 0 if none

private:
    std::stop_source source_;
    std::atomic<int> signal_{0};
    std::jthread watcher_;
};

}  // namespace portwarden::cli
