// Debian's sqlite3-pcre (/usr/lib/sqlite3/pcre.so), an extension nobody here wrote: it declares
// no prefix, registers regexp(), and must work through REGEXP, prefixed, and recorded.
#include <sqlite3.h>
#include <stdlib.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <string>

#include "sqlink/host.hpp"
#include "support/sql.hpp"

// LeakSanitizer asks for this at leak-check time (process exit): the suppressions of
// fixtures/ext/lsan.supp, read into static storage (no destructor runs before LSan does).
extern "C" const char* __lsan_default_suppressions() {
  static char text[4096];
  if (std::FILE* file = std::fopen(SQLINK_SOURCE_DIR "/core/tests/fixtures/ext/lsan.supp", "r")) {
    text[std::fread(text, 1, sizeof text - 1, file)] = '\0';
    std::fclose(file);
  }
  return text;
}

namespace sqlink {
namespace {

namespace fs = std::filesystem;

constexpr const char* kPcre = "/usr/lib/sqlite3/pcre.so";

using testing::scalar;

TEST(HostPcre, RegexpWorksByOperatorAndByPrefixedNameAndIsRecorded) {
  ASSERT_TRUE(fs::exists(kPcre)) << "the sqlite3-pcre package is part of the bootstrap";
  std::string tmpl = (fs::temp_directory_path() / "sqlink-host-pcre-XXXXXX").string();
  ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
  {
    Result<Session> session = Session::open(tmpl + "/user.db", HostPolicy{{"/usr/lib/sqlite3"}});
    ASSERT_TRUE(session.ok()) << session.error().message;
    Result<LoadReport> report = session->load(kPcre);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->extension_name, "pcre");
    EXPECT_EQ(report->entry_point, "sqlite3_extension_init");
    EXPECT_TRUE(report->synthetic);  // pcre.so declares nothing
    EXPECT_EQ(report->prefix, "pcre");
    EXPECT_EQ(report->expansion, "sqlink-internal://pcre");
    EXPECT_FALSE(report->warnings.empty());

    sqlite3* db = session->db();
    EXPECT_EQ(scalar(db, "SELECT 'abc' REGEXP 'b'"), "1");
    EXPECT_EQ(scalar(db, "SELECT 'abc' REGEXP '^b'"), "0");
    EXPECT_EQ(scalar(db, "SELECT regexp('a.c', 'abc')"), "1");
    EXPECT_EQ(scalar(db, "SELECT pcre__regexp('x', 'abc')"), "0");
    EXPECT_EQ(scalar(db, "SELECT pcre__regexp('^ab', 'abc')"), "1");
    EXPECT_EQ(scalar(db, "SELECT narg FROM pragma_function_list WHERE name = 'pcre__regexp'"), "2");
    // pcre.so registers it as "REGEXP"; SQLite names are case-insensitive.
    EXPECT_EQ(scalar(db, "SELECT lower(function_name) || '/' || n_args || '/' || extension_name "
                         "FROM __sqlink_prefix_function WHERE expansion = "
                         "'sqlink-internal://pcre'"),
              "regexp/2/pcre");
    ASSERT_EQ(report->names.size(), 1u);
    EXPECT_TRUE(report->names[0].bare);
    EXPECT_EQ(report->names[0].qualified, "pcre__" + report->names[0].name);
    EXPECT_EQ(report->names[0].n_args, 2);
    Result<PrefixVerifyReport> verify = session->prefixes().verify();
    ASSERT_TRUE(verify.ok());
    EXPECT_TRUE(verify->ok());
  }
  fs::remove_all(tmpl);
}

}  // namespace
}  // namespace sqlink
