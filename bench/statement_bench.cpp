// Prepared statements, cached vs re-prepared, on a real SQLite file (the 10k-bundle store): the
// bundle lookup's own query run with one statement kept and sqlite3_reset() per call, as the
// CAS's statement cache does, against sqlite3_prepare_v2() + sqlite3_finalize() every call.
#include <sqlite3.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "bundle_store.hpp"
#include "percentiles.hpp"
#include "suite.hpp"

namespace sqlink::bench {
namespace {

constexpr const char* kSql = "SELECT bundle_id FROM __cas_bundle_alias WHERE name = ?1";

sqlite3* connection() {
  static sqlite3* db = [] {
    sqlite3* d = nullptr;
    if (sqlite3_open_v2(bundle_store().path.c_str(), &d, SQLITE_OPEN_READONLY, nullptr) !=
        SQLITE_OK) {
      std::fprintf(stderr, "sqlink_bench: cannot open %s: %s\n", bundle_store().path.c_str(),
                   sqlite3_errmsg(d));
      std::abort();
    }
    return d;
  }();
  return db;
}

sqlite3_int64 lookup(sqlite3_stmt* stmt, const std::string& name) {
  sqlite3_bind_text(stmt, 1, name.data(), static_cast<int>(name.size()), SQLITE_STATIC);
  const sqlite3_int64 id = sqlite3_step(stmt) == SQLITE_ROW ? sqlite3_column_int64(stmt, 0) : -1;
  return id;
}

template <class Run>
void run_lookups(benchmark::State& state, Run run, const char* note) {
  const BundleStore& b = bundle_store();
  const std::vector<std::size_t>& order = lookup_order();
  std::size_t next = 0;
  Sampler sampler(state, 1);
  for (auto _ : state) {
    const std::string& name = b.names[order[next++ % order.size()]];
    auto op = [&] { return run(name); };
    sampler.time(op);
  }
  sampler.publish(note);
}

void register_statements() {
  add("sqlite/stmt/cached", [](benchmark::State& state) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(connection(), kSql, -1, &stmt, nullptr) != SQLITE_OK) std::abort();
    run_lookups(
        state,
        [stmt](const std::string& name) {
          sqlite3_reset(stmt);
          sqlite3_clear_bindings(stmt);
          return lookup(stmt, name);
        },
        "one statement, sqlite3_reset per call");
    sqlite3_finalize(stmt);
  });
  add("sqlite/stmt/reprepared", [](benchmark::State& state) {
    run_lookups(
        state,
        [](const std::string& name) {
          sqlite3_stmt* stmt = nullptr;
          if (sqlite3_prepare_v2(connection(), kSql, -1, &stmt, nullptr) != SQLITE_OK) {
            std::abort();
          }
          const sqlite3_int64 id = lookup(stmt, name);
          sqlite3_finalize(stmt);
          return id;
        },
        "sqlite3_prepare_v2 + sqlite3_finalize per call");
  });
}

SQLINK_BENCH_SUITE(register_statements);

}  // namespace
}  // namespace sqlink::bench
