// The resolver chain: binding, expected hash, then the allowed sources; the first verified answer wins.
// Invariants: no bytes leave resolve() unless they hash to every hash the reference implies;
// every step considered is recorded as an Attempt, and a failure reports the last one.
#include <algorithm>
#include <string>
#include <utility>

#include "resolver/internal.hpp"
#include "sqlink/resolver.hpp"

namespace sqlink {

using resolver_detail::ArtifactUri;

std::string_view source_name(Source source) noexcept {
  switch (source) {
    case Source::file: return "file";
    case Source::cas: return "cas";
    case Source::https: return "https";
  }
  return "unknown";
}

std::string_view step_name(Step step) noexcept {
  switch (step) {
    case Step::uri_binding: return "uri binding";
    case Step::expected_hash: return "expected hash";
    case Step::file: return "file";
    case Step::cas: return "cas";
    case Step::https: return "https";
  }
  return "unknown";
}

ArtifactStore::~ArtifactStore() = default;

namespace {

Step step_of(Source source) noexcept {
  switch (source) {
    case Source::file: return Step::file;
    case Source::cas: return Step::cas;
    case Source::https: return Step::https;
  }
  return Step::file;
}

// One resolve() call: the reference, what it implies, and the attempts so far.
class Run {
 public:
  Run(ArtifactStore& store, Transport* transport, const ResolveOptions& options, const ArtifactRef& ref,
      const ArtifactUri& uri, std::optional<Hash> required)
      : store_(store), transport_(transport), options_(options), ref_(ref), uri_(uri),
        required_(required) {}

  std::vector<Attempt> attempts;
  std::optional<Error> store_error;  // from putting or binding a fetched answer

  // Each returns the verified bytes, or nullopt after recording why not.
  std::optional<std::string> by_binding() {
    auto bound = store_.lookup_uri(ref_.uri);
    if (!bound) return fail(Step::uri_binding, ref_.uri, bound.error());
    if (!*bound) {
      return fail(Step::uri_binding, ref_.uri,
                  Error::make(Errc::not_found, "URI " + quoted(ref_.uri) + " is not bound", ref_.uri));
    }
    const Hash& hash = **bound;
    if (required_ && hash != *required_) {
      return fail(Step::uri_binding, ref_.uri,
                  Error::make(Errc::conflict,
                              "URI " + quoted(ref_.uri) + " is bound to " + hash.hex() +
                                  ", not the expected " + required_->hex(),
                              ref_.uri));
    }
    return from_store(Step::uri_binding, hash);
  }

  std::optional<std::string> by_expected_hash() {
    if (!ref_.expected) return skip(Step::expected_hash, "", "no expected hash given");
    return from_store(Step::expected_hash, *ref_.expected);
  }

  std::optional<std::string> by_source(Source source) {
    const Step step = step_of(source);
    if (std::ranges::find(options_.allowed, source) == options_.allowed.end()) {
      return skip(step, ref_.uri, "source not allowed");
    }
    if (std::ranges::any_of(attempts, [&](const Attempt& a) { return a.step == step; })) {
      return skip(step, ref_.uri, "source already tried");
    }
    switch (source) {
      case Source::file: return by_file();
      case Source::cas: return by_cas();
      case Source::https: return by_https();
    }
    return std::nullopt;
  }

 private:
  std::optional<std::string> by_file() {
    ArtifactUri local = uri_;
    if (!ref_.file_path.empty()) {
      auto classified = resolver_detail::classify_artifact_uri(ref_.file_path);
      if (!classified) return fail(Step::file, ref_.file_path, classified.error());
      local = std::move(*classified);
    }
    if (local.kind != ArtifactUri::Kind::path && local.kind != ArtifactUri::Kind::file_uri) {
      return skip(Step::file, ref_.file_path.empty() ? ref_.uri : ref_.file_path, "not a path or file: URI");
    }
    auto bytes = resolver_detail::read_file_capped(local.path, options_.limits.max_bytes);
    if (!bytes) return fail(Step::file, local.path, bytes.error());
    return fetched(Step::file, local.path, std::move(*bytes));
  }

  std::optional<std::string> by_cas() {
    if (uri_.kind != ArtifactUri::Kind::hash) return skip(Step::cas, ref_.uri, "not a sha256: or digest: URI");
    // The expected-hash step has looked this very hash up already, with the same verdict.
    if (ref_.expected && *ref_.expected == *uri_.hash) {
      return skip(Step::cas, uri_.hash->hex(), "same hash as the expected-hash step");
    }
    return from_store(Step::cas, *uri_.hash);
  }

  std::optional<std::string> by_https() {
    if (uri_.kind != ArtifactUri::Kind::url) return skip(Step::https, ref_.uri, "not an http(s) URL");
    if (transport_ == nullptr) {
      return fail(Step::https, ref_.uri,
                  Error::make(Errc::unsupported,
                              "no transport is configured to fetch " + quoted(ref_.uri), ref_.uri));
    }
    auto got = transport_->fetch(ref_.uri, options_.limits);
    if (!got) return fail(Step::https, ref_.uri, got.error());
    // A transport that ignores the cap is still held to it here.
    if (got->body.size() > options_.limits.max_bytes) {
      return fail(Step::https, ref_.uri,
                  Error::make(Errc::too_large,
                              "fetching " + quoted(ref_.uri) + " returned " +
                                  std::to_string(got->body.size()) + " bytes; the cap is " +
                                  std::to_string(options_.limits.max_bytes),
                              ref_.uri));
    }
    return fetched(Step::https, ref_.uri, std::move(got->body));
  }

  // A blob the store holds under `hash`: present, intact, and the one the reference wants.
  std::optional<std::string> from_store(Step step, const Hash& hash) {
    const std::string target = hash.hex();
    if (required_ && hash != *required_) {
      return fail(step, target,
                  Error::make(Errc::conflict,
                              "hash " + quoted(target) + " is not the expected " + required_->hex(),
                              target));
    }
    auto blob = store_.get(hash);
    if (!blob) return fail(step, target, blob.error());
    if (!*blob) {
      return fail(step, target,
                  Error::make(Errc::not_found, "the store has no artifact " + quoted(target), target));
    }
    const Hash actual = sha256(**blob);
    if (actual != hash) {
      return fail(step, target,
                  Error::make(Errc::corrupt,
                              "stored artifact " + quoted(target) + " is corrupt: its bytes hash to " +
                                  actual.hex(),
                              target));
    }
    return answer(step, target, std::move(**blob));
  }

  // Bytes from outside the store: verified, then kept and bound so the next resolve is local.
  std::optional<std::string> fetched(Step step, const std::string& target, std::string bytes) {
    const Hash actual = sha256(bytes);
    if (required_ && actual != *required_) {
      return fail(step, target,
                  Error::make(Errc::corrupt,
                              std::string(step_name(step)) + " " + quoted(target) + " hashes to " +
                                  actual.hex() + ", not the expected " + required_->hex(),
                              target));
    }
    auto put = store_.put(bytes);
    if (!put) {
      store_error = put.error();
    } else if (*put != actual) {
      store_error = Error::make(Errc::internal,
                                "the store filed " + quoted(target) + " under " + put->hex() +
                                    " but its bytes hash to " + actual.hex(),
                                target);
    } else if (auto bound = store_.bind_uri(ref_.uri, actual); !bound) {
      store_error = bound.error();
    }
    return answer(step, target, std::move(bytes));
  }

  std::optional<std::string> answer(Step step, std::string target, std::string bytes) {
    attempts.push_back({step, Attempt::Outcome::answered, std::move(target), std::nullopt, {}});
    return bytes;
  }
  std::optional<std::string> fail(Step step, std::string target, Error error) {
    attempts.push_back({step, Attempt::Outcome::failed, std::move(target), std::move(error), {}});
    return std::nullopt;
  }
  std::optional<std::string> skip(Step step, std::string target, std::string note) {
    attempts.push_back({step, Attempt::Outcome::skipped, std::move(target), std::nullopt, std::move(note)});
    return std::nullopt;
  }

  ArtifactStore& store_;
  Transport* transport_;
  const ResolveOptions& options_;
  const ArtifactRef& ref_;
  const ArtifactUri& uri_;
  std::optional<Hash> required_;  // every answer must hash to this, when set
};

// "uri binding: not_found, expected hash: skipped, file: corrupt" — the whole run on one line.
std::string summarize(const std::vector<Attempt>& attempts) {
  std::string out = "tried ";
  // mutate: next-line rel.lt.ne: i steps by one from 0
  for (std::size_t i = 0; i < attempts.size(); ++i) {
    const Attempt& a = attempts[i];
    // mutate: next-line rel.gt.ne: i is unsigned
    if (i > 0) out += ", ";
    out += step_name(a.step);
    out += ": ";
    out += a.error ? std::string(errc_name(a.error->code))
                   : a.outcome == Attempt::Outcome::skipped ? "skipped" : "answered";
  }
  return out;
}

}  // namespace

Resolver::Resolver(ArtifactStore& store, Transport* transport, ResolveOptions options)
    : store_(store), transport_(transport), options_(std::move(options)) {}

Result<Resolved> Resolver::resolve(const ArtifactRef& ref, std::vector<Attempt>* trace) {
  if (trace != nullptr) trace->clear();
  auto uri = resolver_detail::classify_artifact_uri(ref.uri);
  if (!uri) return uri.error();

  std::optional<Hash> required = ref.expected;
  if (uri->kind == ArtifactUri::Kind::hash) {
    if (ref.expected && *ref.expected != *uri->hash) {
      return Error::make(Errc::conflict,
                         "artifact URI " + quoted(ref.uri) + " names a different hash than the expected " +
                             ref.expected->hex(),
                         ref.uri);
    }
    required = uri->hash;
  }

  Run run(store_, transport_, options_, ref, *uri, required);
  std::optional<std::string> bytes = run.by_binding();
  if (!bytes) bytes = run.by_expected_hash();
  for (auto source = ref.sources.begin(); !bytes && source != ref.sources.end(); ++source) {
    bytes = run.by_source(*source);
  }
  if (trace != nullptr) *trace = run.attempts;

  if (bytes) {
    Resolved out;
    out.hash = sha256(*bytes);
    out.bytes = std::move(*bytes);
    out.answered_by = run.attempts.back().step;
    out.attempts = std::move(run.attempts);
    out.store_error = std::move(run.store_error);
    return out;
  }
  // The binding step always records a failure, so there is a last error to report.
  const auto last = std::ranges::find_if(run.attempts.rbegin(), run.attempts.rend(),
                                         [](const Attempt& a) { return a.error.has_value(); });
  Error error = last != run.attempts.rend()
                    ? *last->error
                    : Error::make(Errc::not_found, "nothing was tried", ref.uri);
  error.message = "cannot resolve " + quoted(ref.uri) + ": " + error.message;
  error.input = sanitize(ref.uri);
  error.hint = error.hint.empty() ? summarize(run.attempts) : error.hint + "; " + summarize(run.attempts);
  return error;
}

}  // namespace sqlink
