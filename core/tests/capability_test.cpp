// Capabilities: list parsing, printing, and check_grants succeeding iff declared ⊆ granted.
#include <gtest/gtest.h>

#include "sqlink/capability.hpp"
#include "sqlink/limits.hpp"

namespace sqlink {
namespace {

TEST(Capabilities, ParseAndFormatInTableOrder) {
  auto set = parse_capabilities("net,fs-read,net");
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_TRUE(set->contains(Capability::net));
  EXPECT_TRUE(set->contains(Capability::fs_read));
  EXPECT_FALSE(set->contains(Capability::spawn_build));
  EXPECT_EQ(format_capabilities(*set), "fs-read,net");
  EXPECT_EQ(format_capabilities(CapabilitySet{}), "");
}

TEST(Capabilities, EveryTableNameParsesToItself) {
  for (const Capability c : all_capabilities()) {
    auto set = parse_capabilities(capability_name(c));
    ASSERT_TRUE(set.ok());
    EXPECT_EQ(set->members(), std::vector<Capability>{c});
    EXPECT_FALSE(capability_meaning(c).empty());
  }
}

TEST(Capabilities, RejectsEmptyItemsUnknownNamesAndControlBytes) {
  for (const char* bad : {"", ",", "net,", ",net", "net,,fs-read"}) {
    auto r = parse_capabilities(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.error().code, Errc::invalid_value) << bad;
  }
  auto unknown = parse_capabilities("net,spawn-bild");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.error().code, Errc::unknown_capability);
  EXPECT_EQ(unknown.error().input, "spawn-bild");
  EXPECT_NE(unknown.error().message.find("'spawn-bild'"), std::string::npos);
  EXPECT_EQ(unknown.error().hint, "did you mean 'spawn-build'?");
  EXPECT_EQ(parse_capabilities("net\n").error().code, Errc::control_character);
  EXPECT_EQ(parse_capabilities(std::string(300, 'n')).error().code, Errc::too_long);
}

TEST(Capabilities, AListOfExactlyTheNameLimitIsAccepted) {
  std::string list;
  for (int i = 0; i < 61; ++i) list += "net,";
  list += "hooks,native";
  ASSERT_EQ(list.size(), limits::kMaxNameBytes);
  auto set = parse_capabilities(list);
  ASSERT_TRUE(set.ok()) << set.error().message;
  EXPECT_EQ(format_capabilities(*set), "net,hooks,native");
  EXPECT_EQ(parse_capabilities(list + ",net").error().code, Errc::too_long);
}

TEST(Capabilities, CheckGrantsSucceedsExactlyForSubsets) {
  const auto& all = all_capabilities();
  const unsigned n = static_cast<unsigned>(all.size());
  // Every pair of subsets of the table: the check agrees with the set definition.
  for (unsigned g = 0; g < (1u << n); ++g) {
    for (unsigned d = 0; d < (1u << n); ++d) {
      CapabilitySet granted, declared;
      for (unsigned i = 0; i < n; ++i) {
        if (g & (1u << i)) granted.insert(all[i]);
        if (d & (1u << i)) declared.insert(all[i]);
      }
      const bool subset = (d & ~g) == 0;
      auto r = check_grants(granted, declared);
      ASSERT_EQ(r.ok(), subset) << g << " " << d;
      if (!subset) {
        EXPECT_EQ(r.error().code, Errc::permission_denied);
        // The message names exactly the missing capabilities.
        for (unsigned i = 0; i < n; ++i) {
          const bool missing = (d & (1u << i)) && !(g & (1u << i));
          EXPECT_EQ(r.error().input.find(capability_name(all[i])) != std::string::npos, missing)
              << r.error().input;
        }
      }
    }
  }
}

}  // namespace
}  // namespace sqlink
