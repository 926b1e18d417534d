// The prefix rules on a live connection (host/live_names.cpp), driven through fx_probe: a
// fixture whose init runs a hook the test gives it and which keeps the API table it got, so a
// test can register, replace and delete names during an init or after it, in whatever order
// a case needs, and see what every name answers to.
#define SQLITE_CORE 1  // sqlite3ext.h for the table's type only, without its redirecting macros
#include <sqlite3ext.h>

#include <dlfcn.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <deque>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/internal.hpp"
#include "sqlink/host.hpp"
#include "support/sql.hpp"
#include "support/temp_dir.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

using InitHook = int (*)(sqlite3*, const sqlite3_api_routines*);
using ScalarFn = void (*)(sqlite3_context*, int, sqlite3_value**);
using CompareFn = int (*)(void*, int, const void*, int, const void*);

// What the probe's init does in the current test.
std::function<int(sqlite3*, const sqlite3_api_routines*)> g_init;
int run_init(sqlite3* db, const sqlite3_api_routines* api) { return g_init ? g_init(db, api) : SQLITE_OK; }

// An application function: its code lies in the test program, outside every extension.
void answer_app(sqlite3_context* ctx, int, sqlite3_value**) {
  sqlite3_result_text(ctx, "app", -1, SQLITE_STATIC);
}

// User data for fx_probe_func, which answers it as text.
void* text(const char* tag) { return const_cast<char*>(tag); }

// One copy of fx_probe in the allowed directory, opened by the test too: the host's load
// finds the same object (same file), so these point at the globals the loaded copy uses.
struct Probe {
  std::string path;
  void* handle = nullptr;
  const sqlite3_api_routines** api = nullptr;
  InitHook* init = nullptr;
  int* init_rc = nullptr;
  int* destroyed = nullptr;
  ScalarFn func = nullptr;
  void (*final)(sqlite3_context*) = nullptr;
  CompareFn compare = nullptr;
  const sqlite3_module* module = nullptr;
  void (*destroy)(void*) = nullptr;
  const sqlite3_api_routines& table() const { return **api; }
};

template <class T>
T symbol(void* handle, const char* name) {
  void* address = dlsym(handle, name);
  EXPECT_NE(address, nullptr) << name;
  return reinterpret_cast<T>(reinterpret_cast<std::uintptr_t>(address));
}

LoadOptions manifest(const std::string& prefix, const std::string& expansion,
                     std::optional<std::string> name = std::nullopt) {
  LoadOptions options;
  options.preferred_prefix = prefix;
  options.prefix_expansion = expansion;
  options.name = std::move(name);
  return options;
}

bool has_warning(const LoadReport& report, std::string_view part) {
  return std::any_of(report.warnings.begin(), report.warnings.end(),
                     [&](const std::string& w) { return w.find(part) != std::string::npos; });
}

const BoundName* find_name(const LoadReport& report, std::string_view name, int n_args) {
  for (const BoundName& bound : report.names) {
    if (bound.name == name && bound.n_args == n_args) return &bound;
  }
  return nullptr;
}

class HostLiveNamesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libs_ = tmp_.path() + "/libs";
    fs::create_directory(libs_);
    open_session();
  }
  void TearDown() override {
    session_.reset();
    g_init = nullptr;
    for (Probe& p : probes_) dlclose(p.handle);
  }
  void open_session() {
    session_.reset();
    Result<Session> opened = Session::open(tmp_.path() + "/user.db", HostPolicy{{libs_}});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    session_.emplace(std::move(*opened));
  }
  // A copy of fx_probe named `file`, opened by the test; its init runs g_init.
  Probe& probe(const std::string& file = "fx_probe.so") {
    Probe p;
    p.path = libs_ + "/" + file;
    fs::copy_file(SQLINK_FX_PROBE, p.path);
    p.handle = dlopen(p.path.c_str(), RTLD_NOW | RTLD_LOCAL);
    EXPECT_NE(p.handle, nullptr) << dlerror();
    p.api = symbol<const sqlite3_api_routines**>(p.handle, "fx_probe_api");
    p.init = symbol<InitHook*>(p.handle, "fx_probe_init");
    p.init_rc = symbol<int*>(p.handle, "fx_probe_init_rc");
    p.destroyed = symbol<int*>(p.handle, "fx_probe_destroy_calls");
    p.func = symbol<ScalarFn>(p.handle, "fx_probe_func");
    p.final = symbol<void (*)(sqlite3_context*)>(p.handle, "fx_probe_final");
    p.compare = symbol<CompareFn>(p.handle, "fx_probe_compare");
    p.module = symbol<const sqlite3_module*>(p.handle, "fx_probe_module");
    p.destroy = symbol<void (*)(void*)>(p.handle, "fx_probe_destroy");
    *p.init = run_init;
    probes_.push_back(p);
    return probes_.back();
  }
  // A copy of the probe, twin.so, whose init registers `name` (no arguments, answering "B"),
  // loaded under the prefix tb and then left behind by a new session: from then on the
  // registry knows its names, but it is not loaded.
  void twin_known_but_not_loaded(const char* name) {
    Probe& twin = probe("twin.so");
    g_init = [&twin, name](sqlite3* conn, const sqlite3_api_routines* api) {
      return api->create_function(conn, name, 0, SQLITE_UTF8, text("B"), twin.func, nullptr, nullptr);
    };
    load(twin.path, manifest("tb", "org.sqlink.test.twin"));
    open_session();
  }
  LoadReport load(const std::string& path, const LoadOptions& options = {}) {
    Result<LoadReport> report = session_->load(path, options);
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : LoadReport{};
  }
  // A fixture other than the probe, copied under its own file name.
  std::string fixture(const char* built) {
    const std::string to = libs_ + "/" + fs::path(built).filename().string();
    if (!fs::exists(to)) fs::copy_file(built, to);
    return to;
  }
  LoadReport report_of(const std::string& extension_name) {
    for (const LoadReport& report : session_->loaded()) {
      if (report.extension_name == extension_name) return report;
    }
    ADD_FAILURE() << extension_name << " is not loaded";
    return {};
  }
  sqlite3* db() { return session_->db(); }
  std::string sql(const std::string& query) { return testing::scalar(db(), query); }
  bool missing(const std::string& query) {
    return sql(query).find("no such") != std::string::npos;
  }

  testing::TempDir tmp_{"host-live"};
  std::string libs_;
  std::optional<Session> session_;
  std::deque<Probe> probes_;
};

// ---- attribution of calls made after init

TEST_F(HostLiveNamesTest, ALateRegistrationWhoseCodeLiesOutsideEveryExtensionIsRefused) {
  Probe& p = probe();
  load(p.path);
  load(fixture(SQLINK_FX_ALPHA));
  EXPECT_EQ(p.table().create_function(db(), "outside", 0, SQLITE_UTF8, nullptr, answer_app,
                                      nullptr, nullptr),
            SQLITE_MISUSE);
  EXPECT_TRUE(missing("SELECT outside()"));
  EXPECT_TRUE(missing("SELECT fx__outside()"));
  EXPECT_TRUE(missing("SELECT probe__outside()"));
}

TEST_F(HostLiveNamesTest, ALateModuleIsAttributedByItsDefinition) {
  Probe& p = probe();
  load(p.path);
  EXPECT_EQ(p.table().create_module(db(), "late_mod", p.module, nullptr), SQLITE_OK);
  EXPECT_EQ(sql("SELECT group_concat(name) FROM (SELECT name FROM pragma_module_list WHERE "
                "name LIKE '%late_mod' ORDER BY name)"),
            "late_mod,probe__late_mod");
}

// SQLite takes a window function with only its value and inverse callbacks; the host finds
// whose it is by the value callback.
TEST_F(HostLiveNamesTest, ALateWindowFunctionWithOnlyValueAndInverseIsAttributedByThem) {
  Probe& p = probe();
  load(p.path);
  EXPECT_EQ(p.table().create_window_function(db(), "vonly", 1, SQLITE_UTF8, nullptr, nullptr,
                                             nullptr, p.final, p.func, nullptr),
            SQLITE_OK);
  const LoadReport report = report_of("fx_probe");
  const BoundName* vonly = find_name(report, "vonly", 1);
  ASSERT_NE(vonly, nullptr);
  EXPECT_EQ(vonly->qualified, "probe__vonly");
}

TEST_F(HostLiveNamesTest, ALateAutoExtensionIsRefusedAndNotAudited) {
  Probe& p = probe();
  load(p.path);
  EXPECT_EQ(p.table().auto_extension(reinterpret_cast<void (*)(void)>(p.func)), SQLITE_ERROR);
  EXPECT_TRUE(session_->hooks().empty());
}

// ---- what the connection has besides the host's names

TEST_F(HostLiveNamesTest, ALateRegistrationLeavesANameTheApplicationAddedSinceTheLoadAlone) {
  Probe& p = probe();
  load(p.path);
  ASSERT_EQ(sqlite3_create_function(db(), "late", 0, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                    nullptr),
            SQLITE_OK);
  EXPECT_EQ(p.table().create_function(db(), "late", 0, SQLITE_UTF8, nullptr, p.func, nullptr,
                                      nullptr),
            SQLITE_OK);
  EXPECT_EQ(sql("SELECT late()"), "app");
  EXPECT_EQ(sql("SELECT probe__late()"), "probe");
  EXPECT_EQ(sql("SELECT fx_probe_late()"), "probe");
}

TEST_F(HostLiveNamesTest, AModuleTheApplicationDroppedIsFreeForTheNextExtension) {
  static const sqlite3_module kNeverUsed{};
  ASSERT_EQ(sqlite3_create_module(db(), "countdown", &kNeverUsed, nullptr), SQLITE_OK);
  load(probe().path);  // sees countdown as the application's
  ASSERT_EQ(sqlite3_create_module(db(), "countdown", nullptr, nullptr), SQLITE_OK);
  ASSERT_EQ(sql("SELECT count(*) FROM pragma_module_list WHERE name = 'countdown'"), "0");
  const LoadReport kinds = load(fixture(SQLINK_FX_KINDS));
  const BoundName* countdown = find_name(kinds, "countdown", kModuleArgs);
  ASSERT_NE(countdown, nullptr);
  EXPECT_TRUE(countdown->bare);
  EXPECT_EQ(sql("SELECT group_concat(value) FROM countdown(2)"), "2,1");
}

TEST_F(HostLiveNamesTest, AQualifiedNameTakenBeforehandRefusesTheRegistration) {
  ASSERT_EQ(sqlite3_create_function(db(), "probe__f", 0, SQLITE_UTF8, nullptr, answer_app,
                                    nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_create_collation(db(), "probe__c", SQLITE_UTF8, nullptr,
                                     [](void*, int, const void*, int, const void*) { return 0; }),
            SQLITE_OK);
  Probe& p = probe();
  static char tag[] = "c";
  int f_rc = -1, c_rc = -1, z_rc = -1;
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    f_rc = api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    c_rc = api->create_collation_v2(conn, "c", SQLITE_UTF8, tag, p.compare, p.destroy);
    // "probe__z" is bound bare: the qualified name of "z" is the probe's own, for another key
    api->create_function(conn, "probe__z", 0, SQLITE_UTF8, text("first"), p.func, nullptr,
                         nullptr);
    z_rc = api->create_function(conn, "z", 0, SQLITE_UTF8, text("second"), p.func, nullptr,
                                nullptr);
    return SQLITE_OK;
  };
  const LoadReport report = load(p.path);
  EXPECT_EQ(f_rc, SQLITE_ERROR);
  EXPECT_EQ(c_rc, SQLITE_ERROR);
  EXPECT_EQ(z_rc, SQLITE_ERROR);
  EXPECT_EQ(*p.destroyed, 0);  // a failed collation is never destroyed, as in SQLite
  EXPECT_TRUE(has_warning(report, "function 'probe__f' already exists; 'f' was not registered"))
      << ::testing::PrintToString(report.warnings);
  EXPECT_TRUE(has_warning(report, "function 'probe__z' already exists; 'z' was not registered"));
  EXPECT_EQ(sql("SELECT probe__f()"), "app");
  EXPECT_TRUE(missing("SELECT f()"));
  EXPECT_EQ(sql("SELECT probe__z()"), "first");
  EXPECT_TRUE(missing("SELECT z()"));
}

// ---- failures SQLite reports, and the destructors they owe

TEST_F(HostLiveNamesTest, ACollationSqliteRefusesOwesNoDestructorAndAFunctionOwesOne) {
  Probe& p = probe();
  load(p.path);
  static char tag[] = "tag";
  EXPECT_EQ(p.table().create_collation_v2(db(), "badenc", 0, tag, p.compare, p.destroy),
            SQLITE_MISUSE);
  EXPECT_EQ(*p.destroyed, 0);
  EXPECT_EQ(p.table().create_function_v2(db(), "badargs", 1000, SQLITE_UTF8, tag, p.func,
                                         nullptr, nullptr, p.destroy),
            SQLITE_MISUSE);
  EXPECT_EQ(*p.destroyed, 1);
  EXPECT_EQ(p.table().create_collation_v2(db(), "goodcoll", SQLITE_UTF8, tag, p.compare,
                                          p.destroy),
            SQLITE_OK);
  EXPECT_EQ(*p.destroyed, 1);
  session_.reset();  // the collation's last alias goes with the connection
  EXPECT_EQ(*p.destroyed, 2);
}

TEST_F(HostLiveNamesTest, ADeletionOrReplacementWhileAStatementRunsFailsAndIsWarnedAbout) {
  Probe& p = probe();
  int replaced = -1;
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    sqlite3_stmt* running = nullptr;
    sqlite3_prepare_v2(conn, "SELECT 1 UNION ALL SELECT 2", -1, &running, nullptr);
    EXPECT_EQ(sqlite3_step(running), SQLITE_ROW);
    replaced = api->create_function(conn, "f", 0, SQLITE_UTF8, text("new"), p.func, nullptr,
                                    nullptr);
    api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
    sqlite3_finalize(running);
    return SQLITE_OK;
  };
  const LoadReport report = load(p.path);
  EXPECT_EQ(replaced, SQLITE_BUSY);
  EXPECT_TRUE(has_warning(report, "cannot drop function 'f': "))
      << ::testing::PrintToString(report.warnings);
  EXPECT_TRUE(has_warning(report, "cannot drop function 'probe__f': "));
}

// ---- deletions and failed inits give their names back

TEST_F(HostLiveNamesTest, ADeletedFunctionLosesItsFallbackToo) {
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "lower", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    api->create_function(conn, "lower", 0, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
    return SQLITE_OK;
  };
  const LoadReport report = load(p.path);
  EXPECT_TRUE(missing("SELECT fx_probe_lower()"));
  EXPECT_TRUE(missing("SELECT probe__lower()"));
  EXPECT_EQ(sql("SELECT lower('ABC')"), "abc");
  EXPECT_FALSE(has_warning(report, "ignored a request to delete"))
      << ::testing::PrintToString(report.warnings);
}

TEST_F(HostLiveNamesTest, NamesLeftByAFailedInitAreFreeForTheNextLoad) {
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
  };
  *p.init_rc = SQLITE_ERROR;
  ASSERT_FALSE(session_->load(p.path).ok());
  EXPECT_TRUE(missing("SELECT probe__f()"));
  *p.init_rc = SQLITE_OK;
  const LoadReport report = load(p.path);
  EXPECT_EQ(sql("SELECT probe__f()"), "probe");
  EXPECT_EQ(sql("SELECT f()"), "probe");
  EXPECT_FALSE(has_warning(report, "already exists")) << ::testing::PrintToString(report.warnings);
}

TEST_F(HostLiveNamesTest, ANameAnExtensionDeletedIsFreeForAFallbackAgain) {
  ASSERT_EQ(sqlite3_create_function(db(), "f", 0, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                    nullptr),
            SQLITE_OK);
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "fx_probe_f", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    api->create_function(conn, "fx_probe_f", 0, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("f"), p.func, nullptr, nullptr);
  };
  const LoadReport report = load(p.path);
  const BoundName* f = find_name(report, "f", 0);
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(f->fallback, "fx_probe_f");
  EXPECT_EQ(sql("SELECT fx_probe_f()"), "f");
}

// One extension deleting its own registration leaves another's of the same name alone.
TEST_F(HostLiveNamesTest, ADeletionTouchesOnlyTheDeletingExtensionsRegistration) {
  Probe& a = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("A"), a.func, nullptr, nullptr);
  };
  load(a.path);
  Probe& b = probe("twin.so");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "f", 0, SQLITE_UTF8, text("B"), b.func, nullptr, nullptr);
    return api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
  };
  const LoadReport twin = load(b.path, manifest("tw", "org.sqlink.test.twin"));
  EXPECT_EQ(sql("SELECT f()"), "A");
  EXPECT_EQ(sql("SELECT probe__f()"), "A");
  EXPECT_TRUE(missing("SELECT tw__f()"));
  EXPECT_TRUE(missing("SELECT twin_f()"));
  EXPECT_FALSE(has_warning(twin, "ignored a request to delete"))
      << ::testing::PrintToString(twin.warnings);
}

// ---- who holds a bare name, and the fallbacks of the others

TEST_F(HostLiveNamesTest, ALateRegistrationByAnEarlierLoadTakesTheBareName) {
  Probe& a = probe();
  load(a.path);
  Probe& b = probe("twin.so");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("B"), b.func, nullptr, nullptr);
  };
  load(b.path, manifest("tw", "org.sqlink.test.twin"));
  ASSERT_EQ(sql("SELECT f()"), "B");
  EXPECT_EQ(a.table().create_function(db(), "f", 0, SQLITE_UTF8, text("A"), a.func, nullptr,
                                      nullptr),
            SQLITE_OK);
  EXPECT_EQ(sql("SELECT f()"), "A");  // the first extension in load order
  EXPECT_EQ(sql("SELECT twin_f()"), "B");
  EXPECT_EQ(sql("SELECT tw__f()"), "B");
}

TEST_F(HostLiveNamesTest, AReplacementRebindsItsFallbackToo) {
  Probe& p = probe();
  load(p.path);
  ASSERT_EQ(p.table().create_function(db(), "lower", 0, SQLITE_UTF8, text("old"), p.func,
                                      nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sql("SELECT fx_probe_lower()"), "old");
  EXPECT_EQ(p.table().create_function(db(), "lower", 0, SQLITE_UTF8, text("new"), p.func,
                                      nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sql("SELECT fx_probe_lower()"), "new");
  EXPECT_EQ(sql("SELECT probe__lower()"), "new");
}

// Two extensions with one name want the same fallback: the second gets the next number.
TEST_F(HostLiveNamesTest, ExtensionsOfTheSameNameGetNumberedFallbacks) {
  ASSERT_EQ(sqlite3_create_function(db(), "f", 0, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                    nullptr),
            SQLITE_OK);
  Probe& a = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("A"), a.func, nullptr, nullptr);
  };
  load(a.path, manifest("pa", "org.sqlink.test.a", "twin"));
  Probe& b = probe("twin.so");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("B"), b.func, nullptr, nullptr);
  };
  load(b.path, manifest("pb", "org.sqlink.test.b", "twin"));
  EXPECT_EQ(sql("SELECT f()"), "app");
  EXPECT_EQ(sql("SELECT twin_f()"), "A");
  EXPECT_EQ(sql("SELECT twin_f_2()"), "B");
}

TEST_F(HostLiveNamesTest, TheLastFallbackNumberIsTriedAndThenTheSearchStops) {
  std::vector<std::string> taken{"f", "g", "fx_probe_f", "fx_probe_g"};
  for (int n = 2; n <= kMaxNameAttempts; ++n) {
    if (n < kMaxNameAttempts) taken.push_back("fx_probe_f_" + std::to_string(n));
    taken.push_back("fx_probe_g_" + std::to_string(n));
  }
  for (const std::string& name : taken) {
    ASSERT_EQ(sqlite3_create_function(db(), name.c_str(), 0, SQLITE_UTF8, nullptr, answer_app,
                                      nullptr, nullptr),
              SQLITE_OK);
  }
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    return api->create_function(conn, "g", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
  };
  const LoadReport report = load(p.path);
  const BoundName* f = find_name(report, "f", 0);
  const BoundName* g = find_name(report, "g", 0);
  ASSERT_NE(f, nullptr);
  ASSERT_NE(g, nullptr);
  EXPECT_EQ(f->fallback, "fx_probe_f_999");
  EXPECT_EQ(g->fallback, std::nullopt);
  EXPECT_TRUE(has_warning(report, "no free fallback name for function 'g' (tried up to "
                                  "'fx_probe_g_999'); it is reachable as 'probe__g' only"))
      << ::testing::PrintToString(report.warnings);
}

TEST_F(HostLiveNamesTest, UnpreferringLeavesANameTheApplicationTookMeanwhileAlone) {
  load(fixture(SQLINK_FX_ALPHA));
  load(fixture(SQLINK_FX_BETA));
  ASSERT_TRUE(session_->prefixes().prefer("hello", "fx_beta").ok());
  open_session();
  load(fixture(SQLINK_FX_ALPHA));
  ASSERT_TRUE(missing("SELECT hello()"));  // pinned to beta, which is not loaded
  ASSERT_EQ(sqlite3_create_function(db(), "hello", 0, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                    nullptr),
            SQLITE_OK);
  ASSERT_TRUE(session_->prefixes().unprefer("hello").ok());
  EXPECT_EQ(sql("SELECT hello()"), "app");
  EXPECT_EQ(sql("SELECT fx__hello()"), "alpha");
}

// ---- prefix renames

TEST_F(HostLiveNamesTest, ARenameMovesTheNamesOfThatExtensionOnly) {
  load(fixture(SQLINK_FX_ALPHA));
  load(fixture(SQLINK_FX_BETA));
  ASSERT_TRUE(session_->prefixes().rename("fx", "ax").ok());
  EXPECT_EQ(sql("SELECT ax__hello()"), "alpha");
  EXPECT_EQ(sql("SELECT fx2__hello()"), "beta");
  ASSERT_TRUE(session_->prefixes().rename("fx2", "bx").ok());  // the second extension too
  EXPECT_EQ(sql("SELECT bx__hello()"), "beta");
  EXPECT_TRUE(missing("SELECT fx2__hello()"));
  EXPECT_EQ(sql("SELECT ax__hello()"), "alpha");
}

TEST_F(HostLiveNamesTest, AnOldQualifiedNameIsFreeForAnotherExtensionAfterARename) {
  load(fixture(SQLINK_FX_ALPHA));
  ASSERT_TRUE(session_->prefixes().rename("fx", "ax").ok());
  const LoadReport beta = load(fixture(SQLINK_FX_BETA));
  ASSERT_EQ(beta.prefix, "fx");
  EXPECT_EQ(sql("SELECT fx__hello()"), "beta");
  EXPECT_EQ(sql("SELECT fx__hello('x')"), "beta:x");
  EXPECT_EQ(sql("SELECT ax__hello()"), "alpha");
}

// A rename that meets a name the application took since the load fails whole: the names
// already moved go back.
TEST_F(HostLiveNamesTest, ARenameOntoANameTheApplicationTookIsUndone) {
  load(fixture(SQLINK_FX_ALPHA));
  ASSERT_EQ(sqlite3_create_function(db(), "zz__lower", 1, SQLITE_UTF8, nullptr, answer_app,
                                    nullptr, nullptr),
            SQLITE_OK);
  Result<void> refused = session_->prefixes().rename("fx", "zz");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("'zz__lower': it already exists"), std::string::npos)
      << refused.error().message;
  EXPECT_EQ(sql("SELECT zz__lower('x')"), "app");
  EXPECT_TRUE(missing("SELECT zz__hello()"));  // moved before lower, and put back
  EXPECT_EQ(sql("SELECT fx__hello()"), "alpha");
  EXPECT_EQ(session_->loaded().front().prefix, "fx");
  // Its names are free again: an extension that gets the prefix binds them.
  const LoadReport beta = load(fixture(SQLINK_FX_BETA), manifest("zz", "org.sqlink.test.zz"));
  ASSERT_EQ(beta.prefix, "zz");
  EXPECT_EQ(sql("SELECT zz__hello()"), "beta");
}

TEST_F(HostLiveNamesTest, ARenameOntoAnExtensionsOwnOtherNameIsRefused) {
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "f", 0, SQLITE_UTF8, text("f"), p.func, nullptr, nullptr);
    return api->create_function(conn, "np__f", 0, SQLITE_UTF8, text("np"), p.func, nullptr,
                                nullptr);
  };
  load(p.path);
  Result<void> refused = session_->prefixes().rename("probe", "np");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_EQ(sql("SELECT np__f()"), "np");
  EXPECT_EQ(sql("SELECT probe__f()"), "f");
}

TEST_F(HostLiveNamesTest, OnlyALoadedExpansionBlocksDeletingItsPrefix) {
  load(fixture(SQLINK_FX_ALPHA));
  ASSERT_TRUE(session_->prefixes().add("other", "org.sqlink.test.other").ok());
  EXPECT_TRUE(session_->prefixes().remove("other").ok());
  EXPECT_FALSE(session_->prefixes().remove("fx").ok());
}

// ---- the registry write after init

TEST_F(HostLiveNamesTest, APrefixTakenDuringInitFailsTheLoadAndWritesNothing) {
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    EXPECT_TRUE(session_->prefixes().add("probe", "org.sqlink.test.other").ok());
    return api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
  };
  Result<LoadReport> failed = session_->load(p.path);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.error().code, Errc::conflict);
  EXPECT_NE(failed.error().message.find("changed during its init"), std::string::npos)
      << failed.error().message;
  EXPECT_EQ(sqlite3_get_autocommit(db()), 1);
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix WHERE expansion = "
                "'org.sqlink.test.probe'"),
            "0");
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_function"), "0");
  EXPECT_TRUE(missing("SELECT probe__f()"));
}

// ---- the connection itself

TEST_F(HostLiveNamesTest, AClosedSessionNoLongerOwnsItsConnection) {
  sqlite3* const connection = db();
  ASSERT_NE(host_detail::session_of(connection), nullptr);
  session_.reset();
  EXPECT_EQ(host_detail::session_of(connection), nullptr);
}

TEST_F(HostLiveNamesTest, TheConnectionReportsExtendedResultCodes) {
  ASSERT_EQ(sql("CREATE TABLE t(x UNIQUE)"), "<none>");
  ASSERT_EQ(sqlite3_exec(db(), "INSERT INTO t VALUES (1)", nullptr, nullptr, nullptr), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db(), "INSERT INTO t VALUES (1)", nullptr, nullptr, nullptr),
            SQLITE_CONSTRAINT_UNIQUE);
}

// ---- more of the same, each after a change of the holder or the prefix

// Registers function f() answering `tag`, and collation f, through `api`.
int register_f(sqlite3* conn, const sqlite3_api_routines* api, const Probe& p, const char* tag) {
  const int rc = api->create_function(conn, "f", 0, SQLITE_UTF8, text(tag), p.func, nullptr,
                                      nullptr);
  return rc != SQLITE_OK ? rc : api->create_collation(conn, "f", SQLITE_UTF8, nullptr, p.compare);
}

TEST_F(HostLiveNamesTest, APinMovesAFunctionAndACollationOfTheName) {
  Probe& a = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) { return register_f(conn, api, a, "A"); };
  load(a.path);
  Probe& b = probe("twin.so");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) { return register_f(conn, api, b, "B"); };
  load(b.path, manifest("tb", "org.sqlink.test.twin"));
  ASSERT_EQ(sql("SELECT f()"), "A");
  ASSERT_TRUE(session_->prefixes().prefer("f", "tb").ok());
  EXPECT_EQ(sql("SELECT f()"), "B");
  const LoadReport twin = report_of("twin");
  const BoundName* function = find_name(twin, "f", 0);
  const BoundName* collation = find_name(twin, "f", kCollationArgs);
  ASSERT_NE(function, nullptr);
  ASSERT_NE(collation, nullptr);
  EXPECT_TRUE(function->bare);
  EXPECT_TRUE(collation->bare);
  EXPECT_FALSE(find_name(report_of("fx_probe"), "f", kCollationArgs)->bare);
}

// A failed init gives back what it blocked, and nothing another extension holds.
TEST_F(HostLiveNamesTest, AFailedInitLeavesTheHolderOfABareNameItWantedInPlace) {
  Probe& a = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("A"), a.func, nullptr, nullptr);
  };
  load(a.path);
  Probe& b = probe("twin.so");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("B"), b.func, nullptr, nullptr);
  };
  *b.init_rc = SQLITE_ERROR;
  ASSERT_FALSE(session_->load(b.path, manifest("tb", "org.sqlink.test.twin")).ok());
  Probe& c = probe("third.so");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("C"), c.func, nullptr, nullptr);
  };
  load(c.path, manifest("tc", "org.sqlink.test.third"));
  ASSERT_EQ(sql("SELECT f()"), "A");
  // Moving the name away from its holder takes it from the holder, which gets a fallback.
  ASSERT_TRUE(session_->prefixes().prefer("f", "tc").ok());
  EXPECT_EQ(sql("SELECT f()"), "C");
  EXPECT_EQ(sql("SELECT fx_probe_f()"), "A");
  EXPECT_FALSE(find_name(report_of("fx_probe"), "f", 0)->bare);
}

// Two arities share one fallback; once both are deleted the fallback name is free again.
TEST_F(HostLiveNamesTest, AFallbackSharedByTwoAritiesIsFreeOnceBothAreDeleted) {
  ASSERT_EQ(sqlite3_create_function(db(), "f", 0, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                    nullptr),
            SQLITE_OK);
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    for (int n : {0, 1}) api->create_function(conn, "f", n, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    for (int n : {0, 1}) api->create_function(conn, "f", n, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
    return SQLITE_OK;
  };
  load(p.path);
  EXPECT_EQ(p.table().create_function(db(), "fx_probe_f", 0, SQLITE_UTF8, text("own"), p.func,
                                      nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sql("SELECT fx_probe_f()"), "own");
}

TEST_F(HostLiveNamesTest, ANewArityAfterARenameJoinsTheRenamedName) {
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    return api->create_function(conn, "f", 0, SQLITE_UTF8, text("f0"), p.func, nullptr, nullptr);
  };
  load(p.path);
  ASSERT_TRUE(session_->prefixes().rename("probe", "np").ok());
  EXPECT_EQ(p.table().create_function(db(), "f", 1, SQLITE_UTF8, text("f1"), p.func, nullptr,
                                      nullptr),
            SQLITE_OK);
  EXPECT_EQ(sql("SELECT np__f(1)"), "f1");
  EXPECT_EQ(sql("SELECT np__f()"), "f0");
}

TEST_F(HostLiveNamesTest, ARegistryThatCannotBeWrittenIsWarnedAboutAfterInit) {
  Probe& p = probe();
  load(p.path);
  ASSERT_EQ(sql("PRAGMA query_only = 1"), "<none>");
  EXPECT_EQ(p.table().create_function(db(), "late", 0, SQLITE_UTF8, nullptr, p.func, nullptr,
                                      nullptr),
            SQLITE_OK);
  ASSERT_EQ(sql("PRAGMA query_only = 0"), "<none>");
  EXPECT_EQ(sql("SELECT late()"), "probe");  // registered all the same
  const LoadReport report = report_of("fx_probe");
  EXPECT_TRUE(has_warning(report, "readonly")) << ::testing::PrintToString(report.warnings);
}

// The pins cannot be read (their table is gone): each registration and deletion says so.
TEST_F(HostLiveNamesTest, PinsThatCannotBeReadAreWarnedAboutDuringInit) {
  Probe& p = probe();
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    EXPECT_EQ(sqlite3_exec(conn, "DROP TABLE __sqlink_prefix_pin", nullptr, nullptr, nullptr),
              SQLITE_OK);
    for (int n : {0, 1}) api->create_function(conn, "f", n, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    api->create_function(conn, "f", 0, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
    return SQLITE_OK;
  };
  const LoadReport report = load(p.path);
  // two registrations and a deletion that leaves f(x) wanting the bare name
  const auto pins = std::count_if(report.warnings.begin(), report.warnings.end(), [](const std::string& w) {
    return w.find("no such table: __sqlink_prefix_pin") != std::string::npos;
  });
  EXPECT_EQ(pins, 3) << ::testing::PrintToString(report.warnings);
}

// SQLite takes function names of up to 255 bytes. A name whose qualified form fits but whose
// fallback does not keeps its qualified name only, and says why.
TEST_F(HostLiveNamesTest, AFallbackSqliteRefusesIsWarnedAbout) {
  const std::string name(247, 'n');  // "probe__" + 247 = 254 bytes, "fx_probe_" + 247 = 256
  ASSERT_EQ(sqlite3_create_function(db(), name.c_str(), 0, SQLITE_UTF8, nullptr, answer_app,
                                    nullptr, nullptr),
            SQLITE_OK);
  Probe& p = probe();
  load(p.path);
  EXPECT_EQ(p.table().create_function(db(), name.c_str(), 0, SQLITE_UTF8, nullptr, p.func,
                                      nullptr, nullptr),
            SQLITE_OK);
  const LoadReport report = report_of("fx_probe");
  EXPECT_TRUE(has_warning(report, "cannot bind the fallback function 'fx_probe_" + name + "': "))
      << ::testing::PrintToString(report.warnings);
  const BoundName* bound = find_name(report, name, 0);
  ASSERT_NE(bound, nullptr);
  EXPECT_EQ(bound->fallback, std::nullopt);
  EXPECT_EQ(sql("SELECT probe__" + name + "()"), "probe");
  EXPECT_EQ(sql("SELECT " + name + "()"), "app");
}

// A name registered behind the table's back during init looks free to the host; SQLite will
// not replace it while a statement runs, so the bare name cannot be bound, and that is said.
TEST_F(HostLiveNamesTest, ABareNameSqliteWillNotReplaceNowIsWarnedAbout) {
  Probe& p = probe();
  int rc = -1;
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    EXPECT_EQ(sqlite3_create_function(conn, "g", 0, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                      nullptr),
              SQLITE_OK);
    sqlite3_stmt* running = nullptr;
    sqlite3_prepare_v2(conn, "SELECT 1 UNION ALL SELECT 2", -1, &running, nullptr);
    EXPECT_EQ(sqlite3_step(running), SQLITE_ROW);
    rc = api->create_function(conn, "g", 0, SQLITE_UTF8, nullptr, p.func, nullptr, nullptr);
    sqlite3_finalize(running);
    return SQLITE_OK;
  };
  const LoadReport report = load(p.path);
  EXPECT_EQ(rc, SQLITE_OK);
  EXPECT_TRUE(has_warning(report, "cannot bind the bare function 'g': "))
      << ::testing::PrintToString(report.warnings);
  EXPECT_EQ(sql("SELECT g()"), "app");
  EXPECT_EQ(sql("SELECT probe__g()"), "probe");
  EXPECT_EQ(sql("SELECT fx_probe_g()"), "probe");
}

// Moving a bare name away takes it from the arities its holder has bound bare, and leaves
// alone an arity of the name the holder could not bind (one registered behind the table's back).
TEST_F(HostLiveNamesTest, MovingABareNameTouchesOnlyTheAritiesTheHolderHadBound) {
  Probe& a = probe();
  twin_known_but_not_loaded("f");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    EXPECT_EQ(sqlite3_create_function(conn, "f", 1, SQLITE_UTF8, nullptr, answer_app, nullptr,
                                      nullptr),
              SQLITE_OK);
    sqlite3_stmt* running = nullptr;
    sqlite3_prepare_v2(conn, "SELECT 1 UNION ALL SELECT 2", -1, &running, nullptr);
    EXPECT_EQ(sqlite3_step(running), SQLITE_ROW);
    for (int n : {0, 1}) api->create_function(conn, "f", n, SQLITE_UTF8, text("A"), a.func, nullptr, nullptr);
    sqlite3_finalize(running);
    return SQLITE_OK;
  };
  load(a.path);
  ASSERT_EQ(sql("SELECT f()"), "A");
  ASSERT_EQ(sql("SELECT f(1)"), "app");  // the bare f(x) could not be bound
  // Pinned to an extension not loaded here: nobody holds the name any more.
  ASSERT_TRUE(session_->prefixes().prefer("f", "tb").ok());
  EXPECT_EQ(sql("SELECT f()").rfind("ERROR:", 0), 0u);
  EXPECT_EQ(sql("SELECT fx_probe_f()"), "A");
  EXPECT_EQ(sql("SELECT f(1)"), "app");
}

// A bare name its holder lost is free: here it is the qualified name a rename then needs.
TEST_F(HostLiveNamesTest, ABareNameMovedAwayIsFreeForARenameThatNeedsIt) {
  Probe& a = probe();
  twin_known_but_not_loaded("np__x");
  g_init = [&](sqlite3* conn, const sqlite3_api_routines* api) {
    api->create_function(conn, "np__x", 0, SQLITE_UTF8, text("bare"), a.func, nullptr, nullptr);
    return api->create_function(conn, "x", 0, SQLITE_UTF8, text("x"), a.func, nullptr, nullptr);
  };
  load(a.path);
  ASSERT_EQ(sql("SELECT np__x()"), "bare");
  // Pinned to an extension not loaded here: the probe loses the bare name.
  ASSERT_TRUE(session_->prefixes().prefer("np__x", "tb").ok());
  ASSERT_TRUE(missing("SELECT np__x()"));
  Result<void> renamed = session_->prefixes().rename("probe", "np");
  ASSERT_TRUE(renamed.ok()) << renamed.error().message;
  EXPECT_EQ(sql("SELECT np__x()"), "x");
  EXPECT_EQ(sql("SELECT np__np__x()"), "bare");
}

}  // namespace
}  // namespace sqlink
