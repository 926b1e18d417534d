// The single-slot hooks of the patched API table: each call is recorded for audit (which
// extension set which hook on which connection) and still installed. auto_extension and
// load_extension are recorded and refused: what they load would never meet the host.
#include <array>
#include <new>
#include <string_view>

#include "host/internal.hpp"

namespace sqlink {
namespace host_detail {
namespace {

using AuthFn = int (*)(void*, int, const char*, const char*, const char*, const char*);
using UpdateFn = void (*)(void*, int, const char*, const char*, sqlite3_int64);
using CommitFn = int (*)(void*);
using RollbackFn = void (*)(void*);
using WalFn = int (*)(void*, sqlite3*, const char*, int);
using ProgressFn = int (*)(void*);

template <class F>
F typed(GenericFn fn) noexcept {
  return reinterpret_cast<F>(fn);
}
template <class F>
GenericFn generic(F fn) noexcept {
  return reinterpret_cast<GenericFn>(fn);
}

// Indexed by HookKind. `restore` puts a slot back as it was (null for the refused kinds,
// which have no slot).
struct HookSpec {
  HookKind kind;
  std::string_view name;
  void (*restore)(sqlite3* db, GenericFn fn, void* arg, int n);
};

constexpr std::array kHookSpecs = {
    HookSpec{HookKind::authorizer, "authorizer",
             [](sqlite3* db, GenericFn fn, void* arg, int) {
               sqlite3_set_authorizer(db, typed<AuthFn>(fn), arg);
             }},
    HookSpec{HookKind::update, "update",
             [](sqlite3* db, GenericFn fn, void* arg, int) {
               sqlite3_update_hook(db, typed<UpdateFn>(fn), arg);
             }},
    HookSpec{HookKind::commit, "commit",
             [](sqlite3* db, GenericFn fn, void* arg, int) {
               sqlite3_commit_hook(db, typed<CommitFn>(fn), arg);
             }},
    HookSpec{HookKind::rollback, "rollback",
             [](sqlite3* db, GenericFn fn, void* arg, int) {
               sqlite3_rollback_hook(db, typed<RollbackFn>(fn), arg);
             }},
    HookSpec{HookKind::wal, "wal",
             [](sqlite3* db, GenericFn fn, void* arg, int) {
               sqlite3_wal_hook(db, typed<WalFn>(fn), arg);
             }},
    HookSpec{HookKind::progress, "progress",
             [](sqlite3* db, GenericFn fn, void* arg, int n) {
               sqlite3_progress_handler(db, n, typed<ProgressFn>(fn), arg);
             }},
    HookSpec{HookKind::auto_extension, "auto_extension", nullptr},
    HookSpec{HookKind::load_extension, "load_extension", nullptr},
};

const HookSpec& spec(HookKind kind) { return kHookSpecs[static_cast<std::size_t>(kind)]; }

// Records one call on `session`; `code` is the callback, for attribution after init.
void note(Session::Impl& session, sqlite3* db, HookKind kind, GenericFn fn, void* arg, int n,
          bool refused) {
  HookRecord record;
  record.event.kind = kind;
  record.event.connection = db;
  record.event.installed = fn != nullptr && !refused;
  record.event.refused = refused;
  record.extension = session.attribute(code_address(fn));
  if (record.extension) {
    const Extension& ext = session.extensions[*record.extension];
    record.event.extension_name = ext.name;
    record.event.expansion = ext.expansion;
  }
  // mutate: next-line logic.and.or: refused is true exactly for the two kinds whose restore is null (auto_extension, load_extension, the only callers passing true), so the two operands are always equal
  if (!refused && spec(kind).restore != nullptr) {
    HookSlot& slot = session.hook_slots[static_cast<std::size_t>(kind)];
    record.previous = slot.fn;
    record.previous_arg = slot.arg;
    record.previous_n = slot.n;
    slot = HookSlot{fn, arg, n};
  }
  session.hooks.push_back(std::move(record));
}

// Audit must never stop the hook from being installed, so a failed note is dropped.
void note_hook(sqlite3* db, HookKind kind, GenericFn fn, void* arg, int n = 0) noexcept {
  try {
    if (Session::Impl* session = session_of(db)) note(*session, db, kind, fn, arg, n, false);
  } catch (...) {
  }
}

}  // namespace

void restore_hook(sqlite3* db, const HookRecord& record) {
  const HookSpec& hook = spec(record.event.kind);
  if (hook.restore == nullptr) return;
  hook.restore(db, record.previous, record.previous_arg, record.previous_n);
  if (Session::Impl* session = session_of(db)) {
    session->hook_slots[static_cast<std::size_t>(record.event.kind)] =
        HookSlot{record.previous, record.previous_arg, record.previous_n};
  }
}

int wrap_set_authorizer(sqlite3* db, AuthFn fn, void* arg) {
  note_hook(db, HookKind::authorizer, generic(fn), arg);
  return sqlite3_set_authorizer(db, fn, arg);
}

void* wrap_update_hook(sqlite3* db, UpdateFn fn, void* arg) {
  note_hook(db, HookKind::update, generic(fn), arg);
  return sqlite3_update_hook(db, fn, arg);
}

void* wrap_commit_hook(sqlite3* db, CommitFn fn, void* arg) {
  note_hook(db, HookKind::commit, generic(fn), arg);
  return sqlite3_commit_hook(db, fn, arg);
}

void* wrap_rollback_hook(sqlite3* db, RollbackFn fn, void* arg) {
  note_hook(db, HookKind::rollback, generic(fn), arg);
  return sqlite3_rollback_hook(db, fn, arg);
}

void* wrap_wal_hook(sqlite3* db, WalFn fn, void* arg) {
  note_hook(db, HookKind::wal, generic(fn), arg);
  return sqlite3_wal_hook(db, fn, arg);
}

void wrap_progress_handler(sqlite3* db, int n, ProgressFn fn, void* arg) {
  note_hook(db, HookKind::progress, generic(fn), arg, n);
  sqlite3_progress_handler(db, n, fn, arg);
}

// Process-wide: recorded on the Session that is loading, if any; refused either way.
int wrap_auto_extension(void (*entry)(void)) {
  try {
    if (const LoadContext* ctx = current_load(); ctx && ctx->session) {
      // mutate: next-line lit.int.one: n is only kept in a hook slot, and a refused call never touches one
      note(*ctx->session, nullptr, HookKind::auto_extension, entry, nullptr, 0, true);
    }
  } catch (...) {
  }
  return SQLITE_ERROR;
}

int wrap_load_extension(sqlite3* db, const char* file, const char* proc, char** error) {
  Session::Impl* session = session_of(db);
  if (session == nullptr) return sqlite3_load_extension(db, file, proc, error);
  try {
    // mutate: next-line lit.int.one: n is only kept in a hook slot, and a refused call never touches one
    note(*session, db, HookKind::load_extension, nullptr, nullptr, 0, true);
  } catch (...) {
  }
  if (error) {
    *error = sqlite3_mprintf("sqlink: an extension may not load another one (%s); load it "
                             "through the host instead", file ? file : "(null)");
  }
  return SQLITE_ERROR;
}

}  // namespace host_detail

std::string_view hook_kind_name(HookKind kind) noexcept {
  const auto index = static_cast<std::size_t>(kind);
  return index < host_detail::kHookSpecs.size() ? host_detail::kHookSpecs[index].name : "unknown";
}

}  // namespace sqlink
