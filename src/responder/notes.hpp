#pragma once
// Reading a responder note back (the XML result file keeps the notes as comments).
#include <string_view>

#include "portwarden/responder.hpp"

namespace portwarden {

// Reads a note of responder_notes() back: its forged ports (TCP, with the confidence and the
// example's evidence) or its port-spoofer/tarpit, into `report`. False when the line is
// neither (a filtering-device note, or free text); each number is checked (a result file is
// not trusted).
bool read_responder_note(std::string_view note, ResponderReport& report);

}  // namespace portwarden
