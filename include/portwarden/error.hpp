#pragma once
// Error values for expected failures. A message is one line that names the bad place
// (token, file:line:column, flag), ready to print after "portwarden: ".
#include <string>
#include <utility>

#include <tl/expected.hpp>

namespace portwarden {

struct Error {
    std::string message;
};

template <class T>
using Result = tl::expected<T, Error>;

inline tl::unexpected<Error> fail(std::string message) {
    return tl::unexpected<Error>(Error{std::move(message)});
}

}  // namespace portwarden
