//! Cases, the audit trail, retention and statistics, in one SQLite file (`docs/store.md`).
//!
//! Why these choices:
//! - **Each step is its own committed transaction** (`synchronous=FULL` in WAL mode), so a
//!   power cut or a killed process loses at most the keystroke in flight, and an unfinished
//!   case is offered again at start ([`Store::unfinished`]).
//! - **Two counter processes share one file**: WAL lets readers and one writer work at once,
//!   every write takes the lock up front (`BEGIN IMMEDIATE`) and waits up to
//!   [`BUSY_TIMEOUT`] for the other process instead of failing with "database is locked".
//! - **Personal data has a lifetime**: the intake and the determination (whose reasons name
//!   members) are the only personal columns; [`Store::purge`] clears them with
//!   `secure_delete`, then vacuums and truncates the WAL so no copy stays in the file. The
//!   anonymous record that statistics need lives in columns of its own.
//! - **The audit log is append-only**, enforced by triggers, and never holds personal data:
//!   it names cases by their random code only.

mod code;
pub mod migrate;
pub mod stats;

pub use code::{encode40, new_code, normalize_code, page_code, parse_page_code, ALPHABET};
pub use stats::{Stats, Summary};

use crate::intake::{EventKind, Intake};
use crate::rules::Determination;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat};
use rusqlite::{params, Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// The audit log's action names, so every caller writes the same words.
pub mod actions {
    pub const CASE_OPENED: &str = "case opened";
    pub const INTAKE_SAVED: &str = "intake saved";
    pub const CARD_READ: &str = "card read";
    pub const QR_READ: &str = "QR read";
    pub const DETERMINED: &str = "determined";
    pub const PRINTED: &str = "printed";
    pub const REPRINTED: &str = "reprinted";
    pub const SET_ASIDE: &str = "procedure set aside";
    pub const CLOSED: &str = "closed";
    pub const PURGED: &str = "purged";
    pub const CASE_VIEWED: &str = "case viewed";
    pub const EXPORTED: &str = "exported";
    /// Detail: the set's digest.
    pub const SET_LOADED: &str = "procedure set loaded";
    /// Detail: the refused set's digest and the number of errors.
    pub const SET_REFUSED: &str = "procedure set refused";
    /// Detail: the templates' folder or digest.
    pub const TEMPLATES_CHANGED: &str = "templates changed";
}

/// How long a write waits for the other counter process before giving up.
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The actor recorded for actions of the program itself (migrations, purges run at start).
pub const SYSTEM_ACTOR: &str = "madoguchi";

/// The clock: JST date and time. Injected so tests get fixed, advancing timestamps.
pub type Clock = Box<dyn Fn() -> DateTime<FixedOffset> + Send>;

/// Everything that can go wrong, sorted by what the clerk can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Locked for too long by another process, read-only, missing folder, disk full, I/O.
    #[error("データベースを使えません (the case database is unavailable): {0}")]
    Unavailable(String),
    /// Not a database, or damaged.
    #[error("データベースが壊れています (the case database is damaged or not a madoguchi database): {0}")]
    Corrupt(String),
    #[error("このデータベースは新しい版の madoguchi で作られています (written by a newer madoguchi: schema version {found}, this program knows up to {known})")]
    TooNew { found: i64, known: i64 },
    #[error("案件が見つかりません (no such case): {0}")]
    NotFound(String),
    #[error("{0}")]
    Invalid(String),
    #[error("{0}")]
    Internal(String),
}

impl StoreError {
    /// The exit code of `cli.md`: an unusable database file is an unavailable service (3),
    /// a wrong case id or a refused value is bad input (2), anything else a bug (1).
    pub fn exit_code(&self) -> i32 {
        use crate::cli::exit;
        match self {
            StoreError::Unavailable(_) | StoreError::Corrupt(_) | StoreError::TooNew { .. } => {
                exit::DEVICE
            }
            StoreError::NotFound(_) | StoreError::Invalid(_) => exit::BAD_INPUT,
            StoreError::Internal(_) => exit::INTERNAL,
        }
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        use rusqlite::ErrorCode as C;
        if let rusqlite::Error::SqliteFailure(f, msg) = &e {
            let m = msg.clone().unwrap_or_else(|| f.to_string());
            return match f.code {
                C::DatabaseBusy | C::DatabaseLocked => StoreError::Unavailable(format!(
                    "別のプロセスが使用中です (locked by another process for more than {}s): {m}",
                    BUSY_TIMEOUT.as_secs()
                )),
                C::ReadOnly => StoreError::Unavailable(format!("書き込めません (read-only): {m}")),
                C::CannotOpen
                | C::PermissionDenied
                | C::SystemIoFailure
                | C::DiskFull
                | C::NoLargeFileSupport => StoreError::Unavailable(m),
                C::DatabaseCorrupt | C::NotADatabase => StoreError::Corrupt(m),
                C::ConstraintViolation => StoreError::Invalid(m),
                _ => StoreError::Internal(format!("SQLite: {m}")),
            };
        }
        StoreError::Internal(format!("SQLite: {e}"))
    }
}

/// A case as the program refers to it: the row id and the code printed on its pages.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct CaseId {
    pub id: i64,
    pub code: String,
}

/// The steps of a case whose first time is recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Step {
    CardRead,
    QrRead,
    Determined,
    Printed,
    Closed,
}

impl Step {
    pub const ALL: [Step; 5] = [
        Step::CardRead,
        Step::QrRead,
        Step::Determined,
        Step::Printed,
        Step::Closed,
    ];
    fn column(self) -> &'static str {
        match self {
            Step::CardRead => "card_read_at",
            Step::QrRead => "qr_read_at",
            Step::Determined => "determined_at",
            Step::Printed => "printed_at",
            Step::Closed => "closed_at",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            Step::CardRead => "card_read",
            Step::QrRead => "qr_read",
            Step::Determined => "determined",
            Step::Printed => "printed",
            Step::Closed => "closed",
        }
    }
    /// The audit action.
    pub fn action(self) -> &'static str {
        match self {
            Step::CardRead => actions::CARD_READ,
            Step::QrRead => actions::QR_READ,
            Step::Determined => actions::DETERMINED,
            Step::Printed => actions::PRINTED,
            Step::Closed => actions::CLOSED,
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            Step::CardRead => "カード読取",
            Step::QrRead => "QR読取",
            Step::Determined => "判定",
            Step::Printed => "印刷",
            Step::Closed => "完了",
        }
    }
}

/// `open`, `closed`, or `purged` (closed, personal data removed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
    Purged,
}

impl CaseStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            CaseStatus::Open => "受付中",
            CaseStatus::Closed => "完了",
            CaseStatus::Purged => "消去済",
        }
    }
}

/// One line of a case list. Holds no personal data, so it may be shown anywhere.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseSummary {
    pub id: i64,
    pub code: String,
    pub status: CaseStatus,
    pub event_kind: Option<String>,
    pub household_size: Option<i64>,
    pub clerk: String,
    pub opened_at: String,
    /// The latest step reached (`opened`, `card_read`, …, `closed`).
    pub last_step: String,
}

impl CaseSummary {
    pub fn case_id(&self) -> CaseId {
        CaseId {
            id: self.id,
            code: self.code.clone(),
        }
    }
}

/// The first time of each step (RFC 3339, JST).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct StepTimes {
    pub opened_at: String,
    pub card_read_at: Option<String>,
    pub qr_read_at: Option<String>,
    pub determined_at: Option<String>,
    pub printed_at: Option<String>,
    pub closed_at: Option<String>,
}

impl StepTimes {
    pub fn get(&self, s: Step) -> Option<&str> {
        match s {
            Step::CardRead => self.card_read_at.as_deref(),
            Step::QrRead => self.qr_read_at.as_deref(),
            Step::Determined => self.determined_at.as_deref(),
            Step::Printed => self.printed_at.as_deref(),
            Step::Closed => self.closed_at.as_deref(),
        }
    }
}

/// One print (the first, or a reprint) of a case's bundle.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PrintRecord {
    pub at: String,
    pub manifest: Value,
    pub printer: Option<String>,
    pub job: Option<String>,
}

/// A procedure the clerk set aside. The reason is personal (free text) and goes at purge.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SetAside {
    pub at: String,
    pub procedure: String,
    pub reason: Option<String>,
}

/// Everything stored about a case. `intake` and `determination` are `None` once purged.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseRecord {
    #[serde(flatten)]
    pub summary: CaseSummary,
    pub steps: StepTimes,
    /// The intake document (the spec's JSON); parse it with `intake::parse_intake_value`.
    pub intake: Option<Value>,
    pub set_digest: Option<String>,
    /// The determination as `determine --format json` prints it.
    pub determination: Option<Value>,
    pub procedures: Vec<String>,
    pub forms: Vec<String>,
    pub counters: Vec<String>,
    pub prints: Vec<PrintRecord>,
    pub set_asides: Vec<SetAside>,
    pub purged_at: Option<String>,
}

/// Where a page code leads inside the printed bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageRef {
    pub page: u32,
    pub form: String,
    pub procedure: Option<String>,
    pub member: Option<String>,
}

/// The anonymous record of a case: what statistics and `cases export` use. No name, address,
/// birth date, free text or case code.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AnonRecord {
    pub status: String,
    pub event_kind: Option<String>,
    pub household_size: Option<i64>,
    pub procedures: Vec<String>,
    pub forms: Vec<String>,
    pub counters: Vec<String>,
    pub prints: i64,
    pub set_aside: Vec<String>,
    #[serde(flatten)]
    pub steps: StepTimes,
}

/// What a purge did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PurgeReport {
    /// Codes of the cases whose personal data was removed.
    pub purged: Vec<String>,
    /// Cases still open although opened before the cutoff: never purged automatically (an
    /// おくやみ case may pause for weeks), but listed so someone closes them.
    pub stale_open: Vec<String>,
    /// Whether the WAL could be emptied (false if another process held a read lock).
    pub wal_truncated: bool,
}

/// Procedure ids, form ids and counters of a determination's JSON, each once, in order.
pub(crate) struct Anon {
    pub procedures: Vec<String>,
    pub forms: Vec<String>,
    pub counters: Vec<String>,
}

pub(crate) fn anon_from_determination(v: &Value) -> Anon {
    let mut a = Anon {
        procedures: vec![],
        forms: vec![],
        counters: vec![],
    };
    fn push(list: &mut Vec<String>, s: Option<&str>) {
        if let Some(s) = s {
            if !list.iter().any(|x| x == s) {
                list.push(s.to_string());
            }
        }
    }
    for p in v["procedures"].as_array().into_iter().flatten() {
        push(&mut a.procedures, p["id"].as_str());
        push(&mut a.counters, p["counter"].as_str());
        for f in p["forms"].as_array().into_iter().flatten() {
            push(&mut a.forms, f.as_str());
        }
    }
    a
}

pub(crate) fn json_list(v: &[String]) -> String {
    serde_json::to_string(v).expect("strings serialize")
}

fn parse_list(s: Option<String>) -> Vec<String> {
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_default()
}

/// Accepts a print manifest as `{"pages": […]}` or a bare array of pages.
fn manifest_pages(v: &Value) -> Option<&Vec<Value>> {
    match v {
        Value::Array(a) => Some(a),
        Value::Object(o) => o.get("pages")?.as_array(),
        _ => None,
    }
}

/// The pages of a manifest with only their page number, form, procedure and member ids.
fn anonymous_manifest(v: &Value) -> Value {
    let pages = manifest_pages(v).map_or(vec![], |pages| {
        pages
            .iter()
            .map(|p| {
                serde_json::json!({
                    "page": p["page"].as_u64(),
                    "form": p["form"].as_str(),
                    "procedure": p["procedure"].as_str(),
                    "member": p["member"].as_str(),
                })
            })
            .collect()
    });
    Value::Array(pages)
}

/// Replaces runs of 12 or more digits (ASCII or full-width) — the shape of a 個人番号 — so
/// that no such number can reach the audit log, whatever a caller passes.
fn redact_numbers(s: &str) -> String {
    let is_digit = |c: char| c.is_ascii_digit() || ('０'..='９').contains(&c);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < chars.len() {
        let start = i;
        while i < chars.len() && is_digit(chars[i]) {
            i += 1;
        }
        if i - start >= 12 {
            out.push_str("[redacted]");
        } else {
            out.extend(&chars[start..i]);
        }
        if i < chars.len() && !is_digit(chars[i]) {
            out.push(chars[i]);
            i += 1;
        }
    }
    out
}

const SUMMARY_COLUMNS: &str = "id, code, status, event_kind, household_size, clerk, opened_at, \
     card_read_at, qr_read_at, determined_at, printed_at, closed_at, purged_at";

fn summary_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(CaseSummary, StepTimes, Option<String>)> {
    let steps = StepTimes {
        opened_at: r.get(6)?,
        card_read_at: r.get(7)?,
        qr_read_at: r.get(8)?,
        determined_at: r.get(9)?,
        printed_at: r.get(10)?,
        closed_at: r.get(11)?,
    };
    let purged_at: Option<String> = r.get(12)?;
    let status: String = r.get(2)?;
    let status = match (status.as_str(), &purged_at) {
        (_, Some(_)) => CaseStatus::Purged,
        ("closed", _) => CaseStatus::Closed,
        _ => CaseStatus::Open,
    };
    let last_step = Step::ALL
        .iter()
        .rev()
        .find(|s| steps.get(**s).is_some())
        .map_or("opened", |s| s.as_str())
        .to_string();
    Ok((
        CaseSummary {
            id: r.get(0)?,
            code: r.get(1)?,
            status,
            event_kind: r.get(3)?,
            household_size: r.get(4)?,
            clerk: r.get(5)?,
            opened_at: steps.opened_at.clone(),
            last_step,
        },
        steps,
        purged_at,
    ))
}

/// The case database. One per counter process; a second process may open the same file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    clock: Clock,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

/// Creates the file (and its folder) readable by its owner only, before SQLite opens it:
/// SQLite gives the `-wal` and `-shm` files the mode of the database file.
fn prepare_file(path: &Path) -> Result<(), StoreError> {
    let unavailable = |what: &str, e: std::io::Error| {
        StoreError::Unavailable(format!("{}: {what}: {e}", path.display()))
    };
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        if !dir.exists() {
            let mut b = std::fs::DirBuilder::new();
            b.recursive(true);
            #[cfg(unix)]
            std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
            b.create(dir)
                .map_err(|e| unavailable("cannot create the folder", e))?;
        }
    }
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    let f = o.open(path).map_err(|e| unavailable("cannot open", e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // An existing file made by hand or an older tool may be readable by others: tighten
        // it. Failing to (someone else's file) is not fatal; the clerk can still work.
        if let Ok(m) = f.metadata() {
            if m.permissions().mode() & 0o077 != 0 {
                let _ = f.set_permissions(std::fs::Permissions::from_mode(0o600));
            }
        }
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) and migrates the database, with the real JST clock.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        Store::open_with_clock(path, Box::new(crate::calendar::jst_now))
    }

    /// Opens with an injected clock (tests).
    pub fn open_with_clock(path: &Path, clock: Clock) -> Result<Store, StoreError> {
        prepare_file(path)?;
        let mut conn = Connection::open(path)?;
        conn.busy_timeout(BUSY_TIMEOUT)?;
        if conn.is_readonly(rusqlite::DatabaseName::Main)? {
            return Err(StoreError::Unavailable(format!(
                "{}: 書き込めません (the file is read-only)",
                path.display()
            )));
        }
        // The first read of the header tells a foreign file apart (SQLITE_NOTADB → Corrupt).
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Unavailable(format!(
                "{}: cannot use write-ahead logging (journal mode {mode})",
                path.display()
            )));
        }
        // FULL: a commit is on disk when the step is reported (power cut, not only a crash).
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        // Deleted or overwritten personal data is zeroed in the file, not just unlinked.
        conn.pragma_update(None, "secure_delete", "ON")?;
        migrate::migrate(&mut conn)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            clock,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The raw connection, for checks in tests and tools.
    pub fn connection(&self) -> &Connection {
        &self.conn
    }

    /// Now, as stored: RFC 3339 in JST to the second. All stored times share this format and
    /// offset, so they compare correctly as strings.
    fn now(&self) -> String {
        stamp((self.clock)())
    }

    fn write<T>(
        &mut self,
        f: impl FnOnce(&rusqlite::Transaction<'_>, &str) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let now = self.now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let out = f(&tx, &now)?;
        tx.commit()?;
        Ok(out)
    }

    /// Opens a new case with a fresh code.
    pub fn open_case(
        &mut self,
        clerk: &str,
        kind: Option<EventKind>,
    ) -> Result<CaseId, StoreError> {
        self.write(|tx, now| {
            // 40 random bits: a clash is rare, but the code must be unique, so retry.
            for _ in 0..16 {
                let code = new_code()?;
                let taken: bool = tx.query_row(
                    "SELECT EXISTS (SELECT 1 FROM cases WHERE code = ?1)",
                    [&code],
                    |r| r.get(0),
                )?;
                if taken {
                    continue;
                }
                tx.execute(
                    "INSERT INTO cases (code, clerk, event_kind, opened_at) VALUES (?1, ?2, ?3, ?4)",
                    params![code, clerk, kind.map(|k| k.as_str()), now],
                )?;
                let id = tx.last_insert_rowid();
                audit_tx(tx, now, clerk, actions::CASE_OPENED, Some(&code), kind.map_or("", |k| k.as_str()))?;
                return Ok(CaseId { id, code });
            }
            Err(StoreError::Internal("could not draw an unused case code".into()))
        })
    }

    /// Checks that the case exists and still holds personal data; returns its clerk (the
    /// actor of the audit line).
    fn live_case(tx: &rusqlite::Transaction<'_>, id: &CaseId) -> Result<String, StoreError> {
        let row: Option<(String, Option<String>)> = tx
            .query_row(
                "SELECT clerk, purged_at FROM cases WHERE id = ?1 AND code = ?2",
                params![id.id, id.code],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        match row {
            None => Err(StoreError::NotFound(id.code.clone())),
            Some((_, Some(_))) => Err(StoreError::Invalid(format!(
                "case {} was purged; its data can no longer change",
                id.code
            ))),
            Some((clerk, None)) => Ok(clerk),
        }
    }

    /// Stores the intake (the spec's JSON), replacing the previous one.
    pub fn save_intake(&mut self, id: &CaseId, intake: &Intake) -> Result<(), StoreError> {
        let json = intake.to_json();
        let kind = intake.event.kind.as_str();
        let size = intake.household.members.len() as i64;
        self.write(|tx, now| {
            let clerk = Self::live_case(tx, id)?;
            tx.execute(
                "UPDATE cases SET intake_json = ?2, event_kind = ?3, household_size = ?4 WHERE id = ?1",
                params![id.id, json, kind, size],
            )?;
            audit_tx(tx, now, &clerk, actions::INTAKE_SAVED, Some(&id.code), &format!("{kind} members={size}"))
        })
    }

    /// Records the first time of a step (later calls keep the first time) and an audit line.
    /// A card read records only that it happened: the card's content is in the intake.
    pub fn record_step(&mut self, id: &CaseId, step: Step) -> Result<(), StoreError> {
        self.write(|tx, now| step_tx(tx, now, id, step))
    }

    /// Stores the determination and the set digest it came from; the procedure, form and
    /// counter ids are kept apart as the anonymous record.
    pub fn save_determination(
        &mut self,
        id: &CaseId,
        set_digest: &str,
        d: &Determination,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(d)
            .map_err(|e| StoreError::Internal(format!("determination: {e}")))?;
        let anon = anon_from_determination(&serde_json::from_str(&json).unwrap_or(Value::Null));
        self.write(|tx, now| {
            let clerk = Self::live_case(tx, id)?;
            tx.execute(
                "UPDATE cases SET determination_json = ?2, set_digest = ?3, procedures = ?4, \
                 forms = ?5, counters = ?6, determined_at = COALESCE(determined_at, ?7) WHERE id = ?1",
                params![
                    id.id,
                    json,
                    set_digest,
                    json_list(&anon.procedures),
                    json_list(&anon.forms),
                    json_list(&anon.counters),
                    now
                ],
            )?;
            audit_tx(
                tx,
                now,
                &clerk,
                actions::DETERMINED,
                Some(&id.code),
                &format!(
                    "set={set_digest} procedures={} pending={} forms={}",
                    anon.procedures.len(),
                    d.pending.len(),
                    anon.forms.len()
                ),
            )
        })
    }

    /// Records a print of the bundle. The first is "printed"; each later one is another row
    /// and a "reprinted" audit line.
    pub fn record_print(
        &mut self,
        id: &CaseId,
        manifest_json: &str,
        printer: Option<&str>,
        job: Option<&str>,
    ) -> Result<(), StoreError> {
        let manifest: Value = serde_json::from_str(manifest_json)
            .map_err(|e| StoreError::Invalid(format!("print manifest: not JSON: {e}")))?;
        let pages = manifest_pages(&manifest)
            .ok_or_else(|| {
                StoreError::Invalid(
                    "print manifest: expected an array of pages or {\"pages\": […]}".into(),
                )
            })?
            .len();
        self.write(|tx, now| {
            let clerk = Self::live_case(tx, id)?;
            let before: i64 = tx.query_row(
                "SELECT COUNT(*) FROM prints WHERE case_id = ?1",
                [id.id],
                |r| r.get(0),
            )?;
            tx.execute(
                "INSERT INTO prints (case_id, at, manifest_json, printer, job) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![id.id, now, manifest.to_string(), printer, job],
            )?;
            tx.execute(
                "UPDATE cases SET printed_at = COALESCE(printed_at, ?2) WHERE id = ?1",
                params![id.id, now],
            )?;
            let action = if before == 0 {
                actions::PRINTED
            } else {
                actions::REPRINTED
            };
            let detail = format!(
                "pages={pages} printer={} job={}",
                printer.unwrap_or("-"),
                job.unwrap_or("-")
            );
            audit_tx(tx, now, &clerk, action, Some(&id.code), &detail)
        })
    }

    /// Records that the clerk set a procedure aside. The reason is kept with the case (and
    /// purged with it); the audit line names only the procedure.
    pub fn set_aside(
        &mut self,
        id: &CaseId,
        procedure: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx, now| {
            let clerk = Self::live_case(tx, id)?;
            tx.execute(
                "INSERT INTO set_asides (case_id, at, procedure, reason) VALUES (?1, ?2, ?3, ?4)",
                params![id.id, now, procedure, reason],
            )?;
            audit_tx(
                tx,
                now,
                &clerk,
                actions::SET_ASIDE,
                Some(&id.code),
                procedure,
            )
        })
    }

    pub fn close_case(&mut self, id: &CaseId) -> Result<(), StoreError> {
        self.record_step(id, Step::Closed)
    }

    /// Open cases, newest first: offered again when the counter starts.
    pub fn unfinished(&self) -> Result<Vec<CaseSummary>, StoreError> {
        self.summaries("WHERE status = 'open' AND purged_at IS NULL")
    }

    /// Every case, newest first.
    pub fn list(&self) -> Result<Vec<CaseSummary>, StoreError> {
        self.summaries("")
    }

    fn summaries(&self, filter: &str) -> Result<Vec<CaseSummary>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUMMARY_COLUMNS} FROM cases {filter} ORDER BY opened_at DESC, id DESC"
        ))?;
        let rows = st.query_map([], |r| summary_from_row(r).map(|x| x.0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// A case by row id (digits) or code (as typed: see [`normalize_code`]).
    pub fn load_case(&self, id_or_code: &str) -> Result<Option<CaseRecord>, StoreError> {
        let t = id_or_code.trim();
        let (sql, key): (&str, rusqlite::types::Value) =
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() < 8 {
                (
                    "id = ?1",
                    t.parse::<i64>()
                        .map_err(|e| StoreError::Invalid(e.to_string()))?
                        .into(),
                )
            } else {
                match normalize_code(t) {
                    Some(c) => ("code = ?1", c.into()),
                    None => return Ok(None),
                }
            };
        let row = self
            .conn
            .query_row(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, intake_json, set_digest, determination_json, \
                     procedures, forms, counters FROM cases WHERE {sql}"
                ),
                [key],
                |r| {
                    let (summary, steps, purged_at) = summary_from_row(r)?;
                    let intake: Option<String> = r.get(13)?;
                    let det: Option<String> = r.get(15)?;
                    Ok(CaseRecord {
                        summary,
                        steps,
                        intake: intake.and_then(|s| serde_json::from_str(&s).ok()),
                        set_digest: r.get(14)?,
                        determination: det.and_then(|s| serde_json::from_str(&s).ok()),
                        procedures: parse_list(r.get(16)?),
                        forms: parse_list(r.get(17)?),
                        counters: parse_list(r.get(18)?),
                        prints: vec![],
                        set_asides: vec![],
                        purged_at,
                    })
                },
            )
            .optional()?;
        let Some(mut rec) = row else { return Ok(None) };
        let mut st = self.conn.prepare(
            "SELECT at, manifest_json, printer, job FROM prints WHERE case_id = ?1 ORDER BY id",
        )?;
        rec.prints = st
            .query_map([rec.summary.id], |r| {
                let m: String = r.get(1)?;
                Ok(PrintRecord {
                    at: r.get(0)?,
                    manifest: serde_json::from_str(&m).unwrap_or(Value::Null),
                    printer: r.get(2)?,
                    job: r.get(3)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        let mut st = self.conn.prepare(
            "SELECT at, procedure, reason FROM set_asides WHERE case_id = ?1 ORDER BY id",
        )?;
        rec.set_asides = st
            .query_map([rec.summary.id], |r| {
                Ok(SetAside {
                    at: r.get(0)?,
                    procedure: r.get(1)?,
                    reason: r.get(2)?,
                })
            })?
            .collect::<Result<_, _>>()?;
        Ok(Some(rec))
    }

    /// The case (and the page of its latest print) behind a scanned page code
    /// `MDGC<code>P<NN>`, or a bare case code.
    pub fn find_by_page_code(
        &self,
        text: &str,
    ) -> Result<Option<(CaseSummary, Option<PageRef>)>, StoreError> {
        let Some((code, page)) = parse_page_code(text) else {
            return Ok(None);
        };
        let Some(rec) = self.load_case(&code)? else {
            return Ok(None);
        };
        let page_ref = page.and_then(|n| {
            let manifest = &rec.prints.last()?.manifest;
            manifest_pages(manifest)?
                .iter()
                .find(|p| p["page"].as_u64() == Some(u64::from(n)))
                .map(|p| PageRef {
                    page: n,
                    form: p["form"].as_str().unwrap_or_default().to_string(),
                    procedure: p["procedure"].as_str().map(str::to_string),
                    member: p["member"].as_str().map(str::to_string),
                })
        });
        Ok(Some((rec.summary, page_ref)))
    }

    /// Appends an audit line not tied to a case (procedure set loaded or refused, templates
    /// changed, export). `detail` must never hold personal data; 個人番号-shaped digit runs
    /// are redacted regardless.
    pub fn audit(&mut self, actor: &str, action: &str, detail: &str) -> Result<(), StoreError> {
        self.write(|tx, now| audit_tx(tx, now, actor, action, None, detail))
    }

    /// Appends an audit line about a case.
    pub fn audit_case(
        &mut self,
        actor: &str,
        action: &str,
        id: &CaseId,
        detail: &str,
    ) -> Result<(), StoreError> {
        self.write(|tx, now| audit_tx(tx, now, actor, action, Some(&id.code), detail))
    }

    /// The audit log, oldest first: (time, actor, action, case code, detail).
    pub fn audit_log(&self) -> Result<Vec<AuditLine>, StoreError> {
        let mut st = self
            .conn
            .prepare("SELECT at, actor, action, case_code, detail FROM audit ORDER BY id")?;
        let rows = st.query_map([], |r| {
            Ok(AuditLine {
                at: r.get(0)?,
                actor: r.get(1)?,
                action: r.get(2)?,
                case_code: r.get(3)?,
                detail: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Removes the personal data of cases closed more than `older_than_days` days before
    /// `now`: the intake, the determination (its reasons name members) and set-aside reasons.
    /// The anonymous record stays. Then the file is vacuumed and the WAL truncated, so the
    /// removed bytes are gone from the disk files too, not merely unreachable.
    pub fn purge(
        &mut self,
        older_than_days: u32,
        now: DateTime<FixedOffset>,
    ) -> Result<PurgeReport, StoreError> {
        let cutoff = stamp(now - Duration::days(i64::from(older_than_days)));
        let stamp_now = stamp(now);
        let mut report = PurgeReport::default();
        {
            let tx = self
                .conn
                .transaction_with_behavior(TransactionBehavior::Immediate)?;
            let due: Vec<(i64, String)> = {
                let mut st = tx.prepare(
                    "SELECT id, code FROM cases WHERE status = 'closed' AND purged_at IS NULL \
                     AND closed_at < ?1 ORDER BY id",
                )?;
                let rows = st.query_map([&cutoff], |r| Ok((r.get(0)?, r.get(1)?)))?;
                rows.collect::<Result<_, _>>()?
            };
            for (id, code) in &due {
                tx.execute(
                    "UPDATE cases SET intake_json = NULL, determination_json = NULL, purged_at = ?2 WHERE id = ?1",
                    params![id, stamp_now],
                )?;
                tx.execute(
                    "UPDATE set_asides SET reason = NULL WHERE case_id = ?1",
                    [id],
                )?;
                // Manifests hold ids only by contract; keep exactly those keys anyway, so a
                // richer manifest from a later forms module cannot outlive the retention.
                let manifests: Vec<(i64, String)> = {
                    let mut st =
                        tx.prepare("SELECT id, manifest_json FROM prints WHERE case_id = ?1")?;
                    let rows = st.query_map([id], |r| Ok((r.get(0)?, r.get(1)?)))?;
                    rows.collect::<Result<_, _>>()?
                };
                for (print_id, m) in manifests {
                    let v: Value = serde_json::from_str(&m).unwrap_or(Value::Null);
                    tx.execute(
                        "UPDATE prints SET manifest_json = ?2 WHERE id = ?1",
                        params![print_id, anonymous_manifest(&v).to_string()],
                    )?;
                }
                audit_tx(
                    &tx,
                    &stamp_now,
                    SYSTEM_ACTOR,
                    actions::PURGED,
                    Some(code),
                    &format!("retention {older_than_days} days"),
                )?;
                report.purged.push(code.clone());
            }
            let mut st = tx.prepare(
                "SELECT code FROM cases WHERE status = 'open' AND purged_at IS NULL AND opened_at < ?1 ORDER BY id",
            )?;
            report.stale_open = st
                .query_map([&cutoff], |r| r.get(0))?
                .collect::<Result<_, _>>()?;
            drop(st);
            tx.commit()?;
        }
        // secure_delete zeroes freed space inside pages; VACUUM rewrites every page; the old
        // versions of the rows still sit in WAL frames until the WAL is checkpointed and
        // truncated, before and after the VACUUM (which itself goes through the WAL).
        if !report.purged.is_empty() {
            self.checkpoint()?;
            self.conn.execute_batch("VACUUM")?;
        }
        report.wal_truncated = self.checkpoint()?;
        Ok(report)
    }

    /// Purges what is due under a retention of `retention_days`, as of the store's clock.
    /// Called whenever the counter or a `cases`/`stats` command opens the database, so
    /// personal data disappears on schedule without anyone remembering to run a command.
    pub fn purge_due(&mut self, retention_days: u32) -> Result<PurgeReport, StoreError> {
        let now = (self.clock)();
        self.purge(retention_days, now)
    }

    /// Copies the WAL into the database and truncates it to zero bytes. `false` if another
    /// connection's read lock kept part of it.
    pub fn checkpoint(&self) -> Result<bool, StoreError> {
        let busy: i64 = self
            .conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get(0))?;
        Ok(busy == 0)
    }

    /// The anonymous records of every case, oldest first (statistics and `cases export`).
    pub fn anonymous_records(&self) -> Result<Vec<AnonRecord>, StoreError> {
        let mut st = self.conn.prepare(&format!(
            "SELECT {SUMMARY_COLUMNS}, procedures, forms, counters, \
             (SELECT COUNT(*) FROM prints p WHERE p.case_id = cases.id), \
             (SELECT json_group_array(procedure) FROM set_asides s WHERE s.case_id = cases.id) \
             FROM cases ORDER BY opened_at, id"
        ))?;
        let rows = st.query_map([], |r| {
            let (summary, steps, _) = summary_from_row(r)?;
            Ok(AnonRecord {
                status: serde_json::to_value(summary.status)
                    .ok()
                    .and_then(|v| v.as_str().map(str::to_string))
                    .unwrap_or_default(),
                event_kind: summary.event_kind,
                household_size: summary.household_size,
                procedures: parse_list(r.get(13)?),
                forms: parse_list(r.get(14)?),
                counters: parse_list(r.get(15)?),
                prints: r.get(16)?,
                set_aside: parse_list(r.get(17)?),
                steps,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Statistics over the cases opened on or after `since` (a JST date).
    pub fn stats(&self, since: Option<NaiveDate>) -> Result<Stats, StoreError> {
        Ok(stats::compute(&self.anonymous_records()?, since))
    }
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AuditLine {
    pub at: String,
    pub actor: String,
    pub action: String,
    pub case_code: Option<String>,
    pub detail: String,
}

/// A timestamp as stored: RFC 3339 in JST to the second (so stored times compare as strings).
pub fn stamp(t: DateTime<FixedOffset>) -> String {
    t.with_timezone(&crate::calendar::jst())
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

fn audit_tx(
    tx: &rusqlite::Transaction<'_>,
    now: &str,
    actor: &str,
    action: &str,
    case_code: Option<&str>,
    detail: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (at, actor, action, case_code, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![now, actor, action, case_code, redact_numbers(detail)],
    )?;
    Ok(())
}

fn step_tx(
    tx: &rusqlite::Transaction<'_>,
    now: &str,
    id: &CaseId,
    step: Step,
) -> Result<(), StoreError> {
    let clerk = Store::live_case(tx, id)?;
    let col = step.column();
    let status = if step == Step::Closed {
        ", status = 'closed'"
    } else {
        ""
    };
    tx.execute(
        &format!("UPDATE cases SET {col} = COALESCE({col}, ?2){status} WHERE id = ?1"),
        params![id.id, now],
    )?;
    audit_tx(tx, now, &clerk, step.action(), Some(&id.code), "")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(redact_numbers("pages=3 job=42"), "pages=3 job=42");
        assert_eq!(redact_numbers("no 123456789012 here"), "no [redacted] here");
        assert_eq!(redact_numbers("１２３４５６７８９０１２"), "[redacted]");
        assert_eq!(redact_numbers("12345678901"), "12345678901");
    }
}
