#pragma once
// Everything a library user needs.
#include "portwarden/address.hpp"
#include "portwarden/classify.hpp"
#include "portwarden/error.hpp"
#include "portwarden/inventory.hpp"
#include "portwarden/ports.hpp"
#include "portwarden/probe.hpp"
#include "portwarden/responder.hpp"
#include "portwarden/results.hpp"
#include "portwarden/scan.hpp"
#include "portwarden/services.hpp"
#include "portwarden/state.hpp"
#include "portwarden/targets.hpp"
