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
pub const LATEST: i64 = 4;

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

/// Version 4 (PostgreSQL only; SQLite gets the version number and nothing else): each
/// frequent step of a case as one server-side function, so that a step costs one round trip
/// (one prepared `SELECT madoguchi_…(…)`, committed on its own) instead of 4–7 (`BEGIN`, the
/// statements, `COMMIT`). Each function runs the same statements, in the same order, as the
/// store's transaction for that step on SQLite (`src/store/mod.rs`), each with its own
/// snapshot (READ COMMITTED), under the case's row lock taken first by `madoguchi_touch`. A
/// function that finds its case missing or purged returns NULL before writing anything; a
/// procedure that does not apply raises `MDG01`, which rolls the whole step back. The audit
/// line's action and detail come from the program (one spelling, numbers redacted there).
/// A later change to a step is a new version with `CREATE OR REPLACE FUNCTION`.
const V4_POSTGRES: &str = r#"
CREATE FUNCTION madoguchi_touch(p_id BIGINT, p_code TEXT, p_now TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE v_clerk TEXT;
BEGIN
    UPDATE cases SET version = version + 1, updated_at = p_now
     WHERE id = p_id AND code = p_code AND purged_at IS NULL
     RETURNING clerk INTO v_clerk;
    RETURN v_clerk;
END
$$;

CREATE FUNCTION madoguchi_open_case(p_code TEXT, p_clerk TEXT, p_kind TEXT, p_now TEXT,
    p_counter TEXT, p_action TEXT, p_detail TEXT) RETURNS BIGINT
LANGUAGE plpgsql AS $$
DECLARE v_id BIGINT;
BEGIN
    INSERT INTO cases (code, clerk, event_kind, opened_at, updated_at, counter)
    VALUES (p_code, p_clerk, p_kind, p_now, p_now, p_counter)
    ON CONFLICT (code) DO NOTHING RETURNING id INTO v_id;
    IF v_id IS NOT NULL THEN
        INSERT INTO audit (at, actor, action, case_code, detail)
        VALUES (p_now, p_clerk, p_action, p_code, p_detail);
    END IF;
    RETURN v_id;
END
$$;

CREATE FUNCTION madoguchi_save_intake(p_id BIGINT, p_code TEXT, p_now TEXT, p_json TEXT,
    p_kind TEXT, p_size BIGINT, p_action TEXT, p_detail TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE v_clerk TEXT;
BEGIN
    v_clerk := madoguchi_touch(p_id, p_code, p_now);
    IF v_clerk IS NULL THEN RETURN NULL; END IF;
    UPDATE cases SET intake_json = p_json, event_kind = p_kind, household_size = p_size
     WHERE id = p_id;
    INSERT INTO audit (at, actor, action, case_code, detail)
    VALUES (p_now, v_clerk, p_action, p_code, p_detail);
    RETURN v_clerk;
END
$$;

CREATE FUNCTION madoguchi_record_step(p_id BIGINT, p_code TEXT, p_now TEXT, p_column TEXT,
    p_action TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE v_clerk TEXT;
BEGIN
    IF p_column NOT IN ('card_read_at', 'qr_read_at', 'determined_at', 'printed_at', 'closed_at') THEN
        RAISE EXCEPTION 'no step column %', p_column;
    END IF;
    v_clerk := madoguchi_touch(p_id, p_code, p_now);
    IF v_clerk IS NULL THEN RETURN NULL; END IF;
    UPDATE cases SET
        card_read_at = CASE WHEN p_column = 'card_read_at' THEN COALESCE(card_read_at, p_now) ELSE card_read_at END,
        qr_read_at = CASE WHEN p_column = 'qr_read_at' THEN COALESCE(qr_read_at, p_now) ELSE qr_read_at END,
        determined_at = CASE WHEN p_column = 'determined_at' THEN COALESCE(determined_at, p_now) ELSE determined_at END,
        printed_at = CASE WHEN p_column = 'printed_at' THEN COALESCE(printed_at, p_now) ELSE printed_at END,
        closed_at = CASE WHEN p_column = 'closed_at' THEN COALESCE(closed_at, p_now) ELSE closed_at END,
        status = CASE WHEN p_column = 'closed_at' THEN 'closed' ELSE status END
     WHERE id = p_id;
    INSERT INTO audit (at, actor, action, case_code, detail)
    VALUES (p_now, v_clerk, p_action, p_code, '');
    RETURN v_clerk;
END
$$;

-- p_applied: the applied procedures as JSON, [["id", "section"], …].
CREATE FUNCTION madoguchi_save_determination(p_id BIGINT, p_code TEXT, p_now TEXT,
    p_json TEXT, p_digest TEXT, p_procedures TEXT, p_forms TEXT, p_counters TEXT,
    p_applied TEXT, p_action TEXT, p_detail TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE v_clerk TEXT;
BEGIN
    v_clerk := madoguchi_touch(p_id, p_code, p_now);
    IF v_clerk IS NULL THEN RETURN NULL; END IF;
    UPDATE cases SET determination_json = p_json, set_digest = p_digest,
        procedures = p_procedures, forms = p_forms, counters = p_counters,
        determined_at = COALESCE(determined_at, p_now)
     WHERE id = p_id;
    -- Procedures dropped by a new determination go while still pending; anything a
    -- section already did or set aside stays on record.
    DELETE FROM procedure_status s
     WHERE s.case_id = p_id AND s.status = 'pending'
       AND NOT EXISTS (SELECT 1 FROM jsonb_array_elements(p_applied::jsonb) a
                        WHERE a->>0 = s.procedure);
    INSERT INTO procedure_status (case_id, procedure, section, status)
    SELECT p_id, a->>0, a->>1, 'pending' FROM jsonb_array_elements(p_applied::jsonb) a
    ON CONFLICT (case_id, procedure) DO NOTHING;
    INSERT INTO audit (at, actor, action, case_code, detail)
    VALUES (p_now, v_clerk, p_action, p_code, p_detail);
    RETURN v_clerk;
END
$$;

CREATE FUNCTION madoguchi_record_print(p_id BIGINT, p_code TEXT, p_now TEXT,
    p_manifest TEXT, p_printer TEXT, p_job TEXT, p_first_action TEXT, p_again_action TEXT,
    p_detail TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE v_clerk TEXT; v_before BIGINT;
BEGIN
    v_clerk := madoguchi_touch(p_id, p_code, p_now);
    IF v_clerk IS NULL THEN RETURN NULL; END IF;
    SELECT COUNT(*) INTO v_before FROM prints WHERE case_id = p_id;
    INSERT INTO prints (case_id, at, manifest_json, printer, job)
    VALUES (p_id, p_now, p_manifest, p_printer, p_job);
    UPDATE cases SET printed_at = COALESCE(printed_at, p_now) WHERE id = p_id;
    INSERT INTO audit (at, actor, action, case_code, detail)
    VALUES (p_now, v_clerk,
            CASE WHEN v_before = 0 THEN p_first_action ELSE p_again_action END,
            p_code, p_detail);
    RETURN v_clerk;
END
$$;

-- Returns the procedure's section; NULL (nothing written) if the case cannot change.
CREATE FUNCTION madoguchi_mark(p_id BIGINT, p_code TEXT, p_now TEXT, p_procedure TEXT,
    p_status TEXT, p_counter TEXT, p_clerk TEXT, p_reason TEXT, p_action TEXT,
    p_detail TEXT) RETURNS TEXT
LANGUAGE plpgsql AS $$
DECLARE v_section TEXT;
BEGIN
    IF madoguchi_touch(p_id, p_code, p_now) IS NULL THEN RETURN NULL; END IF;
    UPDATE procedure_status SET status = p_status, counter = p_counter, clerk = p_clerk,
        at = p_now, reason = p_reason
     WHERE case_id = p_id AND procedure = p_procedure
     RETURNING section INTO v_section;
    IF v_section IS NULL THEN
        RAISE EXCEPTION 'procedure % does not apply to case %', p_procedure, p_code
            USING ERRCODE = 'MDG01';
    END IF;
    INSERT INTO procedure_marks (case_id, procedure, section, status, counter, clerk, at, reason)
    VALUES (p_id, p_procedure, v_section, p_status, p_counter, p_clerk, p_now, p_reason);
    INSERT INTO audit (at, actor, action, case_code, detail)
    VALUES (p_now, p_clerk, p_action, p_code, p_detail);
    RETURN v_section;
END
$$;
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
    if v < 4 && target >= 4 && d == Dialect::Postgres {
        tx.batch(V4_POSTGRES)?;
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
