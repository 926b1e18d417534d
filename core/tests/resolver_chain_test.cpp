// The resolver chain with a FakeTransport and an in-memory store: the order of the steps, hash
// checks that fall through, storing and binding what was fetched, and which error is reported.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "sqlink/resolver.hpp"
#include "support/resolver_fakes.hpp"

namespace sqlink {
namespace {

using testing::FakeTransport;
using testing::MemoryStore;
using Outcome = Attempt::Outcome;

namespace fs = std::filesystem;

const std::string kUrl = "https://ext.example/uuid.so";
const std::string kGood = "\x7f" "ELF the real extension";
const std::string kBad = "\x7f" "ELF a tampered extension";

class ResolverTest : public ::testing::Test {
 protected:
  ResolverTest() {
    std::string tmpl = (fs::temp_directory_path() / "sqlink-chain-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
  }
  ~ResolverTest() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  std::string write_file(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  Result<Resolved> resolve(const ArtifactRef& ref, ResolveOptions options = {}) {
    Resolver resolver(store_, &transport_, std::move(options));
    return resolver.resolve(ref, &trace_);
  }

  std::vector<std::pair<Step, Outcome>> steps() const {
    std::vector<std::pair<Step, Outcome>> out;
    for (const Attempt& a : trace_) out.emplace_back(a.step, a.outcome);
    return out;
  }

  MemoryStore store_;
  FakeTransport transport_;
  std::vector<Attempt> trace_;
  std::string dir_;
};

TEST_F(ResolverTest, UriBindingHitNeedsNoTransport) {
  store_.uris[kUrl] = store_.add(kGood);
  transport_.respond(kUrl, kBad);
  auto got = resolve({kUrl, std::nullopt, {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->bytes, kGood);
  EXPECT_EQ(got->hash, sha256(kGood));
  EXPECT_EQ(got->answered_by, Step::uri_binding);
  EXPECT_TRUE(transport_.calls.empty());
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::answered}}));
}

TEST_F(ResolverTest, CorruptBoundBlobFallsThroughAndIsRepaired) {
  const Hash good = sha256(kGood);
  store_.uris[kUrl] = good;
  store_.plant(good, kBad);  // the blob no longer matches its hash
  transport_.respond(kUrl, kGood);
  auto got = resolve({kUrl, std::nullopt, {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->bytes, kGood);
  EXPECT_EQ(got->answered_by, Step::https);
  ASSERT_GE(trace_.size(), 1u);
  EXPECT_EQ(trace_[0].outcome, Outcome::failed);
  ASSERT_TRUE(trace_[0].error.has_value());
  EXPECT_EQ(trace_[0].error->code, Errc::corrupt);
  EXPECT_EQ(transport_.call_count(kUrl), 1u);
  EXPECT_EQ(store_.blobs[good], kGood);  // the fetch put good bytes back under the hash
}

TEST_F(ResolverTest, BindingToAnotherHashThanExpectedFallsThrough) {
  store_.uris[kUrl] = store_.add(kBad);
  transport_.respond(kUrl, kGood);
  auto got = resolve({kUrl, sha256(kGood), {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->bytes, kGood);
  EXPECT_EQ(trace_[0].error->code, Errc::conflict);
  EXPECT_EQ(store_.uris[kUrl], sha256(kGood));  // rebound to the verified answer
}

TEST_F(ResolverTest, ExpectedHashHitNeedsNoTransport) {
  store_.add(kGood);
  auto got = resolve({kUrl, sha256(kGood), {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->answered_by, Step::expected_hash);
  EXPECT_EQ(got->bytes, kGood);
  EXPECT_TRUE(transport_.calls.empty());
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::failed},
                                                             {Step::expected_hash, Outcome::answered}}));
}

TEST_F(ResolverTest, CorruptExpectedBlobFallsThrough) {
  store_.plant(sha256(kGood), kBad);
  transport_.respond(kUrl, kGood);
  auto got = resolve({kUrl, sha256(kGood), {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->answered_by, Step::https);
  EXPECT_EQ(trace_[1].step, Step::expected_hash);
  EXPECT_EQ(trace_[1].error->code, Errc::corrupt);
}

TEST_F(ResolverTest, FileWithWrongBytesFallsThroughToHttps) {
  const std::string path = write_file("vendored.so", kBad);
  transport_.respond(kUrl, kGood);
  ArtifactRef ref{kUrl, sha256(kGood), {Source::file, Source::https}, path};
  auto got = resolve(ref);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->answered_by, Step::https);
  EXPECT_EQ(got->bytes, kGood);
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::failed},
                                                             {Step::expected_hash, Outcome::failed},
                                                             {Step::file, Outcome::failed},
                                                             {Step::https, Outcome::answered}}));
  EXPECT_EQ(trace_[2].error->code, Errc::corrupt);
  EXPECT_EQ(trace_[2].target, path);
}

TEST_F(ResolverTest, FileSourceAnswersAndIsStoredAndBound) {
  const std::string path = write_file("ext.so", kGood);
  auto got = resolve({path, std::nullopt, {Source::file}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->answered_by, Step::file);
  EXPECT_EQ(store_.blobs.at(sha256(kGood)), kGood);
  EXPECT_EQ(store_.uris.at(path), sha256(kGood));
  // A file: URI reads the same file.
  auto via_uri = resolve({"file://" + path, sha256(kGood), {Source::file}, {}});
  ASSERT_TRUE(via_uri.ok()) << via_uri.error().to_string();
  EXPECT_EQ(via_uri->bytes, kGood);
}

TEST_F(ResolverTest, HttpsWrongBytesReportsTheLastError) {
  transport_.respond(kUrl, kBad);
  const std::string missing = dir_ + "/absent.so";
  auto got = resolve({kUrl, sha256(kGood), {Source::file, Source::https}, missing});
  ASSERT_FALSE(got.ok());
  const Error& e = got.error();
  EXPECT_EQ(e.code, Errc::corrupt) << e.message;  // https came last; the file's not_found did not
  EXPECT_NE(e.message.find(quoted(kUrl)), std::string::npos) << e.message;
  EXPECT_NE(e.message.find(sha256(kBad).hex()), std::string::npos) << e.message;
  EXPECT_NE(e.hint.find("file: not_found"), std::string::npos) << e.hint;
  EXPECT_NE(e.hint.find("https: corrupt"), std::string::npos) << e.hint;
  ASSERT_EQ(trace_.size(), 4u);
  EXPECT_EQ(trace_[2].error->code, Errc::not_found);
  EXPECT_EQ(store_.puts, 0);  // nothing unverified is stored
  EXPECT_TRUE(store_.uris.empty());
}

TEST_F(ResolverTest, SuccessfulFetchIsStoredBoundAndReusedWithoutTheTransport) {
  transport_.respond(kUrl, kGood);
  const ArtifactRef ref{kUrl, std::nullopt, {Source::https}, {}};
  auto first = resolve(ref);
  ASSERT_TRUE(first.ok()) << first.error().to_string();
  EXPECT_EQ(first->answered_by, Step::https);
  EXPECT_FALSE(first->store_error.has_value());
  EXPECT_EQ(store_.puts, 1);
  EXPECT_EQ(store_.uris.at(kUrl), sha256(kGood));
  EXPECT_EQ(transport_.call_count(kUrl), 1u);

  auto second = resolve(ref);
  ASSERT_TRUE(second.ok()) << second.error().to_string();
  EXPECT_EQ(second->answered_by, Step::uri_binding);
  EXPECT_EQ(second->bytes, kGood);
  EXPECT_EQ(transport_.call_count(kUrl), 1u);  // not fetched again
}

TEST_F(ResolverTest, AllSourcesFailingReportsTheLastError) {
  transport_.fail(kUrl, Error::make(Errc::timeout, "fetching " + quoted(kUrl) + ": timed out", kUrl));
  auto got = resolve({kUrl, sha256(kGood), {Source::file, Source::cas, Source::https}, dir_ + "/none.so"});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::timeout);
  EXPECT_NE(got.error().message.find("cannot resolve " + quoted(kUrl)), std::string::npos);
  EXPECT_NE(got.error().message.find("timed out"), std::string::npos);
  EXPECT_EQ(got.error().input, kUrl);
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::failed},
                                                             {Step::expected_hash, Outcome::failed},
                                                             {Step::file, Outcome::failed},
                                                             {Step::cas, Outcome::skipped},
                                                             {Step::https, Outcome::failed}}));
}

TEST_F(ResolverTest, TheHintSumsUpEveryStepOnOneLine) {
  transport_.fail(kUrl, Error::make(Errc::timeout, "fetching " + quoted(kUrl) + ": timed out", kUrl));
  auto got = resolve({kUrl, sha256(kGood), {Source::file, Source::cas, Source::https}, dir_ + "/none.so"});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().hint,
            "tried uri binding: not_found, expected hash: not_found, file: not_found, cas: skipped, "
            "https: timeout");
  // a second resolution with the same trace holds only its own steps
  const Hash hash = store_.add(kGood);
  auto again = resolve({"sha256:" + hash.hex(), std::nullopt, {Source::cas}, {}});
  ASSERT_TRUE(again.ok()) << again.error().to_string();
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::failed},
                                                             {Step::expected_hash, Outcome::skipped},
                                                             {Step::cas, Outcome::answered}}));
}

TEST_F(ResolverTest, LastErrorIsTheLastSourceTriedNotTheFirst) {
  transport_.fail(kUrl, Error::make(Errc::network_error, "fetching " + quoted(kUrl) + " failed: HTTP status 500", kUrl));
  const std::string path = write_file("bad.so", kBad);
  // https first, then the file: the file's hash mismatch is the last word.
  auto got = resolve({kUrl, sha256(kGood), {Source::https, Source::file}, path});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::corrupt) << got.error().message;
  EXPECT_NE(got.error().message.find(quoted(path)), std::string::npos) << got.error().message;
}

TEST_F(ResolverTest, SourcesNotAllowedAreNotTried) {
  transport_.respond(kUrl, kGood);
  ResolveOptions options;
  options.allowed = {Source::file, Source::cas};
  auto got = resolve({kUrl, std::nullopt, {Source::https}, {}}, options);
  ASSERT_FALSE(got.ok());
  EXPECT_TRUE(transport_.calls.empty());
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::failed},
                                                             {Step::expected_hash, Outcome::skipped},
                                                             {Step::https, Outcome::skipped}}));
  EXPECT_EQ(trace_[2].note, "source not allowed");

  const std::string path = write_file("ext.so", kGood);
  options.allowed = {Source::https};
  auto file = resolve({path, std::nullopt, {Source::file}, {}}, options);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(store_.puts, 0);
}

TEST_F(ResolverTest, CasSourceLooksUpAHashUri) {
  const Hash hash = store_.add(kGood);
  for (const std::string& uri : {"sha256:" + hash.hex(), "digest:" + hash.hex()}) {
    auto got = resolve({uri, std::nullopt, {Source::cas}, {}});
    ASSERT_TRUE(got.ok()) << got.error().to_string();
    EXPECT_EQ(got->answered_by, Step::cas);
    EXPECT_EQ(got->bytes, kGood);
  }
  EXPECT_EQ(store_.puts, 0);  // nothing new to store
}

TEST_F(ResolverTest, CorruptBlobForAHashUriIsRefused) {
  const Hash hash = sha256(kGood);
  store_.plant(hash, kBad);
  const std::string uri = "sha256:" + hash.hex();
  auto got = resolve({uri, std::nullopt, {Source::cas}, {}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::corrupt);
  EXPECT_NE(got.error().message.find(quoted(uri)), std::string::npos);
}

TEST_F(ResolverTest, HashUriAndExpectedHashMustAgree) {
  const std::string uri = "sha256:" + sha256(kGood).hex();
  auto got = resolve({uri, sha256(kBad), {Source::cas}, {}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::conflict);
  EXPECT_NE(got.error().message.find(quoted(uri)), std::string::npos);
  EXPECT_TRUE(trace_.empty());
}

TEST_F(ResolverTest, SourcesThatDoNotFitTheUriAreSkipped) {
  const std::string path = write_file("ext.so", kGood);
  auto got = resolve({path, std::nullopt, {Source::cas, Source::https, Source::file}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->answered_by, Step::file);
  EXPECT_TRUE(transport_.calls.empty());
  EXPECT_EQ(trace_[2].outcome, Outcome::skipped);
  EXPECT_EQ(trace_[3].outcome, Outcome::skipped);
}

TEST_F(ResolverTest, StoreFailureAfterAVerifiedFetchStillAnswers) {
  transport_.respond(kUrl, kGood);
  store_.put_error = Error::make(Errc::database_error, "disk full", "");
  auto got = resolve({kUrl, sha256(kGood), {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->bytes, kGood);
  ASSERT_TRUE(got->store_error.has_value());
  EXPECT_EQ(got->store_error->code, Errc::database_error);
  EXPECT_TRUE(store_.uris.empty());  // never bound to a blob that was not stored
}

TEST_F(ResolverTest, NoTransportMeansHttpsIsUnsupported) {
  Resolver resolver(store_, nullptr);
  auto got = resolver.resolve({kUrl, std::nullopt, {Source::https}, {}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::unsupported);
}

TEST_F(ResolverTest, TheFetchCapIsPassedOnAndEnforced) {
  transport_.respond(kUrl, std::string(2048, 'x'));
  ResolveOptions options;
  options.limits.max_bytes = 1024;
  auto got = resolve({kUrl, std::nullopt, {Source::https}, {}}, options);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::too_large);
  ASSERT_TRUE(transport_.last_limits.has_value());
  EXPECT_EQ(transport_.last_limits->max_bytes, 1024u);

  const std::string path = write_file("big.so", std::string(2048, 'x'));
  auto file = resolve({path, std::nullopt, {Source::file}, {}}, options);
  ASSERT_FALSE(file.ok());
  EXPECT_EQ(file.error().code, Errc::too_large);
}

TEST_F(ResolverTest, InvalidUriIsRefusedBeforeAnyStep) {
  auto got = resolve({"sha256:nothex", std::nullopt, {Source::cas}, {}});
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::invalid_value);
  EXPECT_NE(got.error().message.find(quoted("sha256:nothex")), std::string::npos);
  EXPECT_TRUE(trace_.empty());
  EXPECT_EQ(store_.gets, 0);
}

TEST(ResolverNames, StepsAndSourcesHaveNames) {
  EXPECT_EQ(source_name(Source::file), "file");
  EXPECT_EQ(source_name(Source::cas), "cas");
  EXPECT_EQ(source_name(Source::https), "https");
  EXPECT_EQ(step_name(Step::uri_binding), "uri binding");
  EXPECT_EQ(step_name(Step::expected_hash), "expected hash");
}

TEST_F(ResolverTest, AFetchExactlyAtTheCapIsAccepted) {
  transport_.respond(kUrl, std::string(1024, 'x'));
  ResolveOptions options;
  options.limits.max_bytes = 1024;
  auto got = resolve({kUrl, std::nullopt, {Source::https}, {}}, options);
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(got->bytes.size(), 1024u);
}

TEST_F(ResolverTest, TheTraceHoldsOnlyThisRun) {
  store_.add(kGood);
  trace_.push_back(Attempt{});
  trace_.push_back(Attempt{});
  auto got = resolve({kUrl, sha256(kGood), {Source::https}, {}});
  ASSERT_TRUE(got.ok()) << got.error().to_string();
  EXPECT_EQ(steps(), (std::vector<std::pair<Step, Outcome>>{{Step::uri_binding, Outcome::failed},
                                                             {Step::expected_hash, Outcome::answered}}));
}

}  // namespace
}  // namespace sqlink
