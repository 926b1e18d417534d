// Which Session owns a connection, and which extension is initialising on this thread: the
// context the API wrappers need, since SQLite hands them nothing but the sqlite3*.
// Invariant: a connection is attached for exactly the lifetime of its Session's handle.
#include <mutex>
#include <unordered_map>

#include "host/internal.hpp"

namespace sqlink::host_detail {
namespace {

struct Connections {
  std::mutex mutex;
  std::unordered_map<sqlite3*, Session::Impl*> sessions;
};

Connections& connections() {
  static Connections* instance = new Connections;  // leaked on purpose: used until exit
  return *instance;
}

thread_local const LoadContext* t_current = nullptr;

}  // namespace

void attach_connection(sqlite3* db, Session::Impl* session) {
  Connections& all = connections();
  std::lock_guard lock(all.mutex);
  all.sessions[db] = session;
}

void detach_connection(sqlite3* db) {
  Connections& all = connections();
  std::lock_guard lock(all.mutex);
  all.sessions.erase(db);
}

Session::Impl* session_of(sqlite3* db) {
  Connections& all = connections();
  std::lock_guard lock(all.mutex);
  auto found = all.sessions.find(db);
  return found == all.sessions.end() ? nullptr : found->second;
}

const LoadContext* current_load() noexcept { return t_current; }

LoadScope::LoadScope(LoadContext& ctx) noexcept : ctx_(ctx) {
  ctx_.outer = t_current;
  t_current = &ctx_;
}

LoadScope::~LoadScope() { t_current = ctx_.outer; }

}  // namespace sqlink::host_detail
