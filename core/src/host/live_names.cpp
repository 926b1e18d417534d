// The prefix rules applied to a live connection: every registration is bound as
// prefix__name, its bare name goes to the one extension entitled to it, the others get
// ext_name[_N]. Invariant: the host never registers over a name it did not register itself.
//
// Who is entitled to a bare name (desired_holder): nobody if the connection already had the
// name (a builtin, the application's own, or something registered outside the API table) or
// if the host uses it as another alias; else the extension a pin names, if it is loaded; else
// the first extension, in load order, that registered the name. reconcile() moves the bare
// name to that extension; it is the only place a bare name is bound or dropped.
#include <dlfcn.h>

#include <algorithm>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "host/internal.hpp"

namespace sqlink {

using host_detail::AliasUse;
using host_detail::ascii_lower;
using host_detail::Destructor;
using host_detail::Extension;
using host_detail::Namespace;
using host_detail::Registration;
using host_detail::Role;
using host_detail::space_index;

namespace {

// SQLite replaces a registration with the same name, n_args and text encoding; the flag bits
// (SQLITE_DETERMINISTIC, ...) do not make a different one.
constexpr int kEncodingMask = 0x0f;

bool same_slot(const Registration& a, const Registration& b) {
  return a.n_args == b.n_args && (a.text_rep & kEncodingMask) == (b.text_rep & kEncodingMask);
}

// The pragma that lists what the connection has, per NameKind (indexed by space_index).
constexpr const char* kListSql[host_detail::kNamespaces] = {
    "SELECT name FROM pragma_function_list",
    "SELECT name FROM pragma_collation_list",
    "SELECT name FROM pragma_module_list",
};

std::string noun(NameKind kind) { return std::string(name_kind_noun(kind)); }

}  // namespace

const void* host_detail::Callbacks::any_code() const noexcept {
  if (func) return code_address(func);
  if (step) return code_address(step);
  // mutate: next-line ret.ptr.null: reached only without func and step, and a final without step is SQLite misuse: attributed or not, the call fails with SQLITE_MISUSE and its destructor runs once
  if (final) return code_address(final);
  if (value) return code_address(value);
  if (compare) return code_address(compare);
  return module;  // data inside the extension's image: dladdr() places it just as well
}

void Session::Impl::warn(std::size_t ext, std::string message) {
  extensions[ext].warnings.push_back(std::move(message));
}

std::optional<std::size_t> Session::Impl::attribute(const void* code) const {
  const host_detail::LoadContext* ctx = host_detail::current_load();
  if (ctx && ctx->session == this) return ctx->extension;
  if (code == nullptr) return std::nullopt;
  Dl_info info{};
  // mutate: next-line logic.or.and: a failed dladdr leaves dli_fbase null, and no live extension has a null base (dladdr of its dlsym-found entry point set it), so the loop finds nothing either way
  if (dladdr(code, &info) == 0 || info.dli_fbase == nullptr) return std::nullopt;
  for (std::size_t i = extensions.size(); i-- > 0;) {
    if (extensions[i].live && extensions[i].base == info.dli_fbase) return i;
  }
  return std::nullopt;
}

void Session::Impl::refresh_foreign() {
  // mutate: next-line rel.lt.ne: k steps by one from 0 to kNamespaces
  for (std::size_t k = 0; k < host_detail::kNamespaces; ++k) {
    Namespace& ns = spaces[k];
    ns.foreign.clear();
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db, kListSql[k], -1, &stmt, nullptr) == SQLITE_OK) {
      while (sqlite3_step(stmt) == SQLITE_ROW) {
        const auto* raw = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
        std::string name = ascii_lower(raw ? raw : "");
        if (!ns.aliases.count(name) && !ns.tombstones.count(name)) ns.foreign.insert(name);
      }
    }
    sqlite3_finalize(stmt);
  }
}

int Session::Impl::bind_alias(Registration& reg, const std::string& alias) {
  const Destructor destroy = reg.destroy ? host_detail::pool_destroy_trampoline : nullptr;
  if (reg.destroy) host_detail::pool_add_alias(reg.user_data, reg.destroy);
  const char* name = alias.c_str();
  switch (reg.kind) {
    case NameKind::function:
      if (reg.cb.window) {
        return sqlite3_create_window_function(db, name, reg.n_args, reg.text_rep, reg.user_data,
                                              reg.cb.step, reg.cb.final, reg.cb.value,
                                              reg.cb.inverse, destroy);
      }
      return sqlite3_create_function_v2(db, name, reg.n_args, reg.text_rep, reg.user_data,
                                        reg.cb.func, reg.cb.step, reg.cb.final, destroy);
    case NameKind::collation: {
      const int rc = sqlite3_create_collation_v2(db, name, reg.text_rep, reg.user_data,
                                                 reg.cb.compare, destroy);
      // The one interface SQLite does not destroy on failure (documented), so we count down.
      if (rc != SQLITE_OK && reg.destroy) host_detail::pool_drop_alias(reg.user_data, reg.destroy);
      return rc;
    }
    case NameKind::module:
      return sqlite3_create_module_v2(db, name, reg.cb.module, reg.user_data, destroy);
  }
  return SQLITE_INTERNAL;
}

int Session::Impl::unbind_alias(Registration& reg, const std::string& alias) {
  const char* name = alias.c_str();
  int rc = SQLITE_INTERNAL;
  switch (reg.kind) {
    case NameKind::function:
      rc = sqlite3_create_function_v2(db, name, reg.n_args, reg.text_rep, nullptr, nullptr,
                                      nullptr, nullptr, nullptr);
      break;
    case NameKind::collation:
      rc = sqlite3_create_collation_v2(db, name, reg.text_rep, nullptr, nullptr, nullptr);
      break;
    case NameKind::module:
      rc = sqlite3_create_module_v2(db, name, nullptr, nullptr, nullptr);
      break;
  }
  if (rc == SQLITE_OK) spaces[space_index(reg.kind)].tombstones.insert(ascii_lower(alias));
  return rc;
}

void Session::Impl::claim(Registration& reg, const std::string& alias, Role role) {
  AliasUse& use = spaces[space_index(reg.kind)].aliases[ascii_lower(alias)];
  if (use.count == 0) use = AliasUse{reg.extension, reg.key, role, 0};
  use.count += 1;
}

void Session::Impl::release(NameKind kind, const std::string& alias) {
  auto& aliases = spaces[space_index(kind)].aliases;
  auto found = aliases.find(ascii_lower(alias));
  // mutate: next-line rel.le.eq: every release follows its claim, so a count reaching here is at least 1 and never goes below 0
  if (found != aliases.end() && --found->second.count <= 0) aliases.erase(found);
}

void Session::Impl::unbind_all(Registration& reg) {
  auto drop = [&](const std::string& alias) {
    if (unbind_alias(reg, alias) != SQLITE_OK) {
      warn(reg.extension, "cannot drop " + noun(reg.kind) + " " + quoted(alias) + ": " +
                              sanitize(sqlite3_errmsg(db)));
    }
    release(reg.kind, alias);
  };
  if (!reg.fallback.empty()) drop(reg.fallback);
  if (reg.bare) drop(reg.name);
  if (!reg.qualified.empty()) drop(reg.qualified);
  // mutate: next-line call.void.remove: both callers mark the registration dead right after, and no code reads a dead registration's names
  reg.fallback.clear();
  // mutate: next-line lit.bool.true: both callers mark the registration dead right after, and no code reads a dead registration's names
  reg.bare = false;
  // mutate: next-line call.void.remove: both callers mark the registration dead right after, and no code reads a dead registration's names
  reg.qualified.clear();
}

void Session::Impl::record_row(const Registration& reg) {
  const Extension& ext = extensions[reg.extension];
  PrefixFunction row{ext.expansion, reg.name, ext.name, reg.n_args, 0};
  if (!ext.live) {
    pending_rows.push_back(std::move(row));  // written when the init has succeeded
    return;
  }
  if (Result<void> done = registry->record(row); !done) warn(reg.extension, done.error().message);
}

void Session::Impl::forget_row(const Registration& reg) {
  const Extension& ext = extensions[reg.extension];
  if (!ext.live) {
    std::erase_if(pending_rows, [&](const PrefixFunction& row) {
      return row.function_name == reg.name && row.n_args == reg.n_args;
    });
    return;
  }
  // mutate: next-line unary.not.remove: unreachable: a deletion has no callbacks, so only the load in progress can be its author, and that extension is not live yet
  if (Result<void> done = registry->forget(ext.expansion, reg.name, reg.n_args); !done) {
    // mutate: next-line call.void.remove: unreachable: a deletion has no callbacks, so only the load in progress can be its author, and that extension is not live yet
    warn(reg.extension, done.error().message);
  }
}

Result<std::optional<std::size_t>> Session::Impl::desired_holder(NameKind kind,
                                                                 const std::string& key) {
  Namespace& ns = spaces[space_index(kind)];
  if (ns.foreign.count(key)) return std::optional<std::size_t>();
  if (auto use = ns.aliases.find(key); use != ns.aliases.end() && use->second.role != Role::bare) {
    return std::optional<std::size_t>();
  }
  std::vector<std::size_t> wanting;
  for (const Registration* reg : ns.by_key[key]) {
    if (reg->live) wanting.push_back(reg->extension);
  }
  if (wanting.empty()) return std::optional<std::size_t>();
  std::sort(wanting.begin(), wanting.end());
  Result<std::optional<std::string>> pin = registry->pinned(kind, key);
  if (!pin) return pin.error();
  if (!*pin) return std::optional<std::size_t>(wanting.front());
  for (std::size_t ext : wanting) {
    if (extensions[ext].expansion == **pin) return std::optional<std::size_t>(ext);
  }
  return std::optional<std::size_t>();  // pinned to an extension not loaded here
}

Result<void> Session::Impl::reconcile(NameKind kind, const std::string& key) {
  Namespace& ns = spaces[space_index(kind)];
  Result<std::optional<std::size_t>> desired = desired_holder(kind, key);
  if (!desired) return desired.error();
  std::vector<Registration*> regs;
  for (Registration* reg : ns.by_key[key]) {
    if (reg->live) regs.push_back(reg);
  }

  if (auto held = ns.holder.find(key); held != ns.holder.end() && held->second != *desired) {
    for (Registration* reg : regs) {
      if (reg->extension != held->second || !reg->bare) continue;
      if (unbind_alias(*reg, reg->name) != SQLITE_OK) {
        return Error::make(Errc::database_error,
                           "cannot re-bind " + quoted(reg->name) + " now: " +
                               sanitize(sqlite3_errmsg(db)),
                           reg->name);
      }
      reg->bare = false;
      release(kind, reg->name);
    }
    ns.holder.erase(held);
  }
  if (*desired) {
    for (Registration* reg : regs) {
      if (reg->extension != **desired || reg->bare) continue;
      if (bind_alias(*reg, reg->name) != SQLITE_OK) {
        warn(reg->extension, "cannot bind the bare " + noun(kind) + " " + quoted(reg->name) +
                                 ": " + sanitize(sqlite3_errmsg(db)));
        continue;
      }
      reg->bare = true;
      claim(*reg, reg->name, Role::bare);
      ns.holder[key] = **desired;
    }
  }
  for (Registration* reg : regs) {
    if (!reg->bare) ensure_fallback(*reg);
  }
  return {};
}

void Session::Impl::ensure_fallback(Registration& reg) {
  if (reg.bare || !reg.fallback.empty()) return;
  Namespace& ns = spaces[space_index(reg.kind)];
  const Extension& ext = extensions[reg.extension];
  // mutate: next-line lit.int.zero: fallback_name gives attempts 0 and 1 the same name, so starting at 0 only tries that name twice
  for (int attempt = 1; attempt <= kMaxNameAttempts; ++attempt) {
    const std::string candidate = fallback_name(ext.name, reg.name, attempt);
    const std::string key = ascii_lower(candidate);
    if (ns.foreign.count(key)) continue;
    if (auto use = ns.aliases.find(key); use != ns.aliases.end()) {
      const bool ours = use->second.extension == reg.extension && use->second.key == reg.key &&
                        use->second.role == Role::fallback;
      if (!ours) continue;  // another arity of this very name shares the fallback
    }
    // A name some extension registered itself stays free for it, even if it lacks it now.
    if (auto wanted = ns.by_key.find(key); wanted != ns.by_key.end() &&
        std::any_of(wanted->second.begin(), wanted->second.end(),
                    [](const Registration* r) { return r->live; })) {
      continue;
    }
    if (bind_alias(reg, candidate) != SQLITE_OK) {
      warn(reg.extension, "cannot bind the fallback " + noun(reg.kind) + " " + quoted(candidate) +
                              ": " + sanitize(sqlite3_errmsg(db)));
      return;
    }
    reg.fallback = candidate;
    claim(reg, candidate, Role::fallback);
    return;
  }
  warn(reg.extension, "no free fallback name for " + noun(reg.kind) + " " + quoted(reg.name) +
                          " (tried up to " + quoted(fallback_name(ext.name, reg.name,
                                                                  kMaxNameAttempts)) +
                          "); it is reachable as " + quoted(reg.qualified) + " only");
}

int Session::Impl::on_delete(std::size_t ext, const Registration& proto) {
  Namespace& ns = spaces[space_index(proto.kind)];
  bool found = false;
  for (Registration* reg : ns.by_key[proto.key]) {
    if (!reg->live || reg->extension != ext || !same_slot(*reg, proto)) continue;
    unbind_all(*reg);
    reg->live = false;
    forget_row(*reg);
    found = true;
  }
  if (!found) {
    warn(ext, "ignored a request to delete " + noun(proto.kind) + " " + quoted(proto.name) +
                  ", which this extension did not register");
    return SQLITE_OK;
  }
  if (Result<void> done = reconcile(proto.kind, proto.key); !done) {
    warn(ext, done.error().message);
  }
  return SQLITE_OK;
}

int Session::Impl::on_register(std::size_t ext, Registration proto) {
  proto.extension = ext;
  proto.key = ascii_lower(proto.name);
  // After init the application may have registered names since the last snapshot; during
  // init the snapshot taken just before it is current.
  if (extensions[ext].live) refresh_foreign();
  if (proto.cb.empty()) return on_delete(ext, proto);
  Namespace& ns = spaces[space_index(proto.kind)];
  // SQLite destroys on a failed registration of a function or module, never of a collation;
  // the extension must see what it would have seen without us.
  const bool owes_on_failure = proto.kind != NameKind::collation;
  void* const user_data = proto.user_data;
  const Destructor destroy = proto.destroy;
  if (destroy) host_detail::pool_open(user_data, destroy);
  auto close_pool = [&](bool failed) {
    if (destroy) host_detail::pool_close(user_data, destroy, !failed || owes_on_failure);
  };

  for (Registration* reg : ns.by_key[proto.key]) {
    if (!reg->live || reg->extension != ext || !same_slot(*reg, proto)) continue;
    // A replacement: same aliases, new pointers. SQLite destroys the old ones as it overwrites.
    reg->text_rep = proto.text_rep;
    reg->user_data = proto.user_data;
    reg->cb = proto.cb;
    reg->destroy = proto.destroy;
    const int rc = bind_alias(*reg, reg->qualified);
    if (rc == SQLITE_OK && reg->bare) bind_alias(*reg, reg->name);
    if (rc == SQLITE_OK && !reg->fallback.empty()) bind_alias(*reg, reg->fallback);
    close_pool(rc != SQLITE_OK);
    return rc;
  }

  const Extension& extension = extensions[ext];
  auto owned = std::make_unique<Registration>(std::move(proto));
  Registration& reg = *owned;
  const std::string qualified = qualified_name(extension.prefix, reg.name);
  const std::string qkey = ascii_lower(qualified);
  const auto use = ns.aliases.find(qkey);
  if (ns.foreign.count(qkey) ||
      (use != ns.aliases.end() && (use->second.extension != ext || use->second.key != reg.key))) {
    warn(ext, noun(reg.kind) + " " + quoted(qualified) + " already exists; " + quoted(reg.name) +
                  " was not registered");
    close_pool(true);
    return SQLITE_ERROR;
  }
  if (const int rc = bind_alias(reg, qualified); rc != SQLITE_OK) {
    close_pool(true);
    return rc;
  }
  reg.qualified = qualified;
  claim(reg, qualified, Role::qualified);
  ns.by_key[reg.key].push_back(&reg);
  registrations.push_back(std::move(owned));
  record_row(reg);
  if (Result<void> done = reconcile(reg.kind, reg.key); !done) warn(ext, done.error().message);
  close_pool(false);
  return SQLITE_OK;
}

void Session::Impl::undo_extension(std::size_t ext) {
  std::vector<std::pair<NameKind, std::string>> touched;
  for (auto it = registrations.rbegin(); it != registrations.rend(); ++it) {
    Registration& reg = **it;
    if (!reg.live || reg.extension != ext) continue;
    unbind_all(reg);
    reg.live = false;
    touched.emplace_back(reg.kind, reg.key);
  }
  // mutate: next-line lit.bool.false: pending_rows is only read during an init, and Session::load clears it before every init (and after every successful one)
  std::erase_if(pending_rows, [](const PrefixFunction&) { return true; });
  // Names it held or blocked may now belong to someone else again.
  for (const auto& [kind, key] : touched) {
    Namespace& ns = spaces[space_index(kind)];
    if (auto held = ns.holder.find(key); held != ns.holder.end() && held->second == ext) {
      ns.holder.erase(held);
    }
    // mutate: next-line call.void.remove: undo_extension runs only for an init that failed, and the warnings of such an extension are never reported
    if (Result<void> done = reconcile(kind, key); !done) warn(ext, done.error().message);
  }
  for (auto it = hooks.rbegin(); it != hooks.rend(); ++it) {
    if (it->extension != ext || it->event.undone || it->event.refused) continue;
    host_detail::restore_hook(db, *it);
    it->event.undone = true;
  }
}

std::vector<BoundName> Session::Impl::bound_names(std::size_t ext) const {
  std::vector<BoundName> out;
  for (const auto& owned : registrations) {
    const Registration& reg = *owned;
    if (!reg.live || reg.extension != ext) continue;
    BoundName name{reg.kind, reg.name, reg.n_args, reg.qualified, reg.bare, std::nullopt};
    if (!reg.fallback.empty()) name.fallback = reg.fallback;
    out.push_back(std::move(name));
  }
  return out;
}

bool Session::Impl::is_loaded(std::string_view expansion) const {
  return std::any_of(extensions.begin(), extensions.end(), [&](const Extension& ext) {
    return ext.live && ext.expansion == expansion;
  });
}

Result<void> Session::Impl::pins_changed(std::string_view name) {
  refresh_foreign();
  const std::string key = ascii_lower(name);
  for (NameKind kind : {NameKind::function, NameKind::collation, NameKind::module}) {
    Namespace& ns = spaces[space_index(kind)];
    auto regs = ns.by_key.find(key);
    if (regs == ns.by_key.end()) continue;
    Result<std::optional<std::string>> pin = registry->pinned(kind, key);
    if (!pin) return pin.error();
    const auto use = ns.aliases.find(key);
    const bool blocked =
        // mutate: next-line rel.gt.ne: a set's count is 0 or 1
        ns.foreign.count(key) > 0 || (use != ns.aliases.end() && use->second.role != Role::bare);
    if (*pin && blocked) {
      return Error::make(Errc::conflict,
                         "the bare " + noun(kind) + " " + quoted(name) +
                             " is taken by a name the host did not give to an extension",
                         name);
    }
    if (Result<void> done = reconcile(kind, key); !done) return done;
  }
  return {};
}

Result<void> Session::Impl::prefix_renamed(std::string_view expansion,
                                           std::string_view old_prefix,
                                           std::string_view new_prefix) {
  refresh_foreign();
  std::optional<std::size_t> ext;
  // mutate: next-line rel.lt.ne: i steps by one from 0 to extensions.size()
  for (std::size_t i = 0; i < extensions.size(); ++i) {
    if (extensions[i].live && extensions[i].expansion == expansion) ext = i;
  }
  if (!ext) return {};
  struct Move {
    Registration* reg;
    std::string old_name;
    bool same_alias;  // only the case changed: SQLite cannot tell the two names apart
  };
  std::vector<Move> moved;
  auto undo = [&] {
    for (Move& move : moved) {
      if (!move.same_alias) {
        unbind_alias(*move.reg, move.reg->qualified);
        release(move.reg->kind, move.reg->qualified);
      }
      move.reg->qualified = move.old_name;
    }
  };
  for (const auto& owned : registrations) {
    Registration& reg = *owned;
    if (!reg.live || reg.extension != *ext) continue;
    Namespace& ns = spaces[space_index(reg.kind)];
    const std::string fresh = qualified_name(new_prefix, reg.name);
    const std::string key = ascii_lower(fresh);
    const bool same_alias = key == ascii_lower(reg.qualified);
    const auto use = ns.aliases.find(key);
    const bool taken =
        !same_alias &&
        // mutate: next-line rel.gt.ne: a set's count is 0 or 1
        (ns.foreign.count(key) > 0 ||
         (use != ns.aliases.end() && (use->second.extension != *ext || use->second.key != reg.key)));
    if (!same_alias && (taken || bind_alias(reg, fresh) != SQLITE_OK)) {
      const std::string why = taken ? "it already exists" : sanitize(sqlite3_errmsg(db));
      undo();
      return Error::make(Errc::conflict,
                         "cannot rename prefix " + quoted(old_prefix) + " to " +
                             quoted(new_prefix) + ": " + noun(reg.kind) + " " + quoted(fresh) +
                             ": " + why,
                         new_prefix);
    }
    if (!same_alias) claim(reg, fresh, Role::qualified);
    moved.push_back(Move{&reg, reg.qualified, same_alias});
    reg.qualified = fresh;
  }
  for (const Move& move : moved) {
    if (move.same_alias) continue;
    unbind_alias(*move.reg, move.old_name);
    release(move.reg->kind, move.old_name);
  }
  extensions[*ext].prefix = std::string(new_prefix);
  return {};
}

}  // namespace sqlink
