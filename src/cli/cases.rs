//! `madoguchi cases …` and `madoguchi stats` (issue: cases in SQLite, `docs/store.md`).
//!
//! Only `cases show` prints personal data, and each showing is written to the audit log.
//! `cases export` writes the anonymous records only: personal data leaves the database
//! through the printed bundle and the screen, never through a bulk file.

use super::database::{clock, config, fail, open_store};
use super::{exit, Global};
use crate::config::Config;
use crate::store::{
    AnonRecord, CaseId, CaseProgress, CaseRecord, CaseStatus, CaseSummary, ProcStatus, Station,
    Step, Store, StoreError,
};
use std::io::Write as _;
use std::path::PathBuf;

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// List the cases (no personal data): code, status, event, household size, time, clerk.
    List {
        #[arg(long)]
        json: bool,
    },
    /// Show one case, with its intake (ID = row id or case code). Recorded in the audit log.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// Export the anonymous record of every case (for 効果測定), to stdout.
    Export {
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
    },
    /// Remove the personal data of cases closed more than DAYS days ago, and of open cases
    /// untouched for that long (default: the configuration's retention_days, 90).
    Purge {
        #[arg(long, value_name = "DAYS")]
        older_than: Option<u32>,
    },
    /// Per applied procedure of a case: section, status (pending · done · set_aside), who
    /// (counter, clerk) and when. CODE = case code, page code (MDGC…P..) or row id.
    Status {
        code: String,
        #[arg(long)]
        json: bool,
    },
    /// Record a status change of one procedure by this counter (counter and clerk from the
    /// configuration). Works on closed cases too, until their personal data is purged.
    Mark {
        code: String,
        procedure: String,
        #[arg(value_enum)]
        status: MarkStatus,
        /// Why (required for set_aside). Personal free text: purged with the case.
        #[arg(long)]
        reason: Option<String>,
    },
    /// Close an open case (other sections can still mark it).
    Close { code: String },
    /// Remove a case's personal data now; its anonymous record stays (audited).
    Discard { code: String },
    /// Cases still in progress across every counter, oldest first, with their age.
    InProgress {
        #[arg(long)]
        json: bool,
    },
    /// Test helper: writes cases step by step, reporting each committed step on stdout
    /// (`<code> <step>`), for the crash and concurrency tests.
    #[command(hide = true)]
    TestWriter {
        /// Number of cases (0: until killed).
        #[arg(long, default_value_t = 0)]
        cases: u32,
        /// After this many reported steps, stop writing and wait to be killed.
        #[arg(long)]
        hang_after: Option<u32>,
    },
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
#[value(rename_all = "snake_case")]
pub enum MarkStatus {
    Done,
    SetAside,
    Pending,
}

impl From<MarkStatus> for ProcStatus {
    fn from(m: MarkStatus) -> Self {
        match m {
            MarkStatus::Done => ProcStatus::Done,
            MarkStatus::SetAside => ProcStatus::SetAside,
            MarkStatus::Pending => ProcStatus::Pending,
        }
    }
}

#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Json,
    Csv,
}

#[derive(clap::Args, Debug)]
pub struct StatsArgs {
    /// Only cases opened on or after this date (YYYY-MM-DD, JST).
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,
    /// Also write the figures as CSV (metric,key,n,value).
    #[arg(long, value_name = "FILE")]
    pub csv: Option<PathBuf>,
    /// Also write an SVG chart: cases per day and time per case.
    #[arg(long, value_name = "FILE")]
    pub chart: Option<PathBuf>,
}

/// Loads the configuration and opens the database, or prints the one message and returns
/// the exit code.
fn open(g: &Global) -> Result<(Store, Config), i32> {
    let config = config(g)?;
    let mut store = open_store(g, &config)?;
    // Retention is applied whenever the database is opened, so nothing past its time is
    // listed, shown, exported or counted with personal data.
    let r = store
        .purge_due(config.retention_days)
        .map_err(|e| fail(store.path(), &e))?;
    if !r.purged.is_empty() {
        crate::say!(
            "保存期間 ({}日) を過ぎた{}件の個人情報を消去しました。",
            config.retention_days,
            r.purged.len()
        );
    }
    Ok((store, config))
}

pub fn run(cmd: Cmd, g: &Global) -> i32 {
    let (mut store, config) = match open(g) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let path = store.path().to_path_buf();
    let r = match cmd {
        Cmd::List { json } => list(&store, json),
        Cmd::Show { id, json } => show(&mut store, &config, &id, json),
        Cmd::Export { format } => export(&mut store, &config, format),
        Cmd::Purge { older_than } => purge(&mut store, &config, g, older_than),
        Cmd::TestWriter { cases, hang_after } => test_writer(&mut store, g, cases, hang_after),
        Cmd::Status { code, json } => status(&store, &code, json),
        Cmd::Mark {
            code,
            procedure,
            status,
            reason,
        } => mark(
            &mut store,
            &config,
            &code,
            &procedure,
            status.into(),
            reason.as_deref(),
        ),
        Cmd::Close { code } => close(&mut store, &code),
        Cmd::Discard { code } => discard(&mut store, &config, &code),
        Cmd::InProgress { json } => in_progress(&store, json),
    };
    r.unwrap_or_else(|e| fail(&path, &e))
}

fn list(store: &Store, json: bool) -> Result<i32, StoreError> {
    let cases = store.list()?;
    if json {
        return Ok(super::output::stdout(
            serde_json::to_string_pretty(&cases).expect("summaries serialize") + "\n",
        ));
    }
    if cases.is_empty() {
        return Ok(super::output::stdout("案件はありません。\n"));
    }
    Ok(super::output::with_stdout(|out| {
        writeln!(
            out,
            "コード    状態    届出            人数  受付                       段階        担当"
        )?;
        for c in &cases {
            writeln!(out, "{}", summary_line(c))?;
        }
        Ok(())
    }))
}

fn summary_line(c: &CaseSummary) -> String {
    use unicode_width::UnicodeWidthStr;
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(s.width())));
    let kind = c
        .event_kind
        .as_deref()
        .and_then(crate::intake::EventKind::parse)
        .map_or("-", |k| k.label_ja());
    format!(
        "{}  {}  {}  {:>4}  {}  {}  {}",
        c.code,
        pad(c.status.label_ja(), 6),
        pad(kind, 14),
        c.household_size.map_or("-".into(), |n| n.to_string()),
        pad(&c.opened_at, 25),
        pad(&c.last_step, 10),
        c.clerk
    )
}

fn show(store: &mut Store, config: &Config, id: &str, json: bool) -> Result<i32, StoreError> {
    // The text of a page's QR code works too (a back-office clerk scanning a returned form).
    let (key, page) = match store.find_by_page_code(id)? {
        Some((c, page)) if id.trim().to_ascii_uppercase().starts_with("MDGC") => (c.code, page),
        _ => (id.to_string(), None),
    };
    let Some(rec) = store.load_case(&key)? else {
        crate::say!("案件が見つかりません (no case with id or code {id:?})");
        return Ok(exit::BAD_INPUT);
    };
    if let Some(p) = &page {
        crate::say!(
            "{}ページ: 様式 {} (手続 {}, 世帯員 {})",
            p.page,
            p.form,
            p.procedure.as_deref().unwrap_or("-"),
            p.member.as_deref().unwrap_or("-")
        );
    }
    // Showing a case shows personal data: who looked is part of the trail (N03).
    store.audit_case(
        &config.clerk,
        crate::store::actions::CASE_VIEWED,
        &rec.summary.case_id(),
        "",
    )?;
    Ok(super::output::stdout(if json {
        serde_json::to_string_pretty(&rec).expect("records serialize") + "\n"
    } else {
        show_text(&rec)
    }))
}

fn show_text(r: &CaseRecord) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let c = &r.summary;
    let kind = c
        .event_kind
        .as_deref()
        .and_then(crate::intake::EventKind::parse)
        .map_or("-", |k| k.label_ja());
    let _ = writeln!(
        s,
        "案件 {} (id {})  状態: {}  届出: {}  世帯 {}人  担当: {}",
        c.code,
        c.id,
        c.status.label_ja(),
        kind,
        c.household_size.map_or("-".into(), |n| n.to_string()),
        c.clerk
    );
    let _ = writeln!(s, "  受付        {}", r.steps.opened_at);
    for st in Step::ALL {
        if let Some(t) = r.steps.get(st) {
            let _ = writeln!(s, "  {}  {t}", pad_ja(st.label_ja(), 10));
        }
    }
    if let Some(p) = &r.purged_at {
        let _ = writeln!(s, "  個人情報消去 {p}");
    }
    if let Some(d) = &r.set_digest {
        let _ = writeln!(s, "手続セット: {d}");
    }
    let _ = writeln!(
        s,
        "手続 ({}件): {}",
        r.procedures.len(),
        r.procedures.join(", ")
    );
    let _ = writeln!(s, "様式 ({}件): {}", r.forms.len(), r.forms.join(", "));
    let _ = writeln!(
        s,
        "窓口 ({}か所): {}",
        r.counters.len(),
        r.counters.join("、")
    );
    for (i, p) in r.prints.iter().enumerate() {
        let _ = writeln!(
            s,
            "{} {}  プリンタ {}  ジョブ {}",
            if i == 0 { "印刷" } else { "再印刷" },
            p.at,
            p.printer.as_deref().unwrap_or("-"),
            p.job.as_deref().unwrap_or("-")
        );
    }
    for a in &r.set_asides {
        let _ = writeln!(
            s,
            "保留 {}  {}: {}",
            a.at,
            a.procedure,
            a.reason.as_deref().unwrap_or("(消去済)")
        );
    }
    match &r.intake {
        Some(i) => {
            let _ = writeln!(
                s,
                "入力内容:\n{}",
                serde_json::to_string_pretty(i).expect("values serialize")
            );
        }
        None if r.purged_at.is_some() => {
            let _ = writeln!(s, "入力内容: 保存期間を過ぎたため消去しました");
        }
        None => {
            let _ = writeln!(s, "入力内容: まだありません");
        }
    }
    s
}

fn pad_ja(s: &str, w: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    format!("{s}{}", " ".repeat(w.saturating_sub(s.width())))
}

fn export(store: &mut Store, config: &Config, format: ExportFormat) -> Result<i32, StoreError> {
    let recs = store.anonymous_records()?;
    let text = match format {
        ExportFormat::Json => {
            serde_json::to_string_pretty(&recs).expect("records serialize") + "\n"
        }
        ExportFormat::Csv => export_csv(&recs),
    };
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        crate::say!("cannot write the export: {e}");
        return Ok(exit::INTERNAL);
    }
    store.audit(
        &config.clerk,
        crate::store::actions::EXPORTED,
        &format!("anonymous records={} format={format:?}", recs.len()),
    )?;
    Ok(exit::OK)
}

/// Quotes a CSV field when needed (RFC 4180).
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// One anonymous record a line; lists joined with `;`.
pub fn export_csv(recs: &[AnonRecord]) -> String {
    let mut s = String::from(
        "status,event_kind,household_size,procedures,forms,counters,prints,set_aside,\
         opened_at,card_read_at,qr_read_at,determined_at,printed_at,closed_at\n",
    );
    for r in recs {
        let o = |x: &Option<String>| x.clone().unwrap_or_default();
        let fields = [
            r.status.clone(),
            o(&r.event_kind),
            r.household_size.map(|n| n.to_string()).unwrap_or_default(),
            r.procedures.join(";"),
            r.forms.join(";"),
            r.counters.join(";"),
            r.prints.to_string(),
            r.set_aside.join(";"),
            r.steps.opened_at.clone(),
            o(&r.steps.card_read_at),
            o(&r.steps.qr_read_at),
            o(&r.steps.determined_at),
            o(&r.steps.printed_at),
            o(&r.steps.closed_at),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        s.push_str(&line.join(","));
        s.push('\n');
    }
    s
}

fn purge(
    store: &mut Store,
    config: &Config,
    g: &Global,
    older_than: Option<u32>,
) -> Result<i32, StoreError> {
    let days = older_than.unwrap_or(config.retention_days);
    let r = store.purge(days, clock(g)())?;
    let mut text = format!(
        "保存期間 {days}日を過ぎた案件の個人情報を消去しました: {}件\n",
        r.purged.len()
    );
    for c in &r.purged {
        text.push_str(&format!("  {c}\n"));
    }
    if !r.abandoned.is_empty() {
        text.push_str(&format!(
            "  (うち {}日以上だれも触れていない未完了の案件 {}件: {})\n",
            days,
            r.abandoned.len(),
            r.abandoned.join(" ")
        ));
    }
    let code = super::output::stdout(text);
    if code != exit::OK {
        return Ok(code);
    }
    if !r.stale_open.is_empty() {
        crate::say!(
            "注意: {days}日より前に受け付けた未完了の案件が{}件あります (処理中のため消去していません。完了させてください): {}",
            r.stale_open.len(),
            r.stale_open.join(" ")
        );
    }
    storage_notes(store, &r);
    Ok(exit::OK)
}

/// The intake the test writer stores: a made-up household (never a real person).
const TEST_INTAKE: &str = r#"{"format":"madoguchi-intake/1",
 "event":{"kind":"move_in","date":"2026-04-01","notified_on":"2026-04-06",
  "previous_address":"北海道北見市試験町１番地","new_address":"まどぐち市試験町２番地"},
 "household":{"address":"まどぐち市試験町２番地","head":"m1","members":[
  {"id":"m1","name":"試験　太郎","birth_date":"1980-01-01","sex":"male","relation":"head",
   "facts":{"health_insurance":"nhi","mynumber_card":true}}],"facts":{}}}"#;

fn test_writer(
    store: &mut Store,
    g: &Global,
    cases: u32,
    hang_after: Option<u32>,
) -> Result<i32, StoreError> {
    let set = match super::set::load_set(g, None) {
        Ok(s) => s,
        Err(c) => return Ok(c),
    };
    let intake = crate::intake::parse_intake(TEST_INTAKE, &set.vocabulary)
        .map_err(|e| StoreError::Internal(format!("test intake: {e}")))?;
    let d = crate::rules::determine(&intake, &set, g.today());
    let manifest = r#"[{"page":1,"form":"guidance","procedure":null,"member":null}]"#;
    let mut reported = 0u32;
    let mut out = std::io::stdout().lock();
    // Each line is written only after its step committed: the test's proof of durability.
    let mut report = |line: String| -> bool {
        let _ = writeln!(out, "{line}");
        let _ = out.flush();
        reported += 1;
        hang_after.is_some_and(|h| reported >= h)
    };
    let mut i = 0;
    while cases == 0 || i < cases {
        i += 1;
        let id = store.open_case("テスト担当", None)?;
        type StepFn<'a> = &'a mut dyn FnMut(&mut Store) -> Result<(), StoreError>;
        let steps: [(&str, StepFn); 6] = [
            ("opened", &mut |_| Ok(())),
            ("intake", &mut |s| s.save_intake(&id, &intake)),
            ("qr_read", &mut |s| s.record_step(&id, Step::QrRead)),
            ("determined", &mut |s| {
                s.save_determination(&id, &set.digest, &d)
            }),
            ("printed", &mut |s| {
                s.record_print(&id, manifest, Some("test"), None)
            }),
            ("closed", &mut |s| s.close_case(&id)),
        ];
        for (name, f) in steps {
            f(store)?;
            if report(format!("{} {name}", id.code)) {
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(60));
                }
            }
        }
    }
    Ok(exit::OK)
}

pub fn stats(a: StatsArgs, g: &Global) -> i32 {
    let since = match a.since.as_deref() {
        None => None,
        Some(s) => match crate::calendar::parse_date(s) {
            Some(d) => Some(d),
            None => {
                crate::say!("--since: {s:?} is not a date (YYYY-MM-DD)");
                return exit::BAD_INPUT;
            }
        },
    };
    let (store, _config) = match open(g) {
        Ok(x) => x,
        Err(c) => return c,
    };
    let st = match store.stats(since) {
        Ok(s) => s,
        Err(e) => return fail(store.path(), &e),
    };
    let code = super::output::stdout(st.table_ja());
    if code != exit::OK {
        return code;
    }
    for (path, text, what) in [(&a.csv, st.csv(), "CSV"), (&a.chart, st.svg(), "chart")] {
        if let Some(p) = path {
            if let Err(e) = std::fs::write(p, text) {
                crate::say!("{}: cannot write the {what}: {e}", p.display());
                return exit::BAD_INPUT;
            }
            crate::say!("wrote {}", p.display());
        }
    }
    exit::OK
}

/// Writes command output to stdout in full (`cli::output`): a closed pipe ends the command
/// quietly, a full disk is exit 3.
fn emit(text: &str) -> Result<(), i32> {
    match super::output::stdout(text) {
        0 => Ok(()),
        c => Err(c),
    }
}

/// The case behind CODE (code, page code or row id), or exit 2 with the message.
fn find(store: &Store, code: &str) -> Result<Result<CaseId, i32>, StoreError> {
    Ok(match store.resolve(code)? {
        Some(id) => Ok(id),
        None => {
            crate::say!("案件が見つかりません (no case with id or code {code:?})");
            Err(exit::BAD_INPUT)
        }
    })
}

fn status(store: &Store, code: &str, json: bool) -> Result<i32, StoreError> {
    let Some(p) = store.progress(code)? else {
        crate::say!("案件が見つかりません (no case with id or code {code:?})");
        return Ok(exit::BAD_INPUT);
    };
    let text = if json {
        serde_json::to_string_pretty(&p).expect("progress serializes") + "\n"
    } else {
        progress_text(&p)
    };
    Ok(emit(&text).err().unwrap_or(exit::OK))
}

/// The Japanese table of `cases status`.
pub fn progress_text(p: &CaseProgress) -> String {
    use std::fmt::Write;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "案件 {}  状態: {}  受付: {} {}  {}",
        p.code,
        p.status.label_ja(),
        p.counter.as_deref().unwrap_or("-"),
        p.opened_at,
        if p.complete {
            "全手続 処理済"
        } else {
            "未処理の手続あり"
        }
    );
    if p.procedures.is_empty() {
        let _ = writeln!(s, "  (判定された手続はありません)");
    }
    for x in &p.procedures {
        let _ = writeln!(
            s,
            "  {}  {}  {}  {}  {}  {}{}",
            pad_ja(x.status.label_ja(), 6),
            pad_ja(&x.id, 28),
            pad_ja(&x.section, 14),
            pad_ja(x.counter.as_deref().unwrap_or("-"), 16),
            pad_ja(x.clerk.as_deref().unwrap_or("-"), 12),
            x.at.as_deref().unwrap_or("-"),
            x.reason
                .as_deref()
                .map(|r| format!("  理由: {r}"))
                .unwrap_or_default()
        );
    }
    s
}

fn mark(
    store: &mut Store,
    config: &Config,
    code: &str,
    procedure: &str,
    st: ProcStatus,
    reason: Option<&str>,
) -> Result<i32, StoreError> {
    let id = match find(store, code)? {
        Ok(id) => id,
        Err(c) => return Ok(c),
    };
    let station = Station {
        counter: config.counter.clone(),
        clerk: config.clerk.clone(),
    };
    let s = store.mark(&id, procedure, st, reason, &station)?;
    crate::say!(
        "{} {}: {} ({} {} {})",
        id.code,
        s.id,
        s.status.label_ja(),
        station.counter,
        station.clerk,
        s.at.as_deref().unwrap_or("")
    );
    Ok(exit::OK)
}

fn close(store: &mut Store, code: &str) -> Result<i32, StoreError> {
    let Some(rec) = store.load_case(code)? else {
        crate::say!("案件が見つかりません (no case with id or code {code:?})");
        return Ok(exit::BAD_INPUT);
    };
    match rec.summary.status {
        CaseStatus::Open => {}
        CaseStatus::Closed => {
            crate::say!(
                "案件 {} はすでに完了しています (already closed)",
                rec.summary.code
            );
            return Ok(exit::OK);
        }
        other => {
            crate::say!(
                "案件 {} は{}です。完了にできません (the case is {})",
                rec.summary.code,
                other.label_ja(),
                other.as_str()
            );
            return Ok(exit::BAD_INPUT);
        }
    }
    store.close_case(&rec.summary.case_id())?;
    crate::say!("案件 {} を完了にしました (closed)", rec.summary.code);
    Ok(exit::OK)
}

fn discard(store: &mut Store, config: &Config, code: &str) -> Result<i32, StoreError> {
    let Some(rec) = store.load_case(code)? else {
        crate::say!("案件が見つかりません (no case with id or code {code:?})");
        return Ok(exit::BAD_INPUT);
    };
    if matches!(
        rec.summary.status,
        CaseStatus::Discarded | CaseStatus::Purged
    ) {
        crate::say!(
            "案件 {} の個人情報はすでに消去されています (already {})",
            rec.summary.code,
            rec.summary.status.as_str()
        );
        return Ok(exit::OK);
    }
    let r = store.discard(&rec.summary.case_id(), &config.clerk)?;
    crate::say!(
        "案件 {} の個人情報を消去しました。匿名の記録は残ります (discarded: personal data removed, the anonymous record kept)",
        rec.summary.code
    );
    storage_notes(store, &r);
    Ok(exit::OK)
}

fn storage_notes(store: &Store, r: &crate::store::PurgeReport) {
    for n in &r.notes {
        crate::say!("注意: {n}");
    }
    if !r.wal_truncated {
        match store.dialect() {
            crate::store::db::Dialect::Sqlite => crate::say!("注意: 別のプロセスがデータベースを開いているため、WAL を空にできませんでした。全端末を終了してからもう一度実行してください。"),
            crate::store::db::Dialect::Postgres => crate::say!("注意: VACUUM FULL / CHECKPOINT を実行できませんでした。消去した値は次の VACUUM と WAL の再利用まで server のファイルに残ります。データベース管理者に docs/store.md の手順を依頼してください。"),
        }
    }
}

fn in_progress(store: &Store, json: bool) -> Result<i32, StoreError> {
    let cases = store.in_progress()?;
    let text = if json {
        serde_json::to_string_pretty(&cases).expect("cases serialize") + "\n"
    } else if cases.is_empty() {
        "処理中の案件はありません。\n".to_string()
    } else {
        use std::fmt::Write;
        let mut s =
            String::from("コード    受付窓口          経過      未処理  済  保留  待っている課\n");
        for c in &cases {
            let _ = writeln!(
                s,
                "{}  {}  {}  {:>6}  {:>2}  {:>4}  {}",
                c.code,
                pad_ja(c.counter.as_deref().unwrap_or("-"), 16),
                pad_ja(&age_ja(c.age_seconds), 8),
                c.pending,
                c.done,
                c.set_aside,
                c.waiting_at.join("、")
            );
        }
        s
    };
    Ok(emit(&text).err().unwrap_or(exit::OK))
}

/// "3日4時間", "2時間5分", "12分".
pub fn age_ja(secs: i64) -> String {
    let m = secs.max(0) / 60;
    let (d, h, m) = (m / 1440, (m / 60) % 24, m % 60);
    if d > 0 {
        format!("{d}日{h}時間")
    } else if h > 0 {
        format!("{h}時間{m}分")
    } else {
        format!("{m}分")
    }
}
