// Private to the host module: dlopen() of a checked file through its descriptor, the init
// entry point, and the prefix declarations it exports (see library.cpp).
#pragma once

#include <sqlite3.h>

#include <optional>
#include <string>
#include <string_view>

#include "host/allowlist.hpp"
#include "sqlink/error.hpp"

namespace sqlink::host_detail {

// The signature every SQLite extension entry point has; the table is passed as const void*
// so that only api_table.cpp needs sqlite3ext.h.
using InitFn = int (*)(sqlite3*, char**, const void*);

struct SharedObject {
  void* handle = nullptr;
  std::string loaded_as;   // the name dlopen() was given
  bool through_fd = true;  // false: /proc was missing and the path was used after a re-check
  bool keeps_fd = false;   // the name is /proc/self/fd/N itself: N must outlive the object
  FileFd file;             // N, when keeps_fd
};

// dlopen(RTLD_NOW|RTLD_LOCAL) of the opened file. Errors name opened.checked.given.
Result<SharedObject> open_shared_object(OpenedLibrary opened);
// dlclose() after a failed init. The descriptor is closed only if the object is gone.
void close_shared_object(SharedObject& object);
// Keeps the object for the process lifetime (after a successful init).
void keep_shared_object(SharedObject& object);

struct EntryPoint {
  std::string name;
  InitFn init = nullptr;
  const void* base = nullptr;  // dli_fbase of the object the entry lies in
};
// `explicit_name` if given, else sqlite3_extension_init, else SQLite's derived name.
Result<EntryPoint> find_entry_point(const SharedObject& object, std::string_view given_path,
                                    const std::optional<std::string>& explicit_name);

// The value of an exported declaration (sqlink_preferred_prefix, sqlink_prefix_expansion):
// nothing when the symbol is absent; its bytes, valid or not, when present.
std::optional<std::string> read_declaration(const SharedObject& object, const char* symbol);

}  // namespace sqlink::host_detail
