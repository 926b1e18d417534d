// Thin RAII over the SQLite C API for the cas and bundle modules: connection, leased
// statements, write transactions, and SQLite result codes turned into sqlink errors.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sqlink/error.hpp"
#include "sqlink/hash.hpp"

namespace sqlink::cas_detail {

// "<doing>: <SQLite's message>", with the code chosen from the result code (busy is timeout,
// readonly is permission_denied, corrupt/notadb is corrupt, ...). `input` is echoed sanitised.
Error sqlite_error(sqlite3* db, int rc, std::string_view doing, std::string_view input = {});

// file: URI for a filesystem path, percent-encoding what a URI would misread ('?', '#', '%').
// `query` is appended after '?' when non-empty ("mode=ro", "immutable=1").
std::string file_uri(std::string_view path, std::string_view query = {});

// A statement leased from a Connection. On destruction it is reset and its bindings cleared
// (cached) or finalized (uncached). Text and small blobs are copied when bound; bind_blob_ref
// does not copy, so its data must outlive every step().
class Stmt {
 public:
  // `leased` (cached statements only) is cleared when the lease ends.
  Stmt(sqlite3* db, sqlite3_stmt* stmt, bool* leased) noexcept
      : db_(db), stmt_(stmt), leased_(leased) {}
  Stmt(Stmt&& other) noexcept;
  Stmt& operator=(Stmt&&) = delete;
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  ~Stmt();

  Stmt& bind(int index, std::int64_t value);
  Stmt& bind_text(int index, std::string_view text);
  Stmt& bind_blob(int index, std::string_view bytes);
  Stmt& bind_blob_ref(int index, std::string_view bytes);
  Stmt& bind_hash(int index, const Hash& hash) { return bind_blob(index, hash.view()); }

  // true while a row is available, false once done.
  Result<bool> step(std::string_view doing);
  // Steps to the end, ignoring rows.
  Result<void> run(std::string_view doing);

  std::int64_t int64(int column) const;
  std::string_view text(int column) const;
  std::string_view blob(int column) const;
  bool is_null(int column) const;
  sqlite3_stmt* raw() const noexcept { return stmt_; }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  bool* leased_;  // null: the statement is owned and finalized
};

// One sqlite3 connection with an optional cache of prepared statements keyed by SQL text.
class Connection {
 public:
  Connection() = default;
  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // `target` is a file: URI; `shown` is the path messages name.
  static Result<Connection> open(const std::string& target, int flags, std::string_view shown);

  sqlite3* get() const noexcept { return db_; }
  explicit operator bool() const noexcept { return db_ != nullptr; }
  void set_caching(bool on) noexcept { caching_ = on; }

  Result<void> exec(const char* sql, std::string_view doing);
  Result<Stmt> prepare(std::string_view sql, std::string_view doing);
  // Finalizes every cached statement, then closes. Safe to call twice.
  void close() noexcept;

 private:
  struct ViewHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>{}(s);
    }
  };
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool leased = false;  // a nested use of the same SQL gets its own statement
  };
  sqlite3* db_ = nullptr;
  bool caching_ = true;
  // Node-based, so the `leased` flags a Stmt points at survive rehashing and moves.
  std::unordered_map<std::string, Cached, ViewHash, std::equal_to<>> cache_;
};

// BEGIN IMMEDIATE: the write lock is taken up front, waiting through busy_timeout, so no write
// can fail half-way with SQLITE_BUSY on a lock upgrade. Rolls back unless commit() succeeded.
class WriteTxn {
 public:
  static Result<WriteTxn> begin(Connection& db, std::string_view doing);
  WriteTxn(WriteTxn&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  WriteTxn& operator=(WriteTxn&&) = delete;
  WriteTxn(const WriteTxn&) = delete;
  WriteTxn& operator=(const WriteTxn&) = delete;
  ~WriteTxn();
  Result<void> commit(std::string_view doing);

 private:
  explicit WriteTxn(Connection* db) noexcept : db_(db) {}
  Connection* db_;
};

// A read transaction, so several SELECTs see one snapshot. Ended (never committing anything)
// on destruction.
class ReadTxn {
 public:
  static Result<ReadTxn> begin(Connection& db, std::string_view doing);
  ReadTxn(ReadTxn&& other) noexcept : db_(other.db_) { other.db_ = nullptr; }
  ReadTxn& operator=(ReadTxn&&) = delete;
  ReadTxn(const ReadTxn&) = delete;
  ReadTxn& operator=(const ReadTxn&) = delete;
  ~ReadTxn();

 private:
  explicit ReadTxn(Connection* db) noexcept : db_(db) {}
  Connection* db_;
};

// Registers sqlink_sha256(blob) -> 32-byte blob on the connection (deterministic), for the
// migration that derives hashes from stored bytes.
Result<void> register_sha256_function(Connection& db);

}  // namespace sqlink::cas_detail
