// Names the host derives without loading anything: SQLite's entry-point rule, the default
// extension name, and the table of API entries it replaces.
#include <gtest/gtest.h>

#include <algorithm>
#include <string_view>

#include "sqlink/host.hpp"

namespace sqlink {
namespace {

TEST(HostNames, EntryPointFollowsSqlitesRule) {
  // The two examples of SQLite's own comment in loadext.c, and the edges of the rule.
  EXPECT_EQ(default_entry_point("/usr/local/lib/libExample5.4.3.so"), "sqlite3_example_init");
  EXPECT_EQ(default_entry_point("mathfuncs.dll"), "sqlite3_mathfuncs_init");
  EXPECT_EQ(default_entry_point("/usr/lib/x86_64-linux-gnu/mod_spatialite.so.7"),
            "sqlite3_modspatialite_init");
  EXPECT_EQ(default_entry_point("fx_nodecl.so"), "sqlite3_fxnodecl_init");
  EXPECT_EQ(default_entry_point("LIBFoo.so"), "sqlite3_foo_init");  // "lib" in any case
  EXPECT_EQ(default_entry_point("/lib/dir.d/plain"), "sqlite3_plain_init");
  EXPECT_EQ(default_entry_point("/x/library.so"), "sqlite3_rary_init");
  EXPECT_EQ(default_entry_point("/x/.so"), "sqlite3__init");
  // "lib" is dropped only as a whole: not "Lab", "xib", nor a shorter "li".
  EXPECT_EQ(default_entry_point("/x/Lab.so"), "sqlite3_lab_init");
  EXPECT_EQ(default_entry_point("/x/xib.so"), "sqlite3_xib_init");
  EXPECT_EQ(default_entry_point("/x/li"), "sqlite3_li_init");
  EXPECT_EQ(default_entry_point("/x/lib"), "sqlite3__init");
  // Only ASCII letters count, both ends of both ranges included.
  EXPECT_EQ(default_entry_point("/x/AZaz.so"), "sqlite3_azaz_init");
  EXPECT_EQ(default_entry_point("/x/a@[`{~z\x7f.so"), "sqlite3_az_init");
}

TEST(HostNames, ExtensionNameIsTheFileNameUpToTheFirstDot) {
  EXPECT_EQ(extension_name_from_path("/usr/lib/x86_64-linux-gnu/mod_spatialite.so.7"),
            "mod_spatialite");
  EXPECT_EQ(extension_name_from_path("/usr/lib/sqlite3/pcre.so"), "pcre");
  EXPECT_EQ(extension_name_from_path("libfoo-bar.so"), "foo-bar");
  EXPECT_EQ(extension_name_from_path("/x/.so"), "ext");
  EXPECT_EQ(extension_name_from_path("/x/lib"), "ext");
  EXPECT_EQ(extension_name_from_path("/x/Lab.so"), "Lab");
}

TEST(HostNames, EveryRegistrationAndHookEntryIsReplaced) {
  const auto entries = patched_api_entries();
  for (std::string_view entry :
       {"create_function", "create_function16", "create_function_v2", "create_window_function",
        "create_collation", "create_collation_v2", "create_collation16", "create_module",
        "create_module_v2", "set_authorizer", "update_hook", "commit_hook", "rollback_hook",
        "wal_hook", "progress_handler", "auto_extension", "load_extension"}) {
    EXPECT_NE(std::find(entries.begin(), entries.end(), entry), entries.end()) << entry;
  }
  EXPECT_EQ(hook_kind_name(HookKind::commit), "commit");
  EXPECT_EQ(hook_kind_name(HookKind::load_extension), "load_extension");
}

}  // namespace
}  // namespace sqlink
