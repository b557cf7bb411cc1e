// The flags of `scan`: CLI11 definitions into ScanArgs.
#include "cli/scan_args.hpp"

namespace portwarden::cli {
namespace {

void define_habit_flags(CLI::App& app, ScanArgs& a) {
    app.add_flag("--list-only", a.list_only, "-sL: list the targets and stop (no packets, no DNS)");
    app.add_flag("--debug", a.debug, "-d, -dd, -d2: debugging level (raises verbosity as much; -d prints host groups)");
    app.add_option("--stats-every", a.stats_every, "print a Stats: line on stderr every TIME (e.g. 10s)");
    app.add_option("--min-hostgroup", a.min_hostgroup, "at least N hosts per host group (connect scans; raw scans group as many as memory allows)");
    app.add_option("--max-hostgroup", a.max_hostgroup, "at most N hosts per host group");
    app.add_option("--interface", a.interface, "-e IFACE: raw scans send and capture on IFACE");
    app.add_option("--source-address", a.source_address, "-S ADDR: raw probes carry source address ADDR");
    app.add_option("--source-port", a.source_port, "-g PORT: raw probes come from source port PORT");
    app.add_option("--ttl", a.ttl, "raw probes leave with this IP TTL / hop limit (0-255)");
    app.add_flag("--packet-trace", a.packet_trace, "every frame sent and received (raw scans), every connect() started and ended (-sT): one line each on stderr");
    app.add_flag("--append-output", a.outputs.append, "append to the output files instead of replacing them");
    app.add_option("--jsonl-open", a.outputs.jsonl_open,
                   "FILE: open ports only, one JSON line each in naabu's -json shape (- = stdout)");
}

}  // namespace

void define_flags(CLI::App& app, ScanArgs& a) {
    app.add_option("targets", a.targets, "hosts, networks (CIDR), ranges (198.18.0-1.1-20), IPv6, names");
    app.add_option("--technique", a.techniques, "scan technique: connect syn ack window fin null xmas maimon udp "
                                                "(-sT -sS ...); a TCP one and udp together: -sS -sU");
    app.add_option("--scanflags", a.scan_flags, "raw TCP probes with these flags (SYNFIN, URGPSHFIN, 9, ...); "
                                                "replies read as -sS, or as the -s type given");
    app.add_option("--ports,-p", a.ports, "ports: 22,80,1000-2000, - (all), T:/U: prefixes, names");
    app.add_option("--top-ports", a.top_ports,
                   "scan the N most often open ports (-F: 100; default 1000), ranked by nmap-services' "
                   "frequencies when nmap is installed, else by portwarden's built-in list");
    app.add_option("--input-list", a.input_list, "-iL FILE: read targets from FILE (- = stdin)");
    app.add_option("--exclude", a.exclude, "exclude hosts/networks (comma-separated)")->allow_extra_args(false);
    app.add_option("--excludefile", a.exclude_file, "exclude the targets listed in FILE");
    app.add_option("--exclude-ports", a.exclude_ports, "ports not to scan");
    app.add_flag("--skip-discovery", a.skip_discovery, "-Pn: treat every host as up");
    define_discovery_flags(app, a.discovery);
    define_version_flags(app, a.version);
    app.add_flag("--no-dns", a.no_dns, "-n: no reverse DNS (the default without -R)");
    app.add_flag("--reverse-dns", a.reverse_dns, "-R: look up the name (PTR) of every host found up");
    app.add_flag("--ipv6", a.ipv6, "-6: accepted for compatibility (IPv4 and IPv6 mix freely)");
    app.add_flag("-r", a.sequential, "scan ports in order instead of randomly");
    app.add_flag("-q,--quiet", a.quiet, "no progress line");
    app.add_flag("--reason", a.outputs.reason, "show why each port is in its state");
    app.add_flag("--open", a.outputs.open_only, "show only (possibly) open ports, in every output including -oJ");
    app.add_flag("-v", a.outputs.verbosity, "more output (-vv, -v2: more still)");
    app.add_option("--timing", a.timing_level, "-T0..-T5 timing template");
    app.add_option("--max-retries", a.max_retries, "cap on retransmissions per port");
    app.add_option("--min-rtt-timeout", a.min_rtt, "shortest probe time-out (e.g. 100ms)");
    app.add_option("--max-rtt-timeout", a.max_rtt, "longest probe time-out");
    app.add_option("--initial-rtt-timeout", a.initial_rtt, "time-out before any RTT is measured");
    app.add_option("--host-timeout", a.host_timeout, "give up on a host after this long");
    app.add_option("--scan-delay", a.scan_delay, "wait at least this long between probes to a host");
    app.add_option("--max-rate", a.max_rate, "at most N probes per second");
    app.add_option("--min-rate", a.min_rate, "at least N probes per second for the whole scan (windows ignored)");
    app.add_option("--max-parallelism", a.max_parallelism, "at most N probes in flight");
    app.add_option("--shard", a.shard, "I/N: scan only slice I of N (0-based) of the (host, port) index");
    app.add_option("--scan-id", a.scan_id,
                   "NAME: this process is shard --shard I/N of the scan NAME (history, merge; "
                   "the seed is derived from NAME unless --seed)");
    app.add_option("--resume", a.resume, "FILE: finish the interrupted scan FILE describes (same arguments)");
    app.add_option("--resume-file", a.resume_file, "where an interrupted raw scan writes its resume point");
    app.add_option("--seed", a.seed, "seed of the random port/host order");
    app.add_option("--db", a.db, "store the scan in this history database: PATH or postgresql://...");
    app.add_flag("--no-history", a.no_history, "do not store the scan in the history database (nor re-probe changed ports)");
    app.add_flag("--no-responder-analysis", a.no_responder_analysis,
                 "raw scans: do not check who really answered (forged RSTs, port-spoofers)");
    app.add_flag("--no-reprobe", a.no_reprobe,
                 "store, but do not probe a port again when its state differs from the history's");
    define_habit_flags(app, a);
    app.add_option("--xml", a.outputs.xml, "-oX FILE: Nmap XML (- = stdout)");
    app.add_option("--json", a.outputs.json, "-oJ FILE: JSON Lines (- = stdout)");
    app.add_option("--normal", a.outputs.normal, "-oN FILE: normal text (- = stdout)");
    app.add_option("--grepable", a.outputs.grepable, "-oG FILE: grepable (- = stdout)");
    app.add_option("--all-formats", a.outputs.all_base, "-oA BASE: BASE.nmap, BASE.xml, BASE.gnmap, BASE.jsonl");
}

}  // namespace portwarden::cli
