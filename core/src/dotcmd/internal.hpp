// Private to the dot-command module: the command table that parsing, printing and usage text
// all walk, and the control-byte rule that the tokenizer and the parser share.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sqlink/dotcmd.hpp"
#include "sqlink/error.hpp"

namespace sqlink::dotcmd {

// Indexed by Trust; trust_name() and the --trust parser both read it.
inline constexpr std::string_view kTrustNames[] = {"manifest", "stored", "prompt"};

// One positional argument or flag of a command. The function pointers are instantiated per
// struct member, so the generic parser and printer never need to know the command's type.
struct Field {
  std::string_view name = {};     // "--mem" for a flag; the metavar ("NAME") for a positional
  std::string_view metavar = {};  // what the value looks like ("SIZE"); empty for a switch flag
  std::string_view expects = {};  // flags: completes "'--mem' expects ..."
  std::string_view help = {};     // flags: one line for the usage text
  bool optional = false;          // positionals: may be left out (only ever trailing)
  // Parses `word` into the member; `name` labels messages. A repeated flag calls it again.
  Result<void> (*set)(DotCommand& command, std::string_view word, std::string_view name) = nullptr;
  // The member's canonical text, or nothing when it is absent (unset optional, false switch).
  std::optional<std::string> (*text)(const DotCommand& command) = nullptr;
  std::size_t owner = 0;  // index in DotCommand of the struct the member belongs to

  bool is_switch() const noexcept { return metavar.empty(); }
};

struct CommandSpec {
  std::string_view name;  // ".bundle save", or ".load" for a command without subcommands
  std::string_view summary;
  std::span<const Field> args;
  std::span<const Field> flags;
  bool needs_a_flag = false;  // at least one flag must be given (.bundle gc)
  std::size_t index = 0;      // of the command's struct in DotCommand
  DotCommand (*make)() = nullptr;

  std::string_view group() const noexcept { return name.substr(0, name.find(' ')); }
  std::string_view sub() const noexcept {
    const auto space = name.find(' ');
    return space == std::string_view::npos ? std::string_view{} : name.substr(space + 1);
  }
};

// Every command, in DotCommand's alternative order (checked at compile time in parse.cpp).
std::span<const CommandSpec> command_table() noexcept;
inline const CommandSpec& command_spec(const DotCommand& command) noexcept {
  return command_table()[command.index()];
}
// ".bundle gc [--keep=N] [--older-than=DURATION]", from the table.
std::string synopsis(const CommandSpec& spec);

// How many bytes at text[i] form a control character: 1 for C0 and DEL, 2 for a UTF-8
// encoded C1 (U+0080..U+009F, which terminals also act on), 0 for anything else.
std::size_t control_length(std::string_view text, std::size_t i) noexcept;
// The offset of the first control character, or npos.
std::size_t find_control(std::string_view text) noexcept;
// control_character error for the control character at word[pos].
Error control_error(std::string_view word, std::size_t pos);

}  // namespace sqlink::dotcmd
