#pragma once
// The responder analysis of one host of a raw run (portwarden/responder.hpp), from the facts the
// run recorded of each port's deciding reply.
#include <optional>
#include <vector>

#include "engine/raw/raw_run.hpp"
#include "portwarden/responder.hpp"

namespace portwarden::engine {

// Host h's reported cells (settled with a known reason and, when `only_cells` is given, among
// them: the cells host_result reports) and their replies' facts, read from the run alone (not
// from the host's port list: host_result may build that meanwhile, on another thread).
// Nothing when the run recorded no reply facts (RawRunOptions::record_reply_facts).
std::optional<ResponderReport> responder_report(const RawRun& run, const std::vector<RawColumn>& columns,
                                                std::size_t h, const std::vector<bool>* only_cells);

}  // namespace portwarden::engine
