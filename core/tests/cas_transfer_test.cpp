// Export and import between store files: everything is carried (artifacts, URIs, bundles,
// members, binaries, aliases), corrupt blobs are refused, a second import adds nothing, name
// conflicts fail the whole import, and the source file is never written.
#include <gtest/gtest.h>

#include <sys/inotify.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "cas_support.hpp"
#include "sqlink/bundle.hpp"
#include "sqlink/cas.hpp"

namespace sqlink {
namespace {

using cas_testing::build_fixture;
using cas_testing::exec_sql;
using cas_testing::file_exists;
using cas_testing::read_file;
using cas_testing::scalar;
using cas_testing::TempDir;

CasStore open_store(const std::string& path) {
  auto s = CasStore::open(path);
  if (!s.ok()) {
    ADD_FAILURE() << s.error().message;
    std::abort();
  }
  return std::move(s).value();
}

class CasTransferTest : public ::testing::Test {
 protected:
  // A source store with two artifacts in one bundle (two names, one binary), a loose artifact
  // bound to a URI.
  void fill_source() {
    auto src = open_store(src_path);
    a = *src.put("alpha bytes");
    b = *src.put("beta bytes");
    loose = *src.put("loose bytes");
    ASSERT_TRUE(src.bind_uri("https://e.org/loose.so", loose).ok());
    const BundleMember members[] = {{"alpha", a}, {"beta", b}};
    ASSERT_TRUE(bundle_save(src, "web", members).ok());
    ASSERT_TRUE(bundle_alias(src, "web", "web-stable").ok());
    ASSERT_TRUE(bundle_record_binary(src, "web", "x86_64-unknown-linux-gnu", "/opt/web").ok());
  }
  TempDir dir;
  std::string src_path = dir.file("src.sqlite");
  std::string dst_path = dir.file("dst.sqlite");
  Hash a, b, loose;
};

void expect_everything_carried(CasStore& store, const Hash& a, const Hash& loose) {
  EXPECT_EQ(*store.get(a), "alpha bytes");
  EXPECT_EQ(*store.lookup_uri("https://e.org/loose.so"), loose);
  auto web = bundle_resolve(store, "web");
  ASSERT_TRUE(web.ok()) << web.error().message;
  EXPECT_EQ(web->info.aliases, (std::vector<std::string>{"web", "web-stable"}));
  ASSERT_EQ(web->members.size(), 2u);
  EXPECT_EQ(web->members[0].content_hash, a);
  ASSERT_EQ(web->binaries.size(), 1u);
  EXPECT_EQ(web->binaries[0].binary_path, "/opt/web");
  EXPECT_EQ(bundle_find_binary(store, "web-stable", "x86_64-unknown-linux-gnu")->binary_path,
            "/opt/web");
}

TEST_F(CasTransferTest, ExportWritesANewStoreWithEverything) {
  fill_source();
  const std::string out = dir.file("exported/cas.sqlite");
  {
    auto src = open_store(src_path);
    auto report = src.export_to(out);
    ASSERT_TRUE(report.ok()) << report.error().message;
    EXPECT_EQ(report->artifacts_added, 3u);
    EXPECT_EQ(report->uris_added, 1u);
    EXPECT_EQ(report->bundles_added, 1u);
    EXPECT_EQ(report->aliases_added, 2u);
    EXPECT_EQ(report->binaries_added, 1u);
    EXPECT_TRUE(report->refused.empty());
  }
  auto exported = open_store(out);
  expect_everything_carried(exported, a, loose);
  EXPECT_TRUE(exported.verify()->ok());
}

// Every column of every row, as the source had it (ids aside: they are the store's own).
const char* const kCarried[] = {
    "SELECT hex(hash), bytes_len, created_at, last_used_at, use_count FROM __cas_artifact ORDER BY 1",
    "SELECT uri, hex(hash), fetched_at, last_used_at FROM __cas_uri ORDER BY 1",
    "SELECT coalesce(name, ''), hex(set_hash), created_at, last_used_at FROM __cas_bundle ORDER BY 2",
    "SELECT a.name, hex(b.set_hash), a.created_at FROM __cas_bundle_alias AS a"
    " JOIN __cas_bundle AS b ON b.id = a.bundle_id ORDER BY 1",
    "SELECT hex(b.set_hash), m.extension_name, hex(m.content_hash) FROM __cas_bundle_member AS m"
    " JOIN __cas_bundle AS b ON b.id = m.bundle_id ORDER BY 1, 2",
    "SELECT hex(b.set_hash), n.target_triple, n.binary_path, n.built_at FROM __cas_bundle_binary AS n"
    " JOIN __cas_bundle AS b ON b.id = n.bundle_id ORDER BY 1, 2",
};

TEST_F(CasTransferTest, EveryColumnIsCarriedAsItWas) {
  fill_source();
  // distinct, recognisable values in every time and count column
  ASSERT_EQ(exec_sql(src_path,
                     "UPDATE __cas_artifact SET created_at = 1000 + bytes_len,"
                     " last_used_at = 2000 + bytes_len, use_count = 30 + bytes_len;"
                     "UPDATE __cas_uri SET fetched_at = 4001, last_used_at = 4002;"
                     "UPDATE __cas_bundle SET created_at = 5001, last_used_at = 5002;"
                     "UPDATE __cas_bundle_alias SET created_at = 6000 + length(name);"
                     "UPDATE __cas_bundle_binary SET built_at = 7001;"),
            "");
  auto dst = open_store(dst_path);
  auto report = dst.import_from(src_path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  for (const char* sql : kCarried) {
    const auto want = cas_testing::query(src_path, sql);
    ASSERT_FALSE(want.empty()) << sql;
    EXPECT_EQ(cas_testing::query(dst_path, sql), want) << sql;
  }
}

TEST_F(CasTransferTest, ABundleAlreadyHereTakesALaterLastUseButNeverAnEarlierOne) {
  fill_source();
  auto dst = open_store(dst_path);
  ASSERT_TRUE(dst.import_from(src_path).ok());
  const std::string last_use = "SELECT last_used_at FROM __cas_bundle";
  ASSERT_EQ(exec_sql(src_path, "UPDATE __cas_bundle SET last_used_at = 99999999999"), "");
  auto later = dst.import_from(src_path);
  ASSERT_TRUE(later.ok()) << later.error().message;
  EXPECT_EQ(later->bundles_present, 1u);
  EXPECT_EQ(scalar(dst_path, last_use), "99999999999");
  ASSERT_EQ(exec_sql(src_path, "UPDATE __cas_bundle SET last_used_at = 5"), "");
  ASSERT_TRUE(dst.import_from(src_path).ok());
  EXPECT_EQ(scalar(dst_path, last_use), "99999999999");
}

TEST_F(CasTransferTest, AnOldSchemaSourceImportsIntoAStoreNamedRelativeToHere) {
  // the scratch copy goes beside the destination: "." when its name has no directory
  ASSERT_EQ(build_fixture(3, src_path), "");
  const auto cwd = cas_testing::fs::current_path();
  cas_testing::fs::current_path(dir.path());
  Result<TransferReport> r = Error::make(Errc::internal, "not run");
  {
    auto dst = open_store("dst.sqlite");
    r = dst.import_from(src_path);
  }
  cas_testing::fs::current_path(cwd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->artifacts_added, 3u);
  for (const auto& e : cas_testing::fs::directory_iterator(dir.path())) {
    EXPECT_NE(e.path().filename().string().rfind(".sqlink-import-", 0), 0u) << e.path();
  }
}

TEST_F(CasTransferTest, ExportRefusesAnExistingTarget) {
  fill_source();
  { std::ofstream(dst_path) << "precious"; }
  auto src = open_store(src_path);
  auto r = src.export_to(dst_path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_EQ(read_file(dst_path), "precious");
}

TEST_F(CasTransferTest, ImportMergesEverythingAndASecondImportAddsNothing) {
  fill_source();
  auto dst = open_store(dst_path);
  const Hash mine = *dst.put("already here");
  auto first = dst.import_from(src_path);
  ASSERT_TRUE(first.ok()) << first.error().message;
  EXPECT_EQ(first->artifacts_added, 3u);
  EXPECT_EQ(first->aliases_added, 2u);
  expect_everything_carried(dst, a, loose);
  EXPECT_EQ(*dst.get(mine), "already here");

  auto second = dst.import_from(src_path);
  ASSERT_TRUE(second.ok()) << second.error().message;
  EXPECT_EQ(second->artifacts_added, 0u);
  EXPECT_EQ(second->artifacts_present, 3u);
  EXPECT_EQ(second->uris_added, 0u);
  EXPECT_EQ(second->bundles_added, 0u);
  EXPECT_EQ(second->bundles_present, 1u);
  EXPECT_EQ(second->aliases_added, 0u);
  EXPECT_EQ(second->binaries_added, 0u);
  auto stats = dst.stats();
  EXPECT_EQ(stats->artifacts, 4u);
  EXPECT_EQ(stats->bundles, 1u);
  EXPECT_EQ(stats->aliases, 2u);
}

TEST_F(CasTransferTest, ImportRefusesCorruptBlobsAndReportsThem) {
  fill_source();
  ASSERT_EQ(exec_sql(src_path,
                     "UPDATE __cas_artifact SET bytes = CAST('tampered' AS BLOB) WHERE hash = x'" +
                         loose.hex() + "'"),
            "");
  auto dst = open_store(dst_path);
  auto report = dst.import_from(src_path);
  ASSERT_TRUE(report.ok()) << report.error().message;
  ASSERT_EQ(report->refused.size(), 1u);
  EXPECT_EQ(report->refused[0].hash_hex, loose.hex());
  EXPECT_EQ(report->artifacts_added, 2u);
  EXPECT_FALSE(*dst.contains(loose));
  EXPECT_FALSE(dst.lookup_uri("https://e.org/loose.so").ok());  // its URI had nothing to bind to
  EXPECT_TRUE(dst.verify()->ok());
}

TEST_F(CasTransferTest, ANameBoundToAnotherSetFailsTheWholeImport) {
  fill_source();
  auto dst = open_store(dst_path);
  const BundleMember other[] = {{"other", *dst.put("other bytes")}};
  ASSERT_TRUE(bundle_save(dst, "web-stable", other).ok());
  const std::string before_artifacts = scalar(dst_path, "SELECT count(*) FROM __cas_artifact");
  auto r = dst.import_from(src_path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::conflict);
  EXPECT_NE(r.error().message.find("'web-stable'"), std::string::npos) << r.error().message;
  EXPECT_NE(r.error().message.find("already bound to"), std::string::npos);
  // it names both sets: the one here first, then the imported one
  const std::string here = bundle_find(dst, "web-stable")->set_hash.hex().substr(0, 12);
  const std::string there = bundle_set_hash(std::vector<BundleMember>{{"alpha", a}, {"beta", b}})
                                .hex()
                                .substr(0, 12);
  EXPECT_NE(r.error().message.find("already bound to " + here), std::string::npos)
      << r.error().message;
  EXPECT_NE(r.error().message.find(there), std::string::npos) << r.error().message;
  // All or nothing: not even the artifacts came in.
  EXPECT_EQ(scalar(dst_path, "SELECT count(*) FROM __cas_artifact"), before_artifacts);
  EXPECT_FALSE(bundle_find(dst, "web").ok());
}

TEST_F(CasTransferTest, TheSameSetUnderNewNamesGainsAliases) {
  fill_source();
  auto dst = open_store(dst_path);
  ASSERT_TRUE(dst.put("alpha bytes").ok());
  ASSERT_TRUE(dst.put("beta bytes").ok());
  const BundleMember members[] = {{"alpha", a}, {"beta", b}};
  ASSERT_TRUE(bundle_save(dst, "local-name", members).ok());
  auto r = dst.import_from(src_path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->bundles_added, 0u);
  EXPECT_EQ(r->bundles_present, 1u);
  auto info = bundle_find(dst, "web");
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->aliases, (std::vector<std::string>{"local-name", "web", "web-stable"}));
}

TEST_F(CasTransferTest, ImportNeverWritesTheSource) {
  fill_source();
  const std::string before = read_file(src_path);
  ASSERT_FALSE(file_exists(src_path + "-wal"));
  auto dst = open_store(dst_path);
  ASSERT_TRUE(dst.import_from(src_path).ok());
  EXPECT_EQ(read_file(src_path), before);
  EXPECT_FALSE(file_exists(src_path + "-wal"));
  EXPECT_FALSE(file_exists(src_path + "-shm"));
}

TEST_F(CasTransferTest, AnOldSchemaSourceIsMigratedInACopyAndLeftAlone) {
  ASSERT_EQ(build_fixture(3, src_path), "");
  const std::string before = read_file(src_path);
  auto dst = open_store(dst_path);
  auto r = dst.import_from(src_path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->artifacts_added, 3u);
  EXPECT_EQ(r->bundles_added, 2u);
  EXPECT_EQ(bundle_find(dst, "core-copy")->id, bundle_find(dst, "core")->id);
  EXPECT_EQ(read_file(src_path), before);
  EXPECT_EQ(scalar(src_path, "SELECT value FROM __cas_meta WHERE key = 'schema_version'"), "3");
  // The scratch copy is gone.
  std::size_t leftovers = 0;
  for (const auto& e : cas_testing::fs::directory_iterator(dir.path())) {
    leftovers += e.path().filename().string().rfind(".sqlink-import-", 0) == 0;
  }
  EXPECT_EQ(leftovers, 0u);
}

TEST_F(CasTransferTest, ImportingAStoreIntoItselfIsRefused) {
  auto dst = open_store(dst_path);
  auto r = dst.import_from(dst_path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::invalid_value);
}

TEST_F(CasTransferTest, ImportOfAMissingFileIsNotFound) {
  auto dst = open_store(dst_path);
  auto r = dst.import_from(dir.file("absent.sqlite"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  EXPECT_FALSE(file_exists(dir.file("absent.sqlite")));
}

TEST_F(CasTransferTest, AnEmptyOrNewerSourceIsRefused) {
  { std::ofstream create(src_path); }
  auto dst = open_store(dst_path);
  auto empty = dst.import_from(src_path);
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(empty.error().code, Errc::not_found) << empty.error().message;
  EXPECT_NE(empty.error().message.find("is empty"), std::string::npos) << empty.error().message;
  const std::string newer = dir.file("newer.sqlite");
  { ASSERT_TRUE(open_store(newer).put("x").ok()); }
  ASSERT_EQ(exec_sql(newer, "UPDATE __cas_meta SET value = '5' WHERE key = 'schema_version'"), "");
  auto r = dst.import_from(newer);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::schema_too_new) << r.error().message;
  EXPECT_FALSE(*dst.contains(sha256("x")));
}

// Names of the files created in `dir` while `body` runs.
std::vector<std::string> files_created_in(const std::string& dir, const std::function<void()>& body) {
  const int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  if (fd < 0 || ::inotify_add_watch(fd, dir.c_str(), IN_CREATE) < 0) {
    ADD_FAILURE() << "inotify: " << std::strerror(errno);
    if (fd >= 0) ::close(fd);
    return {};
  }
  body();
  std::vector<std::string> names;
  alignas(inotify_event) char buf[8192];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n <= 0) break;
    for (ssize_t at = 0; at < n;) {
      const auto* e = reinterpret_cast<const inotify_event*>(buf + at);
      if (e->len > 0) names.emplace_back(e->name);
      at += static_cast<ssize_t>(sizeof(inotify_event) + e->len);
    }
  }
  ::close(fd);
  return names;
}

bool has_scratch_copy(const std::vector<std::string>& names) {
  return std::any_of(names.begin(), names.end(),
                     [](const std::string& n) { return n.rfind(".sqlink-import-", 0) == 0; });
}

TEST_F(CasTransferTest, OnlyAnOldSourceIsCopiedAndTheCopyGoesBesideTheDestination) {
  fill_source();
  const std::string old = dir.file("old.sqlite");
  ASSERT_EQ(build_fixture(3, old), "");
  ASSERT_TRUE(cas_testing::fs::create_directory(dir.file("d")));
  const auto cwd = cas_testing::fs::current_path();
  cas_testing::fs::current_path(dir.path());
  std::vector<std::string> current_source, old_source;
  {
    auto dst = open_store("d/dst.sqlite");  // a one-letter directory, relative to here
    current_source = files_created_in("d", [&] { EXPECT_TRUE(dst.import_from(src_path).ok()); });
    old_source = files_created_in("d", [&] { EXPECT_TRUE(dst.import_from(old).ok()); });
  }
  cas_testing::fs::current_path(cwd);
  EXPECT_FALSE(has_scratch_copy(current_source));
  EXPECT_TRUE(has_scratch_copy(old_source));
}

TEST_F(CasTransferTest, AScratchCopyThatCannotBeCreatedIsNamedAsSuch) {
  ASSERT_EQ(build_fixture(3, src_path), "");
  ASSERT_TRUE(cas_testing::fs::create_directory(dir.file("d")));
  auto dst = open_store(dir.file("d/dst.sqlite"));
  cas_testing::fs::rename(dir.file("d"), dir.file("moved"));  // no directory to copy into
  auto r = dst.import_from(src_path);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::io_error);
  EXPECT_NE(r.error().message.find("cannot create a scratch copy"), std::string::npos)
      << r.error().message;
}

// Drops a NOT NULL from a store file's schema, as a hand-edited or foreign file might.
void allow_null_bytes(const std::string& path) {
  ASSERT_EQ(exec_sql(path,
                     "PRAGMA writable_schema = ON;"
                     "UPDATE sqlite_schema SET sql = replace(sql, 'bytes BLOB NOT NULL', 'bytes BLOB')"
                     " WHERE name = '__cas_artifact';"),
            "");
}

TEST_F(CasTransferTest, AnArtifactWithNullBytesIsRefusedEvenIfItsKeyIsTheEmptyHash) {
  { ASSERT_TRUE(open_store(src_path).put("fine").ok()); }
  allow_null_bytes(src_path);
  const Hash empty = sha256("");
  ASSERT_EQ(exec_sql(src_path,
                     "INSERT INTO __cas_artifact(hash, bytes, bytes_len, created_at, last_used_at,"
                     " use_count) VALUES(x'" + empty.hex() + "', NULL, 0, 1, 1, 0)"),
            "");
  auto dst = open_store(dst_path);
  auto r = dst.import_from(src_path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->refused.size(), 1u);
  EXPECT_EQ(r->refused[0].hash_hex, empty.hex());
  EXPECT_EQ(r->artifacts_added, 1u);
  EXPECT_FALSE(*dst.contains(empty));
}

TEST_F(CasTransferTest, BadBundleRowsAreRefusedNamingWhatIsWrong) {
  fill_source();
  const std::string some_hash = "x'" + a.hex() + "'";
  ASSERT_EQ(exec_sql(src_path,
                     "INSERT INTO __cas_bundle(id, name, set_hash, created_at, last_used_at)"
                     " VALUES(10, 'n', zeroblob(32), 1, 1), (11, 'h', zeroblob(32), 1, 1),"
                     " (12, 'e', zeroblob(32), 1, 1);"
                     "INSERT INTO __cas_bundle_member VALUES(10, '', " + some_hash + ");"
                     "INSERT INTO __cas_bundle_member VALUES(11, 'short', x'0102');"
                     "INSERT INTO __cas_bundle_alias(name, bundle_id, created_at)"
                     " SELECT '', id, 1 FROM __cas_bundle WHERE name = 'web';"
                     "INSERT INTO __cas_bundle_binary SELECT id, 'not a triple!', '/opt/x', 1"
                     " FROM __cas_bundle WHERE name = 'web';"),
            "");
  auto dst = open_store(dst_path);
  auto r = dst.import_from(src_path);
  ASSERT_TRUE(r.ok()) << r.error().message;
  std::vector<std::string> reasons;
  for (const auto& p : r->refused) reasons.push_back(p.reason);
  std::sort(reasons.begin(), reasons.end());
  EXPECT_EQ(reasons, (std::vector<std::string>{
                         "alias '' is not a valid bundle name; not imported",
                         "has no members; not imported",
                         "member 'short' has a malformed content hash; not imported",
                         "member name '' is not a valid extension name; not imported",
                         "target triple 'not a triple!' is invalid; not imported"}));
  // the good bundle still came, with its good names and binary only
  auto web = bundle_resolve(dst, "web");
  ASSERT_TRUE(web.ok()) << web.error().message;
  EXPECT_EQ(web->info.aliases, (std::vector<std::string>{"web", "web-stable"}));
  EXPECT_EQ(web->binaries.size(), 1u);
}

TEST_F(CasTransferTest, AFailedExportLeavesNoFileBehind) {
  auto store = open_store(src_path);
  ASSERT_TRUE(store.put("x").ok());
  // the store's file is swapped for something that is not a database behind its back
  for (const std::string suffix : {"", "-wal", "-shm"}) {
    cas_testing::fs::rename(src_path + suffix, dir.file("elsewhere.sqlite" + suffix));
  }
  { std::ofstream(src_path) << std::string(4096, 'j'); }
  const std::string target = dir.file("export.sqlite");
  auto r = store.export_to(target);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::corrupt) << r.error().message;
  EXPECT_FALSE(file_exists(target));
  EXPECT_FALSE(file_exists(target + "-wal"));
}

}  // namespace
}  // namespace sqlink
