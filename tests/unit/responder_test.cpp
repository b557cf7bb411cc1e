// The responder analysis (src/responder/): baselines, forged replies, port-spoofers and
// tarpits, filtering devices, the notes and the -oJ round trip.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "output/writer.hpp"
#include "portwarden/responder.hpp"
#include "portwarden/result_file.hpp"
#include "responder/baseline.hpp"
#include "responder/json.hpp"
#include "responder/notes.hpp"

namespace portwarden {
namespace {

ReplyFacts rst(std::uint16_t port, std::uint8_t ttl, std::uint16_t ip_id = 0, std::uint16_t window = 0) {
    return ReplyFacts{Proto::tcp, port, ReplyKind::rst, Reason::reset, ttl, ip_id, window, 0, std::nullopt};
}
ReplyFacts synack(std::uint16_t port, std::uint8_t ttl, std::uint16_t window = 64240, std::uint16_t options = 77) {
    return ReplyFacts{Proto::tcp, port, ReplyKind::syn_ack, Reason::syn_ack, ttl, 0, window, options, std::nullopt};
}
ReplyFacts icmp(std::uint16_t port, const char* from, Reason reason) {
    return ReplyFacts{Proto::tcp, port, ReplyKind::icmp, reason, 63, std::nullopt, 0, 0, Address::parse(from)};
}

// A closed host behind one router: RSTs with TTL 63 on ports 1..n except the open ones.
std::vector<ReplyFacts> host(std::uint16_t n, std::vector<std::uint16_t> open, std::uint8_t ttl = 63) {
    std::vector<ReplyFacts> out;
    for (std::uint16_t p = 1; p <= n; ++p) {
        const bool is_open = std::find(open.begin(), open.end(), p) != open.end();
        out.push_back(is_open ? synack(p, ttl) : rst(p, ttl));
    }
    return out;
}

TEST(Responder, GenuineHostHasNoFindings) {
    const auto replies = host(1000, {22, 80});
    const ResponderReport r = analyze_responders(replies, 1000);
    ASSERT_TRUE(r.baseline);
    EXPECT_EQ(r.baseline->ttl, 63);
    EXPECT_EQ(r.baseline->hops, 1);
    EXPECT_TRUE(r.baseline->from_syn_ack);
    EXPECT_EQ(r.baseline->replies, 1000U);
    EXPECT_EQ(r.baseline->rst_ip_id, IpIdBehaviour::zero);
    EXPECT_EQ(r.baseline->rst_window, 0);
    EXPECT_FALSE(r.has_findings());
    EXPECT_TRUE(responder_notes(r).empty());
}

TEST(Responder, RouterForgedRstsAreFlaggedWithHighConfidence) {
    auto replies = host(1000, {22, 80});
    replies[21] = rst(22, 64);  // the router answers for the open port 22
    replies[999] = rst(1000, 64);
    const ResponderReport r = analyze_responders(replies, 1000);
    ASSERT_EQ(r.forged.size(), 2U);
    EXPECT_EQ(r.forged[0].port, 22);
    EXPECT_EQ(r.forged[1].port, 1000);
    EXPECT_EQ(r.forged[0].confidence, Confidence::high);
    EXPECT_EQ(r.forged[0].kind, ReplyKind::rst);
    EXPECT_NE(r.forged[0].evidence.find("TTL 64 (0 hops)"), std::string::npos) << r.forged[0].evidence;
    EXPECT_NE(r.forged[0].evidence.find("nearer than the host"), std::string::npos);
    EXPECT_EQ(r.forged_at(Proto::tcp, 22), &r.forged[0]);
    EXPECT_EQ(r.forged_at(Proto::tcp, 23), nullptr);
    EXPECT_EQ(r.forged_at(Proto::udp, 22), nullptr);
    const auto notes = responder_notes(r);
    ASSERT_EQ(notes.size(), 1U);
    EXPECT_NE(notes[0].find("2 replies forged by a middlebox (high confidence), ports 22,1000"), std::string::npos) << notes[0];
}

TEST(Responder, WithoutSynAcksTheFarthestRstGroupIsTheHost) {
    auto replies = host(100, {});
    for (std::uint16_t p = 10; p < 15; ++p) {
        replies[p - 1] = rst(p, 64);
    }
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_TRUE(r.baseline);
    EXPECT_FALSE(r.baseline->from_syn_ack);
    EXPECT_EQ(r.baseline->ttl, 63);
    ASSERT_EQ(r.forged.size(), 5U);
    EXPECT_EQ(r.forged[0].confidence, Confidence::medium);  // no handshake proves the baseline
}

TEST(Responder, ASingleStrayRstDoesNotBecomeTheBaseline) {
    auto replies = host(100, {}, 64);  // an on-link host, TTL 64
    replies[5] = rst(6, 62);           // one odd reply from farther away
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_TRUE(r.baseline);
    EXPECT_EQ(r.baseline->ttl, 64);
    ASSERT_EQ(r.forged.size(), 1U);
    EXPECT_EQ(r.forged[0].port, 6);
    EXPECT_EQ(r.forged[0].confidence, Confidence::low);
    EXPECT_NE(r.forged[0].evidence.find("farther"), std::string::npos);
}

TEST(Responder, ASingleSynAckQualifiesAsBaseline) {
    std::vector<ReplyFacts> replies;
    for (std::uint16_t p = 1; p <= 50; ++p) {
        replies.push_back(rst(p, 64));  // the router forges everything ...
    }
    replies.push_back(synack(443, 63));  // ... but one port the host itself answers
    const ResponderReport r = analyze_responders(replies, 51);
    ASSERT_TRUE(r.baseline);
    EXPECT_EQ(r.baseline->ttl, 63);
    EXPECT_EQ(r.forged.size(), 50U);
    EXPECT_EQ(r.forged.front().confidence, Confidence::high);
}

TEST(Responder, AnotherInitialTtlAtTheSameDistance) {
    auto replies = host(100, {80}, 64);   // host: initial 64, on link
    replies[9] = rst(10, 255);            // initial 255, 0 hops too
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_EQ(r.forged.size(), 1U);
    EXPECT_EQ(r.forged[0].confidence, Confidence::medium);
    EXPECT_NE(r.forged[0].evidence.find("another initial TTL (255 vs the host's 64)"), std::string::npos)
        << r.forged[0].evidence;
}

TEST(Responder, IpIdAndWindowAddEvidenceAndConfidence) {
    auto replies = host(100, {}, 63);
    for (std::uint16_t p = 10; p < 13; ++p) {
        replies[p - 1] = rst(p, 64, 4321, 512);
    }
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_EQ(r.forged.size(), 3U);
    EXPECT_EQ(r.forged[0].confidence, Confidence::high);  // medium (RST baseline) raised
    EXPECT_NE(r.forged[0].evidence.find("IP ID 4321 where the host's RSTs carry 0"), std::string::npos);
    EXPECT_NE(r.forged[0].evidence.find("window 512 where the host's RSTs carry 0"), std::string::npos);
}

TEST(Responder, SameTtlOutliersAreLowConfidenceOnlyAgainstEnoughRsts) {
    auto replies = host(100, {80});
    replies[41] = rst(42, 63, 999);
    ResponderReport r = analyze_responders(replies, 100);
    ASSERT_EQ(r.forged.size(), 1U);
    EXPECT_EQ(r.forged[0].confidence, Confidence::low);
    EXPECT_NE(r.forged[0].evidence.find("IP ID 999"), std::string::npos);
    auto few = host(10, {80});
    few[3] = rst(4, 63, 999);
    r = analyze_responders(few, 10);
    EXPECT_TRUE(r.forged.empty());  // 9 RSTs are too few to call one an outlier
}

TEST(Responder, VariedIpIdsAreNotEvidence) {
    std::vector<ReplyFacts> replies;
    for (std::uint16_t p = 1; p <= 100; ++p) {
        replies.push_back(rst(p, 63, static_cast<std::uint16_t>(p * 7919U)));
    }
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_TRUE(r.baseline);
    EXPECT_EQ(r.baseline->rst_ip_id, IpIdBehaviour::varied);
    EXPECT_TRUE(r.forged.empty());
}

TEST(Responder, Ipv6RepliesHaveNoIpIdBehaviour) {
    std::vector<ReplyFacts> replies;
    for (std::uint16_t p = 1; p <= 30; ++p) {
        ReplyFacts f = rst(p, 63);
        f.ip_id.reset();
        replies.push_back(f);
    }
    const ResponderReport r = analyze_responders(replies, 30);
    ASSERT_TRUE(r.baseline);
    EXPECT_EQ(r.baseline->rst_ip_id, IpIdBehaviour::none);
    EXPECT_TRUE(r.forged.empty());
}

TEST(Responder, PortSpooferAnswersEveryPortAlike) {
    std::vector<ReplyFacts> replies;
    for (std::uint32_t p = 1; p <= 65535; ++p) {
        replies.push_back(synack(static_cast<std::uint16_t>(p), 63));
    }
    const ResponderReport r = analyze_responders(replies, 65535);
    ASSERT_TRUE(r.spoofer);
    EXPECT_FALSE(r.spoofer->tarpit);
    EXPECT_EQ(r.spoofer->confidence, Confidence::high);
    EXPECT_EQ(r.spoofer->open, 65535U);
    EXPECT_NE(r.spoofer->evidence.find("SYN-ACK on 65535 of 65535 ports probed, identical on all"), std::string::npos)
        << r.spoofer->evidence;
    EXPECT_TRUE(r.forged.empty());
    const auto notes = responder_notes(r);
    ASSERT_FALSE(notes.empty());
    EXPECT_EQ(notes[0].rfind("port-spoofer (high confidence)", 0), 0U) << notes[0];
}

TEST(Responder, TarpitHasATinyWindow) {
    std::vector<ReplyFacts> replies;
    for (std::uint16_t p = 1; p <= 100; ++p) {
        replies.push_back(synack(p, 63, 10, 5));
    }
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_TRUE(r.spoofer);
    EXPECT_TRUE(r.spoofer->tarpit);
    EXPECT_EQ(r.spoofer->confidence, Confidence::medium);  // identical, but only 100 ports
}

TEST(Responder, SpooferThresholds) {
    auto replies = host(100, {});
    for (std::uint16_t p = 1; p <= 89; ++p) {
        replies[p - 1] = synack(p, 63, static_cast<std::uint16_t>(1000 + p));  // windows differ
    }
    EXPECT_FALSE(analyze_responders(replies, 100).spoofer);  // 89 % open
    replies[89] = synack(90, 63, 5);
    const auto r = analyze_responders(replies, 100);
    ASSERT_TRUE(r.spoofer);
    EXPECT_EQ(r.spoofer->confidence, Confidence::low);
    EXPECT_FALSE(r.spoofer->tarpit);
    const auto few = host(19, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19});
    EXPECT_FALSE(analyze_responders(few, 19).spoofer);  // too few ports to say
    EXPECT_FALSE(analyze_responders(replies, 0).spoofer);  // no SYN probes (an ACK scan)
}

TEST(Responder, IcmpErrorsFromOtherAddressesNameTheFilter) {
    auto replies = host(100, {80});
    replies[9] = icmp(10, "198.18.2.1", Reason::admin_prohibited);
    replies[10] = icmp(11, "198.18.2.1", Reason::admin_prohibited);
    replies[11] = icmp(12, "198.18.2.1", Reason::host_unreach);
    replies[12] = icmp(13, "198.18.0.1", Reason::net_prohibited);
    ReplyFacts from_host = icmp(14, "198.18.2.10", Reason::port_unreach);
    from_host.responder.reset();
    replies[13] = from_host;
    const ResponderReport r = analyze_responders(replies, 100);
    ASSERT_EQ(r.filters.size(), 2U);
    EXPECT_EQ(r.filters[0].address.to_string(), "198.18.2.1");
    EXPECT_EQ(r.filters[0].ports, 3U);
    EXPECT_EQ(r.filters[0].reasons, (std::vector<Reason>{Reason::admin_prohibited, Reason::host_unreach}));
    EXPECT_EQ(r.filters[1].ports, 1U);
    EXPECT_TRUE(r.forged.empty());  // ICMP is not a TCP reply of the host
    const auto notes = responder_notes(r);
    ASSERT_EQ(notes.size(), 2U);
    EXPECT_EQ(notes[0], "filtered by 198.18.2.1: its ICMP errors (admin-prohibited, host-unreach) answered 3 ports");
}

TEST(Responder, NothingFromTheHostMeansNoBaseline) {
    std::vector<ReplyFacts> replies{rst(5, 63)};
    EXPECT_FALSE(analyze_responders(replies, 1).baseline);  // one RST is no group
    EXPECT_FALSE(analyze_responders({}, 0).baseline);
}

TEST(Responder, JsonRoundTrip) {
    auto replies = host(100, {80});
    replies[9] = rst(10, 64);
    replies[19] = icmp(20, "fd00::1", Reason::admin_prohibited);
    const ResponderReport r = analyze_responders(replies, 100);
    const auto text = responder::to_json(r).dump();
    const auto back = responder::from_json(nlohmann::json::parse(text));
    ASSERT_TRUE(back);
    ASSERT_EQ(back->forged.size(), 1U);
    EXPECT_EQ(back->forged[0].port, 10);
    EXPECT_EQ(back->forged[0].confidence, r.forged[0].confidence);
    EXPECT_EQ(back->forged[0].evidence, r.forged[0].evidence);
    ASSERT_TRUE(back->baseline);
    EXPECT_EQ(back->baseline->ttl, 63);
    ASSERT_EQ(back->filters.size(), 1U);
    EXPECT_EQ(back->filters[0].reasons, std::vector<Reason>{Reason::admin_prohibited});
    EXPECT_FALSE(responder::from_json(nlohmann::json::array()));
    const auto junk = responder::from_json(nlohmann::json::parse(R"({"forged":[{"port":70000,"confidence":"x"}, 3]})"));
    ASSERT_TRUE(junk);
    ASSERT_EQ(junk->forged.size(), 1U);
    EXPECT_EQ(junk->forged[0].port, 0);
    EXPECT_EQ(junk->forged[0].confidence, Confidence::low);
}

TEST(Responder, NamesRoundTrip) {
    for (const auto c : {Confidence::low, Confidence::medium, Confidence::high}) {
        EXPECT_EQ(parse_confidence(to_string(c)), c);
    }
    EXPECT_FALSE(parse_confidence("certain"));
    EXPECT_EQ(to_string(IpIdBehaviour::constant), "constant");
    EXPECT_EQ(responder::initial_ttl(1), 32U);
    EXPECT_EQ(responder::initial_ttl(64), 64U);
    EXPECT_EQ(responder::initial_ttl(65), 128U);
    EXPECT_EQ(responder::initial_ttl(200), 255U);
}

}  // namespace
}  // namespace portwarden

// ---- Output: the note in normal output, the -oJ fields, the XML comment ------------------

namespace portwarden {
namespace {

std::string render_with(std::unique_ptr<output::Writer> (*make)(std::FILE*), const HostResult& h) {
    char* buf = nullptr;
    std::size_t size = 0;
    std::FILE* f = open_memstream(&buf, &size);
    auto writer = make(f);
    output::RunInfo run;
    run.args = "portwarden scan -sS 198.18.11.10";
    run.ports.tcp = {22, 80};
    run.technique = Technique::syn;
    writer->begin(run);
    writer->host(h);
    writer->end(ScanSummary{});
    std::fclose(f);
    std::string out(buf, size);
    std::free(buf);
    return out;
}

HostResult forged_host() {
    HostResult h;
    h.address = *Address::parse("198.18.11.10");
    h.state = HostState::up;
    h.reason = Reason::user_set;
    PortResult p22{Proto::tcp, 22, PortState::closed, Reason::reset, 64, std::nullopt, 10};
    PortResult p80{Proto::tcp, 80, PortState::open, Reason::syn_ack, 63, std::nullopt, 10};
    h.ports = {p22, p80};
    std::vector<ReplyFacts> replies{rst(22, 64), synack(80, 63)};
    for (std::uint16_t p = 100; p < 130; ++p) {
        replies.push_back(rst(p, 63));
    }
    h.responder = analyze_responders(replies, 32);
    return h;
}

TEST(ResponderOutput, NormalOutputHasOneNotePerFinding) {
    const std::string text = render_with(output::make_normal_file_writer, forged_host());
    EXPECT_NE(text.find("Responder: 1 reply forged by a middlebox (high confidence), ports 22: e.g. RST with TTL 64"),
              std::string::npos) << text;
}

TEST(ResponderOutput, JsonHasTheHostObjectAndThePortField) {
    const std::string text = render_with(output::make_json_writer, forged_host());
    std::vector<nlohmann::json> lines;
    for (std::size_t at = 0; at < text.size();) {
        const auto nl = text.find('\n', at);
        auto record = nlohmann::json::parse(text.substr(at, nl - at));
        if (record["type"] != "run") {  // the run record comes first (the schema's version)
            lines.push_back(std::move(record));
        }
        at = nl + 1;
    }
    ASSERT_GE(lines.size(), 3U);
    EXPECT_EQ(lines[0]["port"], 22);
    EXPECT_EQ(lines[0]["forged"], "high");
    EXPECT_FALSE(lines[1].contains("forged"));
    const auto& host = lines[2];
    ASSERT_TRUE(host.contains("responder")) << host.dump();
    EXPECT_EQ(host["responder"]["forged"][0]["port"], 22);
    EXPECT_EQ(host["responder"]["baseline"]["ttl"], 63);
    EXPECT_EQ(host["responder"]["baseline"]["from"], "syn-ack");
}

TEST(ResponderOutput, XmlCarriesTheNoteAsAComment) {
    HostResult h = forged_host();
    h.responder->forged[0].evidence = "a -- b";  // "--" may not appear in an XML comment
    const std::string xml = render_with(output::make_xml_writer, h);
    const auto at = xml.find("<!-- portwarden responder: 1 reply forged");
    ASSERT_NE(at, std::string::npos) << xml;
    const auto end = xml.find("-->", at);
    EXPECT_EQ(xml.substr(at + 4, end - at - 4).find("--"), std::string::npos);
    EXPECT_LT(at, xml.find("</host>"));
    HostResult quiet = forged_host();
    quiet.responder = analyze_responders(std::vector<ReplyFacts>{synack(80, 63)}, 1);
    EXPECT_EQ(render_with(output::make_xml_writer, quiet).find("responder"), std::string::npos);
}

}  // namespace
}  // namespace portwarden

namespace portwarden {
namespace {

TEST(ResponderOutput, XmlNotesAreReadBack) {
    HostResult h = forged_host();
    h.responder->spoofer = PortSpoofer{false, Confidence::medium, 30, 32, "SYN-ACK on 30 of 32 ports probed"};
    const auto hosts = parse_nmap_xml(render_with(output::make_xml_writer, h), "scan.xml");
    ASSERT_TRUE(hosts) << hosts.error().message;
    ASSERT_EQ(hosts->size(), 1U);
    const auto& r = hosts->front().responder;
    ASSERT_TRUE(r);
    ASSERT_EQ(r->forged.size(), 1U);
    EXPECT_EQ(r->forged[0].port, 22);
    EXPECT_EQ(r->forged[0].confidence, Confidence::high);
    EXPECT_EQ(r->forged[0].kind, ReplyKind::rst);
    EXPECT_EQ(r->forged[0].evidence, h.responder->forged[0].evidence);
    ASSERT_TRUE(r->spoofer);
    EXPECT_EQ(r->spoofer->open, 30U);
    EXPECT_EQ(r->spoofer->probed, 32U);
    EXPECT_EQ(r->spoofer->confidence, Confidence::medium);
}

TEST(ResponderNotes, ReadBackRejectsWhatItDidNotWrite) {
    ResponderReport r;
    EXPECT_TRUE(read_responder_note("3 replies forged by a middlebox (low confidence), ports 5,7-8: e.g. SYN-ACK x", r));
    ASSERT_EQ(r.forged.size(), 3U);
    EXPECT_EQ(r.forged[2].port, 8);
    EXPECT_EQ(r.forged[0].kind, ReplyKind::syn_ack);
    for (const char* bad : {"1 reply forged by a middlebox (sure confidence), ports 5: e.g. x",
                            "1 reply forged by a middlebox (high confidence), ports 0: e.g. x",
                            "1 reply forged by a middlebox (high confidence), ports 9-3: e.g. x",
                            "1 reply forged by a middlebox (high confidence), ports 70000: e.g. x",
                            "1 reply forged by a middlebox (high confidence), ports 5",
                            "filtered by 198.18.2.1: its ICMP errors (admin-prohibited) answered 3 ports",
                            "port-spoofer (high confidence) no colon", "hello"}) {
        ResponderReport none;
        EXPECT_FALSE(read_responder_note(bad, none)) << bad;
        EXPECT_TRUE(none.forged.empty());
        EXPECT_FALSE(none.spoofer);
    }
}

}  // namespace
}  // namespace portwarden
