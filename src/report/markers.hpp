#pragma once
// Rings and labels over a port-state map (markers.cpp).
#include <cstdint>
#include <string>
#include <vector>

#include "portwarden/state.hpp"

namespace portwarden::report {

// `kind`: the 65 536 ports' states (PortState as a number, `none` for not scanned); the runs
// not in `background` get a ring each (256 at most) and the first 24 (open ones first) a label.
std::string render_markers(const std::vector<std::uint8_t>& kind, std::size_t background, std::size_t none, Proto proto);

}  // namespace portwarden::report
