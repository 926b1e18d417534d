CREATE TABLE __cas_artifact(hash BLOB PRIMARY KEY NOT NULL CHECK (length(hash) = 32), bytes BLOB NOT NULL, bytes_len INTEGER NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL, use_count INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;
CREATE TABLE __cas_bundle(id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, set_hash BLOB NOT NULL, created_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL);
CREATE TABLE __cas_bundle_binary(bundle_id INTEGER NOT NULL REFERENCES __cas_bundle ON DELETE CASCADE, target_triple TEXT NOT NULL, binary_path TEXT NOT NULL, built_at INTEGER NOT NULL, PRIMARY KEY(bundle_id, target_triple)) WITHOUT ROWID;
CREATE TABLE __cas_bundle_member(bundle_id INTEGER NOT NULL REFERENCES __cas_bundle ON DELETE CASCADE, extension_name TEXT NOT NULL, content_hash BLOB NOT NULL, PRIMARY KEY(bundle_id, extension_name)) WITHOUT ROWID;
CREATE TABLE __cas_meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
CREATE TABLE __cas_uri(uri TEXT PRIMARY KEY NOT NULL, hash BLOB NOT NULL REFERENCES __cas_artifact ON DELETE RESTRICT, fetched_at INTEGER NOT NULL, last_used_at INTEGER NOT NULL);
CREATE INDEX __cas_bundle_member_content ON __cas_bundle_member(content_hash);
CREATE INDEX __cas_bundle_set_hash ON __cas_bundle(set_hash);
CREATE INDEX __cas_uri_hash ON __cas_uri(hash);
