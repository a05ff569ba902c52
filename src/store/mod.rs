//! Cases, the audit trail, retention, case continuation across counters and statistics, in
//! a SQLite file (one PC, the default) or a PostgreSQL database (a town's server shared by
//! several counters) — `docs/store.md`.
//!
//! Why these choices:
//! - **One store, two backends**: the logic is written once over a small SQL surface
//!   ([`db::Sql`]); only the schema scripts and a few statements differ per dialect, so
//!   both backends keep the same semantics by construction and pass the same tests. On
//!   PostgreSQL the frequent steps run as server-side functions instead (migration 4: one
//!   round trip per step, not 4–7), which repeat the SQLite transaction's statements in the
//!   same order; changing a step means changing both (`docs/store.md`).
//! - **Each step is its own committed transaction** (`synchronous=FULL` in SQLite's WAL
//!   mode; PostgreSQL's synchronous commit), so a power cut or a killed process loses at
//!   most the keystroke in flight, and an unfinished case is offered again at start.
//! - **Counters share cases without losing updates**: every write to a case first bumps the
//!   case's row version, which takes the row lock (PostgreSQL) or runs under the file's
//!   write lock (SQLite, `BEGIN IMMEDIATE`), so two counters changing one case queue up.
//! - **Personal data has a lifetime**: the intake, the determination (whose reasons name
//!   members) and free-text reasons are the only personal columns; [`Store::purge`] clears
//!   them and then rewrites the storage (SQLite: VACUUM and WAL truncation; PostgreSQL:
//!   VACUUM FULL and a checkpoint) so no copy stays in the files the program controls.
//! - **The audit log is append-only**, enforced by triggers in the database, and never
//!   holds personal data: it names cases by their random code only.

mod backend;
mod code;
pub mod db;
pub mod flow;
pub mod migrate;
pub mod stats;

pub use backend::{is_url, redact_url, Location};
pub use code::{
    encode40, new_code, normalize_code, page_code, parse_page_code, ALPHABET, PAGE_PREFIX,
};
pub use stats::{Stats, Summary};

use crate::intake::{EventKind, Intake};
use crate::rules::Determination;
use crate::vals;
use chrono::{DateTime, Duration, FixedOffset, NaiveDate, SecondsFormat};
use db::{Dialect, Row, Sql, Val};
use serde::Serialize;
use serde_json::Value;
use std::cell::RefCell;
use std::collections::BTreeMap;
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
    pub const MARKED: &str = "procedure marked";
    pub const CLOSED: &str = "closed";
    pub const DISCARDED: &str = "discarded";
    pub const PURGED: &str = "purged";
    pub const CASE_VIEWED: &str = "case viewed";
    pub const EXPORTED: &str = "exported";
    /// Detail: the set's digest.
    pub const SET_LOADED: &str = "procedure set loaded";
    /// Detail: the refused set's digest and the number of errors.
    pub const SET_REFUSED: &str = "procedure set refused";
    /// Detail: the published set's digest.
    pub const SET_PUBLISHED: &str = "procedure set published";
    /// Detail: the templates' folder or digest.
    pub const TEMPLATES_CHANGED: &str = "templates changed";
}

/// How long a write waits for the other counter process before giving up (SQLite).
pub const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(15);

/// The actor recorded for actions of the program itself (migrations, purges run at start).
pub const SYSTEM_ACTOR: &str = "madoguchi";

/// The longest retention a purge accepts (days): 100 years. Longer spans are a typo, and
/// past ~260,000 years the date arithmetic itself would overflow.
pub const MAX_RETENTION_DAYS: u32 = 36_500;

/// The clock: JST date and time. Injected so tests get fixed, advancing timestamps.
pub type Clock = Box<dyn Fn() -> DateTime<FixedOffset> + Send>;

/// Everything that can go wrong, sorted by what the clerk can do about it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StoreError {
    /// Locked for too long by another process, read-only, missing folder, disk full, I/O,
    /// the server unreachable.
    #[error("データベースを使えません (the case database is unavailable): {0}")]
    Unavailable(String),
    /// Not a database, damaged, or another application's.
    #[error("データベースが壊れているか、madoguchi のものではありません (the case database is damaged or not a madoguchi database): {0}")]
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

/// What kind of failure a [`StoreError`] is: the command line maps kinds to exit codes at
/// its edge (`cli::exit::of`), so the store never knows about exit codes.
pub use crate::error_kind::ErrorKind;

impl StoreError {
    pub fn kind(&self) -> ErrorKind {
        match self {
            StoreError::Unavailable(_) | StoreError::Corrupt(_) | StoreError::TooNew { .. } => {
                ErrorKind::Unavailable
            }
            StoreError::NotFound(_) | StoreError::Invalid(_) => ErrorKind::BadInput,
            StoreError::Internal(_) => ErrorKind::Internal,
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

impl From<postgres::Error> for StoreError {
    fn from(e: postgres::Error) -> Self {
        let m = backend::pg_message(&e);
        let Some(code) = e.code() else {
            // No server error: the connection broke, or a value did not convert.
            return if e.is_closed()
                || std::error::Error::source(&e).is_some_and(|s| s.is::<std::io::Error>())
            {
                StoreError::Unavailable(format!("PostgreSQL: {m}"))
            } else {
                StoreError::Internal(format!("PostgreSQL: {m}"))
            };
        };
        let c = code.code();
        match &c[..2] {
            // connection, insufficient resources (disk full), operator intervention, system
            "08" | "53" | "57" | "58" | "28" => StoreError::Unavailable(format!("PostgreSQL: {m}")),
            // integrity constraints (and the audit trigger's restrict_violation)
            "23" => StoreError::Invalid(m),
            // Raised by our own step functions (migration 4): the caller words the message.
            "MD" => StoreError::Invalid(m),
            "40" => StoreError::Unavailable(format!("PostgreSQL: {m}")),
            "42" if c == "42501" => {
                StoreError::Unavailable(format!("権限がありません (permission denied): {m}"))
            }
            "XX" => StoreError::Corrupt(m),
            _ => StoreError::Internal(format!("PostgreSQL: {m}")),
        }
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

/// `open`, `closed`, `discarded` (personal data removed at once) or `purged` (personal data
/// removed after the retention).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseStatus {
    Open,
    Closed,
    Discarded,
    Purged,
}

impl CaseStatus {
    pub fn label_ja(self) -> &'static str {
        match self {
            CaseStatus::Open => "受付中",
            CaseStatus::Closed => "完了",
            CaseStatus::Discarded => "破棄済",
            CaseStatus::Purged => "消去済",
        }
    }
    pub fn as_str(self) -> &'static str {
        match self {
            CaseStatus::Open => "open",
            CaseStatus::Closed => "closed",
            CaseStatus::Discarded => "discarded",
            CaseStatus::Purged => "purged",
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
    /// The counter that opened the case (reception), if known.
    pub counter: Option<String>,
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
    pub discarded_at: Option<String>,
}

/// Where a page code leads inside the printed bundle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageRef {
    pub page: u32,
    pub form: String,
    pub procedure: Option<String>,
    pub member: Option<String>,
}

/// One status change of a procedure at a section, without its reason: what statistics
/// across counters use.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct AnonMark {
    pub procedure: String,
    pub section: String,
    pub status: String,
    pub counter: String,
    pub at: String,
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
    /// The counter that opened the case (reception).
    pub counter: Option<String>,
    /// Sections of the applied procedures (one entry per procedure).
    pub sections: Vec<String>,
    /// Every status change, oldest first.
    pub marks: Vec<AnonMark>,
}

/// What a purge did.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct PurgeReport {
    /// Codes of the cases whose personal data was removed.
    pub purged: Vec<String>,
    /// Of those, open cases nobody had touched for longer than the retention (abandoned:
    /// a failed print, a killed counter, a resident who never came back).
    pub abandoned: Vec<String>,
    /// Cases still open although opened before the cutoff, but touched since: never purged
    /// while someone works on them, but listed so someone closes them.
    pub stale_open: Vec<String>,
    /// Whether the storage was cleaned after the purge: SQLite: the WAL could be emptied
    /// (false if another process held a read lock); PostgreSQL: VACUUM FULL and CHECKPOINT
    /// both ran (false without the privileges: see `docs/store.md`).
    pub wal_truncated: bool,
    /// What could not be cleaned, in words for the operator.
    pub notes: Vec<String>,
}

/// The status of an applied procedure at its section.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProcStatus {
    Pending,
    Done,
    SetAside,
}

impl ProcStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            ProcStatus::Pending => "pending",
            ProcStatus::Done => "done",
            ProcStatus::SetAside => "set_aside",
        }
    }
    pub fn parse(s: &str) -> Option<ProcStatus> {
        match s {
            "pending" => Some(ProcStatus::Pending),
            "done" => Some(ProcStatus::Done),
            "set_aside" => Some(ProcStatus::SetAside),
            _ => None,
        }
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            ProcStatus::Pending => "未処理",
            ProcStatus::Done => "済",
            ProcStatus::SetAside => "保留",
        }
    }
}

/// Where a status change comes from: the counter (from its configuration) and the clerk.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Station {
    pub counter: String,
    pub clerk: String,
}

/// One applied procedure of a case and its status: who (counter, clerk) changed it when.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ProcedureState {
    pub id: String,
    pub section: String,
    pub status: ProcStatus,
    pub counter: Option<String>,
    pub clerk: Option<String>,
    pub at: Option<String>,
    /// Free text (personal): removed with the case's personal data.
    pub reason: Option<String>,
}

/// A case as every section sees it: its procedures and their status.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CaseProgress {
    pub code: String,
    pub status: CaseStatus,
    pub counter: Option<String>,
    pub opened_at: String,
    pub set_digest: Option<String>,
    /// Nothing pending (and at least one procedure applied).
    pub complete: bool,
    pub procedures: Vec<ProcedureState>,
}

/// An open case as the supervisor sees it across counters: no personal data.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct OpenCase {
    pub code: String,
    pub counter: Option<String>,
    pub event_kind: Option<String>,
    pub opened_at: String,
    pub updated_at: Option<String>,
    /// Seconds since it was opened, at the store's clock.
    pub age_seconds: i64,
    pub pending: usize,
    pub done: usize,
    pub set_aside: usize,
    /// Sections with something still pending.
    pub waiting_at: Vec<String>,
}

/// A procedure set as published for every counter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PublishedSet {
    pub digest: String,
    pub name: String,
    pub published_at: String,
    pub published_by: String,
    /// Relative path → content (TOML and test files).
    pub files: BTreeMap<String, String>,
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
     card_read_at, qr_read_at, determined_at, printed_at, closed_at, purged_at, counter, discarded_at";
/// The number of [`SUMMARY_COLUMNS`]: further columns of a query start here.
const NS: usize = 15;

fn summary_from_row(r: &Row) -> Result<(CaseSummary, StepTimes, Option<String>), StoreError> {
    let steps = StepTimes {
        opened_at: r.text(6)?,
        card_read_at: r.opt_text(7)?,
        qr_read_at: r.opt_text(8)?,
        determined_at: r.opt_text(9)?,
        printed_at: r.opt_text(10)?,
        closed_at: r.opt_text(11)?,
    };
    let purged_at = r.opt_text(12)?;
    let discarded_at = r.opt_text(14)?;
    let status = match (r.text(2)?.as_str(), &purged_at, &discarded_at) {
        (_, _, Some(_)) => CaseStatus::Discarded,
        (_, Some(_), _) => CaseStatus::Purged,
        ("closed", _, _) => CaseStatus::Closed,
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
            id: r.int(0)?,
            code: r.text(1)?,
            status,
            event_kind: r.opt_text(3)?,
            household_size: r.opt_int(4)?,
            clerk: r.text(5)?,
            counter: r.opt_text(13)?,
            opened_at: steps.opened_at.clone(),
            last_step,
        },
        steps,
        purged_at,
    ))
}

enum Conn {
    Sqlite(rusqlite::Connection),
    Postgres(Box<db::PgConn>),
}

/// The case database. One per counter process; other processes (other counters, on this PC
/// or, with PostgreSQL, anywhere in the town) may open the same database.
pub struct Store {
    conn: RefCell<Conn>,
    location: Location,
    shown: PathBuf,
    clock: Clock,
    counter: Option<String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("at", &self.shown).finish()
    }
}

/// Rejects free text that holds a 個人番号-shaped run of digits (12 or more).
fn refuse_number_in(what: &str, text: &str) -> Result<(), StoreError> {
    if redact_numbers(text) != text {
        return Err(StoreError::Invalid(format!(
            "{what}: 12桁以上の数字は書けません (個人番号は記録しません) (a run of 12 or more digits is refused: no individual number is stored)"
        )));
    }
    Ok(())
}

impl Store {
    /// Opens (creating if needed) and migrates the database at `location` — a SQLite path, or
    /// a `postgresql://` URL — with the real JST clock.
    pub fn open(location: &Path) -> Result<Store, StoreError> {
        Store::open_with_clock(location, Box::new(crate::calendar::jst_now))
    }

    /// Opens with an injected clock (tests, `--today`).
    pub fn open_with_clock(location: &Path, clock: Clock) -> Result<Store, StoreError> {
        Store::open_location(&Location::parse(location), clock, Some(migrate::LATEST))
    }

    /// Opens `location`, migrating it to `target` (tests build databases of every earlier
    /// version with `Some(v)`; `None` leaves the schema as found).
    pub fn open_location(
        location: &Location,
        clock: Clock,
        target: Option<i64>,
    ) -> Result<Store, StoreError> {
        let conn = match location {
            Location::Sqlite(path) => Conn::Sqlite(open_sqlite(path)?),
            Location::Postgres(url) => {
                let mut c = backend::connect_postgres(url)?;
                backend::check_postgres(&mut c, &redact_url(url))?;
                Conn::Postgres(Box::new(db::PgConn::new(c)))
            }
        };
        let store = Store {
            conn: RefCell::new(conn),
            shown: PathBuf::from(location.display()),
            location: location.clone(),
            clock,
            counter: None,
        };
        if let Some(target) = target {
            store.migrate_to(target)?;
        }
        Ok(store)
    }

    /// Brings the schema to `target` (≤ [`migrate::LATEST`]) under the write lock.
    pub fn migrate_to(&self, target: i64) -> Result<(), StoreError> {
        if target == migrate::LATEST && self.with(migrate::is_current)? {
            return Ok(());
        }
        self.write_tx(|tx, _| migrate::migrate_tx(tx, target))
    }

    /// The schema version of the open database.
    pub fn schema_version(&self) -> Result<i64, StoreError> {
        self.with(migrate::version)
    }

    /// The counter this process speaks for (from its configuration): recorded as the
    /// counter that opened a case.
    pub fn set_counter(&mut self, counter: &str) {
        self.counter = Some(counter.to_string());
    }

    /// The file path, or the URL without its password: for messages.
    pub fn path(&self) -> &Path {
        &self.shown
    }

    pub fn location(&self) -> &Location {
        &self.location
    }

    pub fn dialect(&self) -> Dialect {
        match &*self.conn.borrow() {
            Conn::Sqlite(_) => Dialect::Sqlite,
            Conn::Postgres(_) => Dialect::Postgres,
        }
    }

    /// The raw SQLite connection, for checks in tests and tools. Panics on PostgreSQL
    /// (use [`Store::with`] there).
    pub fn connection(&self) -> std::cell::RefMut<'_, rusqlite::Connection> {
        std::cell::RefMut::map(self.conn.borrow_mut(), |c| match c {
            Conn::Sqlite(c) => c,
            Conn::Postgres(_) => panic!("Store::connection is for SQLite; use Store::with"),
        })
    }

    /// Runs `f` on the connection, outside any transaction (reads; tests and tools).
    pub fn with<T>(
        &self,
        f: impl FnOnce(&mut dyn Sql) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut c = self.conn.borrow_mut();
        if let Conn::Postgres(p) = &mut *c {
            if p.client.is_closed() {
                // The server restarted or the network dropped: one new connection.
                if let Location::Postgres(url) = &self.location {
                    **p = db::PgConn::new(backend::connect_postgres(url)?);
                }
            }
        }
        match &mut *c {
            Conn::Sqlite(s) => f(s),
            Conn::Postgres(p) => f(p.as_mut()),
        }
    }

    /// Now, as stored: RFC 3339 in JST to the second. All stored times share this format and
    /// offset, so they compare correctly as strings.
    fn now(&self) -> String {
        stamp((self.clock)())
    }

    /// One committed write transaction. SQLite: `BEGIN IMMEDIATE` (the file's write lock
    /// from the start, waiting up to [`BUSY_TIMEOUT`] for the other process). PostgreSQL:
    /// READ COMMITTED with row locks taken by the statements; a deadlock or serialization
    /// failure (the other counter won) is retried a few times with the whole transaction.
    fn write_tx<T>(
        &self,
        mut f: impl FnMut(&mut dyn Sql, &str) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let now = self.now();
        self.with(|conn| match conn.dialect() {
            Dialect::Sqlite => {
                conn.batch("BEGIN IMMEDIATE")?;
                match f(conn, &now) {
                    Ok(v) => match conn.batch("COMMIT") {
                        Ok(()) => Ok(v),
                        Err(e) => {
                            let _ = conn.batch("ROLLBACK");
                            Err(e)
                        }
                    },
                    Err(e) => {
                        let _ = conn.batch("ROLLBACK");
                        Err(e)
                    }
                }
            }
            Dialect::Postgres => {
                let mut attempt = 0;
                loop {
                    attempt += 1;
                    conn.batch("BEGIN")?;
                    let r = f(conn, &now).and_then(|v| conn.batch("COMMIT").map(|_| v));
                    match r {
                        Ok(v) => return Ok(v),
                        Err(e) => {
                            let _ = conn.batch("ROLLBACK");
                            if attempt < 5 && is_retryable(&e) {
                                std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                                continue;
                            }
                            return Err(e);
                        }
                    }
                }
            }
        })
    }

    fn write<T>(
        &mut self,
        f: impl FnMut(&mut dyn Sql, &str) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        self.write_tx(f)
    }

    /// Whether the frequent steps run as server-side functions (PostgreSQL, schema 4).
    fn on_server(&self) -> bool {
        self.dialect() == Dialect::Postgres
    }

    /// PostgreSQL: one step as one call of its server-side function (migration 4), a
    /// single prepared statement committed on its own — one round trip, the same
    /// statements as [`Store::write_tx`] runs for SQLite. A deadlock or serialization
    /// failure is retried as there. The function's one value.
    fn server_step(&self, sql: &str, params: &[Val]) -> Result<Val, StoreError> {
        let mut attempt = 0;
        loop {
            attempt += 1;
            match self.with(|c| c.query_one(sql, params)) {
                Ok(mut r) => return Ok(r.0.pop().unwrap_or(Val::Null)),
                Err(e) if attempt < 5 && is_retryable(&e) => {
                    std::thread::sleep(std::time::Duration::from_millis(5 * attempt));
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// A server step's result: NULL means the function found the case unable to change
    /// (nothing was written); say why.
    fn server_touched(&self, id: &CaseId, v: Val) -> Result<(), StoreError> {
        match v {
            Val::Null => Err(self.with(|c| cannot_change(c, id))?),
            _ => Ok(()),
        }
    }

    /// Opens a new case with a fresh code.
    pub fn open_case(
        &mut self,
        clerk: &str,
        kind: Option<EventKind>,
    ) -> Result<CaseId, StoreError> {
        // 40 random bits: a clash is rare, but the code must be unique, so retry.
        for _ in 0..16 {
            if let Some(id) = self.open_case_with_code(&new_code()?, clerk, kind)? {
                return Ok(id);
            }
        }
        Err(StoreError::Internal(
            "could not draw an unused case code".into(),
        ))
    }

    /// Whether no case has this code yet (a code drawn before the pages are rendered).
    pub fn code_is_free(&self, code: &str) -> Result<bool, StoreError> {
        self.with(|c| {
            Ok(
                c.query_opt("SELECT id FROM cases WHERE code = ?1", vals![code])?
                    .is_none(),
            )
        })
    }

    /// Opens a case with a code drawn beforehand ([`new_code`]): `print` renders the pages
    /// first, so that a print that cannot start never leaves a case behind. `None` if the
    /// code was taken meanwhile.
    pub fn open_case_with_code(
        &mut self,
        code: &str,
        clerk: &str,
        kind: Option<EventKind>,
    ) -> Result<Option<CaseId>, StoreError> {
        let counter = self.counter.clone();
        let detail = match (&counter, kind) {
            (Some(c), Some(k)) => format!("{} counter={c}", k.as_str()),
            (Some(c), None) => format!("counter={c}"),
            (None, Some(k)) => k.as_str().to_string(),
            (None, None) => String::new(),
        };
        if self.on_server() {
            let v = self.server_step(
                "SELECT madoguchi_open_case(?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                vals![
                    code,
                    clerk,
                    kind.map(|k| k.as_str()),
                    self.now(),
                    counter.clone(),
                    actions::CASE_OPENED,
                    redact_numbers(&detail)
                ],
            )?;
            return Ok(match v {
                Val::Int(id) => Some(CaseId {
                    id,
                    code: code.to_string(),
                }),
                _ => None,
            });
        }
        self.write(|tx, now| {
            let row = tx.query_opt(
                "INSERT INTO cases (code, clerk, event_kind, opened_at, updated_at, counter) \
                 VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT (code) DO NOTHING RETURNING id",
                vals![code, clerk, kind.map(|k| k.as_str()), now, counter.clone()],
            )?;
            let Some(row) = row else { return Ok(None) };
            let id = row.int(0)?;
            audit_tx(tx, now, clerk, actions::CASE_OPENED, Some(code), &detail)?;
            Ok(Some(CaseId {
                id,
                code: code.to_string(),
            }))
        })
    }

    /// Stores the intake (the spec's JSON), replacing the previous one.
    pub fn save_intake(&mut self, id: &CaseId, intake: &Intake) -> Result<(), StoreError> {
        let json = intake.to_json();
        let kind = intake.event.kind.as_str();
        let size = intake.household.members.len() as i64;
        let detail = format!("{kind} members={size}");
        if self.on_server() {
            let v = self.server_step(
                "SELECT madoguchi_save_intake(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                vals![
                    id.id,
                    id.code.as_str(),
                    self.now(),
                    json.as_str(),
                    kind,
                    size,
                    actions::INTAKE_SAVED,
                    redact_numbers(&detail)
                ],
            )?;
            return self.server_touched(id, v);
        }
        self.write(|tx, now| {
            let clerk = touch(tx, now, id)?;
            tx.execute(
                "UPDATE cases SET intake_json = ?2, event_kind = ?3, household_size = ?4 WHERE id = ?1",
                vals![id.id, json.as_str(), kind, size],
            )?;
            audit_tx(
                tx,
                now,
                &clerk,
                actions::INTAKE_SAVED,
                Some(&id.code),
                &detail,
            )
        })
    }

    /// Records the first time of a step (later calls keep the first time) and an audit line.
    /// A card read records only that it happened: the card's content is in the intake.
    pub fn record_step(&mut self, id: &CaseId, step: Step) -> Result<(), StoreError> {
        if self.on_server() {
            let v = self.server_step(
                "SELECT madoguchi_record_step(?1, ?2, ?3, ?4, ?5)",
                vals![
                    id.id,
                    id.code.as_str(),
                    self.now(),
                    step.column(),
                    step.action()
                ],
            )?;
            return self.server_touched(id, v);
        }
        self.write(|tx, now| {
            let clerk = touch(tx, now, id)?;
            let col = step.column();
            let status = if step == Step::Closed {
                ", status = 'closed'"
            } else {
                ""
            };
            tx.execute(
                &format!("UPDATE cases SET {col} = COALESCE({col}, ?2){status} WHERE id = ?1"),
                vals![id.id, now],
            )?;
            audit_tx(tx, now, &clerk, step.action(), Some(&id.code), "")
        })
    }

    /// Stores the determination and the set digest it came from; the procedure, form and
    /// counter ids are kept apart as the anonymous record, and every applied procedure gets
    /// a status (pending) at its section, unless it already has one.
    pub fn save_determination(
        &mut self,
        id: &CaseId,
        set_digest: &str,
        d: &Determination,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(d)
            .map_err(|e| StoreError::Internal(format!("determination: {e}")))?;
        let value: Value = serde_json::from_str(&json).unwrap_or(Value::Null);
        let anon = anon_from_determination(&value);
        let applied: Vec<(String, String)> = value["procedures"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|p| {
                Some((
                    p["id"].as_str()?.to_string(),
                    p["section"].as_str().unwrap_or("").to_string(),
                ))
            })
            .collect();
        let detail = format!(
            "set={set_digest} procedures={} pending={} forms={}",
            anon.procedures.len(),
            d.pending.len(),
            anon.forms.len()
        );
        if self.on_server() {
            let applied_json = serde_json::to_string(&applied)
                .map_err(|e| StoreError::Internal(format!("applied procedures: {e}")))?;
            let v = self.server_step(
                "SELECT madoguchi_save_determination(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                vals![
                    id.id,
                    id.code.as_str(),
                    self.now(),
                    json.as_str(),
                    set_digest,
                    json_list(&anon.procedures),
                    json_list(&anon.forms),
                    json_list(&anon.counters),
                    applied_json,
                    actions::DETERMINED,
                    redact_numbers(&detail)
                ],
            )?;
            return self.server_touched(id, v);
        }
        self.write(|tx, now| {
            let clerk = touch(tx, now, id)?;
            tx.execute(
                "UPDATE cases SET determination_json = ?2, set_digest = ?3, procedures = ?4, \
                 forms = ?5, counters = ?6, determined_at = COALESCE(determined_at, ?7) WHERE id = ?1",
                vals![
                    id.id,
                    json.as_str(),
                    set_digest,
                    json_list(&anon.procedures),
                    json_list(&anon.forms),
                    json_list(&anon.counters),
                    now
                ],
            )?;
            // A new determination (the intake changed) may drop procedures: those still
            // pending go; anything a section already did or set aside stays on record.
            let existing = tx.query(
                "SELECT procedure, status FROM procedure_status WHERE case_id = ?1",
                vals![id.id],
            )?;
            for r in existing {
                let p = r.text(0)?;
                if r.text(1)? == "pending" && !applied.iter().any(|(a, _)| *a == p) {
                    tx.execute(
                        "DELETE FROM procedure_status WHERE case_id = ?1 AND procedure = ?2",
                        vals![id.id, p],
                    )?;
                }
            }
            for (p, section) in &applied {
                tx.execute(
                    "INSERT INTO procedure_status (case_id, procedure, section, status) \
                     VALUES (?1, ?2, ?3, 'pending') ON CONFLICT (case_id, procedure) DO NOTHING",
                    vals![id.id, p, section],
                )?;
            }
            audit_tx(
                tx,
                now,
                &clerk,
                actions::DETERMINED,
                Some(&id.code),
                &detail,
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
        let manifest = manifest.to_string();
        let detail = format!(
            "pages={pages} printer={} job={}",
            printer.unwrap_or("-"),
            job.unwrap_or("-")
        );
        if self.on_server() {
            let v = self.server_step(
                "SELECT madoguchi_record_print(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                vals![
                    id.id,
                    id.code.as_str(),
                    self.now(),
                    manifest.as_str(),
                    printer,
                    job,
                    actions::PRINTED,
                    actions::REPRINTED,
                    redact_numbers(&detail)
                ],
            )?;
            return self.server_touched(id, v);
        }
        self.write(|tx, now| {
            let clerk = touch(tx, now, id)?;
            let before = tx
                .query_one(
                    "SELECT COUNT(*) FROM prints WHERE case_id = ?1",
                    vals![id.id],
                )?
                .int(0)?;
            tx.execute(
                "INSERT INTO prints (case_id, at, manifest_json, printer, job) VALUES (?1, ?2, ?3, ?4, ?5)",
                vals![id.id, now, manifest.as_str(), printer, job],
            )?;
            tx.execute(
                "UPDATE cases SET printed_at = COALESCE(printed_at, ?2) WHERE id = ?1",
                vals![id.id, now],
            )?;
            let action = if before == 0 {
                actions::PRINTED
            } else {
                actions::REPRINTED
            };
            audit_tx(tx, now, &clerk, action, Some(&id.code), &detail)
        })
    }

    /// Records that the clerk set a procedure aside. The reason is kept with the case (and
    /// purged with it); the audit line names only the procedure. The procedure's status at
    /// its section becomes "set aside" too.
    pub fn set_aside(
        &mut self,
        id: &CaseId,
        procedure: &str,
        reason: &str,
    ) -> Result<(), StoreError> {
        refuse_number_in("保留の理由 (reason)", reason)?;
        let counter = self.counter.clone().unwrap_or_default();
        self.write(|tx, now| {
            let clerk = touch(tx, now, id)?;
            tx.execute(
                "INSERT INTO set_asides (case_id, at, procedure, reason) VALUES (?1, ?2, ?3, ?4)",
                vals![id.id, now, procedure, reason],
            )?;
            let station = Station {
                counter: counter.clone(),
                clerk: clerk.clone(),
            };
            if tx
                .query_opt(
                    "SELECT section FROM procedure_status WHERE case_id = ?1 AND procedure = ?2",
                    vals![id.id, procedure],
                )?
                .is_some()
            {
                mark_tx(
                    tx,
                    now,
                    id,
                    procedure,
                    ProcStatus::SetAside,
                    Some(reason),
                    &station,
                )?;
            }
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

    /// Changes the status of one applied procedure of a case, from any counter: who
    /// (`station`) and when are recorded with it and in the history; the reason (required
    /// to set aside) is personal free text and goes with the purge. A closed case can still
    /// be marked (other sections finish their part after reception closed it) until its
    /// personal data is purged or discarded.
    pub fn mark(
        &mut self,
        id: &CaseId,
        procedure: &str,
        status: ProcStatus,
        reason: Option<&str>,
        station: &Station,
    ) -> Result<ProcedureState, StoreError> {
        let reason = reason.map(str::trim).filter(|r| !r.is_empty());
        if status == ProcStatus::SetAside && reason.is_none() {
            return Err(StoreError::Invalid(
                "保留にするには理由が必要です (--reason TEXT: setting a procedure aside needs a reason)".into(),
            ));
        }
        if let Some(r) = reason {
            refuse_number_in("理由 (reason)", r)?;
        }
        let detail = format!(
            "procedure={procedure} status={} counter={}",
            status.as_str(),
            station.counter
        );
        if self.on_server() {
            let now = self.now();
            let v = self.server_step(
                "SELECT madoguchi_mark(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                vals![
                    id.id,
                    id.code.as_str(),
                    now.as_str(),
                    procedure,
                    status.as_str(),
                    station.counter.as_str(),
                    station.clerk.as_str(),
                    reason,
                    actions::MARKED,
                    redact_numbers(&detail)
                ],
            );
            let section = match v {
                Ok(Val::Text(section)) => section,
                Ok(_) => return Err(self.with(|c| cannot_change(c, id))?),
                Err(StoreError::Invalid(m)) if m.contains("(MDG01)") => {
                    return Err(self.with(|c| does_not_apply(c, id, procedure))?)
                }
                Err(e) => return Err(e),
            };
            return Ok(ProcedureState {
                id: procedure.to_string(),
                section,
                status,
                counter: Some(station.counter.clone()),
                clerk: Some(station.clerk.clone()),
                at: Some(now),
                reason: reason.map(str::to_string),
            });
        }
        self.write(|tx, now| {
            touch(tx, now, id)?;
            let state = mark_tx(tx, now, id, procedure, status, reason, station)?;
            audit_tx(
                tx,
                now,
                &station.clerk,
                actions::MARKED,
                Some(&id.code),
                &detail,
            )?;
            Ok(state)
        })
    }

    pub fn close_case(&mut self, id: &CaseId) -> Result<(), StoreError> {
        self.record_step(id, Step::Closed)
    }

    /// Removes a case's personal data now (the intake, the determination, free-text reasons,
    /// manifests cut to ids) and keeps its anonymous record, marked discarded; audited with
    /// `actor`. For a case opened by mistake or abandoned: nothing personal waits for the
    /// retention. Then the storage is cleaned as after a purge.
    pub fn discard(&mut self, id: &CaseId, actor: &str) -> Result<PurgeReport, StoreError> {
        self.write(|tx, now| {
            touch(tx, now, id)?;
            scrub_tx(tx, id.id)?;
            tx.execute(
                "UPDATE cases SET discarded_at = ?2, purged_at = ?2 WHERE id = ?1",
                vals![id.id, now],
            )?;
            audit_tx(tx, now, actor, actions::DISCARDED, Some(&id.code), "")
        })?;
        let mut report = PurgeReport {
            purged: vec![id.code.clone()],
            ..Default::default()
        };
        self.clean_storage(&mut report)?;
        Ok(report)
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
        let rows = self.with(|c| {
            c.query(
                &format!(
                    "SELECT {SUMMARY_COLUMNS} FROM cases {filter} ORDER BY opened_at DESC, id DESC"
                ),
                &[],
            )
        })?;
        rows.iter()
            .map(|r| summary_from_row(r).map(|x| x.0))
            .collect()
    }

    /// The row id and code of a case given by row id (digits), code (as typed: see
    /// [`normalize_code`]) or page code (`MDGC…P..`).
    pub fn resolve(&self, id_or_code: &str) -> Result<Option<CaseId>, StoreError> {
        Ok(self.load_case(id_or_code)?.map(|r| r.summary.case_id()))
    }

    /// A case by row id (digits), code (as typed: see [`normalize_code`]) or page code.
    pub fn load_case(&self, id_or_code: &str) -> Result<Option<CaseRecord>, StoreError> {
        let t = id_or_code.trim();
        let (sql, key): (&str, Val) =
            if !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()) && t.len() < 8 {
                (
                    "id = ?1",
                    t.parse::<i64>()
                        .map_err(|e| StoreError::Invalid(e.to_string()))?
                        .into(),
                )
            } else {
                match parse_page_code(t) {
                    Some((c, _)) => ("code = ?1", c.into()),
                    None => return Ok(None),
                }
            };
        self.with(|c| {
            let Some(r) = c.query_opt(
                &format!(
                    "SELECT {SUMMARY_COLUMNS}, intake_json, set_digest, determination_json, \
                     procedures, forms, counters FROM cases WHERE {sql}"
                ),
                std::slice::from_ref(&key),
            )?
            else {
                return Ok(None);
            };
            let (summary, steps, purged_at) = summary_from_row(&r)?;
            let discarded_at = r.opt_text(14)?;
            let mut rec = CaseRecord {
                steps,
                intake: r
                    .opt_text(NS)?
                    .and_then(|s| serde_json::from_str(&s).ok()),
                set_digest: r.opt_text(NS + 1)?,
                determination: r
                    .opt_text(NS + 2)?
                    .and_then(|s| serde_json::from_str(&s).ok()),
                procedures: parse_list(r.opt_text(NS + 3)?),
                forms: parse_list(r.opt_text(NS + 4)?),
                counters: parse_list(r.opt_text(NS + 5)?),
                prints: vec![],
                set_asides: vec![],
                purged_at,
                discarded_at,
                summary,
            };
            let id = rec.summary.id;
            rec.prints = c
                .query(
                    "SELECT at, manifest_json, printer, job FROM prints WHERE case_id = ?1 ORDER BY id",
                    vals![id],
                )?
                .iter()
                .map(|r| {
                    Ok(PrintRecord {
                        at: r.text(0)?,
                        manifest: serde_json::from_str(&r.text(1)?).unwrap_or(Value::Null),
                        printer: r.opt_text(2)?,
                        job: r.opt_text(3)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
            rec.set_asides = c
                .query(
                    "SELECT at, procedure, reason FROM set_asides WHERE case_id = ?1 ORDER BY id",
                    vals![id],
                )?
                .iter()
                .map(|r| {
                    Ok(SetAside {
                        at: r.text(0)?,
                        procedure: r.text(1)?,
                        reason: r.opt_text(2)?,
                    })
                })
                .collect::<Result<_, StoreError>>()?;
            Ok(Some(rec))
        })
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

    /// The status of every applied procedure of a case, as each section sees it.
    pub fn progress(&self, id_or_code: &str) -> Result<Option<CaseProgress>, StoreError> {
        let Some(rec) = self.load_case(id_or_code)? else {
            return Ok(None);
        };
        let rows = self.with(|c| {
            c.query(
                "SELECT procedure, section, status, counter, clerk, at, reason \
                 FROM procedure_status WHERE case_id = ?1",
                vals![rec.summary.id],
            )
        })?;
        let mut procedures: Vec<ProcedureState> =
            rows.iter().map(state_from_row).collect::<Result<_, _>>()?;
        // In the order the determination listed them (the resident's order).
        let order = |p: &ProcedureState| {
            rec.procedures
                .iter()
                .position(|x| *x == p.id)
                .unwrap_or(usize::MAX)
        };
        procedures.sort_by(|a, b| order(a).cmp(&order(b)).then(a.id.cmp(&b.id)));
        Ok(Some(CaseProgress {
            code: rec.summary.code.clone(),
            status: rec.summary.status,
            counter: rec.summary.counter.clone(),
            opened_at: rec.summary.opened_at.clone(),
            set_digest: rec.set_digest.clone(),
            complete: !procedures.is_empty()
                && procedures.iter().all(|p| p.status != ProcStatus::Pending),
            procedures,
        }))
    }

    /// Cases still in progress across every counter — open, or closed at reception with
    /// procedures pending at other sections — oldest first, with their age (the
    /// supervisor's view). No personal data.
    pub fn in_progress(&self) -> Result<Vec<OpenCase>, StoreError> {
        let now = (self.clock)();
        let rows = self.with(|c| {
            c.query(
                "SELECT c.code, c.counter, c.event_kind, c.opened_at, c.updated_at, c.status, \
                 (SELECT COUNT(*) FROM procedure_status p WHERE p.case_id = c.id AND p.status = 'pending'), \
                 (SELECT COUNT(*) FROM procedure_status p WHERE p.case_id = c.id AND p.status = 'done'), \
                 (SELECT COUNT(*) FROM procedure_status p WHERE p.case_id = c.id AND p.status = 'set_aside'), \
                 c.id FROM cases c WHERE c.purged_at IS NULL ORDER BY c.opened_at, c.id",
                &[],
            )
        })?;
        let mut out = vec![];
        for r in rows {
            let pending = r.int(6)? as usize;
            if r.text(5)? == "closed" && pending == 0 {
                continue;
            }
            let waiting_at: Vec<String> = self
                .with(|c| {
                    c.query(
                        "SELECT DISTINCT section FROM procedure_status \
                         WHERE case_id = ?1 AND status = 'pending' ORDER BY section",
                        vals![r.int(9)?],
                    )
                })?
                .iter()
                .map(|x| x.text(0))
                .collect::<Result<_, _>>()?;
            let opened_at = r.text(3)?;
            let age_seconds = DateTime::parse_from_rfc3339(&opened_at)
                .map(|t| (now - t).num_seconds())
                .unwrap_or(0);
            out.push(OpenCase {
                code: r.text(0)?,
                counter: r.opt_text(1)?,
                event_kind: r.opt_text(2)?,
                opened_at,
                updated_at: r.opt_text(4)?,
                age_seconds,
                pending,
                done: r.int(7)? as usize,
                set_aside: r.int(8)? as usize,
                waiting_at,
            });
        }
        Ok(out)
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
        let rows = self.with(|c| {
            c.query(
                "SELECT at, actor, action, case_code, detail FROM audit ORDER BY id",
                &[],
            )
        })?;
        rows.iter()
            .map(|r| {
                Ok(AuditLine {
                    at: r.text(0)?,
                    actor: r.text(1)?,
                    action: r.text(2)?,
                    case_code: r.opt_text(3)?,
                    detail: r.text(4)?,
                })
            })
            .collect()
    }

    /// Removes the personal data of cases closed — and untouched — more than
    /// `older_than_days` days before `now`, and of open cases nobody has touched for that
    /// long (abandoned): the intake, the determination (its reasons name members), free-text
    /// reasons; manifests are cut to ids. The anonymous record stays. Then the storage is
    /// cleaned, so the removed bytes are gone from the database files too, not merely
    /// unreachable (see [`PurgeReport::wal_truncated`]).
    pub fn purge(
        &mut self,
        older_than_days: u32,
        now: DateTime<FixedOffset>,
    ) -> Result<PurgeReport, StoreError> {
        let cutoff = stamp(cutoff(now, older_than_days)?);
        let stamp_now = stamp(now);
        let mut report = PurgeReport::default();
        let (purged, abandoned, stale) = self.write_tx(|tx, _| {
            let lock = tx.lock_rows();
            let due = tx.query(
                &format!(
                    "SELECT id, code, status FROM cases WHERE purged_at IS NULL AND (\
                     (status = 'closed' AND closed_at < ?1 AND COALESCE(updated_at, closed_at) < ?1) \
                     OR (status = 'open' AND COALESCE(updated_at, opened_at) < ?1)) ORDER BY id{lock}"
                ),
                vals![cutoff.as_str()],
            )?;
            let (mut purged, mut abandoned) = (vec![], vec![]);
            for r in due {
                let (id, code, status) = (r.int(0)?, r.text(1)?, r.text(2)?);
                scrub_tx(tx, id)?;
                tx.execute(
                    "UPDATE cases SET purged_at = ?2 WHERE id = ?1",
                    vals![id, stamp_now.as_str()],
                )?;
                let open = status == "open";
                audit_tx(
                    tx,
                    &stamp_now,
                    SYSTEM_ACTOR,
                    actions::PURGED,
                    Some(&code),
                    &format!(
                        "retention {older_than_days} days{}",
                        if open { " (open, untouched)" } else { "" }
                    ),
                )?;
                if open {
                    abandoned.push(code.clone());
                }
                purged.push(code);
            }
            let stale = tx
                .query(
                    "SELECT code FROM cases WHERE status = 'open' AND purged_at IS NULL AND opened_at < ?1 ORDER BY id",
                    vals![cutoff.as_str()],
                )?
                .iter()
                .map(|r| r.text(0))
                .collect::<Result<Vec<_>, _>>()?;
            Ok((purged, abandoned, stale))
        })?;
        report.purged = purged;
        report.abandoned = abandoned;
        report.stale_open = stale;
        if report.purged.is_empty() {
            report.wal_truncated = match self.dialect() {
                Dialect::Sqlite => self.checkpoint()?,
                Dialect::Postgres => true,
            };
        } else {
            self.clean_storage(&mut report)?;
        }
        Ok(report)
    }

    /// After personal data was removed: rewrite the storage so the old row versions are not
    /// left in the files. SQLite: `secure_delete` zeroed freed space inside pages; VACUUM
    /// rewrites every page; the old versions still sit in WAL frames until the WAL is
    /// checkpointed and truncated, before and after the VACUUM (which itself goes through
    /// the WAL). PostgreSQL: an UPDATE leaves the old row version (dead tuple) in the table
    /// until VACUUM; VACUUM FULL rewrites the tables that hold personal data (and their
    /// TOAST tables) into new files, and CHECKPOINT lets the WAL segments that still carry
    /// the old values be recycled. What stays beyond that (WAL archives, base backups,
    /// replicas) is the town's backup policy: `docs/store.md`.
    fn clean_storage(&mut self, report: &mut PurgeReport) -> Result<(), StoreError> {
        match self.dialect() {
            Dialect::Sqlite => {
                self.checkpoint()?;
                self.with(|c| c.batch("VACUUM"))?;
                report.wal_truncated = self.checkpoint()?;
            }
            Dialect::Postgres => {
                let mut ok = true;
                let notes = self.with(|c| {
                    let mut notes = vec![];
                    // A counter's short transaction is waited for; a stuck one is not.
                    let _ = c.batch("SET lock_timeout = '10s'");
                    for t in [
                        "cases",
                        "prints",
                        "set_asides",
                        "procedure_status",
                        "procedure_marks",
                    ] {
                        if let Err(e) = c.batch(&format!("VACUUM (FULL) {t}")) {
                            notes.push(format!("VACUUM FULL {t}: {e}"));
                        }
                    }
                    if let Err(e) = c.batch("CHECKPOINT") {
                        notes.push(format!("CHECKPOINT: {e}"));
                    }
                    let _ = c.batch("RESET lock_timeout");
                    Ok(notes)
                })?;
                if !notes.is_empty() {
                    ok = false;
                }
                report.notes.extend(notes);
                report.wal_truncated = ok;
            }
        }
        Ok(())
    }

    /// Purges what is due under a retention of `retention_days`, as of the store's clock.
    /// Called whenever the counter or a `cases`/`stats` command opens the database, so
    /// personal data disappears on schedule without anyone remembering to run a command.
    pub fn purge_due(&mut self, retention_days: u32) -> Result<PurgeReport, StoreError> {
        let now = (self.clock)();
        self.purge(retention_days, now)
    }

    /// SQLite: copies the WAL into the database and truncates it to zero bytes. `false` if
    /// another connection's read lock kept part of it. PostgreSQL: nothing to do (`true`).
    pub fn checkpoint(&self) -> Result<bool, StoreError> {
        self.with(|c| match c.dialect() {
            Dialect::Sqlite => Ok(c
                .query_one("PRAGMA wal_checkpoint(TRUNCATE)", &[])?
                .int(0)?
                == 0),
            Dialect::Postgres => Ok(true),
        })
    }

    /// The anonymous records of every case, oldest first (statistics and `cases export`).
    pub fn anonymous_records(&self) -> Result<Vec<AnonRecord>, StoreError> {
        let (cases, asides, marks, sections) = self.with(|c| {
            Ok((
                c.query(
                    &format!(
                        "SELECT {SUMMARY_COLUMNS}, procedures, forms, counters, \
                         (SELECT COUNT(*) FROM prints p WHERE p.case_id = cases.id) \
                         FROM cases ORDER BY opened_at, id"
                    ),
                    &[],
                )?,
                c.query("SELECT case_id, procedure FROM set_asides ORDER BY id", &[])?,
                c.query(
                    "SELECT case_id, procedure, section, status, counter, at FROM procedure_marks ORDER BY at, id",
                    &[],
                )?,
                c.query(
                    "SELECT case_id, section FROM procedure_status ORDER BY case_id, procedure",
                    &[],
                )?,
            ))
        })?;
        let mut aside_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for r in asides {
            aside_of.entry(r.int(0)?).or_default().push(r.text(1)?);
        }
        let mut marks_of: BTreeMap<i64, Vec<AnonMark>> = BTreeMap::new();
        for r in marks {
            marks_of.entry(r.int(0)?).or_default().push(AnonMark {
                procedure: r.text(1)?,
                section: r.text(2)?,
                status: r.text(3)?,
                counter: r.text(4)?,
                at: r.text(5)?,
            });
        }
        let mut sections_of: BTreeMap<i64, Vec<String>> = BTreeMap::new();
        for r in sections {
            sections_of.entry(r.int(0)?).or_default().push(r.text(1)?);
        }
        cases
            .iter()
            .map(|r| {
                let (summary, steps, _) = summary_from_row(r)?;
                Ok(AnonRecord {
                    status: summary.status.as_str().to_string(),
                    event_kind: summary.event_kind,
                    household_size: summary.household_size,
                    procedures: parse_list(r.opt_text(NS)?),
                    forms: parse_list(r.opt_text(NS + 1)?),
                    counters: parse_list(r.opt_text(NS + 2)?),
                    prints: r.int(NS + 3)?,
                    set_aside: aside_of.remove(&summary.id).unwrap_or_default(),
                    steps,
                    counter: summary.counter,
                    sections: sections_of.remove(&summary.id).unwrap_or_default(),
                    marks: marks_of.remove(&summary.id).unwrap_or_default(),
                })
            })
            .collect()
    }

    /// Statistics over the cases opened on or after `since` (a JST date).
    pub fn stats(&self, since: Option<NaiveDate>) -> Result<Stats, StoreError> {
        Ok(stats::compute(&self.anonymous_records()?, since))
    }

    /// Stores a checked procedure set for every counter with `procedures = "published"`.
    /// `false` if a set with this digest was already published (nothing changes).
    pub fn publish_set(
        &mut self,
        name: &str,
        digest: &str,
        files: &BTreeMap<String, String>,
        actor: &str,
    ) -> Result<bool, StoreError> {
        let files_json = serde_json::to_string(files)
            .map_err(|e| StoreError::Internal(format!("set files: {e}")))?;
        self.write(|tx, now| {
            let row = tx.query_opt(
                "INSERT INTO procedure_sets (digest, name, published_at, published_by, files_json) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (digest) DO NOTHING RETURNING id",
                vals![digest, name, now, actor, files_json.as_str()],
            )?;
            if row.is_some() {
                audit_tx(tx, now, actor, actions::SET_PUBLISHED, None, digest)?;
            }
            Ok(row.is_some())
        })
    }

    /// The newest published procedure set.
    pub fn latest_set(&self) -> Result<Option<PublishedSet>, StoreError> {
        let row = self.with(|c| {
            c.query_opt(
                "SELECT digest, name, published_at, published_by, files_json FROM procedure_sets \
                 ORDER BY id DESC LIMIT 1",
                &[],
            )
        })?;
        let Some(r) = row else { return Ok(None) };
        Ok(Some(PublishedSet {
            digest: r.text(0)?,
            name: r.text(1)?,
            published_at: r.text(2)?,
            published_by: r.text(3)?,
            files: serde_json::from_str(&r.text(4)?)
                .map_err(|e| StoreError::Corrupt(format!("published set: {e}")))?,
        }))
    }
}

/// `now - days`, refusing spans the calendar cannot hold (a typo like 100000000).
pub fn cutoff(now: DateTime<FixedOffset>, days: u32) -> Result<DateTime<FixedOffset>, StoreError> {
    let out_of_range = || {
        StoreError::Invalid(format!(
            "保存期間 {days} 日は範囲外です。0 から {MAX_RETENTION_DAYS} 日の間で指定してください (retention {days} days is out of range: 0..={MAX_RETENTION_DAYS})"
        ))
    };
    if days > MAX_RETENTION_DAYS {
        return Err(out_of_range());
    }
    now.checked_sub_signed(Duration::days(i64::from(days)))
        .ok_or_else(out_of_range)
}

fn is_retryable(e: &StoreError) -> bool {
    matches!(e, StoreError::Unavailable(m) if m.contains("(40001)") || m.contains("(40P01)"))
}

fn open_sqlite(path: &Path) -> Result<rusqlite::Connection, StoreError> {
    backend::prepare_file(path)?;
    let named = |e: StoreError| match e {
        StoreError::Corrupt(m) if !m.contains(&path.display().to_string()) => {
            StoreError::Corrupt(format!("{}: {m}", path.display()))
        }
        other => other,
    };
    let mut conn = rusqlite::Connection::open(path).map_err(StoreError::from)?;
    conn.busy_timeout(BUSY_TIMEOUT)?;
    if conn.is_readonly(rusqlite::DatabaseName::Main)? {
        return Err(StoreError::Unavailable(format!(
            "{}: 書き込めません (the file is read-only)",
            path.display()
        )));
    }
    backend::check_sqlite(&mut conn, path).map_err(named)?;
    let mode = switch_to_wal(&conn).map_err(|e| named(e.into()))?;
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
    Ok(conn)
}

/// Puts the file in write-ahead-log mode (a no-op once it is). SQLite does not call the busy
/// handler for a journal-mode change: two counters starting at once on a new file would see
/// one of them fail at once with "database is locked". So the change is retried for up to
/// [`BUSY_TIMEOUT`], like any other wait for the other process.
fn switch_to_wal(conn: &rusqlite::Connection) -> Result<String, rusqlite::Error> {
    let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
    loop {
        let mode = conn.query_row("PRAGMA journal_mode", [], |r| r.get::<_, String>(0));
        let mode = match mode {
            Ok(m) if m.eq_ignore_ascii_case("wal") => return Ok(m),
            Ok(_) => conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)),
            Err(e) => Err(e),
        };
        match mode {
            Err(rusqlite::Error::SqliteFailure(f, _))
                if f.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(std::time::Duration::from_millis(20));
            }
            other => return other,
        }
    }
}

/// Every write to a case goes through here first: checks that the case exists and still
/// holds personal data, bumps its row version and last-touched time — which takes the
/// case's row lock on PostgreSQL until the commit, so a second counter writing to the same
/// case waits for this transaction instead of overwriting it — and returns the case's
/// clerk (the actor of the audit line).
fn touch(tx: &mut dyn Sql, now: &str, id: &CaseId) -> Result<String, StoreError> {
    let row = tx.query_opt(
        "UPDATE cases SET version = version + 1, updated_at = ?3 \
         WHERE id = ?1 AND code = ?2 AND purged_at IS NULL RETURNING clerk",
        vals![id.id, id.code.as_str(), now],
    )?;
    match row {
        Some(r) => r.text(0),
        None => Err(cannot_change(tx, id)?),
    }
}

/// Why a write to a case found nothing to change: no such case, discarded, or purged.
fn cannot_change(tx: &mut dyn Sql, id: &CaseId) -> Result<StoreError, StoreError> {
    let row = tx.query_opt(
        "SELECT discarded_at FROM cases WHERE id = ?1 AND code = ?2",
        vals![id.id, id.code.as_str()],
    )?;
    Ok(match row {
            None => StoreError::NotFound(id.code.clone()),
            Some(r) if r.opt_text(0)?.is_some() => StoreError::Invalid(format!(
                "案件 {} は破棄されています。変更できません (case {} was discarded; its data can no longer change)",
                id.code, id.code
            )),
            Some(_) => StoreError::Invalid(format!(
                "案件 {} の個人情報は保存期間を過ぎて消去されています。変更できません (case {} was purged; its data can no longer change)",
                id.code, id.code
            )),
    })
}

fn state_from_row(r: &Row) -> Result<ProcedureState, StoreError> {
    let status = r.text(2)?;
    Ok(ProcedureState {
        id: r.text(0)?,
        section: r.text(1)?,
        status: ProcStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("procedure status {status:?}")))?,
        counter: r.opt_text(3)?,
        clerk: r.opt_text(4)?,
        at: r.opt_text(5)?,
        reason: r.opt_text(6)?,
    })
}

/// Sets a procedure's status and appends the change to its history (inside a write that
/// already touched the case).
fn mark_tx(
    tx: &mut dyn Sql,
    now: &str,
    id: &CaseId,
    procedure: &str,
    status: ProcStatus,
    reason: Option<&str>,
    station: &Station,
) -> Result<ProcedureState, StoreError> {
    // One statement sets the status and says the procedure's section (or that it does not
    // apply): one round trip fewer on a server.
    let Some(row) = tx.query_opt(
        "UPDATE procedure_status SET status = ?3, counter = ?4, clerk = ?5, at = ?6, reason = ?7 \
         WHERE case_id = ?1 AND procedure = ?2 RETURNING section",
        vals![
            id.id,
            procedure,
            status.as_str(),
            station.counter.as_str(),
            station.clerk.as_str(),
            now,
            reason
        ],
    )?
    else {
        return Err(does_not_apply(tx, id, procedure)?);
    };
    let section = row.text(0)?;
    tx.execute(
        "INSERT INTO procedure_marks (case_id, procedure, section, status, counter, clerk, at, reason) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        vals![
            id.id,
            procedure,
            section.as_str(),
            status.as_str(),
            station.counter.as_str(),
            station.clerk.as_str(),
            now,
            reason
        ],
    )?;
    Ok(ProcedureState {
        id: procedure.to_string(),
        section,
        status,
        counter: Some(station.counter.clone()),
        clerk: Some(station.clerk.clone()),
        at: Some(now.to_string()),
        reason: reason.map(str::to_string),
    })
}

/// The error for a mark of a procedure the case does not have, naming those it has.
fn does_not_apply(
    tx: &mut dyn Sql,
    id: &CaseId,
    procedure: &str,
) -> Result<StoreError, StoreError> {
    let applied: Vec<String> = tx
        .query(
            "SELECT procedure FROM procedure_status WHERE case_id = ?1 ORDER BY procedure",
            vals![id.id],
        )?
        .iter()
        .map(|r| r.text(0))
        .collect::<Result<_, _>>()?;
    Ok(StoreError::Invalid(format!(
        "手続 {procedure:?} は案件 {} に該当していません (procedure {procedure:?} does not apply to case {}; it has: {})",
        id.code,
        id.code,
        if applied.is_empty() { "-".into() } else { applied.join(", ") }
    )))
}

/// Removes the personal data of one case (purge or discard): the intake, the determination,
/// free-text reasons; manifests keep exactly their page/form/procedure/member ids.
fn scrub_tx(tx: &mut dyn Sql, id: i64) -> Result<(), StoreError> {
    tx.execute(
        "UPDATE cases SET intake_json = NULL, determination_json = NULL WHERE id = ?1",
        vals![id],
    )?;
    tx.execute(
        "UPDATE set_asides SET reason = NULL WHERE case_id = ?1",
        vals![id],
    )?;
    tx.execute(
        "UPDATE procedure_status SET reason = NULL WHERE case_id = ?1",
        vals![id],
    )?;
    tx.execute(
        "UPDATE procedure_marks SET reason = NULL WHERE case_id = ?1",
        vals![id],
    )?;
    // Manifests hold ids only by contract; keep exactly those keys anyway, so a richer
    // manifest from a later forms module cannot outlive the retention.
    let manifests = tx.query(
        "SELECT id, manifest_json FROM prints WHERE case_id = ?1",
        vals![id],
    )?;
    for r in manifests {
        let v: Value = serde_json::from_str(&r.text(1)?).unwrap_or(Value::Null);
        tx.execute(
            "UPDATE prints SET manifest_json = ?2 WHERE id = ?1",
            vals![r.int(0)?, anonymous_manifest(&v).to_string()],
        )?;
    }
    Ok(())
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
    tx: &mut dyn Sql,
    now: &str,
    actor: &str,
    action: &str,
    case_code: Option<&str>,
    detail: &str,
) -> Result<(), StoreError> {
    tx.execute(
        "INSERT INTO audit (at, actor, action, case_code, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        vals![now, actor, action, case_code, redact_numbers(detail)],
    )?;
    Ok(())
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

    #[test]
    fn huge_retentions_are_refused_not_panicking() {
        let now = DateTime::parse_from_rfc3339("2026-04-06T12:00:00+09:00").unwrap();
        assert!(cutoff(now, 90).is_ok());
        assert!(cutoff(now, MAX_RETENTION_DAYS).is_ok());
        let e = cutoff(now, 100_000_000).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::BadInput);
        assert!(e.to_string().contains("36500"), "{e}");
        assert!(cutoff(now, u32::MAX).is_err());
    }
}
