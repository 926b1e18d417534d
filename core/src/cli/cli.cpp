// The sqlink program: host flags, then dot-commands from argv or one per line from stdin.
// Output is text for people or, with --json, one JSON object per command on stdout.
#include "cli/cli.hpp"

#include <istream>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "sqlink/argv.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/version.hpp"

namespace sqlink::cli {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;

// Untrusted text may hold invalid UTF-8; JSON output replaces it instead of failing.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Everything printed for people goes through sanitize(), without the error-echo length cap.
std::string safe(std::string_view text) { return sanitize(text, static_cast<std::size_t>(-1)); }

class Session {
 public:
  Session(const HostArgs& args, Io io) : args_(args), io_(io) {}

  // Reports an error; `line` is the script line number, 0 when the command came from argv.
  int fail(const Error& e, std::size_t line = 0) const {
    if (args_.json) {
      json j = {{"ok", false},
                {"error",
                 {{"code", errc_name(e.code)},
                  {"exit_code", e.exit_code()},
                  {"message", e.message},
                  {"input", e.input}}}};
      if (!e.hint.empty()) j["error"]["hint"] = e.hint;
      if (line != 0) j["line"] = line;
      io_.out << dump(j) << '\n';
    } else {
      io_.err << "sqlink: error: ";
      if (line != 0) io_.err << "line " << line << ": ";
      io_.err << e.message << '\n';
      if (!e.hint.empty()) io_.err << "sqlink: hint: " << e.hint << '\n';
    }
    return e.exit_code();
  }

  int execute(const DotCommand& command, std::size_t line = 0) const {
    if (args_.check) return print_check(command);
    if (const auto* help = std::get_if<HelpCommand>(&command)) {
      const std::string text = dot_usage(help->topic.value_or(""));
      if (args_.json) {
        io_.out << dump({{"ok", true}, {"command", "help"}, {"text", text}}) << '\n';
      } else {
        io_.out << text;
      }
      return kExitOk;
    }
    // The operations themselves arrive with the cache store; until then say so plainly.
    const std::string name(dot_command_name(command));
    return fail(Error::make(Errc::unsupported,
                            "operation " + quoted(name) +
                                " is not available in this build (parsing only; see --check)",
                            name),
                line);
  }

  // Runs stdin as a script, one dot-command a line; blank lines and '#' comments are skipped.
  // A script stops at its first error; an interactive session reports it and goes on.
  int run_lines() const {
    std::string text;
    std::size_t number = 0;
    int status = kExitOk;
    if (io_.interactive) io_.out << "sqlink> " << std::flush;
    while (std::getline(io_.in, text)) {
      ++number;
      const std::size_t first = text.find_first_not_of(" \t\r");
      if (first != std::string::npos && text[first] != '#') {
        auto command = parse_dot_line(text);
        const int rc = command ? execute(*command, number) : fail(command.error(), number);
        if (rc != kExitOk) {
          status = rc;
          if (!io_.interactive) return status;
        }
      }
      if (io_.interactive) io_.out << "sqlink> " << std::flush;
    }
    if (io_.interactive) io_.out << '\n';
    return status;
  }

 private:
  int print_check(const DotCommand& command) const {
    const std::string line = format_dot_command(command);
    if (args_.json) {
      auto words = tokenize_line(line);
      json j = {{"ok", true}, {"command", dot_command_name(command)}, {"line", line}};
      if (words) j["words"] = *words;
      io_.out << dump(j) << '\n';
    } else {
      io_.out << safe(line) << '\n';
    }
    return kExitOk;
  }

  const HostArgs& args_;
  Io io_;
};

// --json must shape even the errors of parsing argv itself, so look for it first.
bool wants_json(std::span<const std::string> args) {
  for (const auto& a : args) {
    if (a == "--" || (!a.empty() && a[0] == '.')) break;
    if (a == "--json") return true;
  }
  return false;
}

}  // namespace

int run(std::span<const std::string> args, Io io) {
  auto parsed = parse_host_argv(args);
  if (!parsed) {
    HostArgs fallback;
    fallback.json = wants_json(args);
    return Session(fallback, io).fail(parsed.error());
  }
  const HostArgs& host = *parsed;
  if (host.help) {
    io.out << host_usage();
    return kExitOk;
  }
  if (host.version) {
    if (host.json) {
      io.out << dump({{"ok", true}, {"version", kVersion}}) << '\n';
    } else {
      io.out << "sqlink " << kVersion << '\n';
    }
    return kExitOk;
  }
  const Session session(host, io);
  if (host.command.empty()) return session.run_lines();
  auto command = parse_dot_words(host.command);
  if (!command) return session.fail(command.error());
  return session.execute(*command);
}

}  // namespace sqlink::cli
