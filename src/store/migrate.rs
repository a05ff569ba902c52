//! Versioned schema migrations, applied when the database is opened; one version number for
//! both backends (the same steps, written in each dialect).
//!
//! SQLite keeps the version in `PRAGMA user_version`, PostgreSQL in the one-row table
//! `madoguchi_schema`. Each step moves a database from version `n - 1` to `n` in the same
//! transaction as the version bump, taken under the write lock (`BEGIN IMMEDIATE` on SQLite,
//! an advisory transaction lock on PostgreSQL), so two counters starting at once never
//! migrate twice, and a crash mid-migration leaves the old version intact. Steps are never
//! edited once released: a change is a new step.

use super::db::{Dialect, Sql};
use super::{anon_from_determination, json_list, StoreError};
use crate::vals;

/// The version this program writes.
pub const LATEST: i64 = 3;

/// Version 1: cases, prints and the append-only audit log.
const V1_SQLITE: &str = r#"
CREATE TABLE cases (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    clerk TEXT NOT NULL,
    event_kind TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    intake_json TEXT,
    set_digest TEXT,
    determination_json TEXT,
    opened_at TEXT NOT NULL,
    card_read_at TEXT,
    qr_read_at TEXT,
    determined_at TEXT,
    printed_at TEXT,
    closed_at TEXT
);
CREATE INDEX cases_status ON cases (status);
CREATE TABLE prints (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    manifest_json TEXT NOT NULL,
    printer TEXT,
    job TEXT
);
CREATE INDEX prints_case ON prints (case_id);
CREATE TABLE audit (
    id INTEGER PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_code TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

const V1_POSTGRES: &str = r#"
CREATE TABLE cases (
    id BIGSERIAL PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    clerk TEXT NOT NULL,
    event_kind TEXT,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    intake_json TEXT,
    set_digest TEXT,
    determination_json TEXT,
    opened_at TEXT NOT NULL,
    card_read_at TEXT,
    qr_read_at TEXT,
    determined_at TEXT,
    printed_at TEXT,
    closed_at TEXT
);
CREATE INDEX cases_status ON cases (status);
CREATE TABLE prints (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    manifest_json TEXT NOT NULL,
    printer TEXT,
    job TEXT
);
CREATE INDEX prints_case ON prints (case_id);
CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    case_code TEXT,
    detail TEXT NOT NULL DEFAULT ''
);
CREATE FUNCTION madoguchi_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only' USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_no_update_or_delete BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION madoguchi_audit_append_only();
CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION madoguchi_audit_append_only();
"#;

/// Version 2: retention and statistics. The anonymous record (household size, procedure,
/// form and counter ids) gets its own columns so it outlives the purge of the intake and the
/// determination; set-aside procedures get a table.
const V2_SQLITE: &str = r#"
ALTER TABLE cases ADD COLUMN household_size INTEGER;
ALTER TABLE cases ADD COLUMN procedures TEXT;
ALTER TABLE cases ADD COLUMN forms TEXT;
ALTER TABLE cases ADD COLUMN counters TEXT;
ALTER TABLE cases ADD COLUMN purged_at TEXT;
CREATE INDEX cases_opened ON cases (opened_at);
CREATE TABLE set_asides (
    id INTEGER PRIMARY KEY,
    case_id INTEGER NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    procedure TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX set_asides_case ON set_asides (case_id);
"#;

const V2_POSTGRES: &str = r#"
ALTER TABLE cases ADD COLUMN household_size BIGINT;
ALTER TABLE cases ADD COLUMN procedures TEXT;
ALTER TABLE cases ADD COLUMN forms TEXT;
ALTER TABLE cases ADD COLUMN counters TEXT;
ALTER TABLE cases ADD COLUMN purged_at TEXT;
CREATE INDEX cases_opened ON cases (opened_at);
CREATE TABLE set_asides (
    id BIGSERIAL PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    at TEXT NOT NULL,
    procedure TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX set_asides_case ON set_asides (case_id);
"#;

/// Version 3: several counters. A case knows the counter that opened it, when it was last
/// touched (retention of abandoned cases), whether it was discarded, and a row version; each
/// applied procedure has a status per section with who changed it when, and a history of
/// every change; published procedure sets are kept with their digest.
const V3_COMMON: &str = r#"
ALTER TABLE cases ADD COLUMN counter TEXT;
ALTER TABLE cases ADD COLUMN updated_at TEXT;
ALTER TABLE cases ADD COLUMN discarded_at TEXT;
ALTER TABLE cases ADD COLUMN version BIGINT NOT NULL DEFAULT 0;
CREATE TABLE procedure_status (
    case_id BIGINT NOT NULL REFERENCES cases (id),
    procedure TEXT NOT NULL,
    section TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'set_aside')),
    counter TEXT,
    clerk TEXT,
    at TEXT,
    reason TEXT,
    PRIMARY KEY (case_id, procedure)
);
CREATE TABLE procedure_marks (
    id #SERIAL# PRIMARY KEY,
    case_id BIGINT NOT NULL REFERENCES cases (id),
    procedure TEXT NOT NULL,
    section TEXT NOT NULL,
    status TEXT NOT NULL,
    counter TEXT NOT NULL,
    clerk TEXT NOT NULL,
    at TEXT NOT NULL,
    reason TEXT
);
CREATE INDEX procedure_marks_case ON procedure_marks (case_id);
CREATE TABLE procedure_sets (
    id #SERIAL# PRIMARY KEY,
    digest TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    published_at TEXT NOT NULL,
    published_by TEXT NOT NULL,
    files_json TEXT NOT NULL
);
"#;

fn v3(d: Dialect) -> String {
    V3_COMMON.replace(
        "#SERIAL#",
        match d {
            Dialect::Sqlite => "INTEGER",
            Dialect::Postgres => "BIGSERIAL",
        },
    )
}

/// The schema version (0: an empty database).
pub fn version(c: &mut dyn Sql) -> Result<i64, StoreError> {
    match c.dialect() {
        Dialect::Sqlite => c.query_one("PRAGMA user_version", &[])?.int(0),
        Dialect::Postgres => {
            let exists = c
                .query_one(
                    "SELECT COUNT(*) FROM pg_tables WHERE schemaname = current_schema() AND tablename = 'madoguchi_schema'",
                    &[],
                )?
                .int(0)?;
            if exists == 0 {
                return Ok(0);
            }
            Ok(c.query_opt("SELECT version FROM madoguchi_schema", &[])?
                .map(|r| r.int(0))
                .transpose()?
                .unwrap_or(0))
        }
    }
}

fn set_version(c: &mut dyn Sql, v: i64) -> Result<(), StoreError> {
    match c.dialect() {
        Dialect::Sqlite => c.batch(&format!(
            "PRAGMA user_version = {v}; PRAGMA application_id = {};",
            super::backend::SQLITE_APPLICATION_ID
        )),
        Dialect::Postgres => {
            c.batch(
                "CREATE TABLE IF NOT EXISTS madoguchi_schema (application TEXT NOT NULL, version BIGINT NOT NULL)",
            )?;
            if c.execute("UPDATE madoguchi_schema SET version = ?1", vals![v])? == 0 {
                c.execute(
                    "INSERT INTO madoguchi_schema (application, version) VALUES ('madoguchi', ?1)",
                    vals![v],
                )?;
            }
            Ok(())
        }
    }
}

/// Whether the database needs migrating (a cheap read, so an up-to-date database never
/// takes the write lock at open).
pub fn is_current(c: &mut dyn Sql) -> Result<bool, StoreError> {
    Ok(version(c)? == LATEST)
}

/// Brings the database from its version to `target` (≤ [`LATEST`]), inside the caller's
/// write transaction. Public (through [`super::Store::migrate_to`]) so tests can build
/// databases of every earlier version and check that opening upgrades them.
pub fn migrate_tx(tx: &mut dyn Sql, target: i64) -> Result<(), StoreError> {
    let d = tx.dialect();
    if d == Dialect::Postgres {
        // Serialises two counters starting at once (DDL would otherwise race).
        tx.query("SELECT pg_advisory_xact_lock(7263529)", &[])?;
    }
    // Read again inside the write lock: another process may have migrated meanwhile.
    let v = version(tx)?;
    if v > LATEST {
        return Err(StoreError::TooNew {
            found: v,
            known: LATEST,
        });
    }
    if v < 1 && target >= 1 {
        tx.batch(match d {
            Dialect::Sqlite => V1_SQLITE,
            Dialect::Postgres => V1_POSTGRES,
        })?;
    }
    if v < 2 && target >= 2 {
        tx.batch(match d {
            Dialect::Sqlite => V2_SQLITE,
            Dialect::Postgres => V2_POSTGRES,
        })?;
        backfill_v2(tx)?;
    }
    if v < 3 && target >= 3 {
        tx.batch(&v3(d))?;
        backfill_v3(tx)?;
    }
    if target > v {
        set_version(tx, target)?;
    }
    Ok(())
}

/// Fills the anonymous columns of cases written by version 1 from their stored JSON, so
/// statistics cover them and a later purge keeps their record.
fn backfill_v2(tx: &mut dyn Sql) -> Result<(), StoreError> {
    let rows = tx.query("SELECT id, intake_json, determination_json FROM cases", &[])?;
    for r in rows {
        let id = r.int(0)?;
        let size = r
            .opt_text(1)?
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .and_then(|v| v["household"]["members"].as_array().map(|a| a.len() as i64));
        let anon = r
            .opt_text(2)?
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
            .map(|v| anon_from_determination(&v));
        tx.execute(
            "UPDATE cases SET household_size = ?2, procedures = ?3, forms = ?4, counters = ?5 WHERE id = ?1",
            vals![
                id,
                size,
                anon.as_ref().map(|a| json_list(&a.procedures)),
                anon.as_ref().map(|a| json_list(&a.forms)),
                anon.as_ref().map(|a| json_list(&a.counters)),
            ],
        )?;
    }
    Ok(())
}

/// Gives cases written before version 3 a status per applied procedure (from the stored
/// determination; set-aside ones from the set-aside table) and a last-touched time, so
/// continuation at other counters and the retention of abandoned cases cover them too.
fn backfill_v3(tx: &mut dyn Sql) -> Result<(), StoreError> {
    let rows = tx.query(
        "SELECT id, determination_json, clerk, determined_at, \
         COALESCE(closed_at, printed_at, determined_at, qr_read_at, card_read_at, opened_at) \
         FROM cases WHERE purged_at IS NULL",
        &[],
    )?;
    for r in rows {
        let id = r.int(0)?;
        tx.execute(
            "UPDATE cases SET updated_at = ?2 WHERE id = ?1",
            vals![id, r.opt_text(4)?],
        )?;
        let Some(det) = r
            .opt_text(1)?
            .and_then(|t| serde_json::from_str::<serde_json::Value>(&t).ok())
        else {
            continue;
        };
        for p in det["procedures"].as_array().into_iter().flatten() {
            let Some(pid) = p["id"].as_str() else {
                continue;
            };
            let section = p["section"].as_str().unwrap_or("");
            tx.execute(
                "INSERT INTO procedure_status (case_id, procedure, section, status) \
                 VALUES (?1, ?2, ?3, 'pending') ON CONFLICT DO NOTHING",
                vals![id, pid, section],
            )?;
        }
        let asides = tx.query(
            "SELECT procedure, at, reason FROM set_asides WHERE case_id = ?1 ORDER BY id",
            vals![id],
        )?;
        for a in asides {
            tx.execute(
                "UPDATE procedure_status SET status = 'set_aside', clerk = ?3, at = ?4, reason = ?5 \
                 WHERE case_id = ?1 AND procedure = ?2",
                vals![id, a.text(0)?, r.text(2)?, a.text(1)?, a.opt_text(2)?],
            )?;
        }
        let _ = r.opt_text(3)?;
    }
    Ok(())
}
