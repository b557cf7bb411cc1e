#pragma once
// The firewall model (README "portwarden explain" / "portwarden firewall check"): a host's
// ruleset read from `nft -j list ruleset` or iptables-save text, a pure predictor of what nmap reports for
// one probe, and the reconciliation of those predictions with a scan.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/classify.hpp"
#include "portwarden/error.hpp"
#include "portwarden/results.hpp"
#include "portwarden/state.hpp"

namespace portwarden::firewall {

// What a match looks at. `unknown` stands for an expression the model does not understand.
enum class Field : std::uint8_t {
    nfproto, l4proto, saddr, daddr, sport, dport, iif, oif, ct_state, fib_daddr_type, tcp_flags, unknown
};
std::string_view to_string(Field f);

// One component of a set element: a closed range of numbers (ports, protocol numbers, flag
// bits), of addresses, or a name (interface, ct state, fib type, family; '*' ends a wildcard).
struct Atom {
    enum class Kind : std::uint8_t { number, address, name };
    Kind kind = Kind::number;
    std::uint64_t lo = 0;
    std::uint64_t hi = 0;
    Address first;
    Address last;
    std::string name;
};
using Element = std::vector<Atom>;  // one atom per field of a concatenation

Atom number_atom(std::uint64_t lo, std::uint64_t hi);
Atom name_atom(std::string name);

enum class Op : std::uint8_t { eq, ne, bits_any };  // ==/in, !=, `tcp flags syn` (any bit set)

struct Match {
    std::vector<Field> fields;          // several: a concatenation (ip saddr . tcp dport)
    std::optional<std::uint64_t> mask;  // `tcp flags & (fin|syn) == syn`
    Op op = Op::eq;
    std::vector<Element> elements;      // the value or set; any element may match
    std::string set_name;               // "@allowed" when the set is a named one
    std::string unknown;                // Field::unknown: what was not understood
    bool implied = false;               // a dependency nft adds (`tcp dport` implies l4proto tcp)
};

// A match of one field against elements (each element one atom).
Match field_match(Field f, std::vector<Element> elements, Op op = Op::eq);

enum class Action : std::uint8_t { none, accept, drop, reject, jump, go_to, ret, queue, unknown };
std::string_view to_string(Action a);

// A reject's reply, as the kernel builds it.
struct Reject {
    enum class Kind : std::uint8_t { icmp, icmpv6, icmpx, tcp_reset };
    Kind kind = Kind::icmpx;
    std::string type = "port-unreachable";  // nft's name of the ICMP type/code
};

struct Statement {
    Action action = Action::none;
    std::string target;  // jump/goto chain
    Reject reject;
};

struct VerdictMap {
    std::vector<Field> fields;
    std::string set_name;
    std::vector<std::pair<Element, Statement>> entries;
};

struct Rule {
    std::string family, table, chain;
    std::uint64_t handle = 0;  // nft handle (iptables-save: the line)
    std::vector<Match> matches;
    std::optional<VerdictMap> vmap;
    Statement verdict;
    bool rate_dependent = false;  // a `limit`: whether it matches depends on the probe rate
    std::string unknown;          // a statement the model does not understand (its nft name)
};
std::string rule_text(const Rule& rule);  // nft-like: "tcp dport { 22, 80 } accept"

struct Chain {
    std::string family, table, name;
    std::optional<std::string> hook;  // base chains: "input", "forward", "prerouting", ...
    std::string type = "filter";
    std::int64_t priority = 0;
    Action policy = Action::accept;
    std::vector<Rule> rules;
};

struct Ruleset {
    std::string source;  // file name, or "nft -j list ruleset"
    std::vector<Chain> chains;
    const Chain* find(std::string_view family, std::string_view table, std::string_view name) const;
};

// Reads `nft -j list ruleset` output; `source` names it in messages. Errors: not JSON, an
// expression nft does not know, a jump to a missing chain, a loop of jumps.
Result<Ruleset> parse_nft_json(std::string_view text, const std::string& source);
// Reads `iptables-save` / `ip6tables-save` text (legacy or nft backend); v4 unless it says
// "ip6tables" in its header or holds IPv6 addresses.
Result<Ruleset> parse_iptables_save(std::string_view text, const std::string& source);
// A file of either kind (JSON starts with '{').
Result<Ruleset> load_ruleset(const std::string& path);

// ---- Listeners (ss -tuln) ------------------------------------------------------------------

struct Listener {
    Proto proto = Proto::tcp;
    std::optional<Address> address;  // unset: every address ("*", 0.0.0.0, [::])
    std::optional<Family> family;    // 0.0.0.0 is v4 only; "*" and [::] are both
    std::uint16_t port = 0;
};
struct Listeners {
    bool known = false;  // false: nobody said what listens
    std::vector<Listener> list;
    bool listening(Proto proto, const Address& dst, std::uint16_t port) const;
};
Result<Listeners> parse_ss(std::string_view text, const std::string& source);
Result<Listeners> load_listeners_file(const std::string& path);

// ---- Prediction ----------------------------------------------------------------------------

struct Packet {
    std::optional<Address> src;  // unset: any source (rules on saddr cannot decide)
    Address dst;
    Proto proto = Proto::tcp;
    std::uint16_t dport = 0;
    std::optional<std::uint16_t> sport;
    std::string iif;   // empty: not known (but not "lo" unless src is the host itself)
    std::string oif;
    bool forward = false;  // routed through the ruleset's host (router), not addressed to it
};

enum class Outcome : std::uint8_t { accept, drop, reject, unknown };

struct Decision {
    Outcome outcome = Outcome::accept;
    Reject reject;
    std::optional<Rule> rule;        // the decisive rule; unset: a chain's policy or no chain
    std::string chain;               // "inet portwarden_fw input"
    bool by_policy = false;
    bool rate_dependent = false;     // a `limit` on the way decided it
    std::string why_unknown;         // Outcome::unknown: the rule (and part) not understood
};

struct Expected {
    PortState state = PortState::filtered;
    Reason reason = Reason::unknown;
    friend bool operator==(const Expected&, const Expected&) = default;
};

struct Prediction {
    Decision decision;
    std::vector<Expected> expected;  // one; two when it depends (see `depends`); none: unknown
    std::string depends;             // "whether something listens", ...
};

Decision decide(const Ruleset& rules, const Packet& packet, Technique technique);
Prediction predict(const Ruleset& rules, const Packet& packet, Technique technique, const Listeners& listeners);
std::string describe(const Decision& d);  // "rule inet portwarden_fw input handle 7: tcp dport 443 drop"

// ---- Reconciliation ------------------------------------------------------------------------

enum class Diagnosis : std::uint8_t {
    agree,
    not_loaded,        // rule drops/rejects but the host answered
    upstream_filter,   // rule accepts but the port is filtered
    not_listening,     // rule accepts, a listener was expected, the port is closed
    stealth,           // rule rejects with tcp reset: closed on purpose (agrees)
    unknown_rule,      // the prediction is unknown
    other,             // they differ in another way
};
std::string_view diagnosis_id(Diagnosis d);    // "FW001" ...
std::string_view diagnosis_name(Diagnosis d);  // "not-loaded" ...
std::string diagnosis_text(Diagnosis d);       // the plain-language diagnosis

struct PortCheck {
    Address host;
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    Prediction prediction;
    Expected observed;
    Diagnosis diagnosis = Diagnosis::agree;
};
struct CheckReport {
    std::string ruleset;
    Technique technique = Technique::syn;
    std::size_t ports_checked = 0;
    std::vector<PortCheck> differ;   // every port where they differ, and unknown predictions
    std::vector<PortCheck> stealth;  // agreeing tcp-reset ports (informational)
    bool agree() const { return differ.empty(); }
};
// `shape` gives every probe's source, interfaces and path (its dst, proto and port are the scan's).
CheckReport reconcile(const Ruleset& rules, const std::vector<HostResult>& scan, Technique technique,
                      const Listeners& listeners, const Packet& shape);
// A technique guessed from results: udp ports -> udp, unfiltered -> ack, conn-refused -> connect, else syn.
Technique guess_technique(const std::vector<HostResult>& scan);

std::string render_check_text(const CheckReport& report);
std::string render_check_json(const CheckReport& report);
std::string render_check_sarif(const CheckReport& report);

}  // namespace portwarden::firewall
