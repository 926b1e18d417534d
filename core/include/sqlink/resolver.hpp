// The artifact resolver chain: turns an ArtifactRef into verified bytes by trying the URI
// binding, the expected hash, then each allowed source in order; nothing unverified is returned.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"
#include "sqlink/transport.hpp"

namespace sqlink {

enum class Source { file, cas, https };
std::string_view source_name(Source source) noexcept;  // "file", "cas", "https"

struct ArtifactRef {
  // A path, a file: URI, a sha256:<hex> / digest:<hex> URI, or an https:// (http://) URL.
  std::string uri;
  std::optional<Hash> expected;  // when given, every answer must hash to it
  std::vector<Source> sources;   // tried in this order after the store lookups
  // Where the file source reads when `uri` is not itself a path or file: URI — a local copy
  // (vendored, mirrored) of a remote artifact. A path or a file: URI. Ignored when empty.
  std::string file_path;
};

// What the resolver needs of the content-addressed store; the CAS module adapts to it.
// get() may return bytes that do not match the hash (a corrupt blob): the resolver re-hashes.
class ArtifactStore {
 public:
  virtual ~ArtifactStore();
  virtual Result<std::optional<std::string>> get(const Hash& hash) = 0;
  virtual Result<std::optional<Hash>> lookup_uri(std::string_view uri) = 0;
  virtual Result<Hash> put(std::string_view bytes) = 0;  // returns sha256(bytes)
  virtual Result<void> bind_uri(std::string_view uri, const Hash& hash) = 0;
};

// One step of the chain, in the order they run.
enum class Step { uri_binding, expected_hash, file, cas, https };
std::string_view step_name(Step step) noexcept;  // "uri binding", "expected hash", "file", ...

struct Attempt {
  enum class Outcome {
    answered,  // this step produced the verified bytes
    failed,    // tried and failed; `error` says why (a hash mismatch is Errc::corrupt)
    skipped,   // not applicable to this URI (e.g. the cas source for an https URL); `note` says why
  };
  Step step = Step::uri_binding;
  Outcome outcome = Outcome::skipped;
  std::string target;  // what was looked at: the URI, a path, a hash hex, a URL
  std::optional<Error> error;
  std::string note;
};

struct Resolved {
  std::string bytes;
  Hash hash;           // sha256(bytes), checked against every hash the reference implies
  Step answered_by = Step::uri_binding;
  std::vector<Attempt> attempts;  // every step considered, in order, ending with the answer
  // Storing or binding a fetched artifact failed; the bytes are still good. Empty otherwise.
  std::optional<Error> store_error;
};

struct ResolveOptions {
  FetchLimits limits;  // for https and, as a size cap, for file reads
  std::vector<Source> allowed = {Source::file, Source::cas, Source::https};
};

class Resolver {
 public:
  // `transport` may be null: the https source then fails with unsupported. Both the store and
  // the transport must outlive the resolver.
  Resolver(ArtifactStore& store, Transport* transport, ResolveOptions options = {});

  // Order: the URI binding (store.lookup_uri then store.get), the expected hash (store.get),
  // then each source of ref.sources that options.allowed contains, in ref's order:
  //   file  — ref.file_path, else ref.uri, as a path or file: URI; a regular file read with
  //           the size cap;
  //   cas   — ref.uri is sha256:<hex> or digest:<hex>; store.get of that hash;
  //   https — ref.uri is an http(s) URL; transport.fetch.
  // Every answer is hashed and must equal ref.expected, the URI's own hash (hash URIs) and,
  // for the binding, the bound hash; a mismatch falls through to the next step. An answer from
  // file or https is put into the store and ref.uri bound to it. When nothing answers, the
  // error is the last failure (its code kept) naming ref.uri, with every attempt summarised in
  // its hint; `trace`, when given, receives the attempts in both outcomes.
  Result<Resolved> resolve(const ArtifactRef& ref, std::vector<Attempt>* trace = nullptr);

 private:
  ArtifactStore& store_;
  Transport* transport_;
  ResolveOptions options_;
};

}  // namespace sqlink
