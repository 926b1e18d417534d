// .prefix prefer / unprefer / rename / delete / conflicts / verify against a live Session:
// a pin re-binds the bare name at once on the same connection, and applies at load time.
#include <sqlite3.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/host.hpp"
#include "support/temp_dir.hpp"
#include "support/sql.hpp"

namespace sqlink {
namespace {

namespace fs = std::filesystem;

// A scratch directory, removed afterwards (support/temp_dir.hpp).
class TempDir : public testing::TempDir {
 public:
  TempDir() : testing::TempDir("host-prefer") {}
};

using testing::scalar;

void stray(sqlite3_context* ctx, int, sqlite3_value**) { sqlite3_result_null(ctx); }

class HostPreferTest : public ::testing::Test {
 protected:
  void SetUp() override {
    libs_ = tmp_.path() + "/libs";
    fs::create_directory(libs_);
    for (const char* built : {SQLINK_FX_ALPHA, SQLINK_FX_BETA, SQLINK_FX_NODECL}) {
      fs::copy_file(built, libs_ + "/" + fs::path(built).filename().string());
    }
    open_session();
  }
  void open_session() {
    session_.reset();
    Result<Session> opened = Session::open(tmp_.path() + "/user.db", HostPolicy{{libs_}});
    ASSERT_TRUE(opened.ok()) << opened.error().message;
    session_.emplace(std::move(*opened));
  }
  void load(const char* file) {
    Result<LoadReport> report = session_->load(libs_ + "/" + file);
    ASSERT_TRUE(report.ok()) << report.error().message;
  }
  std::string sql(const std::string& text) { return scalar(session_->db(), text); }
  PrefixRegistry& prefixes() { return session_->prefixes(); }

  TempDir tmp_;
  std::string libs_;
  std::optional<Session> session_;
};

TEST_F(HostPreferTest, PreferRebindsTheBareNameAtOnceOnTheSameConnection) {
  load("fx_alpha.so");
  load("fx_beta.so");
  ASSERT_EQ(sql("SELECT hello()"), "alpha");
  // A statement prepared before the change must not keep the old binding either.
  sqlite3_stmt* prepared = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(session_->db(), "SELECT hello()", -1, &prepared, nullptr),
            SQLITE_OK);

  Result<std::vector<Pin>> pins = prefixes().prefer("hello", "fx_beta");
  ASSERT_TRUE(pins.ok()) << pins.error().message;
  ASSERT_EQ(pins->size(), 2u);  // hello() and hello(x)
  EXPECT_EQ(sql("SELECT hello()"), "beta");
  EXPECT_EQ(sql("SELECT hello('x')"), "beta:x");
  ASSERT_EQ(sqlite3_step(prepared), SQLITE_ROW);
  EXPECT_STREQ(reinterpret_cast<const char*>(sqlite3_column_text(prepared, 0)), "beta");
  sqlite3_finalize(prepared);

  // alpha stays reachable: by its prefix, and by a fallback now that it lost the bare name.
  EXPECT_EQ(sql("SELECT fx__hello()"), "alpha");
  EXPECT_EQ(sql("SELECT fx_alpha_hello()"), "alpha");
  EXPECT_EQ(sql("SELECT fx_beta_hello()"), "beta");
  EXPECT_EQ(sql("SELECT group_concat(n_args || '=' || expansion) FROM (SELECT * FROM "
                "__sqlink_prefix_pin ORDER BY n_args)"),
            "0=org.sqlink.test.beta,1=org.sqlink.test.beta");
  bool alpha_bare = true;
  for (const LoadReport& report : session_->loaded()) {
    for (const BoundName& name : report.names) {
      if (report.extension_name == "fx_alpha" && name.name == "hello") alpha_bare = name.bare;
    }
  }
  EXPECT_FALSE(alpha_bare);
}

TEST_F(HostPreferTest, PreferAcceptsAPrefixOrAnExpansion) {
  load("fx_alpha.so");
  load("fx_beta.so");
  ASSERT_TRUE(prefixes().prefer("hello", "fx2").ok());
  EXPECT_EQ(sql("SELECT hello()"), "beta");
  ASSERT_TRUE(prefixes().prefer("hello", "org.sqlink.test.alpha").ok());
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
  EXPECT_EQ(sql("SELECT hello('x')"), "alpha:x");
}

TEST_F(HostPreferTest, UnpreferGivesTheBareNameBackToTheFirstLoader) {
  load("fx_alpha.so");
  load("fx_beta.so");
  ASSERT_TRUE(prefixes().prefer("hello", "fx_beta").ok());
  ASSERT_EQ(sql("SELECT hello()"), "beta");
  ASSERT_TRUE(prefixes().unprefer("hello").ok());
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
  EXPECT_EQ(sql("SELECT hello('x')"), "alpha:x");
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_pin"), "0");
  EXPECT_EQ(sql("SELECT fx_beta_hello()"), "beta");
}

TEST_F(HostPreferTest, APinDecidesTheBareNameWhenExtensionsAreLoaded) {
  load("fx_alpha.so");
  load("fx_beta.so");
  ASSERT_TRUE(prefixes().prefer("hello", "fx_beta").ok());
  open_session();
  load("fx_alpha.so");
  // The pin points elsewhere: alpha does not take the bare name, even as the only loader.
  EXPECT_NE(sql("SELECT hello()").find("no such function"), std::string::npos);
  EXPECT_EQ(sql("SELECT fx_alpha_hello()"), "alpha");
  load("fx_beta.so");
  EXPECT_EQ(sql("SELECT hello()"), "beta");
  EXPECT_EQ(sql("SELECT hello('x')"), "beta:x");
}

TEST_F(HostPreferTest, ABuiltinsNameIsNeverGivenAway) {
  load("fx_alpha.so");
  Result<std::vector<Pin>> refused = prefixes().prefer("lower", "fx_alpha");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("'lower'"), std::string::npos);
  EXPECT_EQ(sql("SELECT lower('ABC')"), "abc");
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_pin"), "0");
}

TEST_F(HostPreferTest, AnApplicationFunctionsNameIsNotTakenOverEither) {
  load("fx_alpha.so");
  ASSERT_EQ(sqlite3_create_function(session_->db(), "greet", 0, SQLITE_UTF8, nullptr, stray,
                                    nullptr, nullptr),
            SQLITE_OK);
  load("fx_beta.so");
  EXPECT_EQ(sql("SELECT greet()"), "NULL");  // the application's
  Result<std::vector<Pin>> refused = prefixes().prefer("greet", "fx_beta");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("'greet'"), std::string::npos);
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_pin"), "0");  // rolled back
  EXPECT_EQ(sql("SELECT greet()"), "NULL");
}

TEST_F(HostPreferTest, PreferringAnUnknownExtensionIsNotFound) {
  load("fx_alpha.so");
  Result<std::vector<Pin>> missing = prefixes().prefer("hello", "nosuch");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_NE(missing.error().message.find("'nosuch'"), std::string::npos);
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
}

TEST_F(HostPreferTest, RenameReRegistersQualifiedNamesAtOnce) {
  load("fx_alpha.so");
  ASSERT_TRUE(prefixes().rename("fx", "ax").ok());
  EXPECT_EQ(sql("SELECT ax__hello()"), "alpha");
  EXPECT_EQ(sql("SELECT ax__hello('q')"), "alpha:q");
  EXPECT_NE(sql("SELECT fx__hello()").find("no such function"), std::string::npos);
  EXPECT_EQ(sql("SELECT hello()"), "alpha");
  EXPECT_EQ(*prefixes().expansion("ax"), "org.sqlink.test.alpha");
  Result<PrefixVerifyReport> verify = prefixes().verify();
  ASSERT_TRUE(verify.ok());
  EXPECT_TRUE(verify->ok());
  EXPECT_EQ(session_->loaded().front().prefix, "ax");
}

TEST_F(HostPreferTest, DeleteIsRefusedWhileTheExpansionIsLoaded) {
  load("fx_alpha.so");
  Result<void> refused = prefixes().remove("fx");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code, Errc::conflict);
  EXPECT_NE(refused.error().message.find("'fx'"), std::string::npos);
  open_session();
  ASSERT_TRUE(prefixes().remove("fx").ok());
  EXPECT_EQ(sql("SELECT count(*) FROM __sqlink_prefix_function"), "0");
}

TEST_F(HostPreferTest, ConflictsNameEveryExtensionWantingABareName) {
  load("fx_alpha.so");
  load("fx_beta.so");
  load("fx_nodecl.so");
  Result<std::vector<Conflict>> conflicts = prefixes().conflicts();
  ASSERT_TRUE(conflicts.ok());
  ASSERT_EQ(conflicts->size(), 1u);
  EXPECT_EQ(conflicts->front().name, "hello");
  EXPECT_EQ(conflicts->front().expansions,
            (std::vector<std::string>{"org.sqlink.test.alpha", "org.sqlink.test.beta",
                                      "sqlink-internal://fx_nodecl"}));
  EXPECT_EQ(sql("SELECT fx_nodecl_hello()"), "nodecl");
}

TEST_F(HostPreferTest, VerifySeesRegistrationsTheRegistryDoesNotExplain) {
  load("fx_alpha.so");
  load("fx_beta.so");
  Result<PrefixVerifyReport> clean = prefixes().verify();
  ASSERT_TRUE(clean.ok());
  EXPECT_TRUE(clean->ok());
  EXPECT_EQ(clean->present, clean->rows);
  EXPECT_EQ(clean->rows, 8u);
  ASSERT_EQ(sqlite3_create_function(session_->db(), "fx2__stray", 1, SQLITE_UTF8, nullptr, stray,
                                    nullptr, nullptr),
            SQLITE_OK);
  Result<PrefixVerifyReport> dirty = prefixes().verify();
  ASSERT_TRUE(dirty.ok());
  ASSERT_EQ(dirty->issues.size(), 1u);
  EXPECT_EQ(dirty->issues[0].kind, VerifyIssue::Kind::unrecorded);
  EXPECT_EQ(dirty->issues[0].name, "fx2__stray");
  EXPECT_EQ(dirty->issues[0].expansion, "org.sqlink.test.beta");
}

}  // namespace
}  // namespace sqlink
