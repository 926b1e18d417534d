// `.prefix add|list|functions|expansion|rename|delete|prefer|unprefer|conflicts|verify`: the
// prefix registry of the user database (--db), changed live in this session's connection.
#include <sstream>

#include "cli/commands.hpp"

namespace sqlink::cli {
namespace {

using nlohmann::json;

template <class F>
Result<Reply> with_registry(Context& ctx, F&& body) {
  auto host = ctx.host();
  if (!host) return std::move(host).error();
  return body((*host)->prefixes());
}

json pins_json(const std::vector<Pin>& pins) {
  json out = json::array();
  for (const auto& p : pins) {
    out.push_back({{"function", p.function_name}, {"n_args", p.n_args}, {"expansion", p.expansion},
                   {"set_at", p.set_at}});
  }
  return out;
}

std::string safe(std::string_view s) { return sanitize(s, static_cast<std::size_t>(-1)); }

}  // namespace

Result<Reply> run(Context& ctx, const PrefixAdd& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    std::optional<std::string_view> desc;
    if (command.description) desc = *command.description;
    if (auto ok = registry.add(command.name, command.expansion, desc); !ok) return ok.error();
    Reply reply;
    reply.data = {{"name", command.name}, {"expansion", command.expansion}};
    if (command.description) reply.data["description"] = *command.description;
    reply.text = "prefix " + quoted(command.name) + " = " + quoted(command.expansion) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixList&) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    auto prefixes = registry.list();
    if (!prefixes) return std::move(prefixes).error();
    Reply reply;
    json rows = json::array();
    std::ostringstream text;
    for (const auto& p : *prefixes) {
      json row = {{"name", p.name}, {"expansion", p.expansion}, {"created_at", p.created_at},
                  {"last_used_at", p.last_used_at}};
      if (p.description) row["description"] = *p.description;
      rows.push_back(row);
      text << safe(p.name) << "  " << safe(p.expansion);
      if (p.description) text << "  " << safe(*p.description);
      text << "\n";
    }
    if (prefixes->empty()) text << "no prefixes\n";
    reply.data = {{"prefixes", rows}};
    reply.text = text.str();
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixFunctions& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    auto rows = registry.functions(command.name);
    if (!rows) return std::move(rows).error();
    Reply reply;
    json out = json::array();
    std::ostringstream text;
    for (const auto& f : *rows) {
      out.push_back({{"function", f.function_name}, {"n_args", f.n_args}, {"extension", f.extension_name},
                     {"kind", name_kind_noun(kind_of_n_args(f.n_args))}, {"registered_at", f.registered_at}});
      text << safe(qualified_name(command.name, f.function_name)) << "  ("
           << name_kind_noun(kind_of_n_args(f.n_args));
      if (kind_of_n_args(f.n_args) == NameKind::function) text << ", " << f.n_args << " args";
      text << ", from " << safe(f.extension_name) << ")\n";
    }
    // Like every other listing, an empty one says so rather than printing nothing.
    if (rows->empty()) text << "no names are recorded under prefix " << quoted(command.name) << "\n";
    reply.data = {{"prefix", command.name}, {"functions", out}};
    reply.text = text.str();
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixExpansion& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    auto expansion = registry.expansion(command.name);
    if (!expansion) return std::move(expansion).error();
    Reply reply;
    reply.data = {{"prefix", command.name}, {"expansion", *expansion}};
    reply.text = safe(*expansion) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixRename& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    if (auto ok = registry.rename(command.old_name, command.new_name); !ok) return ok.error();
    Reply reply;
    reply.data = {{"old", command.old_name}, {"new", command.new_name}};
    reply.text = "renamed prefix " + quoted(command.old_name) + " to " + quoted(command.new_name) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixDelete& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    if (auto ok = registry.remove(command.name); !ok) return ok.error();
    Reply reply;
    reply.data = {{"deleted", command.name}};
    reply.text = "deleted prefix " + quoted(command.name) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixPrefer& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    auto pins = registry.prefer(command.function, command.extension);
    if (!pins) return std::move(pins).error();
    Reply reply;
    reply.data = {{"function", command.function}, {"extension", command.extension}, {"pins", pins_json(*pins)}};
    reply.text = quoted(command.function) + " now means the one from " + quoted(command.extension) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixUnprefer& command) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    if (auto ok = registry.unprefer(command.function); !ok) return ok.error();
    Reply reply;
    reply.data = {{"function", command.function}};
    reply.text = "dropped the preference for " + quoted(command.function) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixConflicts&) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    auto conflicts = registry.conflicts();
    if (!conflicts) return std::move(conflicts).error();
    Reply reply;
    json rows = json::array();
    std::ostringstream text;
    for (const auto& c : *conflicts) {
      json row = {{"kind", name_kind_noun(c.kind)}, {"name", c.name}, {"expansions", c.expansions}};
      if (c.pinned) row["pinned"] = *c.pinned;
      rows.push_back(row);
      text << name_kind_noun(c.kind) << " " << safe(c.name) << ":";
      for (const auto& e : c.expansions) text << " " << safe(e);
      if (c.pinned) text << " (pinned to " << safe(*c.pinned) << ")";
      text << "\n";
    }
    if (conflicts->empty()) text << "no conflicts\n";
    reply.data = {{"conflicts", rows}};
    reply.text = text.str();
    return reply;
  });
}

Result<Reply> run(Context& ctx, const PrefixVerify&) {
  return with_registry(ctx, [&](PrefixRegistry& registry) -> Result<Reply> {
    auto report = registry.verify();
    if (!report) return std::move(report).error();
    Reply reply;
    json issues = json::array();
    std::ostringstream text;
    text << report->present << " of " << report->rows << " recorded names are registered\n";
    for (const auto& i : report->issues) {
      issues.push_back({{"kind", verify_issue_name(i.kind)}, {"name", i.name}, {"n_args", i.n_args},
                        {"expansion", i.expansion}});
      text << "  " << verify_issue_name(i.kind) << " " << safe(i.name) << " (" << safe(i.expansion) << ")\n";
    }
    reply.data = {{"rows", report->rows}, {"present", report->present}, {"not_loaded", report->not_loaded},
                  {"issues", issues}};
    reply.text = text.str();
    reply.failed = !report->ok();
    return reply;
  });
}

}  // namespace sqlink::cli
