// Names the host derives without loading anything: SQLite's entry-point rule, the default
// extension name, and the table of API entries it replaces.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "host/internal.hpp"
#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"

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

// A path need not end in a NUL: "li" cut out of "/x/lib" is two letters, not a "lib".
TEST(HostNames, APathCutShortOfALibPrefixKeepsItsLetters) {
  const std::string_view cut("/x/lib", 5);
  EXPECT_EQ(default_entry_point(cut), "sqlite3_li_init");
  EXPECT_EQ(extension_name_from_path(cut), "li");
}

TEST(HostNames, AsciiLowerChangesExactlyTheLettersAToZ) {
  EXPECT_EQ(host_detail::ascii_lower("@AZ[az`{\xc3\x89"), "@az[az`{\xc3\x89");
}

std::vector<std::uint16_t> utf16(std::initializer_list<std::uint16_t> units) {
  std::vector<std::uint16_t> out(units);
  out.push_back(0);
  return out;
}

TEST(HostNames, Utf16NamesBecomeUtf8WithEveryContinuationByteInPlace) {
  // U+00E9, U+20AC and U+1F600: the middle bytes differ from the last ones.
  const auto text = utf16({0x00e9, 0x20ac, 0xd83d, 0xde00});
  EXPECT_EQ(host_detail::utf16_to_utf8(text.data()), "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80");
}

// Every name is bounded long before SQLite sees it: past four UTF-8 bytes per byte of the
// name limit, the conversion gives up.
TEST(HostNames, AUtf16NameLongerThanFourTimesTheLimitIsRefused) {
  const std::size_t longest = 4 * limits::kMaxNameBytes + 1;
  std::vector<std::uint16_t> text(longest, u'a');
  text.push_back(0);
  const std::optional<std::string> kept = host_detail::utf16_to_utf8(text.data());
  ASSERT_TRUE(kept.has_value());
  EXPECT_EQ(kept->size(), longest);
  text.back() = u'a';
  text.push_back(0);
  EXPECT_EQ(host_detail::utf16_to_utf8(text.data()), std::nullopt);
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

TEST(HostNames, AHookKindOutsideTheEnumIsUnknown) {
  EXPECT_EQ(hook_kind_name(static_cast<HookKind>(8)), "unknown");
  EXPECT_EQ(hook_kind_name(static_cast<HookKind>(1000)), "unknown");
}

}  // namespace
}  // namespace sqlink
