// Debian's mod_spatialite, a large extension nobody here wrote: loaded through SQLite's
// derived entry point (sqlite3_modspatialite_init), every name it registers through the API
// table must exist prefixed, and a spatial function must work through its prefixed name.
#include <sqlite3.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <iostream>
#include <string>

#include "sqlink/host.hpp"
#include "support/sql.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSpatialite = "/usr/lib/x86_64-linux-gnu/mod_spatialite.so";
constexpr const char* kLibDir = "/usr/lib/x86_64-linux-gnu";

using testing::scalar;

class HostSpatialiteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(kSpatialite)) << "libsqlite3-mod-spatialite is part of the bootstrap";
    std::string tmpl = (fs::temp_directory_path() / "sqlink-host-spatialite-XXXXXX").string();
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    Result<Session> session = Session::open(dir_ + "/user.db", HostPolicy{{kLibDir}});
    ASSERT_TRUE(session.ok()) << session.error().message;
    session_.emplace(std::move(*session));
  }
  void TearDown() override {
    session_.reset();
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string sql(const std::string& text) { return scalar(session_->db(), text); }

  std::string dir_;
  std::optional<Session> session_;
};

TEST_F(HostSpatialiteTest, EveryRecordedNameExistsPrefixedAndSpatialSqlWorks) {
  Result<LoadReport> report = session_->load(kSpatialite);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_EQ(report->entry_point, "sqlite3_modspatialite_init");
  EXPECT_EQ(report->extension_name, "mod_spatialite");
  EXPECT_EQ(report->prefix, "mod_spatialite");
  for (const std::string& warning : report->warnings) std::cout << "warning: " << warning << "\n";

  const std::string rows = "FROM __sqlink_prefix_function WHERE expansion = '" +
                           report->expansion + "'";
  const int functions = std::stoi(sql("SELECT count(*) " + rows + " AND n_args >= -1"));
  EXPECT_GT(functions, 300);
  // Every row: prefix__name is really registered (with that arity, for functions). The
  // pragmas are copied once; correlated against a pragma, each row would re-run it.
  ASSERT_EQ(sql("CREATE TEMP TABLE live AS SELECT name, narg FROM pragma_function_list UNION "
                "ALL SELECT lower(name), -2 FROM pragma_collation_list UNION ALL SELECT "
                "lower(name), -3 FROM pragma_module_list"),
            "<none>");
  ASSERT_EQ(sql("CREATE INDEX temp.live_name ON live(name, narg)"), "<none>");
  EXPECT_EQ(sql("SELECT count(*) " + rows + " AND NOT EXISTS (SELECT 1 FROM live l WHERE "
                "l.name = lower('" + report->prefix + "__' || function_name) AND "
                "l.narg = n_args)"),
            "0");
  const std::string kinds = sql("SELECT group_concat(n_args) FROM (SELECT DISTINCT n_args " +
                                rows + " AND n_args < -1)");
  std::cout << "non-function kinds recorded: " << kinds << "\n";
  EXPECT_EQ(static_cast<std::size_t>(std::stoi(sql("SELECT count(*) " + rows))),
            report->names.size());

  const std::string p = report->prefix;
  EXPECT_EQ(sql("SELECT " + p + "__ST_AsText(" + p + "__MakePoint(1, 2))"), "POINT(1 2)");
  EXPECT_EQ(sql("SELECT ST_AsText(MakePoint(3, 4))"), "POINT(3 4)");  // uncontested: bare too

  // Builtins it also defines (the math functions) keep their builtin meaning.
  for (const BoundName& name : report->names) {
    if (name.name == "sqrt" || name.name == "pi") {
      EXPECT_FALSE(name.bare) << name.name;
      EXPECT_EQ(name.fallback, "mod_spatialite_" + name.name);
    }
  }
  Result<PrefixVerifyReport> verify = session_->prefixes().verify();
  ASSERT_TRUE(verify.ok());
  for (const VerifyIssue& issue : verify->issues) {
    ADD_FAILURE() << verify_issue_name(issue.kind) << " " << issue.name << "/" << issue.n_args;
  }
}

TEST_F(HostSpatialiteTest, AManifestGivesItADeclaredPrefix) {
  LoadOptions options;
  options.preferred_prefix = "geo";
  options.prefix_expansion = "org.gaia-gis.spatialite";
  Result<LoadReport> report = session_->load(kSpatialite, options);
  ASSERT_TRUE(report.ok()) << report.error().message;
  EXPECT_FALSE(report->synthetic);
  EXPECT_EQ(report->prefix, "geo");
  EXPECT_EQ(sql("SELECT geo__ST_AsText(geo__MakePoint(1, 2))"), "POINT(1 2)");
  EXPECT_EQ(sql("SELECT geo__ST_X(geo__MakePoint(5.5, 2))"), "5.5");
}

}  // namespace
}  // namespace sqlink
