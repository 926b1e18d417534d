// Dot-commands: the guest command language, typed at a prompt or passed after the host flags.
// A line is split with shell-like quoting ('...', "...", backslash), then parsed into a typed
// command. format_dot_command() prints the canonical line: parse(format(c)) == c.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "sqlink/capability.hpp"
#include "sqlink/error.hpp"

namespace sqlink {

// ---- .load PATH|URI [--grant=a,b] [--trust=manifest|stored|prompt] [--mem=SIZE] [--timeout=DURATION]

// Where a .load target points. A URI has a scheme of 2+ chars from [A-Za-z0-9+.-] then ':'
// (so "C:\x" is a path). Hash URIs are sha256:<64 hex> and digest:<64 hex>.
struct LoadTarget {
  enum class Kind { path, uri };
  Kind kind = Kind::path;
  std::string scheme;  // lower-cased; empty for a path
  std::string text;    // the path, or the whole URI (hash hex lower-cased)
  friend bool operator==(const LoadTarget&, const LoadTarget&) = default;
};

enum class Trust { manifest, stored, prompt };
std::string_view trust_name(Trust t) noexcept;

struct LoadCommand {
  LoadTarget target;
  CapabilitySet grants;
  std::optional<Trust> trust;
  std::optional<std::uint64_t> mem;              // bytes
  std::optional<std::chrono::seconds> timeout;
  friend bool operator==(const LoadCommand&, const LoadCommand&) = default;
};

// ---- .bundle ...
struct BundleSave { std::string name; bool no_build = false; friend bool operator==(const BundleSave&, const BundleSave&) = default; };
struct BundleBuild { std::string name; std::optional<std::string> target; friend bool operator==(const BundleBuild&, const BundleBuild&) = default; };
struct BundleList { friend bool operator==(const BundleList&, const BundleList&) = default; };
struct BundleShow { std::string ref; friend bool operator==(const BundleShow&, const BundleShow&) = default; };
struct BundleDelete { std::string name; friend bool operator==(const BundleDelete&, const BundleDelete&) = default; };
struct BundleAlias { std::string old_name, new_name; friend bool operator==(const BundleAlias&, const BundleAlias&) = default; };
struct BundleUnalias { std::string name; friend bool operator==(const BundleUnalias&, const BundleUnalias&) = default; };
// At least one of keep / older_than is present.
struct BundleGc {
  std::optional<std::uint64_t> keep;
  std::optional<std::chrono::seconds> older_than;
  friend bool operator==(const BundleGc&, const BundleGc&) = default;
};

// ---- .prefix ...
struct PrefixAdd { std::string name, expansion; std::optional<std::string> description; friend bool operator==(const PrefixAdd&, const PrefixAdd&) = default; };
struct PrefixList { friend bool operator==(const PrefixList&, const PrefixList&) = default; };
struct PrefixFunctions { std::string name; friend bool operator==(const PrefixFunctions&, const PrefixFunctions&) = default; };
struct PrefixExpansion { std::string name; friend bool operator==(const PrefixExpansion&, const PrefixExpansion&) = default; };
struct PrefixRename { std::string old_name, new_name; friend bool operator==(const PrefixRename&, const PrefixRename&) = default; };
struct PrefixDelete { std::string name; friend bool operator==(const PrefixDelete&, const PrefixDelete&) = default; };
struct PrefixPrefer { std::string function, extension; friend bool operator==(const PrefixPrefer&, const PrefixPrefer&) = default; };
struct PrefixUnprefer { std::string function; friend bool operator==(const PrefixUnprefer&, const PrefixUnprefer&) = default; };
struct PrefixConflicts { friend bool operator==(const PrefixConflicts&, const PrefixConflicts&) = default; };
struct PrefixVerify { friend bool operator==(const PrefixVerify&, const PrefixVerify&) = default; };

// ---- .cache ...
struct CacheList { friend bool operator==(const CacheList&, const CacheList&) = default; };
struct CacheStats { friend bool operator==(const CacheStats&, const CacheStats&) = default; };
struct CacheGc { friend bool operator==(const CacheGc&, const CacheGc&) = default; };
struct CacheEvict { std::uint64_t bytes = 0; friend bool operator==(const CacheEvict&, const CacheEvict&) = default; };
struct CacheExport { std::string path; friend bool operator==(const CacheExport&, const CacheExport&) = default; };
struct CacheImport { std::string path; friend bool operator==(const CacheImport&, const CacheImport&) = default; };
struct CacheVerify { friend bool operator==(const CacheVerify&, const CacheVerify&) = default; };
struct CacheDoctor { friend bool operator==(const CacheDoctor&, const CacheDoctor&) = default; };

// ---- .help [TOPIC] · .read PATH (run the dot-commands in a script file, one per line)
struct HelpCommand { std::optional<std::string> topic; friend bool operator==(const HelpCommand&, const HelpCommand&) = default; };
struct ReadCommand { std::string path; friend bool operator==(const ReadCommand&, const ReadCommand&) = default; };

using DotCommand =
    std::variant<LoadCommand, BundleSave, BundleBuild, BundleList, BundleShow, BundleDelete,
                 BundleAlias, BundleUnalias, BundleGc, PrefixAdd, PrefixList, PrefixFunctions,
                 PrefixExpansion, PrefixRename, PrefixDelete, PrefixPrefer, PrefixUnprefer,
                 PrefixConflicts, PrefixVerify, CacheList, CacheStats, CacheGc, CacheEvict,
                 CacheExport, CacheImport, CacheVerify, CacheDoctor, HelpCommand, ReadCommand>;

// Splits one line into words. Space and tab separate words; '...' is literal; inside "..."
// a backslash escapes " and \ only; outside quotes a backslash escapes the next byte. An
// unclosed quote, a trailing backslash, and any other control byte or NUL are errors.
Result<std::vector<std::string>> tokenize_line(std::string_view line);
// Parses already-split words (words[0] is ".load", ".bundle", ...).
Result<DotCommand> parse_dot_words(std::span<const std::string> words);
// tokenize_line then parse_dot_words. An empty or blank line is missing_argument.
Result<DotCommand> parse_dot_line(std::string_view line);

// The canonical line for a command, with flags in '--name=value' form, quoting only when
// needed. parse_dot_line(format_dot_command(c)) == c for every parsed c.
std::string format_dot_command(const DotCommand& command);
// Quotes one word so tokenize_line gives it back unchanged.
std::string quote_word(std::string_view word);
// "load", "bundle save", "prefix add", ... : the command's name, for messages and JSON.
std::string_view dot_command_name(const DotCommand& command);
// Usage text for every dot-command (topic empty) or one group (".bundle").
std::string dot_usage(std::string_view topic = {});

}  // namespace sqlink
