// `.load` and `--bundle-load`: every extension is loaded out of the cache by content hash.
// Bytes are resolved (file, cache or https), stored, written once to <cache>/lib/<hash>/NAME.so
// and loaded from there, so what runs is exactly what was hashed and can be bundled later.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "cli/commands.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"
#include "sqlink/resolver.hpp"
#include "sqlink/transport.hpp"
#include "sqlink/units.hpp"

namespace sqlink::cli {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

// The resolver's view of the cache store.
class CasArtifacts final : public ArtifactStore {
 public:
  explicit CasArtifacts(CasStore& store) : store_(store) {}
  Result<std::optional<std::string>> get(const Hash& hash) override {
    auto bytes = store_.get(hash);
    if (bytes) return std::optional<std::string>(std::move(bytes).value());
    if (bytes.error().code == Errc::not_found) return std::optional<std::string>();
    return std::move(bytes).error();
  }
  Result<std::optional<Hash>> lookup_uri(std::string_view uri) override {
    auto hash = store_.lookup_uri(uri);
    if (hash) return std::optional<Hash>(*hash);
    if (hash.error().code == Errc::not_found) return std::optional<Hash>();
    return std::move(hash).error();
  }
  Result<Hash> put(std::string_view bytes) override { return store_.put(bytes); }
  Result<void> bind_uri(std::string_view uri, const Hash& hash) override {
    return store_.bind_uri(uri, hash);
  }

 private:
  CasStore& store_;
};

Result<std::string> read_capped(const std::string& path, std::uint64_t cap) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int err = errno;
    return Error::make(err == ENOENT ? Errc::not_found : Errc::io_error,
                       "cannot read " + quoted(path) + ": " + std::generic_category().message(err), path);
  }
  std::string bytes;
  char buf[65536];
  // mutate: next-line rel.gt.ne: gcount() is never negative
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    bytes.append(buf, static_cast<std::size_t>(in.gcount()));
    if (bytes.size() > cap) {
      return Error::make(Errc::too_large,
                         quoted(path) + " is larger than the cap of " + format_size(cap), path,
                         "raise it with --mem=SIZE");
    }
  }
  return bytes;
}

// The capability a source needs, checked against what the session was granted.
Result<void> require(Context& ctx, Capability cap, const std::string& what) {
  if (ctx.args().grants.contains(cap)) return {};
  const std::string name(capability_name(cap));
  return Error::make(Errc::permission_denied,
                     "loading " + quoted(what) + " needs the " + name + " capability", what,
                     "start sqlink with --grant " + name);
}

struct Fetched {
  std::string name;  // the extension's name
  std::string bytes;
  Hash hash;
};

Result<Fetched> fetch(Context& ctx, const LoadCommand& command, CasStore& store) {
  const LoadTarget& target = command.target;
  const std::uint64_t cap = command.mem.value_or(limits::kDefaultFetchBytes);
  if (target.kind == LoadTarget::Kind::path || target.scheme == "file") {
    std::string path = target.text;
    if (target.scheme == "file") {
      path = path.substr(5);
      if (path.rfind("//", 0) == 0) path = path.substr(2);  // file:///x -> /x
    }
    if (auto ok = require(ctx, Capability::native, path); !ok) return ok.error();
    auto bytes = read_capped(path, cap);
    if (!bytes) return std::move(bytes).error();
    const Hash hash = sha256(*bytes);
    return Fetched{extension_name_from_path(path), std::move(bytes).value(), hash};
  }
  if (target.scheme == "sha256" || target.scheme == "digest") {
    auto hash = parse_hash_uri(target.text);
    if (!hash) return std::move(hash).error();
    auto bytes = store.get(*hash);
    if (!bytes) return std::move(bytes).error();
    return Fetched{"ext_" + short_hash(*hash), std::move(bytes).value(), *hash};
  }
  // https: through the resolver, so a second load of the same URL is a cache hit.
  if (auto ok = require(ctx, Capability::net, target.text); !ok) return ok.error();
  CasArtifacts artifacts(store);
  HttpTransport transport;
  ResolveOptions options;
  if (command.timeout) options.limits.timeout = *command.timeout;
  options.limits.max_bytes = cap;
  Resolver resolver(artifacts, &transport, options);
  auto resolved = resolver.resolve(ArtifactRef{target.text, std::nullopt, {Source::https}, {}});
  if (!resolved) return std::move(resolved).error();
  // mutate: next-line arith.add.sub, lit.int.zero: extension_name_from_path keeps only what follows the last '/', and an https URL has a '/' well before it, so starting the cut at or just before that '/' names the same extension
  const std::string last = target.text.substr(target.text.find_last_of('/') + 1);
  return Fetched{extension_name_from_path(last), std::move(resolved->bytes), resolved->hash};
}

// Writes the bytes once to <lib>/<hex>/<name>.so (named so SQLite's entry-point rule still
// applies) and re-hashes a copy that is already there before trusting it.
Result<std::string> materialise(Context& ctx, const std::string& name, const Hash& hash,
                                std::string_view bytes) {
  auto lib = ctx.lib_dir();
  if (!lib) return std::move(lib).error();
  // The name may come from an imported cache, so it never reaches the path as it is: as an
  // identifier it cannot climb out of the directory, and it keeps the letters SQLite derives
  // the entry point from.
  const fs::path dir = fs::path(*lib) / hash.hex();
  const fs::path file = dir / (identifier_from(name) + ".so");
  std::error_code ec;
  if (fs::exists(file, ec)) {
    auto existing = read_capped(file.string(), bytes.size());
    if (existing && sha256(*existing) == hash) return file.string();
    fs::remove(file, ec);  // a damaged copy is rewritten below
  }
  fs::create_directories(dir, ec);
  const fs::path tmp = file.string() + ".tmp";
  fs::remove(tmp, ec);  // left by a crash; read-only, so O_TRUNC alone would fail for non-root
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0500);
  bool ok = fd >= 0;
  // mutate: next-line rel.lt.ne: done only grows by what write(2) wrote, which never passes what was left
  for (std::size_t done = 0; ok && done < bytes.size();) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    // mutate: next-line rel.gt.ge: write(2) to a regular file never returns 0 for a non-zero count, and the loop only writes while bytes remain
    ok = n > 0;
    if (ok) done += static_cast<std::size_t>(n);
  }
  ok = ok && ::fsync(fd) == 0;
  if (fd >= 0) ::close(fd);
  ok = ok && ::rename(tmp.c_str(), file.c_str()) == 0;
  if (!ok) {
    const int err = errno;
    fs::remove(tmp, ec);
    return Error::make(Errc::io_error,
                       "cannot write " + quoted(file.string()) + ": " + std::generic_category().message(err),
                       file.string());
  }
  return file.string();
}

Result<Reply> load_bytes(Context& ctx, const std::string& name, const Hash& hash, std::string_view bytes) {
  auto file = materialise(ctx, name, hash, bytes);
  if (!file) return std::move(file).error();
  auto host = ctx.host();
  if (!host) return std::move(host).error();
  LoadOptions options;
  options.name = name;
  auto report = (*host)->load(*file, options);
  if (!report) return std::move(report).error();

  auto& loaded = ctx.loaded();
  std::erase_if(loaded, [&](const BundleMember& m) { return m.extension_name == report->extension_name; });
  loaded.push_back({report->extension_name, hash});

  Reply reply;
  json names = json::array();
  std::ostringstream text;
  text << "loaded " << quoted(report->extension_name) << " (" << short_hash(hash) << ") as prefix "
       << report->prefix << " = " << sanitize(report->expansion) << "\n";
  for (const auto& n : report->names) {
    json row = {{"kind", name_kind_noun(n.kind)}, {"name", n.name}, {"n_args", n.n_args},
                {"qualified", n.qualified}, {"bare", n.bare}};
    if (n.fallback) row["fallback"] = *n.fallback;
    names.push_back(row);
    text << "  " << name_kind_noun(n.kind) << " " << sanitize(n.qualified);
    if (n.bare) text << ", " << sanitize(n.name);
    if (n.fallback) text << ", " << sanitize(*n.fallback);
    text << "\n";
  }
  reply.data = {{"extension", report->extension_name}, {"hash", hash.hex()},
                {"prefix", report->prefix},            {"expansion", report->expansion},
                {"synthetic_prefix", report->synthetic}, {"names", names}};
  reply.text = text.str();
  reply.warnings = report->warnings;
  return reply;
}

}  // namespace

Result<Reply> run(Context& ctx, const LoadCommand& command) {
  // An extension can be given at most what the session itself was granted.
  if (auto ok = check_grants(ctx.args().grants, command.grants); !ok) {
    const std::string missing = ok.error().input;
    return Error::make(Errc::permission_denied,
                       "cannot grant " + quoted(missing) + " to " + quoted(command.target.text) +
                           ": this session was not granted it",
                       missing, "start sqlink with --grant " + missing);
  }
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto fetched = fetch(ctx, command, **store);
  if (!fetched) return std::move(fetched).error();
  if (command.trust == Trust::stored) {
    auto known = (*store)->contains(fetched->hash);
    if (!known) return std::move(known).error();
    if (!*known) {
      return Error::make(Errc::permission_denied,
                         quoted(command.target.text) + " hashes to " + short_hash(fetched->hash) +
                             ", which is not in the cache; --trust=stored loads only known bytes",
                         command.target.text);
    }
  } else if (command.trust == Trust::prompt) {
    Io& io = ctx.io();
    if (!io.interactive) {
      return Error::make(Errc::permission_denied,
                         "--trust=prompt needs a terminal to ask about " + quoted(command.target.text),
                         command.target.text);
    }
    io.out << "load " << quoted(command.target.text) << " (sha256 " << fetched->hash.hex() << ")? [y/N] "
           << std::flush;
    std::string answer;
    if (!std::getline(io.in, answer) || (answer != "y" && answer != "Y" && answer != "yes")) {
      return Error::make(Errc::permission_denied, "not loading " + quoted(command.target.text),
                         command.target.text);
    }
  }
  auto stored = (*store)->put(fetched->bytes);
  if (!stored) return std::move(stored).error();
  return load_bytes(ctx, fetched->name, fetched->hash, fetched->bytes);
}

Result<Reply> load_bundle(Context& ctx, const BundleRef& ref) {
  if (ref.mode == BundleMode::baked) {
    return Error::make(Errc::unsupported,
                       "bundle " + quoted(ref.ref) + " has no baked binary: baking is not supported by this build",
                       ref.ref, "use --bundle-load to load its members");
  }
  auto store = ctx.cas();
  if (!store) return std::move(store).error();
  auto detail = bundle_resolve(**store, ref.ref);
  if (!detail) return std::move(detail).error();
  Reply reply;
  json members = json::array();
  for (const auto& member : detail->members) {
    auto bytes = (*store)->get(member.content_hash);
    if (!bytes) return std::move(bytes).error();
    auto loaded = load_bytes(ctx, member.extension_name, member.content_hash, *bytes);
    if (!loaded) return std::move(loaded).error();
    members.push_back(loaded->data);
    reply.text += loaded->text;
    reply.warnings.insert(reply.warnings.end(), loaded->warnings.begin(), loaded->warnings.end());
  }
  reply.data = {{"bundle", ref.ref}, {"set_hash", detail->info.set_hash.hex()}, {"loaded", members}};
  return reply;
}

}  // namespace sqlink::cli
