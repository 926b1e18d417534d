// The registration entries of the patched API table. Each one packs its arguments into a
// Registration and hands it to the Session that owns the connection; nothing throws past here.
// Connections no Session owns (an extension may open its own) get SQLite's call unchanged.
#include <new>
#include <optional>
#include <string>
#include <utility>

#include "host/internal.hpp"

namespace sqlink::host_detail {
namespace {

using ScalarFn = void (*)(sqlite3_context*, int, sqlite3_value**);
using FinalFn = void (*)(sqlite3_context*);
using CompareFn = int (*)(void*, int, const void*, int, const void*);

// `pass` is SQLite's own call, used for connections the host does not own. A call it cannot
// attribute (no load in progress, code outside every loaded extension) is refused, and the
// destructor runs where SQLite would run it on a failure.
template <class Pass>
int dispatch(sqlite3* db, std::optional<std::string> name, Registration proto,
             Pass pass) noexcept {
  auto fail = [&](int rc) {
    if (proto.destroy && proto.kind != NameKind::collation) proto.destroy(proto.user_data);
    return rc;
  };
  try {
    Session::Impl* session = session_of(db);
    if (session == nullptr) return pass();
    if (!name) return fail(SQLITE_MISUSE);
    std::optional<std::size_t> ext = session->attribute(proto.cb.any_code());
    if (!ext) return fail(SQLITE_MISUSE);
    proto.name = std::move(*name);
    return session->on_register(*ext, std::move(proto));
  } catch (const std::bad_alloc&) {
    return SQLITE_NOMEM;
  } catch (...) {
    return SQLITE_INTERNAL;
  }
}

std::optional<std::string> utf8_name(const char* name) {
  return name ? std::optional<std::string>(name) : std::nullopt;
}

Registration function(int n_args, int text_rep, void* user_data, ScalarFn func, ScalarFn step,
                      FinalFn final, Destructor destroy) {
  Registration reg;
  reg.kind = NameKind::function;
  reg.n_args = n_args;
  reg.text_rep = text_rep;
  reg.user_data = user_data;
  reg.cb.func = func;
  reg.cb.step = step;
  reg.cb.final = final;
  reg.destroy = destroy;
  return reg;
}

Registration collation(int text_rep, void* user_data, CompareFn compare, Destructor destroy) {
  Registration reg;
  reg.kind = NameKind::collation;
  reg.n_args = kCollationArgs;
  reg.text_rep = text_rep;
  reg.user_data = user_data;
  reg.cb.compare = compare;
  reg.destroy = destroy;
  return reg;
}

Registration module(const sqlite3_module* definition, void* aux, Destructor destroy) {
  Registration reg;
  reg.kind = NameKind::module;
  reg.n_args = kModuleArgs;
  reg.user_data = aux;
  reg.cb.module = definition;
  reg.destroy = destroy;
  return reg;
}

}  // namespace

int wrap_create_function(sqlite3* db, const char* name, int n_args, int text_rep, void* p,
                         ScalarFn func, ScalarFn step, FinalFn final) {
  return dispatch(db, utf8_name(name), function(n_args, text_rep, p, func, step, final, nullptr),
                  [&] { return sqlite3_create_function(db, name, n_args, text_rep, p, func, step, final); });
}

int wrap_create_function16(sqlite3* db, const void* name, int n_args, int text_rep, void* p,
                           ScalarFn func, ScalarFn step, FinalFn final) {
  return dispatch(db, utf16_to_utf8(name), function(n_args, text_rep, p, func, step, final, nullptr),
                  [&] { return sqlite3_create_function16(db, name, n_args, text_rep, p, func, step, final); });
}

int wrap_create_function_v2(sqlite3* db, const char* name, int n_args, int text_rep, void* p,
                            ScalarFn func, ScalarFn step, FinalFn final, void (*destroy)(void*)) {
  return dispatch(db, utf8_name(name), function(n_args, text_rep, p, func, step, final, destroy),
                  [&] {
                    return sqlite3_create_function_v2(db, name, n_args, text_rep, p, func, step,
                                                      final, destroy);
                  });
}

int wrap_create_window_function(sqlite3* db, const char* name, int n_args, int text_rep, void* p,
                                ScalarFn step, FinalFn final, FinalFn value, ScalarFn inverse,
                                void (*destroy)(void*)) {
  Registration reg = function(n_args, text_rep, p, nullptr, step, final, destroy);
  reg.cb.value = value;
  reg.cb.inverse = inverse;
  reg.cb.window = true;
  return dispatch(db, utf8_name(name), std::move(reg), [&] {
    return sqlite3_create_window_function(db, name, n_args, text_rep, p, step, final, value,
                                          inverse, destroy);
  });
}

int wrap_create_collation(sqlite3* db, const char* name, int text_rep, void* p,
                          CompareFn compare) {
  return dispatch(db, utf8_name(name), collation(text_rep, p, compare, nullptr),
                  [&] { return sqlite3_create_collation(db, name, text_rep, p, compare); });
}

int wrap_create_collation_v2(sqlite3* db, const char* name, int text_rep, void* p,
                             CompareFn compare, void (*destroy)(void*)) {
  return dispatch(db, utf8_name(name), collation(text_rep, p, compare, destroy), [&] {
    return sqlite3_create_collation_v2(db, name, text_rep, p, compare, destroy);
  });
}

int wrap_create_collation16(sqlite3* db, const void* name, int text_rep, void* p,
                            CompareFn compare) {
  return dispatch(db, utf16_to_utf8(name), collation(text_rep, p, compare, nullptr),
                  [&] { return sqlite3_create_collation16(db, name, text_rep, p, compare); });
}

int wrap_create_module(sqlite3* db, const char* name, const sqlite3_module* definition,
                       void* aux) {
  return dispatch(db, utf8_name(name), module(definition, aux, nullptr),
                  [&] { return sqlite3_create_module(db, name, definition, aux); });
}

int wrap_create_module_v2(sqlite3* db, const char* name, const sqlite3_module* definition,
                          void* aux, void (*destroy)(void*)) {
  return dispatch(db, utf8_name(name), module(definition, aux, destroy),
                  [&] { return sqlite3_create_module_v2(db, name, definition, aux, destroy); });
}

}  // namespace sqlink::host_detail
