// dlopen() of a checked extension through its descriptor, so the object mapped is the file
// that was opened beneath its allowed directory; then its entry point and its declarations.
// Invariant: no name handed to dlopen() is ever handed to it again for another file.
//
// glibc matches a dlopen() name against the names of every loaded object before it opens
// anything. The descriptor is reached through a symlink to /proc/self/fd/N, named
// "<private dir>/<n>-<file name>" with n counting loads in this process, made for the call
// and removed after it: unique, and it keeps the file name visible in link maps, sanitizer
// reports and suppressions. Where no such symlink can be made, /proc/self/fd/N itself is the
// name, and N then stays open for as long as the object may be loaded (forever after a
// successful init), since a reused N would match the old object.
#include <dlfcn.h>
#include <elf.h>
#include <link.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <utility>
#include <string>

#if defined(__SANITIZE_ADDRESS__)
#define SQLINK_HOST_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SQLINK_HOST_ASAN 1
#endif
#endif
#ifndef SQLINK_HOST_ASAN
#define SQLINK_HOST_ASAN 0
#endif
#if SQLINK_HOST_ASAN
#include <sanitizer/asan_interface.h>
#endif

#include "host/library.hpp"
#include "sqlink/host.hpp"
#include "sqlink/limits.hpp"
#include "sqlink/prefix.hpp"

namespace sqlink::host_detail {
namespace {

std::string dl_error_text() {
  const char* text = dlerror();
  return sanitize(text ? text : "unknown dlopen error");
}

// The bytes that belong to a data symbol. AddressSanitizer pads an instrumented global with
// a poisoned redzone and counts it in the symbol's size; the real extent ends where the
// poison starts. Without ASan the size is exact.
std::size_t symbol_extent(const void* address, std::size_t size) {
#if SQLINK_HOST_ASAN
  if (const void* poisoned = __asan_region_is_poisoned(const_cast<void*>(address), size)) {
    return static_cast<std::size_t>(static_cast<const char*>(poisoned) -
                                    static_cast<const char*>(address));
  }
#else
  (void)address;
#endif
  return size;
}

template <class F>
F function_from(void* symbol) noexcept {
  return reinterpret_cast<F>(reinterpret_cast<std::uintptr_t>(symbol));
}

bool same_file(int fd, const std::string& path) {
  struct stat by_fd {}, by_path {};
  return ::fstat(fd, &by_fd) == 0 && ::stat(path.c_str(), &by_path) == 0 &&
         by_fd.st_dev == by_path.st_dev && by_fd.st_ino == by_path.st_ino;
}

}  // namespace

namespace {

std::atomic<unsigned long> g_loads{0};

// The symlink dlopen() is given: made in a fresh 0700 directory, removed on destruction.
class Trampoline {
 public:
  static std::optional<Trampoline> make(const std::string& target, const std::string& canonical) {
    const char* tmp = std::getenv("TMPDIR");
    std::string dir = std::string(tmp && *tmp == '/' ? tmp : "/tmp") + "/sqlink-dl-XXXXXX";
    if (::mkdtemp(dir.data()) == nullptr) return std::nullopt;
    std::string file;
    for (char c : canonical.substr(canonical.rfind('/') + 1)) {
      const bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                         (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
      file += plain ? c : '_';
    }
    Trampoline t(dir, dir + "/" + std::to_string(++g_loads) + "-" + file);
    if (::symlink(target.c_str(), t.link_.c_str()) != 0) return std::nullopt;
    return t;
  }
  Trampoline(Trampoline&& other) noexcept
      : dir_(std::exchange(other.dir_, {})), link_(std::exchange(other.link_, {})) {}
  Trampoline& operator=(Trampoline&&) = delete;
  ~Trampoline() {
    if (!link_.empty()) ::unlink(link_.c_str());
    if (!dir_.empty()) ::rmdir(dir_.c_str());
  }
  const std::string& link() const { return link_; }

 private:
  Trampoline(std::string dir, std::string link) : dir_(std::move(dir)), link_(std::move(link)) {}
  std::string dir_;
  std::string link_;
};

}  // namespace

Result<SharedObject> open_shared_object(OpenedLibrary opened) {
  const CheckedLibrary& lib = opened.checked;
  SharedObject object;
  const std::string fd_path = "/proc/self/fd/" + std::to_string(opened.file.get());
  const bool has_proc = ::access(fd_path.c_str(), F_OK) == 0;
  const std::optional<Trampoline> trampoline =
      has_proc ? Trampoline::make(fd_path, lib.canonical_path) : std::nullopt;
  if (!has_proc) {
    // No /proc: the path again, but only if it still names the file we checked. The window
    // between this check and dlopen() is what the descriptor route closes.
    if (!same_file(opened.file.get(), lib.canonical_path)) {
      return Error::make(Errc::outside_root,
                         "extension " + quoted(lib.given) + " changed after validation",
                         lib.given);
    }
    object.loaded_as = lib.canonical_path;
    object.through_fd = false;
  } else if (trampoline) {
    object.loaded_as = trampoline->link();
  } else {
    object.loaded_as = fd_path;
    object.keeps_fd = true;
  }
  dlerror();
  object.handle = dlopen(object.loaded_as.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (object.handle == nullptr) {
    return Error::make(Errc::invalid_value,
                       "cannot load extension " + quoted(lib.given) + ": " + dl_error_text(),
                       lib.given);
  }
  if (object.keeps_fd) object.file = std::move(opened.file);
  return object;
}

void close_shared_object(SharedObject& object) {
  if (object.handle == nullptr) return;
  dlclose(object.handle);
  object.handle = nullptr;
  if (!object.keeps_fd) return;
  // Still loaded (someone else holds it): its record keeps our /proc name, so keep N.
  if (void* still = dlopen(object.loaded_as.c_str(), RTLD_NOW | RTLD_NOLOAD)) {
    dlclose(still);
    object.file.release();
  }
}

void keep_shared_object(SharedObject& object) {
  object.handle = nullptr;  // never dlclose()d
  object.file.release();    // never closed, when it is the name glibc recorded
}

Result<EntryPoint> find_entry_point(const SharedObject& object, std::string_view given_path,
                                    const std::optional<std::string>& explicit_name) {
  std::vector<std::string> names;
  if (explicit_name) {
    names.push_back(*explicit_name);
  } else {
    names.emplace_back(kLegacyEntryPoint);
    names.push_back(default_entry_point(given_path));
  }
  for (const std::string& name : names) {
    void* symbol = dlsym(object.handle, name.c_str());
    if (symbol == nullptr) continue;
    EntryPoint entry{name, function_from<InitFn>(symbol), nullptr};
    Dl_info info{};
    if (dladdr(symbol, &info) != 0) entry.base = info.dli_fbase;
    return entry;
  }
  std::string tried;
  for (const std::string& name : names) tried += (tried.empty() ? "" : " nor ") + quoted(name);
  return Error::make(Errc::not_found,
                     "extension " + quoted(given_path) + " has no entry point: neither " + tried +
                         " is exported",
                     given_path, "pass the entry point's name explicitly");
}

std::optional<std::string> read_declaration(const SharedObject& object, const char* symbol) {
  void* address = dlsym(object.handle, symbol);
  if (address == nullptr) return std::nullopt;
  Dl_info info{};
  void* extra = nullptr;  // dladdr1 stores a const ElfW(Sym)* here
  if (dladdr1(address, &info, &extra, RTLD_DL_SYMENT) == 0 || extra == nullptr) {
    return std::string();  // present but unsized: read nothing, report it as invalid
  }
  const std::size_t size = symbol_extent(address, static_cast<const ElfW(Sym)*>(extra)->st_size);
  // The documented form is a char array. `const char* const name = "..."` is read too: a
  // pointer-sized symbol whose value points back into the same object is followed, once. An
  // 8-byte char array read as a pointer is a non-canonical address, never inside an object.
  if (size == sizeof(const char*)) {
    const char* target = nullptr;
    std::memcpy(&target, address, sizeof target);
    Dl_info target_info{};
    // mutate: next-line logic.and.or: without a target or its dladdr, target_info stays zeroed, and its null dli_fbase never equals the one dladdr1 just set
    if (target != nullptr && dladdr(target, &target_info) != 0 &&
        target_info.dli_fbase == info.dli_fbase) {
      // A string literal has no symbol size: bounded by the longest name accepted, plus one.
      return std::string(target, ::strnlen(target, limits::kMaxNameBytes + 1));
    }
  }
  const char* bytes = static_cast<const char*>(address);
  const void* nul = std::memchr(bytes, '\0', size);
  return std::string(bytes, nul ? static_cast<std::size_t>(static_cast<const char*>(nul) - bytes)
                                : size);
}

}  // namespace sqlink::host_detail
