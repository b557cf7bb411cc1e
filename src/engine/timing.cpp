// nmap's -T0..-T5 timing templates (nmap.cc "-T", NmapOps.cc defaults).
#include <chrono>

#include "portwarden/scan.hpp"

namespace portwarden {

// `level` must be 0..5; the CLI validates it. Anything else gives the -T3 defaults (no clamping,
// no assertion): the caller is expected to reject it before asking.
Timing Timing::from_template(int level) {
    using std::chrono::milliseconds;
    using std::chrono::minutes;
    using std::chrono::seconds;

    Timing timing;  // -T3 "normal": the defaults in scan.hpp
    switch (level) {
        case 0:  // paranoid; nmap's initial RTT timeout also raises the max RTT timeout
            timing.max_parallelism = 1;
            timing.scan_delay = minutes(5);
            timing.initial_rtt_timeout = minutes(5);
            timing.max_rtt_timeout = minutes(5);
            break;
        case 1:  // sneaky
            timing.max_parallelism = 1;
            timing.scan_delay = seconds(15);
            timing.initial_rtt_timeout = seconds(15);
            timing.max_rtt_timeout = seconds(15);
            break;
        case 2:  // polite
            timing.max_parallelism = 1;
            timing.scan_delay = milliseconds(400);
            break;
        case 4:  // aggressive (nmap also caps the TCP scan delay at 10 ms)
            timing.initial_rtt_timeout = milliseconds(500);
            timing.min_rtt_timeout = milliseconds(100);
            timing.max_rtt_timeout = milliseconds(1250);
            timing.max_retries = 6;
            break;
        case 5:  // insane (nmap also caps the TCP scan delay at 5 ms)
            timing.initial_rtt_timeout = milliseconds(250);
            timing.min_rtt_timeout = milliseconds(50);
            timing.max_rtt_timeout = milliseconds(300);
            timing.max_retries = 2;
            timing.host_timeout = minutes(15);
            break;
        default: break;  // 3, or an invalid level
    }
    return timing;
}

}  // namespace portwarden
