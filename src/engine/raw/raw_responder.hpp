#pragma once
// The responder analysis of one host of a raw run (portwarden/responder.hpp), from the facts the
// run recorded of each port's deciding reply.
#include <optional>
#include <vector>

#include "engine/raw/raw_run.hpp"
#include "portwarden/responder.hpp"
#include "portwarden/results.hpp"

namespace portwarden::engine {

// Nothing when the run recorded no reply facts (RawRunOptions::record_reply_facts).
std::optional<ResponderReport> responder_report(const RawRun& run, const std::vector<RawColumn>& columns,
                                                std::size_t h, const HostResult& host);

}  // namespace portwarden::engine
