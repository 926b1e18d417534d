// `.cache list|stats|gc|evict|export|import|verify|doctor`: the content-addressed store as the
// user sees it. doctor never opens the store for writing; everything else goes through it.
#include <sstream>

#include "cli/commands.hpp"
#include "sqlink/units.hpp"

namespace sqlink::cli {
namespace {

using nlohmann::json;

json problems_json(const std::vector<CasProblem>& problems) {
  json out = json::array();
  for (const auto& p : problems) {
    out.push_back({{"subject", p.subject}, {"hash", p.hash_hex}, {"reason", p.reason}});
  }
  return out;
}

void problems_text(std::ostringstream& text, const std::vector<CasProblem>& problems) {
  for (const auto& p : problems) text << "  " << p.subject << " " << p.hash_hex << ": " << p.reason << "\n";
}

json transfer_json(const TransferReport& r) {
  return {{"artifacts_added", r.artifacts_added}, {"artifacts_present", r.artifacts_present},
          {"uris_added", r.uris_added},           {"bundles_added", r.bundles_added},
          {"bundles_present", r.bundles_present}, {"aliases_added", r.aliases_added},
          {"binaries_added", r.binaries_added},   {"refused", problems_json(r.refused)}};
}

}  // namespace

Result<Reply> run(Context& ctx, const CacheList&) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto artifacts = (*store)->list();
  if (!artifacts) return std::move(artifacts).error();
  Reply reply;
  json rows = json::array();
  std::ostringstream text;
  for (const auto& a : *artifacts) {
    rows.push_back({{"hash", a.hash.hex()}, {"size", a.size}, {"created_at", a.created_at},
                    {"last_used_at", a.last_used_at}, {"use_count", a.use_count}});
    text << a.hash.hex() << "  " << format_size(a.size) << "  used " << a.use_count << "x, last "
         << format_time(a.last_used_at) << "\n";
  }
  if (artifacts->empty()) text << "no artifacts cached\n";
  reply.data = {{"artifacts", rows}};
  reply.text = text.str();
  return reply;
}

Result<Reply> run(Context& ctx, const CacheStats&) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto stats = (*store)->stats();
  if (!stats) return std::move(stats).error();
  const CasStats& s = *stats;
  Reply reply;
  reply.data = {{"path", (*store)->path()},       {"schema_version", s.schema_version},
                {"artifacts", s.artifacts},       {"artifact_bytes", s.artifact_bytes},
                {"uris", s.uris},                 {"bundles", s.bundles},
                {"aliases", s.aliases},           {"members", s.members},
                {"binaries", s.binaries},         {"file_bytes", s.file_bytes},
                {"wal_bytes", s.wal_bytes}};
  std::ostringstream text;
  text << "cache:     " << sanitize((*store)->path(), static_cast<std::size_t>(-1)) << " (schema v"
       << s.schema_version << ")\n"
       << "artifacts: " << s.artifacts << " (" << s.artifact_bytes << " bytes)\n"
       << "uris:      " << s.uris << "\n"
       << "bundles:   " << s.bundles << " (" << s.aliases << " names, " << s.members << " members, "
       << s.binaries << " binaries)\n"
       << "file:      " << s.file_bytes << " bytes (+" << s.wal_bytes << " in the WAL)\n";
  reply.text = text.str();
  return reply;
}

Result<Reply> run(Context& ctx, const CacheGc&) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto report = (*store)->gc();
  if (!report) return std::move(report).error();
  Reply reply;
  json removed = json::array();
  for (const auto& h : report->removed) removed.push_back(h.hex());
  reply.data = {{"removed", removed}, {"bytes_removed", report->bytes_removed},
                {"uris_removed", report->uris_removed}};
  reply.text = "removed " + std::to_string(report->removed.size()) + " unreferenced artifacts (" +
               std::to_string(report->bytes_removed) + " bytes)\n";
  return reply;
}

Result<Reply> run(Context& ctx, const CacheEvict& command) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto report = (*store)->evict(command.bytes);
  if (!report) return std::move(report).error();
  Reply reply;
  json removed = json::array();
  for (const auto& h : report->removed) removed.push_back(h.hex());
  reply.data = {{"removed", removed},
                {"bytes_removed", report->bytes_removed},
                {"bytes_remaining", report->bytes_remaining},
                {"pinned_bytes", report->pinned_bytes},
                {"cap_met", report->cap_met}};
  reply.text = "evicted " + std::to_string(report->removed.size()) + " artifacts (" +
               std::to_string(report->bytes_removed) + " bytes); " +
               std::to_string(report->bytes_remaining) + " bytes remain\n";
  if (!report->cap_met) {
    reply.warnings.push_back("bundle members hold " + std::to_string(report->pinned_bytes) +
                             " bytes, more than the cap of " + format_size(command.bytes));
  }
  return reply;
}

Result<Reply> run(Context& ctx, const CacheExport& command) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto report = (*store)->export_to(command.path);
  if (!report) return std::move(report).error();
  Reply reply;
  reply.data = transfer_json(*report);
  reply.data["path"] = command.path;
  reply.text = "exported " + std::to_string(report->artifacts_added) + " artifacts and " +
               std::to_string(report->bundles_added) + " bundles to " + quoted(command.path) + "\n";
  return reply;
}

Result<Reply> run(Context& ctx, const CacheImport& command) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto report = (*store)->import_from(command.path);
  if (!report) return std::move(report).error();
  Reply reply;
  reply.data = transfer_json(*report);
  reply.data["path"] = command.path;
  std::ostringstream text;
  text << "imported " << report->artifacts_added << " new artifacts (" << report->artifacts_present
       << " already present), " << report->bundles_added << " bundles, " << report->aliases_added
       << " names from " << quoted(command.path) << "\n";
  if (!report->refused.empty()) {
    text << "refused " << report->refused.size() << " corrupt rows:\n";
    problems_text(text, report->refused);
    reply.failed = true;
  }
  reply.text = text.str();
  return reply;
}

Result<Reply> run(Context& ctx, const CacheVerify&) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto report = (*store)->verify();
  if (!report) return std::move(report).error();
  Reply reply;
  reply.data = {{"artifacts_checked", report->artifacts_checked},
                {"bundles_checked", report->bundles_checked},
                {"problems", problems_json(report->problems)}};
  std::ostringstream text;
  text << "checked " << report->artifacts_checked << " artifacts and " << report->bundles_checked
       << " bundles: " << (report->ok() ? "all verify" : std::to_string(report->problems.size()) + " bad")
       << "\n";
  problems_text(text, report->problems);
  reply.text = text.str();
  reply.failed = !report->ok();
  return reply;
}

Result<Reply> run(Context& ctx, const CacheDoctor&) {
  // Read-only by design: the store is not opened (opening would create or migrate it).
  auto path = cache_file_path(ctx.args().cache_dir);
  if (!path) return std::move(path).error();
  auto report = cas_doctor(*path);
  if (!report) return std::move(report).error();
  Reply reply;
  json drift = json::array();
  std::ostringstream text;
  text << "cache " << sanitize(*path, static_cast<std::size_t>(-1)) << ": schema v"
       << report->schema_version << "\n";
  for (const auto& d : report->drift) {
    drift.push_back({{"kind", drift_kind_name(d.kind)}, {"type", d.type}, {"name", d.name},
                     {"expected", d.expected}, {"actual", d.actual}});
    text << "  " << drift_kind_name(d.kind) << " " << d.type << " " << sanitize(d.name) << "\n";
  }
  for (const auto& line : report->integrity) {
    if (line != "ok") text << "  integrity: " << sanitize(line) << "\n";
  }
  text << (report->ok() ? "no drift, integrity ok\n" : "problems found\n");
  reply.data = {{"path", *path}, {"schema_version", report->schema_version}, {"drift", drift},
                {"integrity", report->integrity}};
  reply.text = text.str();
  reply.failed = !report->ok();
  return reply;
}

}  // namespace sqlink::cli
