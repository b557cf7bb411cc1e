#include "watch/source_table.hpp"

#include "watch/contacts.hpp"

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

SourceTable::SourceTable(std::size_t slots, std::size_t wide_sets)
    : slots_(round_slots(slots)), wide_(wide_sets), wide_owner_(wide_sets, nullptr) {}

std::size_t SourceTable::bytes_for(std::size_t slots, std::size_t wide_sets) {
    return round_slots(slots) * sizeof(SourceState) + wide_sets * (sizeof(WideSet) + sizeof(SourceState*)) +
           sizeof(SourceTable);
}

void SourceTable::release(SourceState& s) {
    drop_wide(s);
    s.used = false;
    --used_;
}

void SourceTable::restart(SourceState& s, double now) {
    drop_wide(s);
    const Address src = s.src;
    s = SourceState{};
    s.used = true;
    s.src = src;
    s.first_seen = now;
    s.last_seen = now;
}

void SourceTable::drop_wide(SourceState& s) {
    if (s.wide >= 0) {
        wide_owner_[static_cast<std::size_t>(s.wide)] = nullptr;
        s.wide = -1;
    }
}

// The source's list is full: it takes a free pool set, or the least recently seen holder's
// (which folds its set onto its 1024 bits), or, with no pool at all, folds its list.
void SourceTable::promote(SourceState& s) {
    std::size_t pick = wide_.size();
    for (std::size_t i = 0; i < wide_.size(); ++i) {
        if (wide_owner_[i] == nullptr) {
            pick = i;
            break;
        }
        if (pick == wide_.size() || wide_owner_[i]->last_seen < wide_owner_[pick]->last_seen) {
            pick = i;
        }
    }
    s.port_bits = {};
    if (pick == wide_.size()) {
        s.folded = true;
        for (const std::uint16_t index : s.list) {
            set_bit(s.port_bits, index);
        }
        return;
    }
    if (SourceState* holder = wide_owner_[pick]) {
        holder->port_bits = {};
        for (std::size_t word = 0; word < wide_[pick].size(); ++word) {
            holder->port_bits[word % holder->port_bits.size()] |= wide_[pick][word];
        }
        holder->folded = true;
        holder->wide = -1;
    }
    wide_[pick] = {};
    for (const std::uint16_t index : s.list) {
        set_bit(wide_[pick], index);
    }
    wide_owner_[pick] = &s;
    s.wide = static_cast<std::int32_t>(pick);
}

bool SourceTable::add_contact(SourceState& s, std::uint16_t index) {
    bool first = false;
    if (s.wide >= 0) {
        first = set_bit(wide_[static_cast<std::size_t>(s.wide)], index);
    } else if (s.folded) {
        first = set_bit(s.port_bits, index);
    } else {
        first = true;
        for (std::size_t i = 0; i < s.contacts; ++i) {
            first = first && s.list[i] != index;
        }
        if (first && s.contacts < s.list.size()) {
            s.list[s.contacts] = index;
        } else if (first) {
            promote(s);
            return add_contact(s, index);
        }
    }
    s.contacts += first ? 1 : 0;
    return first;
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
    drop_wide(slot);
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
