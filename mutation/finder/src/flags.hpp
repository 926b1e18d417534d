// Command-line flags of sqlink-mutate-points, generated from flags.def.
// Parsing only checks the shape of the command line; main.cpp checks what the values mean.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace sqlink::finder {

struct Flags {
#define Value std::optional<std::string>
#define List std::vector<std::string>
#define Switch bool
#define FLAG(member, spelling, metavar, kind, help) kind member{};
#include "flags.def"
#undef FLAG
#undef Value
#undef List
#undef Switch
  std::vector<std::string> translation_units;  // the positional arguments
};

struct FlagError {
  std::string argument;  // the offending argument, as given
  std::string message;
};

// Accepts "--flag value", "--flag=value" and "-pDIR"; "--" ends the flags.
std::optional<FlagError> parse_flags(int argc, const char* const* argv, Flags& flags);
std::string usage_text(const char* program);

}  // namespace sqlink::finder
