// Usage text for the dot-commands, generated from the command table: synopses for errors
// and the full or per-group text that .help prints.
#include <algorithm>
#include <string>
#include <string_view>

#include "dotcmd/internal.hpp"
#include "sqlink/dotcmd.hpp"

namespace sqlink {
namespace dotcmd {

std::string synopsis(const CommandSpec& spec) {
  std::string out(spec.name);
  for (const Field& field : spec.args) {
    out += field.optional ? " [" + std::string(field.name) + "]" : " " + std::string(field.name);
  }
  for (const Field& field : spec.flags) {
    out += " [" + std::string(field.name);
    if (!field.is_switch()) out += "=" + std::string(field.metavar);
    out += "]";
  }
  return out;
}

}  // namespace dotcmd

namespace {

void describe(std::string& out, const dotcmd::CommandSpec& spec) {
  out += "  " + dotcmd::synopsis(spec) + "\n      " + std::string(spec.summary) + "\n";
  if (spec.needs_a_flag) out += "      (give at least one flag)\n";
  // mutate: next-line lit.int.one: every flag name is longer than one byte, and width is unused when there are no flags
  std::size_t width = 0;
  for (const dotcmd::Field& field : spec.flags) width = std::max(width, field.name.size());
  for (const dotcmd::Field& field : spec.flags) {
    out += "      " + std::string(field.name) + std::string(width - field.name.size() + 2, ' ') +
           std::string(field.help) + "\n";
  }
}

}  // namespace

std::string dot_usage(std::string_view topic) {
  const std::string group = topic.starts_with('.') ? std::string(topic) : "." + std::string(topic);
  const auto table = dotcmd::command_table();
  const bool known =
      std::ranges::any_of(table, [&](const dotcmd::CommandSpec& s) { return s.group() == group; });

  std::string out;
  if (!known) {
    out +=
        "Dot-commands, one per line. Quote words with '...' or \"...\"; after '--' no word is a flag.\n"
        "Flags take their value as --flag=VALUE or --flag VALUE.\n\n";
  }
  for (const dotcmd::CommandSpec& spec : table) {
    if (!known || spec.group() == group) describe(out, spec);
  }
  return out;
}

}  // namespace sqlink
