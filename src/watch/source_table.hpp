#pragma once
// The detector's per-source state in a fixed-size, set-associative table: a source hashes to one
// bucket of 8 slots; a new source takes a free slot or evicts the bucket's least recently seen
// entry (sources already alerted on last). Allocated once: memory never grows, however many
// (spoofed) sources arrive.
//
// First contacts (which (host, protocol, port) a source tried before) are kept exactly: the
// first kListContacts in the slot, then in a 65,536-bit set taken from a fixed pool of the
// table (8 KiB each, Config::wide_sets of them), indexed by the port plus an offset per (host,
// protocol), so one host's ports never collide: a -p- scan of a host is 65,535 first contacts.
// When the pool is used up, the least recently seen holder gives its set up and keeps its
// contacts folded onto the slot's 1024 bits (from then on an undercount, as before).
#include <array>
#include <utility>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "portwarden/address.hpp"
#include "watch/distinct_hosts.hpp"

namespace portwarden::watch {

enum class PendingKind : std::uint8_t { none, awaiting, syn_acked, stray };

// A first contact whose outcome is not known yet.
struct Pending {
    double since = 0;
    std::uint32_t host_hash = 0;  // of the watched address
    std::uint16_t port = 0;
    std::uint8_t protocol = 0;
    PendingKind kind = PendingKind::none;
};

inline constexpr std::size_t kPendingSlots = 8;
inline constexpr std::size_t kListContacts = 16;  // exact first contacts kept in the slot
inline constexpr std::size_t kWideBits = 65536;   // a pool set: one bit per contact index
inline constexpr std::size_t kPortBits = 1024;    // fallback: a pool set folded onto 1024 bits
inline constexpr std::size_t kTechniques = 10;  // = Technique values
inline constexpr std::size_t kTools = 4;        // = Tool values

struct SourceState {
    Address src;
    Address first_dst;
    bool used = false;
    bool alerted = false;
    std::string_view decided_by;  // a literal: how the alert was decided
    double first_seen = 0;
    double last_seen = 0;
    double llr = 0;  // log likelihood ratio of the walk
    std::uint32_t probes = 0;
    std::uint32_t open = 0;
    std::uint32_t closed = 0;
    std::uint32_t filtered = 0;
    std::uint32_t failures = 0;
    std::uint32_t successes = 0;
    std::uint32_t contacts = 0;  // distinct first contacts (exact unless folded)
    std::int32_t wide = -1;      // its set in the table's pool; -1: none
    bool folded = false;         // gave its pool set up: port_bits holds its contacts
    bool relabelled = false;     // an update alert followed its nmap-discovery decision
    std::uint8_t discovery = 0;  // bits: nmap -sn probes seen (echo, timestamp, SYN 443, ACK 80)
    std::array<std::uint16_t, kListContacts> list{};  // the first `contacts` of them, while few
    std::array<std::uint64_t, kPortBits / 64> port_bits{};
    DistinctHosts hosts;  // distinct addresses tried
    std::array<std::uint16_t, kTechniques> technique_votes{};
    std::array<std::uint16_t, kTools> tool_votes{};
    std::array<Pending, kPendingSlots> pending{};
};

class SourceTable {
public:
    static constexpr std::size_t kWays = 8;
    SourceTable(std::size_t slots, std::size_t wide_sets);
    SourceTable(const SourceTable&) = delete;  // the pool points at slots
    SourceTable& operator=(const SourceTable&) = delete;

    // The source's entry, or nullptr.
    SourceState* find(const Address& src);
    // The source's entry, made (fresh) if absent; `evicted` set when another source lost its slot.
    SourceState& find_or_insert(const Address& src, double now, bool& evicted);
    // Calls f(SourceState&) for every used slot.
    template <class F>
    void for_each(F&& f) {
        for (SourceState& s : slots_) {
            if (s.used) {
                f(s);
            }
        }
    }
    void release(SourceState& s);
    // The slot starts afresh for the same source (an idle source's new episode).
    void restart(SourceState& s, double now);
    // Records contact index `index` (contact_index()); true if the source had not tried it.
    bool add_contact(SourceState& s, std::uint16_t index);
    std::size_t used() const { return used_; }
    std::size_t capacity() const { return slots_.size(); }
    static std::size_t bytes_for(std::size_t slots, std::size_t wide_sets);

private:
    using WideSet = std::array<std::uint64_t, kWideBits / 64>;
    std::size_t bucket_of(const Address& src) const;
    void drop_wide(SourceState& s);
    void promote(SourceState& s);
    std::vector<SourceState> slots_;
    std::vector<WideSet> wide_;
    std::vector<SourceState*> wide_owner_;  // nullptr: free
    std::size_t used_ = 0;
};

std::uint32_t hash_address(const Address& address);

}  // namespace portwarden::watch
