// format_dot_command is the canonical inverse of parsing: parse(format(c)) == c and format is
// idempotent, over a fixed list covering every command and flag and over generated commands.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <string>
#include <vector>

#include "sqlink/dotcmd.hpp"
#include "sqlink/units.hpp"

namespace sqlink {
namespace {

using std::chrono::seconds;

const std::string kHex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// parse -> format -> parse gives the same command, and formatting that again gives the same line.
void expect_round_trip(const DotCommand& command, std::string_view origin) {
  const std::string line = format_dot_command(command);
  auto again = parse_dot_line(line);
  ASSERT_TRUE(again.ok()) << origin << " -> " << line << ": " << again.error().to_string();
  EXPECT_EQ(*again, command) << origin << " -> " << line;
  EXPECT_EQ(format_dot_command(*again), line) << origin;
}

TEST(DotRoundTrip, FixedLines) {
  const std::vector<std::string> lines = {
      ".load /usr/lib/sqlite3/pcre.so",
      ".load './my ext.so'",
      ".load 'C:\\x'",
      ".load a:b",
      ".load -- -x.so",
      ".load -- --",
      ".load --trust=stored -- \"-it's\"",
      ".load --mem=1k -- '-a b'",
      ".load file:///opt/ext/uuid.so",
      ".load HTTPS://example.com/x.so?v=1&w=2",
      ".load sha256:" + kHex,
      ".load DIGEST:" + kHex.substr(0, 32) + "ABCDEF0123456789ABCDEF0123456789",
      ".load x.so --grant=fs-read,net",
      ".load x.so --grant hooks --grant net --grant=native,spawn-build,fs-write,fs-read",
      ".load x.so --trust=manifest",
      ".load x.so --trust stored",
      ".load x.so --trust=prompt",
      ".load x.so --mem=65536",
      ".load x.so --mem 1M --mem=1536",
      ".load x.so --mem=0",
      ".load x.so --mem=18446744073709551615",
      ".load x.so --timeout=120s",
      ".load x.so --timeout 90",
      ".load x.so --timeout=0",
      ".load x.so --timeout=9223372036854775807",
      ".load --timeout=7d --mem=64k --trust=stored --grant=net x.so",
      ".bundle save geo",
      ".bundle save 'my geo' --no-build",
      ".bundle save --no-build \"a'b\"",
      ".bundle build geo",
      ".bundle build geo --target x86_64-unknown-linux-gnu",
      ".bundle build geo --target=-weird_",
      ".bundle list",
      ".bundle show 3fa9c",
      ".bundle show 'name with $ and *'",
      ".bundle delete geo",
      ".bundle alias geo geo-v2",
      ".bundle unalias geo-v2",
      ".bundle gc --keep 3",
      ".bundle gc --older-than=1440m",
      ".bundle gc --older-than 7d --keep=0",
      ".bundle gc --keep=18446744073709551615",
      ".prefix add uuid org.example.uuid",
      ".prefix add _x sqlink-internal://x 'UUID helpers'",
      ".prefix add u x ''",
      ".prefix add u x -- '-- dashed'",
      ".prefix add u x 'caf\xc3\xa9 \\ \"q\"'",
      ".prefix list",
      ".prefix functions uuid",
      ".prefix expansion uuid",
      ".prefix rename uuid uid",
      ".prefix delete uid",
      ".prefix prefer uuid4 ext.uuid",
      ".prefix unprefer uuid4",
      ".prefix conflicts",
      ".prefix verify",
      ".cache list",
      ".cache stats",
      ".cache gc",
      ".cache evict 1048576",
      ".cache evict 0",
      ".cache export '/tmp/out dir/c.sqlite'",
      ".cache import -- -c.sqlite",
      ".cache verify",
      ".cache doctor",
      ".help",
      ".help .bundle",
      ".help 'two words'",
  };
  for (const std::string& line : lines) {
    auto parsed = parse_dot_line(line);
    ASSERT_TRUE(parsed.ok()) << line << ": " << parsed.error().to_string();
    expect_round_trip(*parsed, line);
  }
}

TEST(DotRoundTrip, CanonicalForms) {
  const auto canonical = [](std::string_view line) {
    return format_dot_command(parse_dot_line(line).value());
  };
  EXPECT_EQ(canonical(".load --timeout 120s --mem 65536 x.so --grant net,fs-read --trust stored"),
            ".load x.so --grant=fs-read,net --trust=stored --mem=64k --timeout=2m");
  EXPECT_EQ(canonical(".load SHA256:" + kHex), ".load sha256:" + kHex);
  EXPECT_EQ(canonical(".load --mem=1k -- -x"), ".load --mem=1k -- -x");
  EXPECT_EQ(canonical(".load -- x"), ".load x");
  EXPECT_EQ(canonical(".load -- -x"), ".load -- -x");
  EXPECT_EQ(canonical(".bundle save   \"geo\"   --no-build"), ".bundle save geo --no-build");
  EXPECT_EQ(canonical(".bundle gc --older-than 7d --keep 007"), ".bundle gc --keep=7 --older-than=7d");
  EXPECT_EQ(canonical(".prefix add u x 'a b'"), ".prefix add u x 'a b'");
  EXPECT_EQ(canonical(".prefix add u x \"it's\""), ".prefix add u x 'it'\\''s'");
  EXPECT_EQ(canonical(".help"), ".help");
}

// Generates valid commands together with the line that should parse to them, written in a
// random but valid style: either flag form, any order, repeats, mixed quoting.
class Generator {
 public:
  explicit Generator(std::uint64_t seed) : state_(seed) {}

  struct Case {
    std::string line;
    DotCommand command;
  };

  Case next() {
    words_.clear();
    flags_.clear();
    DotCommand command = make_command();
    // Flags go anywhere among the positionals unless one of them starts with '-'.
    std::string line = head_;
    const bool dashed =
        std::any_of(words_.begin(), words_.end(), [](const std::string& w) { return w.starts_with('-'); });
    shuffle(flags_);
    if (dashed) {
      for (const std::string& f : flags_) line += " " + f;
      line += " --";
      for (const std::string& w : words_) line += " " + render(w);
    } else {
      std::vector<std::string> parts;
      for (const std::string& w : words_) parts.push_back(render(w));
      for (const std::string& f : flags_)
        parts.insert(parts.begin() + static_cast<std::ptrdiff_t>(below(parts.size() + 1)), f);
      for (const std::string& p : parts) line += " " + p;
    }
    return {line, command};
  }

 private:
  std::uint64_t next_u64() {  // splitmix64: fixed output on every platform
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next_u64() % n); }
  bool coin() { return below(2) == 0; }
  template <class T>
  const T& pick(const std::vector<T>& v) {
    return v[below(v.size())];
  }
  template <class T>
  void shuffle(std::vector<T>& v) {
    for (std::size_t i = v.size(); i > 1; --i) std::swap(v[i - 1], v[below(i)]);
  }

  std::string random_case(std::string s) {
    for (char& ch : s) {
      if (coin()) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
    }
    return s;
  }

  // One word, quoted in one of several styles the tokenizer must all undo.
  std::string render(const std::string& w) {
    switch (below(3)) {
      case 0: return quote_word(w);
      case 1: {
        std::string out = "\"";
        for (const char c : w) out += (c == '"' || c == '\\') ? std::string("\\") + c : std::string(1, c);
        return out + "\"";
      }
      default: {
        std::string out = w.empty() ? "''" : "";
        for (const char c : w) out += std::string("\\") + c;
        return out;
      }
    }
  }

  // A flag with its value in a random style. Quoting a whole "--name=value" word does not
  // stop it being a flag, as in a shell.
  std::string flag(std::string_view name, const std::string& value) {
    if (coin() || value.starts_with('-')) return render(std::string(name) + "=" + value);
    return std::string(name) + " " + render(value);
  }
  void add_flag(std::string_view name, const std::string& value) { flags_.push_back(flag(name, value)); }

  std::string name() {
    static const std::vector<std::string> pieces = {"geo",   "a b", "it's",         "x\"y", "b\\s",
                                                    "$HOME", "*",   "caf\xc3\xa9",  "n.1",  "v2",
                                                    "--x",   "#",   "\xe2\x82\xac", "=",    ""};
    std::string out = pick(pieces) + pick(pieces);
    while (out.empty() || out.starts_with('-')) out = "n" + out;
    return out;
  }
  std::string identifier() {
    static const std::vector<std::string> pieces = {"_a", "u", "Uid", "x9", "geo_x"};
    return pick(pieces) + (coin() ? pick(pieces) : "");
  }
  std::string path() {
    static const std::vector<std::string> pieces = {
        "/usr/lib/x.so", "./a b.so", "-dash.so", "C:\\x", "a:b", "--", "rel/it's.so", "/t/\xc3\xa9"};
    return pick(pieces);
  }
  std::uint64_t size() {
    const std::uint64_t units[] = {1, 1024, 1024 * 1024, 1024ULL * 1024 * 1024};
    return coin() ? next_u64() : below(5000) * units[below(4)];
  }
  seconds duration() {
    const std::int64_t units[] = {1, 60, 3600, 86400};
    return seconds(static_cast<std::int64_t>(below(100000)) * units[below(4)]);
  }
  // A value for --mem or .cache evict, sometimes in another unit than the canonical one.
  std::string size_text(std::uint64_t bytes) { return coin() ? std::to_string(bytes) : format_size(bytes); }
  std::string duration_text(seconds d) { return coin() ? std::to_string(d.count()) : format_duration(d); }

  DotCommand make_command() {
    switch (below(29)) {
      case 0: return load();
      case 1: {
        BundleSave c{name(), coin()};
        head_ = ".bundle save";
        words_ = {c.name};
        if (c.no_build) flags_.push_back(coin() ? "--no-build" : "--no-build --no-build");
        return c;
      }
      case 2: {
        BundleBuild c{name(), std::nullopt};
        head_ = ".bundle build";
        words_ = {c.name};
        if (coin()) {
          c.target = pick(std::vector<std::string>{"x86_64-unknown-linux-gnu", "aarch64", "-t_"});
          add_flag("--target", *c.target);
        }
        return c;
      }
      case 3: return simple<BundleList>(".bundle list");
      case 4: return one<BundleShow>(".bundle show", name());
      case 5: return one<BundleDelete>(".bundle delete", name());
      case 6: return two<BundleAlias>(".bundle alias", name(), name());
      case 7: return one<BundleUnalias>(".bundle unalias", name());
      case 8: {
        BundleGc c;
        head_ = ".bundle gc";
        const auto which = below(3);
        if (which != 1) {
          c.keep = coin() ? below(100) : next_u64();
          add_flag("--keep", std::to_string(*c.keep));
        }
        if (which != 0) {
          c.older_than = duration();
          add_flag("--older-than", duration_text(*c.older_than));
        }
        return c;
      }
      case 9: {
        PrefixAdd c{identifier(), name(), std::nullopt};
        head_ = ".prefix add";
        words_ = {c.name, c.expansion};
        if (coin()) {
          c.description = coin() ? name() : std::string("- dashed ") + name();
          words_.push_back(*c.description);
        }
        return c;
      }
      case 10: return simple<PrefixList>(".prefix list");
      case 11: return one<PrefixFunctions>(".prefix functions", identifier());
      case 12: return one<PrefixExpansion>(".prefix expansion", identifier());
      case 13: return two<PrefixRename>(".prefix rename", identifier(), identifier());
      case 14: return one<PrefixDelete>(".prefix delete", identifier());
      case 15: return two<PrefixPrefer>(".prefix prefer", name(), name());
      case 16: return one<PrefixUnprefer>(".prefix unprefer", name());
      case 17: return simple<PrefixConflicts>(".prefix conflicts");
      case 18: return simple<PrefixVerify>(".prefix verify");
      case 19: return simple<CacheList>(".cache list");
      case 20: return simple<CacheStats>(".cache stats");
      case 21: return simple<CacheGc>(".cache gc");
      case 22: {
        CacheEvict c{size()};
        head_ = ".cache evict";
        words_ = {size_text(c.bytes)};
        return c;
      }
      case 23: return one<CacheExport>(".cache export", path());
      case 24: return one<CacheImport>(".cache import", path());
      case 25: return simple<CacheVerify>(".cache verify");
      case 26: return simple<CacheDoctor>(".cache doctor");
      case 27: return one<ReadCommand>(".read", path());
      default: {
        HelpCommand c;
        head_ = ".help";
        if (coin()) {
          c.topic = pick(std::vector<std::string>{".bundle", "load", "x y"});
          words_ = {*c.topic};
        }
        return c;
      }
    }
  }

  LoadCommand load() {
    LoadCommand c;
    head_ = ".load";
    switch (below(4)) {
      case 0:
        c.target = {LoadTarget::Kind::path, "", path()};
        words_ = {c.target.text};
        break;
      case 1: {
        const std::string scheme = coin() ? "sha256" : "digest";
        std::string hex;
        for (int i = 0; i < 64; ++i) hex += "0123456789abcdef"[below(16)];
        c.target = {LoadTarget::Kind::uri, scheme, scheme + ":" + hex};
        words_ = {random_case(c.target.text)};
        break;
      }
      default: {
        const std::string scheme = coin() ? "file" : "https";
        const std::string rest = pick(std::vector<std::string>{":///x.so", "://h/A b", ":rel"});
        c.target = {LoadTarget::Kind::uri, scheme, scheme + rest};
        words_ = {random_case(scheme) + rest};  // only the scheme is case-folded
        break;
      }
    }
    for (const Capability cap : all_capabilities()) {
      if (below(3) == 0) {
        c.grants.insert(cap);
        add_flag("--grant", std::string(capability_name(cap)));
      }
    }
    if (coin()) {
      c.trust = static_cast<Trust>(below(3));
      add_flag("--trust", std::string(trust_name(*c.trust)));
    }
    if (coin()) {
      c.mem = size();
      // A repeat stays in front of the value that must win, as one unit for the shuffle.
      const std::string earlier = coin() ? flag("--mem", size_text(size())) + " " : "";
      flags_.push_back(earlier + flag("--mem", size_text(*c.mem)));
    }
    if (coin()) {
      c.timeout = duration();
      add_flag("--timeout", duration_text(*c.timeout));
    }
    return c;
  }

  template <class T>
  T simple(std::string_view head) {
    head_ = head;
    return T{};
  }
  template <class T>
  T one(std::string_view head, std::string a) {
    head_ = head;
    words_ = {a};
    return T{std::move(a)};
  }
  template <class T>
  T two(std::string_view head, std::string a, std::string b) {
    head_ = head;
    words_ = {a, b};
    return T{std::move(a), std::move(b)};
  }

  std::uint64_t state_;
  std::string head_;
  std::vector<std::string> words_;
  std::vector<std::string> flags_;
};

TEST(DotRoundTrip, GeneratedCommands) {
  Generator gen(20240601);
  for (int i = 0; i < 5000; ++i) {
    const auto c = gen.next();
    auto parsed = parse_dot_line(c.line);
    ASSERT_TRUE(parsed.ok()) << c.line << ": " << parsed.error().to_string();
    ASSERT_EQ(*parsed, c.command) << c.line << " parsed as " << format_dot_command(*parsed);
    expect_round_trip(*parsed, c.line);
  }
}

}  // namespace
}  // namespace sqlink
