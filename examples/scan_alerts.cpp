// Example for library users: a scan detector over firewall log lines, with the watch callback.
//   journalctl -k -f -o cat | scan_alerts        (or: scan_alerts < /var/log/kern.log)
// Each line is parsed (portwarden::watch::parse_log_line), fed to a Detector, and every alert
// the callback gets is printed. Exit 0 no scan, 1 scans seen.
#include <cstdio>
#include <iostream>
#include <string>

#include <portwarden/watch.hpp>

int main() {
    namespace watch = portwarden::watch;
    int scans = 0;
    watch::Detector detector(watch::Config{}, [&scans](const watch::Alert& a) {
        if (!a.end && !a.update) {
            ++scans;
        }
        std::printf("%s %s -> %s: %s (%s), %u probes, %u ports\n",
                    a.end ? "scan-end" : a.update ? "scan-update" : "scan",
                    a.src.to_string().c_str(), a.dst.to_string().c_str(),
                    std::string(watch::technique_name(a.technique)).c_str(),
                    std::string(watch::tool_name(a.tool)).c_str(), a.probes, a.ports);
    });
    double now = 0;
    std::size_t skipped = 0;
    for (std::string line; std::getline(std::cin, line);) {
        auto logged = watch::parse_log_line(line);
        if (!logged) {
            ++skipped;  // not a firewall log line
            continue;
        }
        if (!logged->has_time) {
            logged->probe.time = now;  // no kernel stamp: keep the last clock
        }
        now = logged->probe.time;
        detector.logged(logged->probe, logged->accepted);
        detector.tick(now);
    }
    detector.finish(now + 1);
    std::fprintf(stderr, "scan_alerts: %zu lines skipped, %d scans\n", skipped, scans);
    return scans > 0 ? 1 : 0;
}
