// Fuzz target: the CAS store on a real SQLite file. Input: blobs separated by NUL-NUL pairs,
// with a trailing selector byte. Properties: put then get returns the same bytes under
// sha256(bytes); putting twice is idempotent; a blob corrupted behind the store's back is
// refused with Errc::corrupt, never returned.
#include <sqlite3.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "common/fuzz_check.hpp"
#include "sqlink/cas.hpp"

namespace {

namespace fs = std::filesystem;

// One store for the whole run, on tmpfs when there is one: the property is about bytes and
// hashes, and an fsync per input would only measure the disk.
struct Fixture {
  std::string dir;
  std::optional<sqlink::CasStore> store;
  sqlite3* raw = nullptr;  // a second connection, to corrupt rows behind the store's back

  Fixture() {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string tmpl = (base / "sqlink-fuzz-cas-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto opened = sqlink::CasStore::open(dir + "/cas.sqlite");
    if (!opened) std::abort();
    store.emplace(std::move(opened).value());
    if (sqlite3_open(store->path().c_str(), &raw) != SQLITE_OK) std::abort();
    sqlite3_busy_timeout(raw, 10000);
    // Keep pathological inputs from growing rows past what the target means to test.
    sqlite3_limit(raw, SQLITE_LIMIT_LENGTH, 1 << 20);
  }
  ~Fixture() {
    sqlite3_close(raw);
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

std::vector<std::string> split_blobs(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> blobs(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0 && i + 1 < size && data[i + 1] == 0) {
      if (blobs.size() == 8) break;
      blobs.emplace_back();
      ++i;
    } else {
      blobs.back() += static_cast<char>(data[i]);
    }
  }
  return blobs;
}

void corrupt_and_check(Fixture& f, const sqlink::Hash& hash, const std::string& bytes, std::uint8_t selector) {
  using namespace sqlink;
  const std::string flip = "UPDATE __cas_artifact SET bytes = ?2 WHERE hash = ?1";
  std::string damaged = bytes;
  if (damaged.empty()) {
    damaged = "x";
  } else {
    damaged[selector % damaged.size()] = static_cast<char>(damaged[selector % damaged.size()] ^ 0x01);
  }
  auto exec = [&](const std::string& blob) {
    sqlite3_stmt* stmt = nullptr;
    FUZZ_CHECK(sqlite3_prepare_v2(f.raw, flip.c_str(), -1, &stmt, nullptr) == SQLITE_OK, sqlite3_errmsg(f.raw));
    sqlite3_bind_blob(stmt, 1, hash.bytes.data(), 32, SQLITE_STATIC);
    sqlite3_bind_blob(stmt, 2, blob.data(), static_cast<int>(blob.size()), SQLITE_STATIC);
    FUZZ_CHECK(sqlite3_step(stmt) == SQLITE_DONE, sqlite3_errmsg(f.raw));
    sqlite3_finalize(stmt);
  };
  exec(damaged);
  auto got = f.store->get(hash);
  FUZZ_CHECK(!got.ok(), "a corrupted blob was returned for " + hash.hex());
  fuzz::check_error(got.error());
  FUZZ_CHECK(got.error().code == Errc::corrupt, got.error().message);
  exec(bytes);  // restore, so later inputs see a healthy store
}

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace sqlink;
  if (size == 0 || size > 65536) return 0;
  Fixture& f = fixture();
  const std::uint8_t selector = data[size - 1];
  const std::vector<std::string> blobs = split_blobs(data, size - 1);
  std::vector<Hash> hashes;
  for (const auto& blob : blobs) {
    auto put = f.store->put(blob);
    FUZZ_CHECK(put.ok(), put.ok() ? "" : put.error().message);
    FUZZ_CHECK(*put == sha256(blob), "put returned a hash that is not sha256 of the bytes");
    hashes.push_back(*put);
  }
  for (std::size_t i = 0; i < blobs.size(); ++i) {
    auto got = f.store->get(hashes[i]);
    FUZZ_CHECK(got.ok() && *got == blobs[i], "get did not return the bytes put under " + hashes[i].hex());
    auto again = f.store->put(blobs[i]);
    FUZZ_CHECK(again.ok() && *again == hashes[i], "a second put changed the hash");
    auto found = f.store->lookup("sha256:" + hashes[i].hex());
    FUZZ_CHECK(found.ok() && *found == hashes[i], "sha256: lookup failed for a stored artifact");
  }
  if (selector & 0x80) corrupt_and_check(f, hashes[selector % hashes.size()], blobs[selector % blobs.size()], selector);
  // Bounded state: the store is emptied now and then so the run does not grow without end.
  if ((selector & 0x3f) == 0) {
    auto gc = f.store->gc();
    FUZZ_CHECK(gc.ok(), gc.ok() ? "" : gc.error().message);
  }
  return 0;
}
