#pragma once
// Policy as code: a TOML policy names groups of hosts and the ports each group may have open;
// evaluate() checks scan results against it and gives a verdict with its violations and the
// reasons it could not decide. Reports: text, JSON, JUnit XML, SARIF 2.1.0 (README "portwarden audit").
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "portwarden/bind_kind.hpp"
#include "portwarden/error.hpp"
#include "portwarden/results.hpp"
#include "portwarden/state.hpp"

namespace portwarden::audit {

// A place in the policy file (1-based), for error messages and report locations.
struct SourcePos {
    std::uint32_t line = 0;
    std::uint32_t column = 0;
};

struct Date {
    int year = 0;
    int month = 0;
    int day = 0;
    friend auto operator<=>(const Date&, const Date&) = default;
};
std::string to_string(const Date& d);  // "2027-01-31"

// One entry of a group's `hosts`: an address, a CIDR block or a host name.
struct HostSpec {
    std::string text;      // as written
    Address first;         // address or CIDR: the block's first and last address
    Address last;
    bool is_name = false;  // a host name (matched against the name the scan was given)
    bool is_block = false; // a CIDR: only the hosts found in the results are checked
    SourcePos pos;
};

// A port the group may have open.
struct AllowedPort {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    std::string owner;
    std::optional<Date> expires;  // after this day the exception no longer holds
    bool must_be_open = false;
    SourcePos pos;                // the [[groups.NAME.allow]] entry
    friend bool operator==(const AllowedPort& a, const AllowedPort& b) {
        return a.proto == b.proto && a.port == b.port && a.expires == b.expires && a.must_be_open == b.must_be_open;
    }
};

// What an unlisted port may be: "closed" (closed or filtered) or "filtered" (stealth: a RST is
// a violation too).
enum class Unlisted : std::uint8_t { closed, filtered };

struct Group {
    std::string name;
    std::vector<HostSpec> hosts;
    std::vector<AllowedPort> allow;  // sorted by (proto, port)
    Unlisted unlisted = Unlisted::closed;
    SourcePos pos;           // the [groups.NAME] table
    SourcePos unlisted_pos;  // the `unlisted` key (or the table when it is not set)
};

// A [[may_listen]] rule (`portwarden inventory --policy`): a listener on this port may exist;
// each condition that is set must hold too (process, user and unit: of any owning process).
struct ListenRule {
    Proto proto = Proto::tcp;
    std::uint16_t port = 0;
    std::optional<std::string> process;  // the command, as /proc/PID/comm ("sshd")
    std::optional<std::string> user;
    std::optional<std::string> unit;     // systemd unit ("ssh.service")
    std::optional<BindKind> bind;        // "wildcard", "specific" or "loopback"
    std::optional<Address> address;      // exactly this bound address
    std::string owner;                   // who answers for it (optional)
    SourcePos pos;                       // the [[may_listen]] entry
};

struct Policy {
    std::string path;  // as given to load_policy
    std::vector<Group> groups;             // may be empty when may_listen is not
    std::vector<ListenRule> may_listen;    // in file order
};

// Parses policy text; `path` names the file in messages ("policy.toml:3:16: ...").
Result<Policy> parse_policy(std::string_view text, const std::string& path);
Result<Policy> load_policy(const std::string& path);
// load_policy for a scan audit: the policy must name host groups (not only may_listen rules).
Result<Policy> load_host_policy(const std::string& path);

// Every host entry of the policy (scan targets) and every port it names, "T:22,U:53" style.
std::vector<std::string> policy_targets(const Policy& policy);
std::string policy_port_spec(const Policy& policy);

enum class FindingKind : std::uint8_t {
    unexpected_open,   // violation: an unlisted port is open
    must_be_open,      // violation: a must_be_open port is closed or filtered
    stealth,           // violation: unlisted port closed (RST) where filtered is required
    expired,           // violation: an allowed port is open after its exception expired
    host_missing,      // inconclusive: a named host is not in the results
    host_down,         // inconclusive: a host is down, nothing of it was checked
    host_incomplete,   // inconclusive: the scan of the host stopped early
    port_ambiguous,    // inconclusive: the port's state (open|filtered, ...) cannot decide
    port_not_scanned,  // inconclusive: the rule needs a port the scan did not cover
    firewall_mismatch, // violation (--ruleset): the scan differs from the ruleset's prediction
    firewall_unknown,  // inconclusive (--ruleset): the ruleset's verdict for the port is unknown
    forged_reply,      // inconclusive: a middlebox forged the port's reply, or the host is a port-spoofer
};
inline constexpr int finding_kind_count = 12;
bool is_violation(FindingKind k);
std::string_view rule_id(FindingKind k);     // "PW001" ...
std::string_view rule_name(FindingKind k);   // "unexpected-open" ...
std::string_view rule_help(FindingKind k);   // one sentence

enum class Verdict : std::uint8_t { compliant = 0, violations = 1, inconclusive = 2 };
std::string_view to_string(Verdict v);

struct Finding {
    FindingKind kind = FindingKind::unexpected_open;
    std::string group;
    std::string host;                    // address (or the name when never resolved)
    std::optional<Proto> proto;          // unset for host-level findings
    std::uint16_t port = 0;
    std::optional<PortState> state;      // the port's state, when scanned
    std::string message;                 // one line
    SourcePos pos;                       // the policy rule it breaks
    std::string rule;                    // the testcase it belongs to: "allow 22/tcp", "unlisted ports", "host"
};

// One host x rule pair that was checked (JUnit testcases).
struct Check {
    std::string group;
    std::string host;
    std::string rule;
    SourcePos pos;
};

struct Evaluation {
    Verdict verdict = Verdict::compliant;
    std::vector<Check> checks;
    std::vector<Finding> findings;  // violations and inconclusive reasons, host by host
    std::size_t hosts_checked = 0;
    std::size_t ports_checked = 0;
};

Evaluation evaluate(const Policy& policy, const std::vector<HostResult>& hosts, const Date& today);
// The verdict from the findings (after more were added, e.g. by audit --ruleset).
void settle_verdict(Evaluation& evaluation);
Date today_utc();

enum class ReportFormat : std::uint8_t { text, json, junit, sarif };
std::optional<ReportFormat> parse_report_format(std::string_view name);
std::string render_report(ReportFormat format, const Policy& policy, const Evaluation& evaluation);
std::string render_text(const Policy& policy, const Evaluation& evaluation);
std::string render_json(const Policy& policy, const Evaluation& evaluation);
std::string render_junit(const Policy& policy, const Evaluation& evaluation);
std::string render_sarif(const Policy& policy, const Evaluation& evaluation);

}  // namespace portwarden::audit
