// The sqlink program: host flags, then dot-commands from argv or one per line from stdin.
// Output is text for people or, with --json, one JSON object per command on stdout.
#include "cli/cli.hpp"

#include <cerrno>
#include <fstream>
#include <istream>
#include <system_error>
#include <nlohmann/json.hpp>
#include <ostream>
#include <string_view>

#include "cli/commands.hpp"
#include "sqlink/argv.hpp"
#include "sqlink/dotcmd.hpp"
#include "sqlink/version.hpp"

namespace sqlink::cli {
namespace {

using nlohmann::json;

constexpr int kExitOk = 0;
constexpr int kExitFailed = 1;

// Untrusted text may hold invalid UTF-8; JSON output replaces it instead of failing.
std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

// Everything printed for people goes through sanitize(), line by line (so a report keeps its
// line breaks) and without the error-echo length cap.
std::string safe(std::string_view text) {
  std::string out;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    out += sanitize(text.substr(0, nl), static_cast<std::size_t>(-1));
    if (nl == std::string_view::npos) break;
    out += '\n';
    text.remove_prefix(nl + 1);
  }
  return out;
}

class Printer {
 public:
  Printer(const HostArgs& args, Io io) : json_(args.json), io_(io) {}

  // Reports an error; `line` is the script line number, 0 when the command came from argv.
  int error(const Error& e, std::size_t line = 0) const {
    if (json_) {
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
      // Messages name their input through quoted() already; this also covers text that came
      // from elsewhere (an SQLite or system message quoting a name). sanitize() is idempotent.
      io_.err << safe(e.message) << '\n';
      if (!e.hint.empty()) io_.err << "sqlink: hint: " << safe(e.hint) << '\n';
    }
    return e.exit_code();
  }

  int reply(std::string_view command, const Reply& r) const {
    if (json_) {
      json j = {{"ok", !r.failed}, {"command", command}};
      j.update(r.data);
      if (!r.warnings.empty()) j["warnings"] = r.warnings;
      io_.out << dump(j) << '\n';
    } else {
      io_.out << safe(r.text);
      for (const auto& w : r.warnings) io_.err << "sqlink: warning: " << safe(w) << '\n';
    }
    io_.out << std::flush;
    return r.failed ? kExitFailed : kExitOk;
  }

 private:
  bool json_;
  Io io_;
};

Reply check_reply(const DotCommand& command) {
  const std::string line = format_dot_command(command);
  Reply r;
  r.data = {{"line", line}};
  if (auto words = tokenize_line(line)) r.data["words"] = *words;
  r.text = line + "\n";
  return r;
}

class Runner {
 public:
  Runner(const HostArgs& args, Io io) : args_(args), printer_(args, io), context_(args, io), io_(io) {}

  int command(const DotCommand& command, std::size_t line = 0) {
    const std::string_view name = dot_command_name(command);
    if (args_.check) return printer_.reply(name, check_reply(command));
    // .read runs commands itself, so it is the runner's, not a command handler's.
    if (const auto* read = std::get_if<ReadCommand>(&command)) return script(read->path, line);
    auto reply = execute(context_, command);
    return reply ? printer_.reply(name, *reply) : printer_.error(reply.error(), line);
  }

  int script(const std::string& path, std::size_t line) {
    // A script that reads itself, directly or not, must end, not recurse until the stack does.
    constexpr int kMaxDepth = 16;
    // mutate: next-line rel.ge.eq: depth_ rises by one from 0 and the check stops it at kMaxDepth
    if (depth_ >= kMaxDepth) {
      return printer_.error(Error::make(Errc::too_long,
                                        ".read of " + quoted(path) + " nests deeper than " +
                                            std::to_string(kMaxDepth) + " scripts",
                                        path),
                            line);
    }
    std::ifstream in(path);
    if (!in) {
      const int err = errno;
      return printer_.error(Error::make(err == ENOENT ? Errc::not_found : Errc::io_error,
                                        "cannot read script " + quoted(path) + ": " +
                                            std::generic_category().message(err),
                                        path),
                            line);
    }
    ++depth_;
    const int rc = lines(in, false);
    --depth_;
    return rc;
  }

  int bundle() {
    // mutate: next-line ret.int.zero: kExitOk is 0
    if (!args_.bundle || args_.check) return kExitOk;
    auto reply = load_bundle(context_, *args_.bundle);
    return reply ? printer_.reply(bundle_mode_flag(args_.bundle->mode).substr(2), *reply)
                 : printer_.error(reply.error());
  }

  int words(std::span<const std::string> words) {
    auto parsed = parse_dot_words(words);
    return parsed ? command(*parsed) : printer_.error(parsed.error());
  }

  // Runs stdin as a script, one dot-command a line; blank lines and '#' comments are skipped.
  // A script stops at its first error; an interactive session reports it and goes on.
  int lines() { return lines(io_.in, io_.interactive); }

  int lines(std::istream& in, bool interactive) {
    std::string text;
    std::size_t number = 0;
    int status = kExitOk;
    if (interactive) io_.out << "sqlink> " << std::flush;
    while (std::getline(in, text)) {
      ++number;
      const std::size_t first = text.find_first_not_of(" \t\r");
      if (first != std::string::npos && text[first] != '#') {
        auto parsed = parse_dot_line(text);
        const int rc = parsed ? command(*parsed, number) : printer_.error(parsed.error(), number);
        if (rc != kExitOk) {
          status = rc;
          if (!interactive) return status;
        }
      }
      if (interactive) io_.out << "sqlink> " << std::flush;
    }
    if (interactive) io_.out << '\n';
    return status;
  }

 private:
  const HostArgs& args_;
  Printer printer_;
  Context context_;
  Io io_;
  int depth_ = 0;  // of nested .read scripts
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

Result<Reply> run(Context&, const HelpCommand& command) {
  Reply reply;
  reply.text = dot_usage(command.topic.value_or(""));
  reply.data = {{"text", reply.text}};
  return reply;
}

Result<Reply> run(Context&, const ReadCommand& command) {
  return Error::make(Errc::internal, ".read " + quoted(command.path) + " reached a command handler",
                     command.path);
}

Result<Reply> execute(Context& context, const DotCommand& command) {
  return std::visit([&](const auto& c) { return run(context, c); }, command);
}

int run(std::span<const std::string> args, Io io) {
  auto parsed = parse_host_argv(args);
  if (!parsed) {
    HostArgs fallback;
    fallback.json = wants_json(args);
    return Printer(fallback, io).error(parsed.error());
  }
  const HostArgs& host = *parsed;
  if (host.help) {
    io.out << host_usage();
    // mutate: next-line ret.int.zero: kExitOk is 0
    return kExitOk;
  }
  if (host.version) {
    if (host.json) {
      io.out << dump({{"ok", true}, {"version", kVersion}}) << '\n';
    } else {
      io.out << "sqlink " << kVersion << '\n';
    }
    // mutate: next-line ret.int.zero: kExitOk is 0
    return kExitOk;
  }
  Runner runner(host, io);
  if (const int rc = runner.bundle(); rc != kExitOk) return rc;
  return host.command.empty() ? runner.lines() : runner.words(host.command);
}

}  // namespace sqlink::cli
