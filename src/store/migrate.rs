//! Versioned schema migrations, applied when the database is opened.
//!
//! The version lives in `PRAGMA user_version`. Each step moves a file from version `n - 1` to
//! `n` and runs in the same `BEGIN IMMEDIATE` transaction as the version bump, so two counter
//! processes starting at once never migrate twice, and a crash mid-migration leaves the old
//! version intact. Steps are never edited once released: a change is a new step.

use super::{anon_from_determination, json_list, StoreError};
use rusqlite::{params, Connection, TransactionBehavior};

/// The version this program writes.
pub const LATEST: i64 = 2;

/// Version 1: cases, prints and the append-only audit log.
const V1: &str = r#"
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

/// Version 2: retention and statistics. The anonymous record (household size, procedure,
/// form and counter ids) gets its own columns so it outlives the purge of the intake and the
/// determination; set-aside procedures get a table.
const V2: &str = r#"
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

fn version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the file to [`LATEST`].
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    // Cheap check first, so an up-to-date file never takes the write lock at open.
    if version(conn)? == LATEST {
        return Ok(());
    }
    migrate_to(conn, LATEST)
}

/// Brings the file to `target` (≤ [`LATEST`]). Public so tests can build files of every
/// earlier version and check that opening upgrades them.
pub fn migrate_to(conn: &mut Connection, target: i64) -> Result<(), StoreError> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Read again inside the write lock: another process may have migrated meanwhile.
    let v = version(&tx)?;
    if v > LATEST {
        return Err(StoreError::TooNew {
            found: v,
            known: LATEST,
        });
    }
    if v < 1 && target >= 1 {
        tx.execute_batch(V1)?;
    }
    if v < 2 && target >= 2 {
        tx.execute_batch(V2)?;
        backfill_v2(&tx)?;
    }
    if target > v {
        tx.pragma_update(None, "user_version", target)?;
    }
    tx.commit()?;
    Ok(())
}

/// Fills the anonymous columns of cases written by version 1 from their stored JSON, so
/// statistics cover them and a later purge keeps their record.
fn backfill_v2(tx: &rusqlite::Transaction<'_>) -> Result<(), StoreError> {
    let rows: Vec<(i64, Option<String>, Option<String>)> = {
        let mut st = tx.prepare("SELECT id, intake_json, determination_json FROM cases")?;
        let it = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
        it.collect::<Result<_, _>>()?
    };
    for (id, intake, det) in rows {
        let size = intake
            .as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .and_then(|v| v["household"]["members"].as_array().map(|a| a.len() as i64));
        let anon = det
            .as_deref()
            .and_then(|t| serde_json::from_str::<serde_json::Value>(t).ok())
            .map(|v| anon_from_determination(&v));
        tx.execute(
            "UPDATE cases SET household_size = ?2, procedures = ?3, forms = ?4, counters = ?5 WHERE id = ?1",
            params![
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
