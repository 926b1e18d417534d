// Loading real extensions (the fixtures) into a database file: names through SQL, prefixes,
// fallbacks, builtins left alone, rows written, window/collation/module kinds, hooks audited,
// destructors run once, registrations after init, and an init that fails leaving nothing.
#include <dlfcn.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"
#include "support/temp_dir.hpp"
#include "support/sql.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("host-load") {}
};

using testing::scalar;

void ignore(sqlite3_context* ctx, int, sqlite3_value**) { sqlite3_result_text(ctx, "app", -1, SQLITE_STATIC); }

const BoundName* find_name(const LoadReport& report, std::string_view name, int n_args) {
  for (const BoundName& bound : report.names) {
    if (bound.name == name && bound.n_args == n_args) return &bound;
  }
  return nullptr;
}

class HostLoadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libs_ = tmp_.path() + "/libs";
    fs::create_directory(libs_);
    open_session();
  }
  void open_session() {
    session_.reset();
    Result<Session> opened = Session::open(tmp_.path() + "/user.db", HostPolicy{{libs_}});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    session_.emplace(std::move(*opened));
  }
  // Copies a fixture into the allowed directory under its own file name.
  std::string fixture(const char* built) {
    const std::string to = libs_ + "/" + fs::path(built).filename().string();
    if (!fs::exists(to)) fs::copy_file(built, to);
    return to;
  }
  LoadReport load(const char* built, const LoadOptions& options = {}) {
    Result<LoadReport> report = session_->load(fixture(built), options);
    EXPECT_TRUE(report.ok()) << report.error().message;
    return report.ok() ? *report : LoadReport{};
  }
  std::string sql(const std::string& text) { return scalar(session_->db(), text); }

  TempDir tmp_;
  std::string libs_;
  std::optional<Session> session_;
};

TEST_F(HostLoadTest, FunctionsAnswerToTheirPrefixedAndBareNames) {
  const LoadReport report = load(SQLINK_FX_ALPHA);
  EXPECT_EQ(report.extension_name, "fx_alpha");
  EXPECT_EQ(report.prefix, "fx");
  EXPECT_EQ(report.expansion, "org.sqlink.test.alpha");
  EXPECT_FALSE(report.synthetic);
  EXPECT_EQ(report.entry_point, "sqlite3_extension_init");
  EXPECT_EQ(sql("SELECT fx__hello()"), "alpha");
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
  EXPECT_EQ(sql("SELECT HeLLo('x')"), "alpha:x");
  EXPECT_EQ(sql("SELECT fx__hello('y')"), "alpha:y");
  // Registered through create_function16: the UTF-16 name is honoured.
  EXPECT_EQ(sql("SELECT shout('hi')"), "hi!");
  EXPECT_EQ(sql("SELECT fx__shout('hi')"), "hi!");
}

TEST_F(HostLoadTest, BuiltinsAreNeverOverwritten) {
  const LoadReport report = load(SQLINK_FX_ALPHA);
  EXPECT_EQ(sql("SELECT lower('ABC')"), "abc");
  EXPECT_EQ(sql("SELECT fx__lower('ABC')"), "alpha-lower");
  EXPECT_EQ(sql("SELECT fx_alpha_lower('ABC')"), "alpha-lower");
  const BoundName* lower = find_name(report, "lower", 1);
  ASSERT_NE(lower, nullptr);
  EXPECT_FALSE(lower->bare);
  EXPECT_EQ(lower->fallback, "fx_alpha_lower");
  EXPECT_EQ(lower->qualified, "fx__lower");
}

TEST_F(HostLoadTest, ASecondExtensionGetsANumberedPrefixAndFallbackNames) {
  load(SQLINK_FX_ALPHA);
  const LoadReport beta = load(SQLINK_FX_BETA);
  EXPECT_EQ(beta.prefix, "fx2");
  EXPECT_TRUE(std::any_of(beta.warnings.begin(), beta.warnings.end(), [](const std::string& w) {
    return w.find("'fx2'") != std::string::npos;
  }));
  EXPECT_EQ(sql("SELECT hello()"), "alpha");  // the first loader keeps the bare name
  EXPECT_EQ(sql("SELECT hello('x')"), "alpha:x");
  EXPECT_EQ(sql("SELECT fx2__hello()"), "beta");
  EXPECT_EQ(sql("SELECT fx2__hello('x')"), "beta:x");
  EXPECT_EQ(sql("SELECT fx_beta_hello()"), "beta");
  EXPECT_EQ(sql("SELECT fx_beta_hello('x')"), "beta:x");  // registered as "HELLO": same name
  EXPECT_EQ(sql("SELECT greet()"), "beta-greet");         // uncontested: bare
  const BoundName* hello = find_name(beta, "hello", 0);
  ASSERT_NE(hello, nullptr);
  EXPECT_FALSE(hello->bare);
  EXPECT_EQ(hello->fallback, "fx_beta_hello");
  EXPECT_EQ(sql("SELECT group_concat(name || '=' || expansion, ',') FROM (SELECT * FROM "
                "__sqlink_prefix ORDER BY name)"),
            "fx=org.sqlink.test.alpha,fx2=org.sqlink.test.beta");
  const std::vector<LoadReport> loaded = session_->loaded();
  ASSERT_EQ(loaded.size(), 2u);
  EXPECT_EQ(loaded[0].extension_name, "fx_alpha");
  EXPECT_EQ(loaded[1].extension_name, "fx_beta");
  for (const LoadReport& report : loaded) {
    for (const std::string& w : report.warnings) {
      EXPECT_EQ(w.find("/proc"), std::string::npos) << w;  // loaded through its descriptor
    }
  }
}

TEST_F(HostLoadTest, AFallbackNameAlreadyTakenGetsANumberedSuffix) {
  ASSERT_EQ(sqlite3_create_function(session_->db(), "fx_beta_hello", 0, SQLITE_UTF8, nullptr,
                                    ignore, nullptr, nullptr),
            SQLITE_OK);
  load(SQLINK_FX_ALPHA);
  const LoadReport beta = load(SQLINK_FX_BETA);
  EXPECT_EQ(find_name(beta, "hello", 0)->fallback, "fx_beta_hello_2");
  EXPECT_EQ(sql("SELECT fx_beta_hello()"), "app");  // the application's function is untouched
  EXPECT_EQ(sql("SELECT fx_beta_hello_2()"), "beta");
}

TEST_F(HostLoadTest, EveryRegistrationIsRecordedInTheRegistry) {
  load(SQLINK_FX_ALPHA);
  EXPECT_EQ(sql("SELECT group_concat(function_name || '/' || n_args || '/' || extension_name, "
                "',') FROM (SELECT * FROM __sqlink_prefix_function WHERE expansion = "
                "'org.sqlink.test.alpha' ORDER BY function_name, n_args)"),
            "alpha_register_late/0/fx_alpha,hello/0/fx_alpha,hello/1/fx_alpha,lower/1/fx_alpha,"
            "shout/1/fx_alpha");
  Result<std::vector<PrefixFunction>> rows = session_->prefixes().functions("fx");
  ASSERT_TRUE(rows.ok());
  EXPECT_EQ(rows->size(), 5u);
  EXPECT_GT(rows->front().registered_at, 1000000000);  // the time of the load, in seconds
  Result<PrefixVerifyReport> verify = session_->prefixes().verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok()) << verify->issues.size();
  EXPECT_EQ(verify->present, 5u);
}

TEST_F(HostLoadTest, AnExtensionWithoutDeclarationsGetsASyntheticPrefix) {
  const LoadReport report = load(SQLINK_FX_NODECL);
  EXPECT_TRUE(report.synthetic);
  EXPECT_EQ(report.prefix, "fx_nodecl");
  EXPECT_EQ(report.expansion, "sqlink-internal://fx_nodecl");
  EXPECT_EQ(report.entry_point, "sqlite3_fxnodecl_init");  // SQLite's derived name
  ASSERT_FALSE(report.warnings.empty());
  EXPECT_NE(report.warnings.front().find("sqlink_preferred_prefix"), std::string::npos);
  EXPECT_EQ(sql("SELECT fx_nodecl__nodecl_answer()"), "42");
  EXPECT_EQ(sql("SELECT nodecl_answer()"), "42");
  EXPECT_EQ(sql("SELECT expansion FROM __sqlink_prefix WHERE name = 'fx_nodecl'"),
            "sqlink-internal://fx_nodecl");
}

TEST_F(HostLoadTest, NamesRegisteredBehindTheTablesBackAreWarnedAboutByKind) {
  const LoadReport report = load(SQLINK_FX_DIRECT);
  // the two registered straight into libsqlite3, each named with its kind; not the tabled one
  std::vector<std::string> behind;
  for (const std::string& w : report.warnings) {
    if (w.find("without going through the API table") != std::string::npos) behind.push_back(w);
  }
  ASSERT_EQ(behind.size(), 2u) << ::testing::PrintToString(report.warnings);
  EXPECT_EQ(behind[0].rfind("function 'direct_fn' appeared during init", 0), 0u) << behind[0];
  EXPECT_EQ(behind[1].rfind("collation 'direct_coll' appeared during init", 0), 0u) << behind[1];
  // they work, unprefixed; the tabled one has its prefix
  EXPECT_EQ(sql("SELECT direct_fn()"), "direct");
  EXPECT_EQ(sql("SELECT " + report.prefix + "__tabled()"), "table") << report.prefix;
  // a second extension loaded later is not blamed for them
  const LoadReport alpha = load(SQLINK_FX_ALPHA);
  for (const std::string& w : alpha.warnings) {
    EXPECT_EQ(w.find("without going through the API table"), std::string::npos) << w;
  }
}

TEST_F(HostLoadTest, AFunctionDeletedDuringInitIsGoneAndOnlyOwnNamesCanBeDeleted) {
  const LoadReport report = load(SQLINK_FX_DIRECT);
  const std::string p = report.prefix;
  // "fleeting" with one argument was deleted (in another case): gone under both names and
  // from the registry; the two-argument form stays
  EXPECT_EQ(sql("SELECT " + p + "__fleeting('a')").rfind("ERROR:", 0), 0u);
  EXPECT_EQ(sql("SELECT fleeting('a')").rfind("ERROR:", 0), 0u);
  EXPECT_EQ(sql("SELECT " + p + "__fleeting('a', 'b')"), "table");
  EXPECT_EQ(sql("SELECT group_concat(n_args) FROM __sqlink_prefix_function WHERE function_name = "
                "'fleeting'"),
            "2");
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_function WHERE extension_name = "
                "'fx_direct'"),
            "3");  // tabled, fleeting/2, direct_register_late
  EXPECT_EQ(find_name(report, "fleeting", 1), nullptr);
  EXPECT_NE(find_name(report, "fleeting", 2), nullptr);
  // a deletion of a name it never registered is ignored, and said so
  bool warned = false;
  for (const std::string& w : report.warnings) {
    warned |= w == "ignored a request to delete function 'unowned', which this extension did "
                   "not register";
  }
  EXPECT_TRUE(warned) << ::testing::PrintToString(report.warnings);
}

TEST_F(HostLoadTest, AManifestWinsOverTheExportedDeclarations) {
  LoadOptions options;
  options.preferred_prefix = "al";
  options.prefix_expansion = "org.example.manifest";
  const LoadReport report = load(SQLINK_FX_ALPHA, options);
  EXPECT_EQ(report.prefix, "al");
  EXPECT_EQ(report.expansion, "org.example.manifest");
  EXPECT_EQ(sql("SELECT al__hello()"), "alpha");
}

TEST_F(HostLoadTest, AHalfManifestIsIgnoredForTheExportedDeclarations) {
  LoadOptions only_prefix;
  only_prefix.preferred_prefix = "custom";  // no expansion: the symbols are read instead
  const LoadReport report = load(SQLINK_FX_ALPHA, only_prefix);
  EXPECT_EQ(report.prefix, "fx");
  EXPECT_EQ(report.expansion, "org.sqlink.test.alpha");
}

TEST_F(HostLoadTest, ExtensionNamesAreOneToTheLimitOfBytesWithoutControlBytes) {
  const std::string path = fixture(SQLINK_FX_ALPHA);
  for (const std::string& bad : {std::string(), std::string("a\x01" "b"), std::string("a\x7f"),
                                 std::string(limits::kMaxNameBytes + 1, 'n')}) {
    LoadOptions options;
    options.name = bad;
    Result<LoadReport> r = session_->load(path, options);
    ASSERT_FALSE(r.ok()) << ::testing::PrintToString(bad);
    EXPECT_EQ(r.error().code, Errc::invalid_value) << r.error().message;
    EXPECT_NE(r.error().message.find("extension name"), std::string::npos) << r.error().message;
  }
  LoadOptions longest;
  longest.name = std::string(limits::kMaxNameBytes, 'n');
  Result<LoadReport> ok = session_->load(path, longest);
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->extension_name, *longest.name);
}

TEST_F(HostLoadTest, WindowFunctionsCollationsAndModulesArePrefixedToo) {
  const LoadReport report = load(SQLINK_FX_KINDS);
  EXPECT_EQ(report.prefix, "kinds");  // declared through const char* const
  EXPECT_FALSE(report.synthetic);
  for (const char* name : {"wsum", "kinds__wsum"}) {
    EXPECT_EQ(sql(std::string("SELECT group_concat(s) FROM (SELECT ") + name +
                  "(x) OVER (ORDER BY x ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS s FROM "
                  "(SELECT column1 AS x FROM (VALUES (1), (2), (3))))"),
              "1,3,5")
        << name;
  }
  EXPECT_EQ(sql("SELECT type FROM pragma_function_list WHERE name = 'kinds__wsum'"), "w");

  const std::string letters = "(SELECT column1 AS x FROM (VALUES ('a'), ('b'), ('c')))";
  EXPECT_EQ(sql("SELECT group_concat(x, '') FROM (SELECT x FROM " + letters +
                " ORDER BY x COLLATE reverse)"),
            "cba");
  EXPECT_EQ(sql("SELECT group_concat(x, '') FROM (SELECT x FROM " + letters +
                " ORDER BY x COLLATE kinds__reverse)"),
            "cba");
  // NOCASE is a builtin collation: the extension's only gets the qualified and fallback names.
  EXPECT_EQ(sql("SELECT 'abc' = 'ABC' COLLATE NOCASE"), "1");
  EXPECT_EQ(sql("SELECT 'abc' = 'XYZ' COLLATE kinds__NOCASE"), "1");  // length only
  EXPECT_EQ(sql("SELECT 'abc' = 'XYZ' COLLATE fx_kinds_NOCASE"), "1");
  EXPECT_EQ(sql("SELECT 'abc' = 'XYZ' COLLATE NOCASE"), "0");

  EXPECT_EQ(sql("SELECT group_concat(value) FROM countdown(3)"), "3,2,1");
  EXPECT_EQ(sql("SELECT group_concat(value) FROM kinds__countdown(2)"), "2,1");

  EXPECT_EQ(sql("SELECT group_concat(function_name || '/' || n_args, ',') FROM (SELECT * FROM "
                "__sqlink_prefix_function WHERE expansion = 'org.sqlink.test.kinds' ORDER BY "
                "function_name, n_args)"),
            "countdown/-3,NOCASE/-2,reverse/-2,wsum/1");
  Result<PrefixVerifyReport> verify = session_->prefixes().verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok());
  EXPECT_EQ(verify->present, 4u);
}

TEST_F(HostLoadTest, HooksAreAuditedAndStillInstalled) {
  load(SQLINK_FX_HOOKS);
  const std::vector<HookEvent> hooks = session_->hooks();
  auto find = [&](HookKind kind) -> const HookEvent* {
    for (const HookEvent& event : hooks) {
      if (event.kind == kind) return &event;
    }
    return nullptr;
  };
  for (HookKind kind : {HookKind::authorizer, HookKind::commit}) {
    const HookEvent* event = find(kind);
    ASSERT_NE(event, nullptr) << hook_kind_name(kind);
    EXPECT_EQ(event->extension_name, "fx_hooks");
    EXPECT_EQ(event->expansion, "org.sqlink.test.hooks");
    EXPECT_EQ(event->connection, session_->db());
    EXPECT_TRUE(event->installed);
    EXPECT_FALSE(event->refused);
  }
  for (HookKind kind : {HookKind::auto_extension, HookKind::load_extension}) {
    const HookEvent* event = find(kind);
    ASSERT_NE(event, nullptr) << hook_kind_name(kind);
    EXPECT_TRUE(event->refused);
    EXPECT_FALSE(event->installed);
    EXPECT_EQ(event->extension_name, "fx_hooks");
  }
  EXPECT_NE(sql("SELECT hooks_auto_rc()"), "0");
  EXPECT_NE(sql("SELECT hooks_load_rc()"), "0");

  // The authorizer really is installed: it denies reading fx_secret.
  EXPECT_EQ(sql("CREATE TABLE fx_secret(x)"), "<none>");
  EXPECT_EQ(sql("CREATE TABLE open_table(x)"), "<none>");
  EXPECT_NE(sql("SELECT x FROM fx_secret").find("prohibited"), std::string::npos);
  EXPECT_EQ(sql("SELECT count(*) FROM open_table"), "0");
  // And so is the commit hook.
  const int before = std::stoi(sql("SELECT hooks_commits()"));
  EXPECT_EQ(sql("INSERT INTO open_table VALUES (1)"), "<none>");
  EXPECT_EQ(std::stoi(sql("SELECT hooks_commits()")), before + 1);
}

TEST_F(HostLoadTest, AFunctionRegisteredAfterInitIsAttributedByItsCode) {
  load(SQLINK_FX_ALPHA);
  EXPECT_EQ(sql("SELECT alpha_register_late()"), "0");
  EXPECT_EQ(sql("SELECT fx__late()"), "late-alpha");
  EXPECT_EQ(sql("SELECT late()"), "late-alpha");
  EXPECT_EQ(sql("SELECT extension_name FROM __sqlink_prefix_function WHERE function_name = "
                "'late'"),
            "fx_alpha");
}

TEST_F(HostLoadTest, ALateAggregateAndCollationAreAttributedByTheirCode) {
  const LoadReport report = load(SQLINK_FX_DIRECT);
  const std::string p = report.prefix;
  EXPECT_EQ(sql("SELECT direct_register_late()"), "0");
  EXPECT_EQ(sql("SELECT " + p + "__late_sum(x) FROM (SELECT 1 AS x UNION ALL SELECT 2)"), "3");
  EXPECT_EQ(sql("SELECT extension_name FROM __sqlink_prefix_function WHERE function_name = "
                "'late_sum'"),
            "fx_direct");
  // ordered by length under the prefixed collation ("zz" sorts after "abc" byte by byte)
  EXPECT_EQ(sql("SELECT 'zz' < 'abc' COLLATE " + p + "__late_len"), "1");
  EXPECT_EQ(sql("SELECT 'zz' < 'abc' COLLATE BINARY"), "0");
}

TEST_F(HostLoadTest, ALateRegistrationNeverTakesANameTheApplicationAddedSinceTheLoad) {
  load(SQLINK_FX_ALPHA);
  ASSERT_EQ(sqlite3_create_function(session_->db(), "late", 0, SQLITE_UTF8, nullptr, ignore,
                                    nullptr, nullptr),
            SQLITE_OK);
  EXPECT_EQ(sql("SELECT alpha_register_late()"), "0");
  EXPECT_EQ(sql("SELECT late()"), "app");
  EXPECT_EQ(sql("SELECT fx__late()"), "late-alpha");
  EXPECT_EQ(sql("SELECT fx_alpha_late()"), "late-alpha");
}

TEST_F(HostLoadTest, LoadingTheSameFileTwiceIsAConflict) {
  const std::string path = fixture(SQLINK_FX_ALPHA);
  ASSERT_TRUE(session_->load(path).ok());
  Result<LoadReport> again = session_->load(path);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::conflict);
  EXPECT_NE(again.error().message.find(quoted(path)), std::string::npos);
  EXPECT_EQ(session_->loaded().size(), 1u);
}

TEST_F(HostLoadTest, BindingsSurviveAcrossSessionsOnTheSameFile) {
  load(SQLINK_FX_ALPHA);
  load(SQLINK_FX_BETA);
  open_session();
  // Load in the other order: the stored bindings decide the prefixes, not the order.
  EXPECT_EQ(load(SQLINK_FX_BETA).prefix, "fx2");
  EXPECT_EQ(load(SQLINK_FX_ALPHA).prefix, "fx");
  EXPECT_EQ(sql("SELECT hello()"), "beta");  // first loader in this session
  EXPECT_EQ(sql("SELECT fx__hello()"), "alpha");
}

// The destructor an extension passes runs once, however many names the host gave its
// function, and only when the last one is gone.
TEST_F(HostLoadTest, DestructorsRunExactlyOnceAfterTheLastAlias) {
  // Our own handle keeps the objects mapped after the session closes, to read the counters.
  void* alpha = dlopen(fixture(SQLINK_FX_ALPHA).c_str(), RTLD_NOW | RTLD_LOCAL);
  void* kinds = dlopen(fixture(SQLINK_FX_KINDS).c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(alpha, nullptr) << dlerror();
  ASSERT_NE(kinds, nullptr) << dlerror();
  const int* alpha_calls = static_cast<const int*>(dlsym(alpha, "fx_alpha_destroy_calls"));
  const int* kinds_calls = static_cast<const int*>(dlsym(kinds, "fx_kinds_destroy_calls"));
  ASSERT_NE(alpha_calls, nullptr);
  ASSERT_NE(kinds_calls, nullptr);
  const int alpha_before = *alpha_calls;
  const int kinds_before = *kinds_calls;

  load(SQLINK_FX_ALPHA);
  load(SQLINK_FX_BETA);
  load(SQLINK_FX_KINDS);
  EXPECT_EQ(sql("SELECT group_concat(value) FROM countdown(2)"), "2,1");
  // Moving the bare name drops one of alpha's aliases of hello(): not its last one.
  ASSERT_TRUE(session_->prefixes().prefer("hello", "fx_beta").ok());
  EXPECT_EQ(sql("SELECT hello()"), "beta");
  EXPECT_EQ(*alpha_calls, alpha_before);
  ASSERT_TRUE(session_->prefixes().unprefer("hello").ok());
  ASSERT_TRUE(session_->prefixes().rename("fx", "ax").ok());
  EXPECT_EQ(*alpha_calls, alpha_before);
  EXPECT_EQ(*kinds_calls, kinds_before);

  session_.reset();  // closes the connection: every alias goes
  EXPECT_EQ(*alpha_calls, alpha_before + 1);
  EXPECT_EQ(*kinds_calls, kinds_before + 3);  // window function, collation, module
  dlclose(alpha);
  dlclose(kinds);
}

TEST_F(HostLoadTest, AFailedInitLeavesNothingRegistered) {
  void* handle = dlopen(fixture(SQLINK_FX_FAIL).c_str(), RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  const int* destroyed = static_cast<const int*>(dlsym(handle, "fx_fail_destroy_calls"));
  ASSERT_NE(destroyed, nullptr);
  const int before = *destroyed;

  const std::string path = fixture(SQLINK_FX_FAIL);
  Result<LoadReport> report = session_->load(path);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.error().code, Errc::database_error);
  EXPECT_NE(report.error().message.find(quoted(path)), std::string::npos);
  EXPECT_NE(report.error().message.find("fx_fail refuses to initialise"), std::string::npos);

  EXPECT_NE(sql("SELECT doomed()").find("no such function"), std::string::npos);
  EXPECT_NE(sql("SELECT ff__doomed()").find("no such function"), std::string::npos);
  EXPECT_NE(sql("SELECT 'a' < 'b' COLLATE ff__doomedcoll").find("no such collation"),
            std::string::npos);
  EXPECT_EQ(*destroyed, before + 1);  // its destructor ran, once, as SQLite would run it
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_function"), "0");
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix"), "0");
  EXPECT_TRUE(session_->loaded().empty());
  const std::vector<HookEvent> hooks = session_->hooks();
  ASSERT_EQ(hooks.size(), 1u);
  EXPECT_EQ(hooks[0].kind, HookKind::update);
  EXPECT_TRUE(hooks[0].undone);
  dlclose(handle);
}

// Without another handle the failed object is unloaded, so an update hook left behind would
// jump into unmapped code on the next write.
TEST_F(HostLoadTest, AFailedInitsHookIsRemovedBeforeItsCodeIsUnloaded) {
  ASSERT_FALSE(session_->load(fixture(SQLINK_FX_FAIL)).ok());
  EXPECT_EQ(sql("CREATE TABLE t(x)"), "<none>");
  EXPECT_EQ(sql("INSERT INTO t VALUES (1)"), "<none>");
  EXPECT_EQ(sql("UPDATE t SET x = 2"), "<none>");
  EXPECT_EQ(sql("SELECT x FROM t"), "2");
  // And the same session still loads other extensions normally.
  load(SQLINK_FX_ALPHA);
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
}

// ---- fx_wide: the UTF-16 entries, create_module, the other hooks, a connection of its own.

// The name fx_wide registers through create_function16, in UTF-8: "wa", then U+0080, U+07FF,
// U+0800, U+D7FF, U+E000, U+FFFF (every UTF-8 length at both ends), U+10000 and U+10FFFF
// (surrogate pairs at both ends).
const std::string kWideName =
    "wa\xC2\x80\xDF\xBF\xE0\xA0\x80\xED\x9F\xBF\xEE\x80\x80\xEF\xBF\xBF\xF0\x90\x80\x80"
    "\xF4\x8F\xBF\xBF";

// wide_counts(): calls of the update, rollback, wal and progress hooks it installed.
std::vector<int> counts(const std::string& text) {
  std::vector<int> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    out.push_back(std::stoi(text.substr(start, comma - start)));
    start = comma + 1;
  }
  return out;
}

TEST_F(HostLoadTest, Utf16NamesAreBoundInUtf8AndLoneSurrogatesAreRefused) {
  const LoadReport report = load(SQLINK_FX_WIDE);
  EXPECT_EQ(report.prefix, "wide");
  // The two valid UTF-16 names and create_module succeed; the five names with a lone
  // surrogate (high before 'a', at the end, before U+E000; low U+DC00, U+DFFF) are misuse.
  EXPECT_EQ(sql("SELECT wide_rcs()"), "0,0,21,21,21,21,21,0");

  const BoundName* wide = find_name(report, kWideName, 0);
  ASSERT_NE(wide, nullptr);
  EXPECT_EQ(wide->qualified, "wide__" + kWideName);
  EXPECT_TRUE(wide->bare);
  EXPECT_EQ(sql("SELECT \"" + kWideName + "\"()"), "all-lengths");
  EXPECT_EQ(sql("SELECT \"wide__" + kWideName + "\"()"), "all-lengths");
  EXPECT_EQ(sql("SELECT count(*) FROM pragma_function_list WHERE name = '" + kWideName + "'"),
            "1");

  const std::string collation = "wr\xC3\xA9";  // "wré"
  const BoundName* coll = find_name(report, collation, kCollationArgs);
  ASSERT_NE(coll, nullptr);
  EXPECT_EQ(coll->kind, NameKind::collation);
  const std::string letters = "(SELECT column1 AS x FROM (VALUES ('a'), ('b'), ('c')))";
  for (const std::string& name : {collation, "wide__" + collation}) {
    EXPECT_EQ(sql("SELECT group_concat(x, '') FROM (SELECT x FROM " + letters +
                  " ORDER BY x COLLATE \"" + name + "\")"),
              "cba")
        << name;
  }

  const BoundName* module = find_name(report, "wempty", kModuleArgs);
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(module->kind, NameKind::module);
  EXPECT_EQ(sql("SELECT group_concat(name) FROM (SELECT name FROM pragma_module_list WHERE "
                "name LIKE '%wempty' ORDER BY name)"),
            "wempty,wide__wempty");

  // Nothing of the refused names: only the valid ones and the reporting functions are bound.
  std::vector<std::string> names;
  for (const BoundName& bound : report.names) names.push_back(bound.name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{kWideName, "wempty", "wide_counts", "wide_foreign",
                                             "wide_previous", "wide_rcs", collation}));
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_function WHERE expansion = "
                "'org.sqlink.test.wide'"),
            "7");
}

// A connection the extension opens itself belongs to no Session: every registration entry
// and load_extension reach SQLite unchanged there (and load_extension is off by default).
TEST_F(HostLoadTest, ConnectionsNoSessionOwnsGetSqlitesCallsUnchanged) {
  load(SQLINK_FX_WIDE);
  EXPECT_EQ(sql("SELECT wide_foreign()"),
            "zzf,zzf16,zzfv2,zzwin|zzc,zzc16,zzcv2|zzm,zzmv2|load=" +
                std::to_string(SQLITE_ERROR));
}

TEST_F(HostLoadTest, UpdateRollbackWalAndProgressHooksAreAuditedAndPassedOn) {
  const LoadReport report = load(SQLINK_FX_WIDE);
  const std::vector<HookEvent> hooks = session_->hooks();
  for (HookKind kind : {HookKind::update, HookKind::rollback, HookKind::wal}) {
    // Each was set twice; both calls are recorded.
    const auto n = std::count_if(hooks.begin(), hooks.end(), [&](const HookEvent& event) {
      return event.kind == kind && event.installed && !event.refused && !event.undone &&
             event.extension_name == "fx_wide" && event.expansion == "org.sqlink.test.wide" &&
             event.connection == session_->db();
    });
    EXPECT_EQ(n, 2) << hook_kind_name(kind);
  }
  EXPECT_EQ(std::count_if(hooks.begin(), hooks.end(),
                          [](const HookEvent& event) {
                            return event.kind == HookKind::progress && event.installed &&
                                   event.extension_name == "fx_wide";
                          }),
            1);
  EXPECT_EQ(hook_kind_name(HookKind::progress), "progress");
  // The second call of each returned the first one's argument, as SQLite's does.
  EXPECT_EQ(sql("SELECT wide_previous()"), "1,1,1,1");

  EXPECT_EQ(sql("PRAGMA journal_mode = WAL"), "wal");
  const std::vector<int> before = counts(sql("SELECT wide_counts()"));
  ASSERT_EQ(before.size(), 4u);
  EXPECT_EQ(sql("CREATE TABLE t(x)"), "<none>");
  EXPECT_EQ(sql("INSERT INTO t VALUES (1)"), "<none>");
  EXPECT_EQ(sql("BEGIN"), "<none>");
  EXPECT_EQ(sql("INSERT INTO t VALUES (2)"), "<none>");
  EXPECT_EQ(sql("ROLLBACK"), "<none>");
  const std::vector<int> after = counts(sql("SELECT wide_counts()"));
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0], before[0] + 2);  // two inserts
  EXPECT_EQ(after[1], before[1] + 1);  // one rollback
  EXPECT_GT(after[2], before[2]);      // the WAL got commits
  EXPECT_GT(after[3], before[3]);      // the progress handler ran
}

// A failed init puts back the hook it replaced: here the update hook fx_wide had set.
TEST_F(HostLoadTest, AFailedInitPutsBackTheHookItReplaced) {
  load(SQLINK_FX_WIDE);
  ASSERT_FALSE(session_->load(fixture(SQLINK_FX_FAIL)).ok());
  EXPECT_EQ(sql("CREATE TABLE t(x)"), "<none>");
  const std::vector<int> before = counts(sql("SELECT wide_counts()"));
  EXPECT_EQ(sql("INSERT INTO t VALUES (1)"), "<none>");
  EXPECT_EQ(sql("UPDATE t SET x = 2"), "<none>");
  const std::vector<int> after = counts(sql("SELECT wide_counts()"));
  ASSERT_EQ(after.size(), 4u);
  EXPECT_EQ(after[0], before[0] + 2);
}

// ---- what a load leaves in the process

// Whether `path` is mapped into this process (the object is loaded).
bool mapped(const std::string& path) {
  std::ifstream maps("/proc/self/maps");
  std::string line;
  while (std::getline(maps, line)) {
    if (line.size() >= path.size() && line.compare(line.size() - path.size(), path.size(), path) == 0) {
      return true;
    }
  }
  return false;
}

TEST_F(HostLoadTest, ALoadThatFailsAfterDlopenUnloadsTheObject) {
  // no entry point
  const std::string renamed = libs_ + "/renamed.so";
  fs::copy_file(SQLINK_FX_NODECL, renamed);
  ASSERT_EQ(session_->load(renamed).error().code, Errc::not_found);
  EXPECT_FALSE(mapped(renamed));
  // an expansion already loaded
  load(SQLINK_FX_ALPHA);
  const std::string again = libs_ + "/alpha_again.so";
  fs::copy_file(SQLINK_FX_ALPHA, again);
  ASSERT_EQ(session_->load(again).error().code, Errc::conflict);
  EXPECT_FALSE(mapped(again));
  // an init that fails
  const std::string failing = fixture(SQLINK_FX_FAIL);
  ASSERT_EQ(session_->load(failing).error().code, Errc::database_error);
  EXPECT_FALSE(mapped(failing));
  EXPECT_TRUE(mapped(fixture(SQLINK_FX_ALPHA)));  // what loaded stays
}

TEST_F(HostLoadTest, ALoadWhosePrefixCannotBeLookedUpUnloadsTheObject) {
  ASSERT_EQ(sql("DROP TABLE __sqlink_prefix"), "<none>");
  const std::string path = fixture(SQLINK_FX_ALPHA);
  Result<LoadReport> report = session_->load(path);
  ASSERT_FALSE(report.ok());
  EXPECT_NE(report.error().message.find("__sqlink_prefix"), std::string::npos)
      << report.error().message;
  EXPECT_FALSE(mapped(path));
}

// The error message an init hands back is SQLite memory the host frees.
TEST_F(HostLoadTest, AFailedInitsMessageIsFreed) {
  const std::string failing = fixture(SQLINK_FX_FAIL);
  std::vector<sqlite3_int64> used;
  for (int i = 0; i < 4; ++i) {
    ASSERT_FALSE(session_->load(failing).ok());
    used.push_back(sqlite3_memory_used());
  }
  EXPECT_EQ(used[2], used[1]);
  EXPECT_EQ(used[3], used[2]);
}

// Count of this process's descriptors open on `path`.
int descriptors_on(const std::string& path) {
  int n = 0;
  for (const auto& entry : fs::directory_iterator("/proc/self/fd")) {
    std::error_code ec;
    if (fs::read_symlink(entry.path(), ec) == path) ++n;
  }
  return n;
}

// With nowhere to make the symlink, the object is loaded by its /proc descriptor name, which
// glibc records: that descriptor stays open for good.
TEST_F(HostLoadTest, AnObjectLoadedByItsDescriptorNameKeepsTheDescriptor) {
  const std::string path = fixture(SQLINK_FX_ALPHA);
  const char* old = std::getenv("TMPDIR");
  const std::optional<std::string> saved = old ? std::optional<std::string>(old) : std::nullopt;
  ::setenv("TMPDIR", (tmp_.path() + "/no/such/dir").c_str(), 1);
  Result<LoadReport> report = session_->load(path);
  if (saved) ::setenv("TMPDIR", saved->c_str(), 1);
  else ::unsetenv("TMPDIR");
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(descriptors_on(path), 1);
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
}

TEST(HostSession, ADatabasePathIsLimitedToPathMaxBytes) {
  testing::TempDir tmp("host-session");
  const std::string too_long(limits::kMaxPathBytes + 1, 'd');
  Result<Session> refused = Session::open(too_long, HostPolicy{});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::too_long);
  std::string at_limit = tmp.path() + "/missing/";
  at_limit.append(limits::kMaxPathBytes - at_limit.size(), 'd');
  Result<Session> looked_up = Session::open(at_limit, HostPolicy{});
  ASSERT_FALSE(looked_up.ok());  // the directory does not exist
  EXPECT_EQ(looked_up.error().code, Errc::database_error) << looked_up.error().message;
}

}  // namespace
}  // namespace sqlink
