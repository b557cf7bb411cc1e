// See json.hpp. The schema is documented with the -oJ writer (src/output/json_writer.cpp).
#include "responder/json.hpp"

namespace portwarden::responder {

namespace {

using Out = nlohmann::ordered_json;
using In = nlohmann::json;

std::string_view kind_text(ReplyKind k) {
    switch (k) {
        case ReplyKind::syn_ack: return "syn-ack";
        case ReplyKind::rst: return "rst";
        case ReplyKind::icmp: return "icmp";
        case ReplyKind::other: return "other";
    }
    return "other";
}

ReplyKind parse_kind(const std::string& s) {
    return s == "syn-ack" ? ReplyKind::syn_ack : s == "rst" ? ReplyKind::rst : s == "icmp" ? ReplyKind::icmp : ReplyKind::other;
}

template <class T>
T number(const In& j, const char* key) {
    const auto it = j.find(key);
    if (it == j.end() || !it->is_number_unsigned() || it->get<std::uint64_t>() > std::numeric_limits<T>::max()) {
        return T{};
    }
    return static_cast<T>(it->get<std::uint64_t>());
}

std::string text(const In& j, const char* key) {
    const auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Out baseline_json(const ResponderBaseline& b) {
    Out j;
    j["ttl"] = b.ttl;
    j["hops"] = b.hops;
    j["from"] = b.from_syn_ack ? "syn-ack" : "rst";
    j["replies"] = b.replies;
    j["rst_ip_id"] = to_string(b.rst_ip_id);
    j["syn_ack_ip_id"] = to_string(b.syn_ack_ip_id);
    if (b.rst_window) {
        j["rst_window"] = *b.rst_window;
    }
    return j;
}

ForgedReply forged_from(const In& j) {
    ForgedReply f;
    f.proto = parse_proto(text(j, "proto")).value_or(Proto::tcp);
    f.port = number<std::uint16_t>(j, "port");
    f.kind = parse_kind(text(j, "kind"));
    f.ttl = number<std::uint8_t>(j, "ttl");
    f.confidence = parse_confidence(text(j, "confidence")).value_or(Confidence::low);
    f.evidence = text(j, "evidence");
    return f;
}

}  // namespace

Out to_json(const ResponderReport& report) {
    Out j = Out::object();
    if (report.baseline) {
        j["baseline"] = baseline_json(*report.baseline);
    }
    Out forged = Out::array();
    for (const ForgedReply& f : report.forged) {
        forged.push_back(Out{{"proto", to_string(f.proto)}, {"port", f.port}, {"kind", kind_text(f.kind)}, {"ttl", f.ttl},
                             {"confidence", to_string(f.confidence)}, {"evidence", f.evidence}});
    }
    j["forged"] = std::move(forged);
    if (report.spoofer) {
        const PortSpoofer& s = *report.spoofer;
        j["spoofer"] = Out{{"kind", s.tarpit ? "tarpit" : "port-spoofer"}, {"confidence", to_string(s.confidence)},
                           {"open", s.open}, {"probed", s.probed}, {"evidence", s.evidence}};
    }
    Out filters = Out::array();
    for (const FilteringDevice& d : report.filters) {
        Out reasons = Out::array();
        for (const Reason r : d.reasons) {
            reasons.push_back(to_string(r));
        }
        filters.push_back(Out{{"address", d.address.to_string()}, {"ports", d.ports}, {"reasons", std::move(reasons)}});
    }
    j["filters"] = std::move(filters);
    return j;
}

std::optional<ResponderReport> from_json(const In& j) {
    if (!j.is_object()) {
        return std::nullopt;
    }
    ResponderReport r;
    if (const auto b = j.find("baseline"); b != j.end() && b->is_object()) {
        ResponderBaseline base;
        base.ttl = number<std::uint8_t>(*b, "ttl");
        base.hops = number<std::uint8_t>(*b, "hops");
        base.from_syn_ack = text(*b, "from") == "syn-ack";
        base.replies = number<std::uint32_t>(*b, "replies");
        r.baseline = base;
    }
    if (const auto f = j.find("forged"); f != j.end() && f->is_array()) {
        for (const In& e : *f) {
            if (e.is_object()) {
                r.forged.push_back(forged_from(e));
            }
        }
        std::sort(r.forged.begin(), r.forged.end(), [](const ForgedReply& a, const ForgedReply& b) {
            return std::pair(a.proto, a.port) < std::pair(b.proto, b.port);
        });
    }
    if (const auto s = j.find("spoofer"); s != j.end() && s->is_object()) {
        PortSpoofer sp;
        sp.tarpit = text(*s, "kind") == "tarpit";
        sp.confidence = parse_confidence(text(*s, "confidence")).value_or(Confidence::low);
        sp.open = number<std::uint32_t>(*s, "open");
        sp.probed = number<std::uint32_t>(*s, "probed");
        sp.evidence = text(*s, "evidence");
        r.spoofer = sp;
    }
    if (const auto f = j.find("filters"); f != j.end() && f->is_array()) {
        for (const In& e : *f) {
            const auto address = e.is_object() ? Address::parse(text(e, "address")) : std::nullopt;
            if (!address) {
                continue;
            }
            FilteringDevice d{*address, number<std::uint32_t>(e, "ports"), {}};
            if (const auto rs = e.find("reasons"); rs != e.end() && rs->is_array()) {
                for (const In& x : *rs) {
                    if (const auto reason = x.is_string() ? parse_reason(x.get<std::string>()) : std::nullopt) {
                        d.reasons.push_back(*reason);
                    }
                }
            }
            r.filters.push_back(std::move(d));
        }
    }
    return r;
}

}  // namespace portwarden::responder
