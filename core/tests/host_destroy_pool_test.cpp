// The pool that runs an extension's xDestroy once per registration call, however many aliases
// the host made of it (host/destroy_pool.cpp), driven directly with a counting destructor.
#include <gtest/gtest.h>

#include <map>

#include "host/internal.hpp"

namespace sqlink::host_detail {
namespace {

std::map<void*, int> g_calls;
void count(void* p) { ++g_calls[p]; }
void count_other(void* p) { g_calls[p] += 100; }

class DestroyPool : public ::testing::Test {
 protected:
  void SetUp() override { g_calls.clear(); }
  // a distinct user-data pointer per test, so the process-wide pool never mixes them
  int tag_ = 0;
  void* p() { return &tag_; }
};

TEST_F(DestroyPool, TheDestructorRunsOnceWhenTheLastAliasIsDropped) {
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, /*owes_call=*/true);
  EXPECT_EQ(g_calls[p()], 0);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 0);
  pool_drop_alias(p(), count);  // the last one
  EXPECT_EQ(g_calls[p()], 1);
  pool_drop_alias(p(), count);  // nothing left: nothing more
  EXPECT_EQ(g_calls[p()], 1);
}

TEST_F(DestroyPool, ACallThatOwesNothingNeverRunsTheDestructor) {
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, /*owes_call=*/false);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 0);
}

TEST_F(DestroyPool, EachRegistrationCallIsOwedItsOwnCall) {
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, true);
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, true);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 0);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 2);  // both calls, once the last alias of either is gone
}

TEST_F(DestroyPool, SqlitesDestroyThroughTheTrampolineCountsAsADroppedAlias) {
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, true);
  pool_destroy_trampoline(p());
  EXPECT_EQ(g_calls[p()], 0);
  pool_destroy_trampoline(p());
  EXPECT_EQ(g_calls[p()], 1);
  pool_destroy_trampoline(p());  // unknown by now: ignored
  EXPECT_EQ(g_calls[p()], 1);
}

TEST_F(DestroyPool, DifferentDestructorsForOneUserDataArePooledApart) {
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, true);
  pool_open(p(), count_other);
  pool_add_alias(p(), count_other);
  pool_close(p(), count_other, true);
  pool_drop_alias(p(), count_other);
  EXPECT_EQ(g_calls[p()], 100);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 101);
}

// An alias added with no call open (a pin or a rename re-binding a name) owes no call itself,
// and leaves nothing behind once dropped.
TEST_F(DestroyPool, AnAliasAddedOutsideACallOwesNothingAndLeavesNothing) {
  pool_add_alias(p(), count);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 0);
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, true);
  pool_drop_alias(p(), count);
  EXPECT_EQ(g_calls[p()], 1);
}

TEST_F(DestroyPool, TheTrampolineChargesTheFirstPoolWithAnAliasLeft) {
  pool_open(p(), count);
  pool_add_alias(p(), count);
  pool_close(p(), count, true);  // one alias left
  pool_open(p(), count_other);
  pool_add_alias(p(), count_other);
  pool_add_alias(p(), count_other);
  pool_close(p(), count_other, true);  // two aliases left
  pool_destroy_trampoline(p());
  EXPECT_EQ(g_calls[p()], 1);  // the first pool's last alias
  pool_destroy_trampoline(p());
  EXPECT_EQ(g_calls[p()], 1);
  pool_destroy_trampoline(p());
  EXPECT_EQ(g_calls[p()], 101);
}

}  // namespace
}  // namespace sqlink::host_detail
