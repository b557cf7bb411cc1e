#pragma once
// Raw sockets need CAP_NET_RAW, not uid 0. These helpers tell whether we have it (so the CLI
// can default to a SYN scan, else connect) and give every capability up once the sockets are
// open: the scan then runs with no privilege at all, and when started by root it also switches
// to an unprivileged user (nobody / nogroup, or PW_USER) before touching targets' packets.
#include <string>

#include "portwarden/error.hpp"

namespace portwarden::io {

// True when this process may open AF_PACKET sockets (CAP_NET_RAW in its effective set).
bool can_use_raw_sockets();

// Drops every capability (effective, permitted, inheritable, bounding where allowed, ambient)
// and, when running as root, switches to `user` (default "nobody") with its primary group and
// no supplementary groups; sets PR_SET_NO_NEW_PRIVS. Capabilities and no_new_privs are per
// thread: every other thread of the process (receive, send, signal watcher) is made to drop
// them too (a real-time signal, SIGRTMIN+3), and /proc/self/task/*/status of every thread is
// checked afterwards. Returns a description of what was done
// ("dropped capabilities; now uid 65534"). Fails with a one-line error if a step fails; the
// caller then stops before sending anything.
Result<std::string> drop_privileges(const std::string& user = "nobody");

}  // namespace portwarden::io
