// Private to the prefix module: validation of every string that reaches the registry from
// outside (prefix names, expansions, descriptions, function names). Each error names it.
#pragma once

#include <optional>
#include <string_view>

#include "sqlink/error.hpp"

namespace sqlink::prefix_detail {

// `what` labels the input in the message ("prefix", "new prefix").
std::optional<Error> check_prefix_name(std::string_view what, std::string_view name);
std::optional<Error> check_expansion(std::string_view expansion);
std::optional<Error> check_description(std::string_view description);
// Function, collation and module names: non-empty, within limits, no control byte.
std::optional<Error> check_function_name(std::string_view name);
// Any other name-like input; `what` labels it ("extension").
std::optional<Error> check_reference(std::string_view what, std::string_view raw);

}  // namespace sqlink::prefix_detail
