// Opening the cache store and the host session lazily, so that commands that need neither
// (parsing checks, help) never touch the disk.
#include "cli/context.hpp"

#include <ctime>
#include <filesystem>

namespace sqlink::cli {

Result<CasStore*> Context::cas() {
  if (cas_) return &*cas_;
  auto path = cache_file_path(args_.cache_dir);
  if (!path) return std::move(path).error();
  auto store = CasStore::open(*path);
  if (!store) return std::move(store).error();
  cas_.emplace(std::move(store).value());
  return &*cas_;
}

Result<std::string> Context::lib_dir() {
  auto store = cas();
  if (!store) return std::move(store).error();
  return (std::filesystem::path((*store)->path()).parent_path() / "lib").string();
}

Result<Session*> Context::host() {
  if (host_) return &*host_;
  auto dir = lib_dir();
  if (!dir) return std::move(dir).error();
  std::error_code ec;
  std::filesystem::create_directories(*dir, ec);
  if (ec) {
    return Error::make(Errc::io_error, "cannot create " + quoted(*dir) + ": " + ec.message(), *dir);
  }
  HostPolicy policy;
  policy.allowed_dirs = {*dir};
  auto session = Session::open(args_.db.value_or(":memory:"), policy);
  if (!session) return std::move(session).error();
  host_.emplace(std::move(session).value());
  return &*host_;
}

std::string format_time(std::int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string short_hash(const Hash& hash) { return hash.hex().substr(0, 12); }

}  // namespace sqlink::cli
