// Fuzz target: bundle save, alias and resolution on a real store, against an in-memory model.
// Input: a script of operations. Properties: saving the same set under a name twice gives the
// same id; a name bound to another set is refused (conflict) and changes nothing; resolve of a
// reference is the exact name if one exists, else the unique set_hash hex prefix, else
// not_found / ambiguous exactly when the model says so.
#include <sqlite3.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "common/fuzz_check.hpp"
#include "sqlink/bundle.hpp"

namespace {

namespace fs = std::filesystem;
using namespace sqlink;

struct Fixture {
  std::string dir;
  std::optional<CasStore> store;
  sqlite3* raw = nullptr;
  std::vector<Hash> artifacts;  // a few stored artifacts bundles can be made of

  Fixture() {
    const fs::path base = fs::exists("/dev/shm") ? fs::path("/dev/shm") : fs::temp_directory_path();
    std::string tmpl = (base / "sqlink-fuzz-bundle-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto opened = CasStore::open(dir + "/cas.sqlite");
    if (!opened) std::abort();
    store.emplace(std::move(opened).value());
    for (int i = 0; i < 4; ++i) {
      auto h = store->put("extension bytes " + std::to_string(i));
      if (!h) std::abort();
      artifacts.push_back(*h);
    }
    if (sqlite3_open(store->path().c_str(), &raw) != SQLITE_OK) std::abort();
    sqlite3_busy_timeout(raw, 10000);
    // Per connection, and clear() relies on the cascades.
    if (sqlite3_exec(raw, "PRAGMA foreign_keys=ON", nullptr, nullptr, nullptr) != SQLITE_OK) std::abort();
  }
  ~Fixture() {
    sqlite3_close(raw);
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
  void clear() {
    // Deleting bundles cascades to members, aliases and binaries.
    FUZZ_CHECK(sqlite3_exec(raw, "DELETE FROM __cas_bundle", nullptr, nullptr, nullptr) == SQLITE_OK,
               sqlite3_errmsg(raw));
  }
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Reads the input as a little program: each op takes an opcode byte, then fields.
struct Reader {
  const std::uint8_t* data;
  std::size_t size, pos = 0;
  bool done() const { return pos >= size; }
  std::uint8_t byte() { return pos < size ? data[pos++] : 0; }
  std::string word() {  // up to 12 bytes, ended by NUL
    std::string w;
    while (pos < size && data[pos] != 0 && w.size() < 12) w += static_cast<char>(data[pos++]);
    if (pos < size && data[pos] == 0) ++pos;
    return w;
  }
};

struct Model {
  std::map<std::string, Hash> name_to_set;  // every alias
  std::map<Hash, std::int64_t> set_to_id;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  fixture();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  Fixture& f = fixture();
  f.clear();
  Model model;
  Reader in{data, size};
  for (int op = 0; op < 16 && !in.done(); ++op) {
    const std::uint8_t code = in.byte();
    if (code % 3 == 0) {  // save NAME with the members picked by a bit mask
      const std::string name = in.word();
      const std::uint8_t mask = in.byte();
      std::vector<BundleMember> members;
      for (int i = 0; i < 4; ++i) {
        if (mask & (1 << i)) members.push_back({"ext" + std::to_string(i), f.artifacts[static_cast<std::size_t>(i)]});
      }
      auto saved = bundle_save(*f.store, name, members);
      if (!saved) {
        fuzz::check_error(saved.error());
        const auto bound = model.name_to_set.find(name);
        // A rebind is the only conflict; an empty set or a bad name is refused before that check.
        const bool conflict = bound != model.name_to_set.end() && !members.empty() &&
                              check_bundle_name(name).ok() && bound->second != bundle_set_hash(members);
        if (saved.error().code == Errc::conflict) FUZZ_CHECK(conflict, "conflict without a rebind: " + name);
        if (conflict) FUZZ_CHECK(saved.error().code == Errc::conflict, saved.error().message);
        continue;
      }
      FUZZ_CHECK(saved->set_hash == bundle_set_hash(members), "save returned another set_hash");
      const auto bound = model.name_to_set.find(name);
      FUZZ_CHECK(bound == model.name_to_set.end() || bound->second == saved->set_hash,
                 "a name was rebound to another set: " + name);
      const auto known = model.set_to_id.find(saved->set_hash);
      if (known != model.set_to_id.end()) FUZZ_CHECK(known->second == saved->id, "same set, new id");
      model.set_to_id[saved->set_hash] = saved->id;
      model.name_to_set[name] = saved->set_hash;
    } else if (code % 3 == 1) {  // alias OLD NEW
      const std::string old_ref = in.word(), new_name = in.word();
      auto target = bundle_find(*f.store, old_ref);
      auto aliased = bundle_alias(*f.store, old_ref, new_name);
      if (aliased) {
        FUZZ_CHECK(target.ok(), "alias of an unresolvable reference succeeded");
        const auto bound = model.name_to_set.find(new_name);
        FUZZ_CHECK(bound == model.name_to_set.end() || bound->second == target->set_hash,
                   "alias rebound a name: " + new_name);
        model.name_to_set[new_name] = target->set_hash;
      } else {
        fuzz::check_error(aliased.error());
      }
    } else {  // resolve REF
      const std::string ref = in.word();
      auto found = bundle_find(*f.store, ref);
      std::optional<Hash> expected;
      std::size_t prefix_matches = 0;
      if (const auto exact = model.name_to_set.find(ref); exact != model.name_to_set.end()) {
        expected = exact->second;
      } else if (!ref.empty() && ref.size() <= 128 &&
                 std::all_of(ref.begin(), ref.end(), [](unsigned char c) { return std::isxdigit(c); })) {
        std::string lower = ref;
        for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (const auto& [set, id] : model.set_to_id) {
          if (set.hex().compare(0, lower.size(), lower) == 0) {
            ++prefix_matches;
            expected = set;
          }
        }
        if (prefix_matches > 1) expected.reset();
      }
      if (found) {
        FUZZ_CHECK(expected && found->set_hash == *expected, "resolved to the wrong bundle: " + ref);
      } else {
        fuzz::check_error(found.error());
        FUZZ_CHECK(!expected, "did not resolve: " + ref + " (" + found.error().message + ")");
        if (prefix_matches > 1) FUZZ_CHECK(found.error().code == Errc::ambiguous, found.error().message);
      }
    }
  }
  return 0;
}
