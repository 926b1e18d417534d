// Prints a parsed dot-command as its canonical line, and names commands and trust levels.
// The line is built from the command table, so parse_dot_line(format_dot_command(c)) == c.
#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "dotcmd/internal.hpp"
#include "sqlink/dotcmd.hpp"

namespace sqlink {

std::string_view trust_name(Trust t) noexcept { return dotcmd::kTrustNames[static_cast<std::size_t>(t)]; }

std::string_view dot_command_name(const DotCommand& command) {
  return dotcmd::command_spec(command).name.substr(1);  // without the leading '.'
}

std::string format_dot_command(const DotCommand& command) {
  const dotcmd::CommandSpec& spec = dotcmd::command_spec(command);
  std::vector<std::string> args;
  for (const dotcmd::Field& field : spec.args) {
    if (auto text = field.text(command)) args.push_back(std::move(*text));
  }
  std::vector<std::string> flags;
  for (const dotcmd::Field& field : spec.flags) {
    if (auto text = field.text(command)) {
      flags.push_back(field.is_switch() ? std::string(field.name) : std::string(field.name) + "=" + *text);
    }
  }

  std::string line(spec.name);
  const auto append = [&line](const std::vector<std::string>& words) {
    for (const std::string& word : words) line += " " + quote_word(word);
  };
  // An argument starting with '-' would read as a flag; it must follow "--", after the flags.
  if (std::ranges::any_of(args, [](const std::string& a) { return a.starts_with('-'); })) {
    append(flags);
    line += " --";
    append(args);
  } else {
    append(args);
    append(flags);
  }
  return line;
}

}  // namespace sqlink
