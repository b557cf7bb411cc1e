#include "watch/source_table.hpp"

namespace portwarden::watch {

std::uint32_t hash_address(const Address& address) {
    // FNV-1a over the address bytes, then a final avalanche (murmur3's fmix32).
    std::uint32_t h = 2166136261U;
    for (const std::uint8_t b : address.bytes()) {
        h = (h ^ b) * 16777619U;
    }
    h ^= h >> 16;
    h *= 0x85ebca6bU;
    h ^= h >> 13;
    h *= 0xc2b2ae35U;
    h ^= h >> 16;
    return h;
}

namespace {

std::size_t round_slots(std::size_t slots) {
    const std::size_t ways = SourceTable::kWays;
    return slots < ways ? ways : (slots + ways - 1) / ways * ways;
}

}  // namespace

SourceTable::SourceTable(std::size_t slots) : slots_(round_slots(slots)) {}

std::size_t SourceTable::bytes_for(std::size_t slots) {
    return round_slots(slots) * sizeof(SourceState) + sizeof(SourceTable);
}

std::size_t SourceTable::bucket_of(const Address& src) const {
    const std::size_t buckets = slots_.size() / kWays;
    return (hash_address(src) % buckets) * kWays;
}

SourceState* SourceTable::find(const Address& src) {
    const std::size_t base = bucket_of(src);
    for (std::size_t i = base; i < base + kWays; ++i) {
        if (slots_[i].used && slots_[i].src == src) {
            return &slots_[i];
        }
    }
    return nullptr;
}

SourceState& SourceTable::find_or_insert(const Address& src, double now, bool& evicted) {
    evicted = false;
    if (SourceState* found = find(src)) {
        return *found;
    }
    const std::size_t base = bucket_of(src);
    std::size_t victim = base;
    for (std::size_t i = base; i < base + kWays; ++i) {
        const SourceState& s = slots_[i];
        if (!s.used) {
            victim = i;
            break;
        }
        // Prefer to keep sources whose walk leans to "scanner" and has not alerted yet: evict
        // the least recently seen among the rest first.
        const auto rank = [](const SourceState& e) { return e.llr > 0 && !e.alerted ? 1 : 0; };
        const SourceState& v = slots_[victim];
        if (rank(s) < rank(v) || (rank(s) == rank(v) && s.last_seen < v.last_seen)) {
            victim = i;
        }
    }
    SourceState& slot = slots_[victim];
    if (slot.used) {
        evicted = true;
    } else {
        ++used_;
    }
    slot = SourceState{};
    slot.used = true;
    slot.src = src;
    slot.first_seen = now;
    slot.last_seen = now;
    return slot;
}

}  // namespace portwarden::watch
