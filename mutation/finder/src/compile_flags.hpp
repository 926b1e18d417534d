// Compile commands as Clang needs them: a database written for GCC names flags Clang does not
// know and never names Clang's resource dir. This turns such a command into one Clang parses.
#pragma once

#include <string>
#include <vector>

namespace sqlink::finder {

// argv of a compile command (argv[0] is the compiler) -> argv for a Clang syntax-only parse.
// Drops what Clang does not know or need (unknown flags, -flto*, -Werror*, dependency files,
// outputs), adds the resource dir and silences warnings: the finder only cares about errors.
std::vector<std::string> clang_arguments(const std::vector<std::string>& command,
                                         const std::string& resource_dir);

// The resource dir the finder was built with, unless SQLINK_CLANG_RESOURCE_DIR overrides it.
std::string default_resource_dir();

}  // namespace sqlink::finder
