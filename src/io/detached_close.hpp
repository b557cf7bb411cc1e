#pragma once
// The last close of a packet socket waits for kernel RCU grace periods: packet_release() calls
// synchronize_net() once, and once more to free a receive ring (~10-17 ms each here). That wait
// uses no CPU, but a command that closes its sockets last before exiting makes its user wait for
// it. DetachedClose hands the final closes to short-lived child processes instead.
#include <optional>
#include <span>

namespace portwarden::io {

class DetachedClose {
public:
    // Forks one child per descriptor in `fds` (negative ones are skipped). Each child at once
    // lets go of every other descriptor it inherited (so it holds no pipe, terminal or output
    // file open: a reader of our output sees its end when we close ours), then waits for the go
    // signal and closes its own descriptor, then exits. Nothing when a pipe or a fork fails (a
    // child already forked then closes only a copy): the caller closes its sockets as usual.
    //
    // Use: start, close the caller's own copies (they no longer wait: the children hold the
    // last references), then destroy the handle, which gives the go. Every child's close is
    // then the last one, and they wait for their grace periods side by side.
    //
    // For a process that exits soon after (one command-line run): the children outlive it by
    // the grace periods and are reaped by whoever adopts them. Not for a library or a
    // long-running process, which would collect zombie children.
    static std::optional<DetachedClose> start(std::span<const int> fds);

    DetachedClose(DetachedClose&& other) noexcept;
    DetachedClose& operator=(DetachedClose&& other) noexcept;
    DetachedClose(const DetachedClose&) = delete;
    DetachedClose& operator=(const DetachedClose&) = delete;
    ~DetachedClose();  // the go signal

private:
    explicit DetachedClose(int go) : go_(go) {}
    int go_ = -1;  // write end of the go pipe: its end (every copy closed) is the signal
};

}  // namespace portwarden::io
