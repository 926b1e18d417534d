// What kind of reference a resolver URI is (path, file:, hash, URL), and the file source's
// capped reader on a real temporary directory: sizes, non-regular files, missing files.
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <string_view>
#include <vector>

#include "resolver/internal.hpp"
#include "support/free_stdin.hpp"

namespace sqlink {
namespace {

using resolver_detail::ArtifactUri;
using resolver_detail::classify_artifact_uri;
using resolver_detail::read_file_capped;
using Kind = ArtifactUri::Kind;

namespace fs = std::filesystem;

const std::string kHex = std::string(32, 'a') + std::string(32, 'B');

TEST(ResolverUri, PathsIncludingWindowsDriveLetters) {
  for (std::string_view path : {"/usr/lib/x.so", "relative/x.so", "C:\\ext\\x.dll", "./odd:name.so"}) {
    auto uri = classify_artifact_uri(path);
    ASSERT_TRUE(uri.ok()) << path;
    EXPECT_EQ(uri->kind, Kind::path) << path;
    EXPECT_EQ(uri->path, path);
  }
}

TEST(ResolverUri, FileUris) {
  struct Case {
    std::string_view uri, path;
  };
  for (const Case& c : {Case{"file:///usr/lib/x.so", "/usr/lib/x.so"}, Case{"file:/usr/lib/x.so", "/usr/lib/x.so"},
                        Case{"FILE://LocalHost/tmp/a%20b.so", "/tmp/a b.so"}, Case{"file:rel/x.so", "rel/x.so"}}) {
    auto uri = classify_artifact_uri(c.uri);
    ASSERT_TRUE(uri.ok()) << c.uri << ": " << uri.error().message;
    EXPECT_EQ(uri->kind, Kind::file_uri) << c.uri;
    EXPECT_EQ(uri->path, c.path) << c.uri;
  }
  EXPECT_EQ(classify_artifact_uri("file://server/share/x.so").error().code, Errc::unsupported);
  EXPECT_EQ(classify_artifact_uri("file://").error().code, Errc::invalid_value);
  EXPECT_EQ(classify_artifact_uri("file:/x%2").error().code, Errc::invalid_value);
  EXPECT_EQ(classify_artifact_uri("file:/x%zz").error().code, Errc::invalid_value);
  auto nul = classify_artifact_uri("file:/x%00.so");
  ASSERT_FALSE(nul.ok());
  EXPECT_EQ(nul.error().code, Errc::control_character);
  EXPECT_NE(nul.error().message.find(quoted("file:/x%00.so")), std::string::npos);
}

TEST(ResolverUri, HashUris) {
  for (std::string_view scheme : {"sha256:", "digest:", "SHA256:"}) {
    const std::string text = std::string(scheme) + kHex;
    auto uri = classify_artifact_uri(text);
    ASSERT_TRUE(uri.ok()) << text;
    EXPECT_EQ(uri->kind, Kind::hash);
    ASSERT_TRUE(uri->hash.has_value());
    EXPECT_EQ(uri->hash->hex(), std::string(32, 'a') + std::string(32, 'b'));
  }
  const std::string short_hash = "sha256:abc";
  auto bad = classify_artifact_uri(short_hash);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::invalid_value);
  EXPECT_NE(bad.error().message.find(quoted(short_hash)), std::string::npos);
}

TEST(ResolverUri, UrlsAndOtherSchemes) {
  EXPECT_EQ(classify_artifact_uri("https://example.com/x.so")->kind, Kind::url);
  EXPECT_EQ(classify_artifact_uri("http://127.0.0.1/x.so")->kind, Kind::url);
  EXPECT_EQ(classify_artifact_uri("ftp://example.com/x.so")->kind, Kind::other);
}

TEST(ResolverUri, RefusesEmptyControlAndOverlongInput) {
  EXPECT_EQ(classify_artifact_uri("").error().code, Errc::missing_argument);
  EXPECT_EQ(classify_artifact_uri(std::string_view("/x\0y", 4)).error().code, Errc::control_character);
  EXPECT_EQ(classify_artifact_uri("/x\ny").error().code, Errc::control_character);
  EXPECT_EQ(classify_artifact_uri("/" + std::string(limits::kMaxPathBytes, 'p')).error().code, Errc::too_long);
}

TEST(ResolverUri, SchemesAreTwoOrMoreSchemeCharactersAtTheirRangesEdges) {
  // every edge of [A-Za-z0-9+.-] in a scheme: not a path, an "other" scheme, lower-cased
  for (std::string_view text : {"az:x", "AZ:x", "a0:x", "a9:x", "a5:x", "a+.-:x", "Zz:x"}) {
    auto uri = classify_artifact_uri(text);
    ASSERT_TRUE(uri.ok()) << text;
    EXPECT_EQ(uri->kind, Kind::other) << text;
    std::string lowered(text.substr(0, text.find(':')));
    for (char& c : lowered) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    EXPECT_EQ(uri->scheme, lowered) << text;
  }
  // a byte just outside a range, or a one-letter "scheme", makes the whole thing a path
  for (std::string_view text : {"a{:x", "a[:x", "a/:x", "a@:x", "a`:x", "a;:x", "a,:x", "a_:x", "C:x"}) {
    auto uri = classify_artifact_uri(text);
    ASSERT_TRUE(uri.ok()) << text;
    EXPECT_EQ(uri->kind, Kind::path) << text;
  }
  EXPECT_EQ(classify_artifact_uri("AB:x")->scheme, "ab");
}

TEST(ResolverUri, PercentEscapesInEveryHexDigitCase) {
  struct Case {
    std::string_view uri, path;
  };
  for (const Case& c : {Case{"file:/%41%5a%61%7A%30%39", "/AZaz09"}, Case{"file:/%2f%2F", "///"},
                        Case{"file:/%7e%7E%3a", "/~~:"}, Case{"file:/%20", "/ "}, Case{"file:/a%25", "/a%"},
                        Case{"file:/%ff", "/\xff"}, Case{"file:/%aF%Fa", "/\xaf\xfa"}}) {
    auto uri = classify_artifact_uri(c.uri);
    ASSERT_TRUE(uri.ok()) << c.uri << ": " << uri.error().message;
    EXPECT_EQ(uri->path, c.path) << c.uri;
  }
  // an escape cut short at the end, or with a digit outside 0-9a-f in either place
  for (std::string_view bad : {"file:/x%", "file:/x%4", "file:/%g1", "file:/%1g", "file:/%:1", "file:/%1:",
                               "file:/%/1", "file:/%1/", "file:/%`1", "file:/%G1"}) {
    auto uri = classify_artifact_uri(bad);
    ASSERT_FALSE(uri.ok()) << bad;
    EXPECT_EQ(uri.error().code, Errc::invalid_value) << bad;
    EXPECT_NE(uri.error().message.find("%-escape"), std::string::npos) << uri.error().message;
  }
  // decoded control bytes: every one below 0x20 and 0x7f; 0x20 itself is a space
  for (std::string_view bad : {"file:/%01", "file:/%1f", "file:/%1F", "file:/%7f", "file:/%0a"}) {
    EXPECT_EQ(classify_artifact_uri(bad).error().code, Errc::control_character) << bad;
  }
}

TEST(ResolverUri, LengthLimitsAreInclusive) {
  const std::string url_at = "https://h/" + std::string(limits::kMaxUrlBytes - 10, 'u');
  ASSERT_EQ(url_at.size(), limits::kMaxUrlBytes);
  EXPECT_TRUE(classify_artifact_uri(url_at).ok());
  EXPECT_EQ(classify_artifact_uri(url_at + "u").error().code, Errc::too_long);
  const std::string path_at = "/" + std::string(limits::kMaxPathBytes - 1, 'p');
  ASSERT_TRUE(classify_artifact_uri(path_at).ok());
  EXPECT_EQ(classify_artifact_uri(path_at)->path, path_at);
  // raw bytes: 0x1f and 0x7f are control bytes, 0x20 and 0x7e are not
  EXPECT_EQ(classify_artifact_uri("/x\x1fy").error().code, Errc::control_character);
  EXPECT_EQ(classify_artifact_uri("/x\x7fy").error().code, Errc::control_character);
  EXPECT_TRUE(classify_artifact_uri("/x y~").ok());
}

// The URI is a view that need not end at a NUL: an escape cut short by its end is bad, even
// when the bytes after the view would complete it.
TEST(ResolverUri, AnEscapeCutShortByTheEndOfTheUriIsBad) {
  const std::string_view whole = "file:///a%41";
  auto full = classify_artifact_uri(whole);
  ASSERT_TRUE(full.ok()) << full.error().message;
  EXPECT_EQ(full->path, "/aA");
  for (const std::size_t cut : {whole.size() - 1, whole.size() - 2}) {
    auto got = classify_artifact_uri(whole.substr(0, cut));
    ASSERT_FALSE(got.ok()) << whole.substr(0, cut) << " gave " << got->path;
    EXPECT_EQ(got.error().code, Errc::invalid_value);
  }
}

class ResolverFileRead : public ::testing::Test {
 protected:
  ResolverFileRead() {
    std::string tmpl = (fs::temp_directory_path() / "sqlink-resolver-XXXXXX").string();
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir_ = tmpl;
  }
  ~ResolverFileRead() override {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }
  std::string dir_;
};

TEST_F(ResolverFileRead, ReadsUpToTheCapInclusive) {
  const std::string path = write("x.so", std::string(100, 'x'));
  auto exact = read_file_capped(path, 100);
  ASSERT_TRUE(exact.ok()) << exact.error().message;
  EXPECT_EQ(*exact, std::string(100, 'x'));
  auto over = read_file_capped(path, 99);
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::too_large);
  EXPECT_NE(over.error().message.find(quoted(path)), std::string::npos);
}

TEST_F(ResolverFileRead, MissingFileIsNotFound) {
  const std::string path = dir_ + "/absent.so";
  auto got = read_file_capped(path, 100);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::not_found);
  EXPECT_NE(got.error().message.find(quoted(path)), std::string::npos);
}

TEST_F(ResolverFileRead, DirectoriesAndFifosAreRefusedWithoutBlocking) {
  EXPECT_EQ(read_file_capped(dir_, 100).error().code, Errc::invalid_value);
  const std::string fifo = dir_ + "/fifo";
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  auto got = read_file_capped(fifo, 100);  // would block forever without O_NONBLOCK
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::invalid_value);
}

TEST_F(ResolverFileRead, ReadsWithDescriptorZeroFreeAndClosesIt) {
  const std::string path = write("x.so", "bytes");
  const testing::FreeStdin free_stdin;
  auto got = read_file_capped(path, 100);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(*got, "bytes");
  EXPECT_TRUE(testing::FreeStdin::zero_is_free()) << "descriptor 0 was left open";
}

// /proc/self/mem is a regular file whose first page (address 0) is never mapped.
TEST_F(ResolverFileRead, AReadErrorIsAnIoErrorNamingTheFile) {
  auto got = read_file_capped("/proc/self/mem", 100);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::io_error) << got.error().message;
  EXPECT_NE(got.error().message.find("reading"), std::string::npos) << got.error().message;
}

// Files in /proc report a size of 0 and then read more: the cap holds for what is read.
TEST_F(ResolverFileRead, AFileReadingLongerThanItsSizeIsStillCapped) {
  auto got = read_file_capped("/proc/self/maps", 10);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::too_large) << got.error().message;
}

// Also when it takes several reads to pass the cap: what was kept so far counts. Thousands of
// one-page mappings, alternately writable so that none merge, make /proc/self/maps long.
TEST_F(ResolverFileRead, AFileCrossingTheCapOnALaterReadIsStillCapped) {
  const long page = ::sysconf(_SC_PAGESIZE);
  std::vector<void*> maps;
  for (int i = 0; i < 6000; ++i) {
    void* p = ::mmap(nullptr, static_cast<std::size_t>(page), i % 2 ? PROT_READ : PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) break;
    maps.push_back(p);
  }
  std::string all;
  {
    std::ifstream in("/proc/self/maps");
    all.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }
  auto got = read_file_capped("/proc/self/maps", 65536);
  for (void* p : maps) ::munmap(p, static_cast<std::size_t>(page));
  ASSERT_GT(all.size(), 4u * 65536) << "the mappings did not make /proc/self/maps long enough";
  ASSERT_FALSE(got.ok()) << "read " << got->size() << " bytes";
  EXPECT_EQ(got.error().code, Errc::too_large) << got.error().message;
}

// Files in /sys report 4096 bytes and read fewer: the declared size is refused before reading.
TEST_F(ResolverFileRead, ADeclaredSizeOverTheCapIsRefusedWhateverWouldBeRead) {
  const std::string path = "/sys/devices/system/cpu/online";
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || st.st_size <= 100) GTEST_SKIP() << path << " is not a sysfs file here";
  std::ifstream in(path);
  const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  ASSERT_LE(content.size(), 100u);
  auto got = read_file_capped(path, 100);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.error().code, Errc::too_large) << got.error().message;
}

}  // namespace
}  // namespace sqlink
