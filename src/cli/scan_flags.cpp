// The flags of `scan`: CLI11 definitions into ScanArgs, as tables (add_flags).
#include "cli/cli11_parse.hpp"
#include "cli/scan_args.hpp"

namespace portwarden::cli {
namespace {

void define_habit_flags(CLI::App& app, ScanArgs& a) {
    add_flags(app, {
        {"--list-only", &a.list_only, "-sL: list the targets and stop (no packets, no DNS)"},
        {"--debug", Repeats{&a.debug}, "-d, -dd, -d2: debugging level (raises verbosity as much; -d prints host groups)"},
        {"--stats-every", &a.stats_every, "print a Stats: line on stderr every TIME (e.g. 10s)"},
        {"--min-hostgroup", &a.min_hostgroup, "at least N hosts per host group (connect scans; raw scans group as many as memory allows)"},
        {"--max-hostgroup", &a.max_hostgroup, "at most N hosts per host group"},
        {"--interface", &a.interface, "-e IFACE: raw scans send and capture on IFACE"},
        {"--source-address", &a.source_address, "-S ADDR: raw probes carry source address ADDR"},
        {"--source-port", &a.source_port, "-g PORT: raw probes come from source port PORT"},
        {"--ttl", &a.ttl, "raw probes leave with this IP TTL / hop limit (0-255)"},
        {"--packet-trace", &a.packet_trace, "every frame sent and received (raw scans), every connect() started and ended (-sT): one line each on stderr"},
        {"--append-output", &a.outputs.append, "append to the output files instead of replacing them"},
        {"--jsonl-open", &a.outputs.jsonl_open, "FILE: open ports only, one JSON line each in naabu's -json shape (- = stdout)"},
    });
}

void define_timing_flags(CLI::App& app, ScanArgs& a) {
    add_flags(app, {
        {"--timing", &a.timing_level, "-T0..-T5 timing template"},
        {"--max-retries", &a.max_retries, "cap on retransmissions per port"},
        {"--min-rtt-timeout", &a.min_rtt, "shortest probe time-out (e.g. 100ms)"},
        {"--max-rtt-timeout", &a.max_rtt, "longest probe time-out"},
        {"--initial-rtt-timeout", &a.initial_rtt, "time-out before any RTT is measured"},
        {"--host-timeout", &a.host_timeout, "give up on a host after this long"},
        {"--scan-delay", &a.scan_delay, "wait at least this long between probes to a host"},
        {"--max-rate", &a.max_rate, "at most N probes per second"},
        {"--min-rate", &a.min_rate, "at least N probes per second for the whole scan (windows ignored)"},
        {"--max-parallelism", &a.max_parallelism, "at most N probes in flight"},
    });
}

}  // namespace

void define_flags(CLI::App& app, ScanArgs& a) {
    add_flags(app, {
        {"targets", Words{&a.targets}, "hosts, networks (CIDR), ranges (198.18.0-1.1-20), IPv6, names"},
        {"--technique", Words{&a.techniques}, "scan technique: connect syn ack window fin null xmas maimon udp "
                                              "(-sT -sS ...); a TCP one and udp together: -sS -sU"},
        {"--scanflags", &a.scan_flags, "raw TCP probes with these flags (SYNFIN, URGPSHFIN, 9, ...); "
                                       "replies read as -sS, or as the -s type given"},
        {"--ports,-p", &a.ports, "ports: 22,80,1000-2000, - (all), T:/U: prefixes, names"},
        {"--top-ports", &a.top_ports, "scan the N most often open ports (-F: 100; default 1000), ranked by nmap-services' "
                                      "frequencies when nmap is installed, else by portwarden's built-in list"},
        {"--input-list", &a.input_list, "-iL FILE: read targets from FILE (- = stdin)"},
        {"--exclude", &a.exclude, "exclude hosts/networks (comma-separated)"},
        {"--excludefile", &a.exclude_file, "exclude the targets listed in FILE"},
        {"--exclude-ports", &a.exclude_ports, "ports not to scan"},
        {"--skip-discovery", &a.skip_discovery, "-Pn: treat every host as up"},
    });
    define_discovery_flags(app, a.discovery);
    define_version_flags(app, a.version);
    add_flags(app, {
        {"--no-dns", &a.no_dns, "-n: no reverse DNS (the default without -R)"},
        {"--reverse-dns", &a.reverse_dns, "-R: look up the name (PTR) of every host found up"},
        {"--ipv6", &a.ipv6, "-6: accepted for compatibility (IPv4 and IPv6 mix freely)"},
        {"-r", &a.sequential, "scan ports in order instead of randomly"},
        {"-q,--quiet", &a.quiet, "no progress line"},
        {"--reason", &a.outputs.reason, "show why each port is in its state"},
        {"--open", &a.outputs.open_only, "show only (possibly) open ports, in every output including -oJ"},
        {"-v", Repeats{&a.outputs.verbosity}, "more output (-vv, -v2: more still)"},
    });
    define_timing_flags(app, a);
    add_flags(app, {
        {"--shard", &a.shard, "I/N: scan only slice I of N (0-based) of the (host, port) index"},
        {"--scan-id", &a.scan_id, "NAME: this process is shard --shard I/N of the scan NAME (history, merge; "
                                  "the seed is derived from NAME unless --seed)"},
        {"--resume", &a.resume, "FILE: finish the interrupted scan FILE describes (same arguments)"},
        {"--resume-file", &a.resume_file, "where an interrupted raw scan writes its resume point"},
        {"--seed", &a.seed, "seed of the random port/host order"},
        {"--db", &a.db, "store the scan in this history database: PATH or postgresql://..."},
        {"--no-history", &a.no_history, "do not store the scan in the history database (nor re-probe changed ports)"},
        {"--no-responder-analysis", &a.no_responder_analysis,
         "raw scans: do not check who really answered (forged RSTs, port-spoofers)"},
        {"--no-reprobe", &a.no_reprobe, "store, but do not probe a port again when its state differs from the history's"},
    });
    define_habit_flags(app, a);
    add_flags(app, {
        {"--xml", &a.outputs.xml, "-oX FILE: Nmap XML (- = stdout)"},
        {"--json", &a.outputs.json, "-oJ FILE: JSON Lines (- = stdout)"},
        {"--normal", &a.outputs.normal, "-oN FILE: normal text (- = stdout)"},
        {"--grepable", &a.outputs.grepable, "-oG FILE: grepable (- = stdout)"},
        {"--all-formats", &a.outputs.all_base, "-oA BASE: BASE.nmap, BASE.xml, BASE.gnmap, BASE.jsonl"},
    });
}

}  // namespace portwarden::cli
