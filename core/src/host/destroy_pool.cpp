// Reference counts for the xDestroy of registrations the host registers under several names.
// Invariant: the extension's xDestroy(p) runs exactly once per registration call, after the
// last alias of it is gone; never while an alias still uses p (late is safe, early is not).
//
// SQLite calls a destructor once per registration, so an extension expects one call per
// call it made. The host turns one call into up to three registrations (qualified, bare,
// fallback) and later adds or drops aliases; each of those registrations gets the trampoline
// as its destructor and the pool counts them. Calls with the same (p, xDestroy) share a pool:
// SQLite's trampoline argument is p alone, so they cannot be told apart, and all their calls
// are owed when the shared count reaches zero.
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <utility>
#include <vector>

#include "host/internal.hpp"

namespace sqlink::host_detail {
namespace {

struct Pool {
  Destructor destroy = nullptr;
  int owed_calls = 0;   // registration calls whose xDestroy is still to come
  long live = 0;        // aliases registered and not yet destroyed, plus open calls
};

struct Pools {
  std::mutex mutex;
  std::unordered_map<void*, std::vector<Pool>> by_user_data;
};

Pools& pools() {
  static Pools* instance = new Pools;  // leaked on purpose: SQLite may destroy at exit
  return *instance;
}

Pool* find(std::vector<Pool>& list, Destructor destroy) {
  for (Pool& pool : list) {
    if (pool.destroy == destroy) return &pool;
  }
  return nullptr;
}

// Decrements `pool` (of `user_data`) and, when it empties, returns the calls now owed.
int drop_locked(Pools& all, void* user_data, std::vector<Pool>& list, Pool& pool) {
  // mutate: next-line rel.gt.ne: a stored pool always has live >= 1 (incremented as it is made, erased at 0), so --live is never negative
  if (--pool.live > 0) return 0;
  const int owed = pool.owed_calls;
  list.erase(list.begin() + (&pool - list.data()));
  if (list.empty()) all.by_user_data.erase(user_data);
  return owed;
}

void call_owed(Destructor destroy, void* user_data, int owed) {
  // mutate: next-line rel.lt.ne: owed is never negative: pool_close(owes_call=false) follows its own pool_open, whose +1 it takes back
  for (int i = 0; i < owed; ++i) destroy(user_data);
}

}  // namespace

void pool_open(void* user_data, Destructor destroy) {
  Pools& all = pools();
  std::lock_guard lock(all.mutex);
  std::vector<Pool>& list = all.by_user_data[user_data];
  Pool* pool = find(list, destroy);
  if (!pool) pool = &list.emplace_back(Pool{destroy, 0, 0});
  pool->owed_calls += 1;
  pool->live += 1;  // the open call itself, so that no alias failing early empties the pool
}

void pool_add_alias(void* user_data, Destructor destroy) {
  Pools& all = pools();
  std::lock_guard lock(all.mutex);
  std::vector<Pool>& list = all.by_user_data[user_data];
  Pool* pool = find(list, destroy);
  if (!pool) pool = &list.emplace_back(Pool{destroy, 0, 0});
  pool->live += 1;
}

void pool_drop_alias(void* user_data, Destructor destroy) {
  // mutate: next-line lit.int.one: the early returns below call nothing; owed is assigned before call_owed reads it
  int owed = 0;
  {
    Pools& all = pools();
    std::lock_guard lock(all.mutex);
    auto found = all.by_user_data.find(user_data);
    if (found == all.by_user_data.end()) return;
    Pool* pool = find(found->second, destroy);
    if (!pool) return;
    owed = drop_locked(all, user_data, found->second, *pool);
  }
  call_owed(destroy, user_data, owed);  // outside the lock: it may register or destroy more
}

void pool_close(void* user_data, Destructor destroy, bool owes_call) {
  if (!owes_call) {
    Pools& all = pools();
    std::lock_guard lock(all.mutex);
    auto found = all.by_user_data.find(user_data);
    if (found != all.by_user_data.end()) {
      if (Pool* pool = find(found->second, destroy)) pool->owed_calls -= 1;
    }
  }
  pool_drop_alias(user_data, destroy);
}

extern "C" void pool_destroy_trampoline(void* user_data) {
  Destructor destroy = nullptr;
  // mutate: next-line lit.int.one: the early returns below call nothing; owed is assigned before call_owed reads it
  int owed = 0;
  {
    Pools& all = pools();
    std::lock_guard lock(all.mutex);
    auto found = all.by_user_data.find(user_data);
    if (found == all.by_user_data.end() || found->second.empty()) return;
    // Several destructors for one p is undefined territory for the extension already; the
    // first pool with aliases left is charged.
    Pool* pool = &found->second.front();
    for (Pool& candidate : found->second) {
      // mutate: next-line rel.gt.false, rel.gt.ge, rel.gt.ne: every stored pool has live >= 1, so the first candidate is taken either way, which is front()
      if (candidate.live > 0) {
        pool = &candidate;
        break;
      }
    }
    destroy = pool->destroy;
    owed = drop_locked(all, user_data, found->second, *pool);
  }
  call_owed(destroy, user_data, owed);
}

}  // namespace sqlink::host_detail
