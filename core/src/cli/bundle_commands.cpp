// `.bundle save|list|show|delete|alias|unalias|gc` and `--bundle-load`: named sets of the
// extensions a session loaded, kept in the cache beside their bytes.
#include <sstream>

#include "cli/commands.hpp"
#include "sqlink/units.hpp"

namespace sqlink::cli {
namespace {

using nlohmann::json;

json info_json(const BundleInfo& b) {
  return {{"name", b.name},           {"aliases", b.aliases},
          {"set_hash", b.set_hash.hex()}, {"members", b.member_count},
          {"created_at", b.created_at}, {"last_used_at", b.last_used_at}};
}

std::string names_text(const BundleInfo& b) {
  std::string out;
  for (const auto& a : b.aliases) out += (out.empty() ? "" : ", ") + sanitize(a);
  return out;
}

// The bundle-less commands that only need the store.
template <class F>
Result<Reply> with_store(Context& ctx, F&& body) {
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  return body(**store);
}

}  // namespace

Result<Reply> run(Context& ctx, const BundleSave& command) {
  if (ctx.loaded().empty()) {
    return Error::make(Errc::not_found,
                       "nothing to save as " + quoted(command.name) +
                           ": no extension was loaded in this session",
                       command.name, "load extensions with .load first, in the same sqlink run");
  }
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    auto outcome = bundle_save(store, command.name, ctx.loaded());
    if (!outcome) return std::move(outcome).error();
    static constexpr const char* kKinds[] = {"created", "touched", "aliased"};
    const char* kind = kKinds[static_cast<int>(outcome->kind)];
    Reply reply;
    reply.data = {{"name", command.name}, {"outcome", kind}, {"set_hash", outcome->set_hash.hex()},
                  {"members", ctx.loaded().size()}};
    reply.text = std::string("bundle ") + quoted(command.name) + " " + kind + " (" +
                 short_hash(outcome->set_hash) + ", " + std::to_string(ctx.loaded().size()) +
                 " members)\n";
    return reply;
  });
}

Result<Reply> run(Context&, const BundleBuild& command) {
  return Error::make(Errc::unsupported,
                     "building a baked binary of " + quoted(command.name) +
                         " is not supported by this build",
                     command.name, "use --bundle-load to load the members instead");
}

Result<Reply> run(Context& ctx, const BundleList&) {
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    auto bundles = bundle_list(store);
    if (!bundles) return std::move(bundles).error();
    Reply reply;
    json rows = json::array();
    std::ostringstream text;
    for (const auto& b : *bundles) {
      rows.push_back(info_json(b));
      text << short_hash(b.set_hash) << "  " << names_text(b) << "  (" << b.member_count
           << " members, last used " << format_time(b.last_used_at) << ")\n";
    }
    if (bundles->empty()) text << "no bundles\n";
    reply.data = {{"bundles", rows}};
    reply.text = text.str();
    return reply;
  });
}

Result<Reply> run(Context& ctx, const BundleShow& command) {
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    auto detail = bundle_show(store, command.ref);
    if (!detail) return std::move(detail).error();
    Reply reply;
    reply.data = info_json(detail->info);
    json members = json::array(), binaries = json::array();
    std::ostringstream text;
    text << "bundle " << names_text(detail->info) << "\nset_hash " << detail->info.set_hash.hex()
         << "\ncreated " << format_time(detail->info.created_at) << ", last used "
         << format_time(detail->info.last_used_at) << "\nmembers:\n";
    for (const auto& m : detail->members) {
      members.push_back({{"extension", m.extension_name}, {"hash", m.content_hash.hex()}});
      text << "  " << sanitize(m.extension_name) << "  " << m.content_hash.hex() << "\n";
    }
    for (const auto& b : detail->binaries) {
      binaries.push_back({{"target", b.target_triple}, {"path", b.binary_path}, {"built_at", b.built_at}});
      text << "binary " << b.target_triple << ": " << sanitize(b.binary_path) << "\n";
    }
    for (const auto& name : detail->missing) {
      reply.warnings.push_back("member " + quoted(name) + " is not in the cache");
    }
    reply.data["member_list"] = members;
    reply.data["binaries"] = binaries;
    reply.data["missing"] = detail->missing;
    reply.text = text.str();
    return reply;
  });
}

Result<Reply> run(Context& ctx, const BundleDelete& command) {
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    auto deleted = bundle_delete(store, command.name);
    if (!deleted) return std::move(deleted).error();
    Reply reply;
    reply.data = info_json(*deleted);
    reply.text = "deleted bundle " + quoted(command.name) + " (" + short_hash(deleted->set_hash) + ")\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const BundleAlias& command) {
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    if (auto ok = bundle_alias(store, command.old_name, command.new_name); !ok) return ok.error();
    Reply reply;
    reply.data = {{"bundle", command.old_name}, {"alias", command.new_name}};
    reply.text = quoted(command.new_name) + " now names the bundle " + quoted(command.old_name) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const BundleUnalias& command) {
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    if (auto ok = bundle_unalias(store, command.name); !ok) return ok.error();
    Reply reply;
    reply.data = {{"removed", command.name}};
    reply.text = "removed the name " + quoted(command.name) + "\n";
    return reply;
  });
}

Result<Reply> run(Context& ctx, const BundleGc& command) {
  return with_store(ctx, [&](CasStore& store) -> Result<Reply> {
    auto removed = bundle_gc(store, BundleGcPolicy{command.keep, command.older_than});
    if (!removed) return std::move(removed).error();
    Reply reply;
    json rows = json::array();
    std::ostringstream text;
    for (const auto& b : *removed) {
      rows.push_back(info_json(b));
      text << "removed " << short_hash(b.set_hash) << "  " << names_text(b) << "\n";
    }
    text << removed->size() << " bundles removed\n";
    reply.data = {{"removed", rows}};
    reply.text = text.str();
    return reply;
  });
}

}  // namespace sqlink::cli
