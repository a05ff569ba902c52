//! The counter's [`Services`] on the real parts: the PC/SC card reader and its watcher, the
//! MDG1 assembler and keyboard/serial scanners, the PDF renderer and CUPS, and the SQLite
//! case store. Each method is a thin conversion between the screen's small types and the
//! part's own API; slow work (card reads, printing) runs on its own thread and reports on the
//! event channel, so the screen never waits on a device.

use super::services::*;
use crate::card;
use crate::config::Config;
use crate::forms::{self, fonts::Fonts, printer::Printer as _};
use crate::intake::Intake;
use crate::qr;
use crate::rules::{Determination, ProcedureSet};
use crate::store::{self, CaseId, Store};
use chrono::NaiveDate;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

/// The identity of the practice card in training mode (a made-up person).
const TRAINING_CARD: &str = include_str!("../../fixtures/cards/yamada-taro.toml");

pub struct RealServices {
    config: Config,
    training: bool,
    today: NaiveDate,
    set: Arc<ProcedureSet>,
    templates_dir: Option<PathBuf>,
    store: Result<Store, String>,
    cases: BTreeMap<String, CaseId>,
    detector: qr::keyboard::ScanDetector,
    assembler: qr::Assembler,
    watcher: Option<card::WatcherHandle>,
    scanner: Option<qr::serial::ScannerHandle>,
    /// The manifest of the last bundle rendered per case, recorded when it is printed.
    manifests: BTreeMap<String, String>,
    /// Training: the practice card behind the virtual reader, in-process (no pcscd needed).
    practice_card: Option<card::VirtualCard>,
    /// The case of the last bundle rendered: the print job's title (no personal data).
    last_code: String,
    /// Per open case, the private folder (random name, 0700, ours alone) holding its rendered
    /// PDF, shown on the print screen so the clerk can open it when no printer works. It goes
    /// when the case closes or is discarded, and every one goes when the counter exits (drop):
    /// the counter leaves no print folder behind.
    kept: BTreeMap<String, tempfile::TempDir>,
}

impl RealServices {
    /// The private folder of a case's kept PDF, made on first use: a fresh random name under
    /// the temporary directory (never a guessable path someone else could have made first),
    /// 0700 and this user's, checked before anything is written into it.
    fn kept_dir(&mut self, case_code: &str) -> Result<PathBuf, String> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        if !self.kept.contains_key(case_code) {
            let dir = tempfile::Builder::new()
                .prefix("madoguchi-print-")
                .permissions(std::fs::Permissions::from_mode(0o700))
                .tempdir()
                .map_err(|e| e.to_string())?;
            self.kept.insert(case_code.to_string(), dir);
        }
        let dir = self.kept[case_code].path().to_path_buf();
        let meta = std::fs::symlink_metadata(&dir).map_err(|e| e.to_string())?;
        // SAFETY: geteuid has no preconditions and cannot fail.
        let ours = meta.uid() == unsafe { libc::geteuid() };
        if !meta.is_dir() || !ours || meta.permissions().mode() & 0o077 != 0 {
            self.kept.remove(case_code);
            return Err(format!(
                "{} is not a private folder of this user",
                dir.display()
            ));
        }
        Ok(dir)
    }

    pub fn new(
        config: Config,
        set: Arc<ProcedureSet>,
        db: Option<PathBuf>,
        templates_dir: Option<PathBuf>,
        training: bool,
        today: NaiveDate,
    ) -> Self {
        let location = config.db_location(db.as_deref(), training);
        let store = Store::open_location(
            &location,
            Box::new(crate::calendar::jst_now),
            Some(store::migrate::LATEST),
        )
        .map(|mut s| {
            s.set_counter(&config.counter);
            s
        })
        .map_err(|e| e.to_string());
        let mut s = RealServices {
            assembler: qr::Assembler::new(set.vocabulary.clone()),
            config,
            training,
            today,
            set,
            templates_dir,
            store,
            cases: BTreeMap::new(),
            kept: BTreeMap::new(),
            detector: qr::keyboard::ScanDetector::new(),
            watcher: None,
            scanner: None,
            manifests: BTreeMap::new(),
            practice_card: None,
            last_code: String::new(),
        };
        let days = s.config.retention_days;
        if let Ok(st) = s.store.as_mut() {
            // Retention runs by itself at start: nothing depends on someone remembering it.
            let _ = st.purge_due(days);
        }
        if training {
            s.practice_card = card::CardIdentity::from_toml(TRAINING_CARD)
                .ok()
                .and_then(|id| card::VirtualCard::from_identity(&id).ok());
        }
        s
    }

    /// Why the store is unavailable, if it is (shown once at start).
    pub fn store_problem(&self) -> Option<&str> {
        self.store.as_ref().err().map(String::as_str)
    }

    fn store(&mut self) -> Result<&mut Store, StoreError> {
        self.store.as_mut().map_err(|e| StoreError(e.clone()))
    }

    fn id(&mut self, code: &str) -> Result<CaseId, StoreError> {
        if let Some(id) = self.cases.get(code) {
            return Ok(id.clone());
        }
        let rec = self
            .store()?
            .load_case(code)
            .map_err(se)?
            .ok_or_else(|| StoreError(format!("受付番号 {code} の記録がありません")))?;
        let id = rec.summary.case_id();
        self.cases.insert(code.to_string(), id.clone());
        Ok(id)
    }
}

fn se(e: store::StoreError) -> StoreError {
    StoreError(e.to_string())
}

fn card_error(e: card::CardError) -> CardError {
    use card::CardError as C;
    match e {
        C::WrongPin { tries_left } => CardError::WrongPin { tries_left },
        C::Blocked => CardError::Blocked,
        C::NotMyNumberCard => CardError::NotMyNumberCard,
        C::NoCard => CardError::NoCard,
        C::NoReader => CardError::NoReader,
        C::ServiceNotRunning => CardError::ServiceNotRunning,
        C::ReaderBusy => CardError::ReaderBusy,
        C::CardRemoved => CardError::CardRemoved,
        C::Unresponsive => CardError::Unresponsive,
        other => CardError::Other(other.message_ja()),
    }
}

fn basic4(b: card::Basic4) -> Basic4 {
    Basic4 {
        name: b.name.clone(),
        address: b.address.clone(),
        birth_date: b.birth_date,
        sex: b.sex,
    }
}

fn key_in(k: ScanKey) -> qr::keyboard::ScanKey {
    match k {
        ScanKey::Char(c) => qr::keyboard::ScanKey::Char(c),
        ScanKey::Enter => qr::keyboard::ScanKey::Enter,
    }
}

fn key_out(k: qr::keyboard::ScanKey) -> ScanKey {
    match k {
        qr::keyboard::ScanKey::Char(c) => ScanKey::Char(c),
        qr::keyboard::ScanKey::Enter => ScanKey::Enter,
    }
}

fn feed_out(f: qr::keyboard::KeyFeed) -> KeyFeed {
    match f {
        qr::keyboard::KeyFeed::Pass(keys) => KeyFeed::Pass(keys.into_iter().map(key_out).collect()),
        qr::keyboard::KeyFeed::Hold => KeyFeed::Hold,
        qr::keyboard::KeyFeed::Scan(s) => KeyFeed::Scan(s),
    }
}

/// Page ranges for `lp -P` covering the chosen bundle items.
fn page_ranges(items: &[BundleItem], chosen: &[usize]) -> String {
    let mut first = 1u32;
    let mut ranges = vec![];
    for (i, it) in items.iter().enumerate() {
        if chosen.contains(&i) && it.pages > 0 {
            let last = first + it.pages - 1;
            ranges.push(if last == first {
                first.to_string()
            } else {
                format!("{first}-{last}")
            });
        }
        first += it.pages;
    }
    ranges.join(",")
}

impl Services for RealServices {
    fn start_devices(&mut self, tx: EventTx) {
        let (ctx, crx) = mpsc::channel::<card::ReaderEvent>();
        self.watcher = Some(card::spawn_watcher(ctx));
        let t = tx.clone();
        std::thread::spawn(move || {
            for ev in crx {
                let ev = match ev {
                    card::ReaderEvent::ReaderAdded(r) => ReaderEvent::ReaderAdded(r),
                    card::ReaderEvent::ReaderRemoved(r) => ReaderEvent::ReaderRemoved(r),
                    card::ReaderEvent::CardInserted { reader, atr } => {
                        ReaderEvent::CardInserted { reader, atr }
                    }
                    card::ReaderEvent::CardRemoved { reader } => {
                        ReaderEvent::CardRemoved { reader }
                    }
                    card::ReaderEvent::ServiceUnavailable(m) => ReaderEvent::ServiceUnavailable(m),
                };
                if t.send(DeviceEvent::Reader(ev)).is_err() {
                    break;
                }
            }
        });
        if let Some(path) = self.config.serial_scanner.clone() {
            let (stx, srx) = mpsc::channel::<qr::serial::ScannerEvent>();
            self.scanner = Some(qr::serial::spawn_serial_scanner(path, stx));
            std::thread::spawn(move || {
                for ev in srx {
                    let ev = match ev {
                        qr::serial::ScannerEvent::Connected(_) => ScannerEvent::Connected,
                        qr::serial::ScannerEvent::Disconnected(_) => ScannerEvent::Disconnected,
                        qr::serial::ScannerEvent::Part(p) => ScannerEvent::Part(p),
                    };
                    if tx.send(DeviceEvent::Scanner(ev)).is_err() {
                        break;
                    }
                }
            });
        }
    }

    fn query_tries(&mut self, reader: &str, kind: SecretKind) -> Tries {
        let code_b = kind == SecretKind::CodeB;
        if let Some(card) = self
            .practice_card
            .as_mut()
            .filter(|_| reader == super::app::VIRTUAL_READER)
        {
            return match card::query_tries(card, code_b) {
                Ok(card::TriesLeft::Known(n)) => Tries::Known(n),
                _ => Tries::NotReported,
            };
        }
        // Just after insertion a card may still be powering up: retry a transient failure a
        // few times (at most half a second) before showing "unknown" to the resident.
        for _ in 0..5 {
            match card::query_tries_pcsc(Some(reader), code_b) {
                Ok((_, card::TriesLeft::Known(n))) => return Tries::Known(n),
                Ok((_, card::TriesLeft::NotReported)) => return Tries::NotReported,
                Err(
                    card::CardError::Unresponsive
                    | card::CardError::ReaderBusy
                    | card::CardError::CardRemoved
                    | card::CardError::NoCard
                    | card::CardError::Pcsc(_),
                ) => std::thread::sleep(std::time::Duration::from_millis(100)),
                Err(_) => return Tries::NotReported,
            }
        }
        Tries::NotReported
    }

    fn read_basic4(&mut self, reader: &str, secret: Secret, tx: EventTx) {
        let make = match secret.kind {
            SecretKind::Pin => card::Secret::pin(secret.expose()),
            SecretKind::CodeB => card::Secret::code_b(secret.expose()),
        };
        drop(secret);
        let s = match make {
            Ok(s) => s,
            Err(e) => {
                let _ = tx.send(DeviceEvent::CardRead(Err(card_error(e))));
                return;
            }
        };
        if self.training && reader == super::app::VIRTUAL_READER {
            if let Some(card) = self.practice_card.as_mut() {
                let r = card::read_basic4(card, &s).map(basic4).map_err(card_error);
                let _ = tx.send(DeviceEvent::CardRead(r));
                return;
            }
        }
        let reader = reader.to_string();
        std::thread::spawn(move || {
            let r = card::read_basic4_pcsc(Some(&reader), &s)
                .map(|(_, b)| basic4(b))
                .map_err(card_error);
            let _ = tx.send(DeviceEvent::CardRead(r));
        });
    }

    fn scan_key(&mut self, key: ScanKey, at_ms: u64) -> KeyFeed {
        feed_out(self.detector.feed(key_in(key), at_ms))
    }

    fn scan_tick(&mut self, now_ms: u64) -> KeyFeed {
        let keys = self.detector.tick(now_ms);
        if keys.is_empty() {
            KeyFeed::Hold
        } else {
            KeyFeed::Pass(keys.into_iter().map(key_out).collect())
        }
    }

    fn qr_feed(&mut self, text: &str) -> Result<QrFeed, QrError> {
        match self.assembler.feed(text) {
            Ok(qr::Feed::Progress { read, total }) => Ok(QrFeed::Progress { read, total }),
            Ok(qr::Feed::Duplicate { read, total }) => Ok(QrFeed::Duplicate { read, total }),
            Ok(qr::Feed::Complete(i)) => Ok(QrFeed::Complete(Box::new(i))),
            Ok(qr::Feed::OtherSet { .. }) => {
                let (read, total) = self.assembler.progress().unwrap_or((0, 0));
                Ok(QrFeed::OtherSet { read, total })
            }
            Err(e) => Err(QrError {
                message_ja: e.message_ja(),
                message_en: e.message_en(),
            }),
        }
    }

    fn qr_reset(&mut self) {
        self.assembler.start_over();
    }

    fn render_bundle(
        &mut self,
        intake: &Intake,
        det: &Determination,
        case_code: &str,
    ) -> Result<Bundle, String> {
        // Nothing typed at the counter reaches paper with a 個人番号 or a control character.
        crate::intake::check_text(intake)
            .map_err(|e| format!("入力内容を確認してください ({e})"))?;
        let fonts = Fonts::system();
        let (templates, _) =
            forms::load_templates(self.templates_dir.as_deref(), &self.set, &fonts).map_err(
                |d| {
                    format!(
                        "様式テンプレートにエラーがあります ({}件)。監督者に連絡してください。",
                        d.len()
                    )
                },
            )?;
        let input = forms::Input {
            intake,
            det,
            set: &self.set,
            templates: &templates,
            today: self.today,
            case_code,
            lang: self.config.lang,
            large_print: false,
            with_guidance: true,
        };
        let b = forms::render(&input, &fonts).map_err(|e| e.to_string())?;
        // One bundle item per run of pages of the same form.
        let mut items: Vec<BundleItem> = vec![];
        for p in &b.manifest.pages {
            match items.last_mut() {
                Some(last)
                    if last.form == p.form
                        && last.member == p.member
                        && last.procedure.as_deref()
                            == p.procedures.first().map(String::as_str) =>
                {
                    last.pages += 1
                }
                _ => items.push(BundleItem {
                    form: p.form.clone(),
                    title: p.title.clone(),
                    procedure: p.procedures.first().cloned(),
                    member: p.member.clone(),
                    pages: 1,
                }),
            }
        }
        self.manifests
            .insert(case_code.to_string(), b.manifest.to_json_pretty());
        self.last_code = case_code.to_string();
        // Kept in this case's private folder until the case closes: printed from there, and
        // the clerk is told where it is (it can be opened when no printer works).
        let path = self.kept_dir(case_code).ok().and_then(|d| {
            let name = if case_code.is_empty() {
                "bundle"
            } else {
                case_code
            };
            let p = d.join(format!("{name}.pdf"));
            crate::private_files::write_private_file(&p, &b.pdf)
                .is_ok()
                .then_some(p)
        });
        Ok(Bundle {
            pdf: b.pdf,
            items,
            missing_glyphs: b.warnings.iter().map(|w| w.to_string()).collect(),
            path,
        })
    }

    fn printers(&mut self) -> Vec<String> {
        let mut out: Vec<String> = self.config.printer.iter().cloned().collect();
        if let Ok(o) = std::process::Command::new("lpstat").arg("-e").output() {
            for q in String::from_utf8_lossy(&o.stdout)
                .lines()
                .map(str::trim)
                .filter(|q| !q.is_empty())
            {
                if !out.iter().any(|x| x == q) {
                    out.push(q.to_string());
                }
            }
        }
        out
    }

    fn print(&mut self, printer: &str, bundle: &Bundle, items: &[usize], tx: EventTx) {
        let mut job = forms::printer::PrintJob::new(printer, &self.last_code);
        if items.len() < bundle.items.len() {
            job.pages = Some(page_ranges(&bundle.items, items));
        }
        let pdf = bundle.pdf.clone();
        let kept = bundle.path.clone();
        std::thread::spawn(move || {
            let r = (|| {
                // The kept PDF (the clerk may look at it later) when there is one; otherwise a
                // private folder (0700, random name, ours alone) removed when the job is handed
                // to CUPS: never a guessable shared path someone else could have made.
                let mut _dir = None;
                let path = match kept.filter(|p| p.exists()) {
                    Some(p) => p,
                    None => {
                        let dir = tempfile::Builder::new()
                            .prefix("madoguchi-print-")
                            .tempdir()
                            .map_err(|e| PrintError {
                                message_ja: format!("一時フォルダを作れません: {e}"),
                                message_en: e.to_string(),
                            })?;
                        let p = dir.path().join("bundle.pdf");
                        crate::private_files::write_private_file(&p, &pdf).map_err(|e| {
                            PrintError {
                                message_ja: format!("一時ファイルを書けません: {e}"),
                                message_en: e.to_string(),
                            }
                        })?;
                        _dir = Some(dir);
                        p
                    }
                };
                let r = forms::printer::Cups::default().print(&path, &job);
                drop(_dir);
                r.map(|_| ()).map_err(|e| print_error(&e))
            })();
            let _ = tx.send(DeviceEvent::Printed(r));
        });
    }

    fn open_case(&mut self) -> Result<String, StoreError> {
        let clerk = self.config.clerk.clone();
        let days = self.config.retention_days;
        let st = self.store()?;
        // Retention on schedule for a counter that runs for days: what fell due since the
        // last resident is purged before the next one (cheap when nothing is due). A failed
        // purge never stops the counter: the next resident (or any `cases` command) retries.
        let _ = st.purge_due(days);
        let id = st.open_case(&clerk, None).map_err(se)?;
        self.cases.insert(id.code.clone(), id.clone());
        Ok(id.code)
    }

    fn load_case(&mut self, code: &str) -> Result<Intake, StoreError> {
        let rec = self
            .store()?
            .load_case(code)
            .map_err(se)?
            .ok_or_else(|| StoreError(format!("受付番号 {code} の記録がありません")))?;
        let value = rec
            .intake
            .clone()
            .ok_or_else(|| StoreError("この案件には入力内容がありません".into()))?;
        self.cases.insert(code.to_string(), rec.summary.case_id());
        crate::intake::parse_intake_value(&value, &self.set.vocabulary)
            .map_err(|e| StoreError(e.to_string()))
    }

    fn save_intake(&mut self, code: &str, intake: &Intake) -> Result<(), StoreError> {
        // Never stored with a 個人番号 in a field (the intake stays on screen to correct).
        crate::intake::check_text(intake)
            .map_err(|e| StoreError(format!("入力内容を確認してください ({e})")))?;
        let id = self.id(code)?;
        self.store()?.save_intake(&id, intake).map_err(se)
    }

    fn record_step(&mut self, code: &str, step: Step) -> Result<(), StoreError> {
        let id = self.id(code)?;
        let s = match step {
            Step::CardRead => store::Step::CardRead,
            Step::QrRead => store::Step::QrRead,
            Step::Determined => store::Step::Determined,
            Step::Printed => store::Step::Printed,
            Step::Closed => store::Step::Closed,
        };
        self.store()?.record_step(&id, s).map_err(se)
    }

    fn save_determination(&mut self, code: &str, det: &Determination) -> Result<(), StoreError> {
        let id = self.id(code)?;
        let digest = det.procedure_set.digest.clone();
        self.store()?
            .save_determination(&id, &digest, det)
            .map_err(se)
    }

    fn record_print(&mut self, code: &str, forms: &[String]) -> Result<(), StoreError> {
        let id = self.id(code)?;
        let manifest = self
            .manifests
            .get(code)
            .cloned()
            .unwrap_or_else(|| serde_json::json!({ "forms": forms }).to_string());
        let printer = self.config.printer.clone();
        self.store()?
            .record_print(&id, &manifest, printer.as_deref(), None)
            .map_err(se)
    }

    fn set_aside(&mut self, code: &str, procedure: &str, reason: &str) -> Result<(), StoreError> {
        let id = self.id(code)?;
        self.store()?.set_aside(&id, procedure, reason).map_err(se)
    }

    fn close_case(&mut self, code: &str) -> Result<(), StoreError> {
        // The kept PDF holds the resident's data: it goes with the case, folder and all.
        self.kept.remove(code);
        let id = self.id(code)?;
        self.store()?.close_case(&id).map_err(se)
    }

    fn continue_case(&mut self, code_or_page: &str) -> Result<Continued, StoreError> {
        let section = self.config.section.clone();
        let c = continue_case(self.store()?, section.as_deref(), code_or_page)?;
        let id = self.store()?.resolve(&c.code).map_err(se)?;
        if let Some(id) = id {
            self.cases.insert(c.code.clone(), id);
        }
        Ok(c)
    }

    fn mark(
        &mut self,
        code: &str,
        procedure: &str,
        mark: ProcMark,
        reason: Option<&str>,
    ) -> Result<(), StoreError> {
        let id = self.id(code)?;
        let station = self.station();
        let status = match mark {
            ProcMark::Pending => store::ProcStatus::Pending,
            ProcMark::Done => store::ProcStatus::Done,
            ProcMark::SetAside => store::ProcStatus::SetAside,
        };
        self.store()?
            .mark(&id, procedure, status, reason, &station)
            .map(|_| ())
            .map_err(se)
    }

    fn in_progress(&mut self) -> Vec<InProgress> {
        let Ok(st) = self.store.as_ref() else {
            return vec![];
        };
        st.in_progress()
            .unwrap_or_default()
            .into_iter()
            .map(|c| InProgress {
                code: c.code,
                counter: c.counter,
                event_kind: c.event_kind,
                age_seconds: c.age_seconds,
                pending: c.pending,
                waiting_at: c.waiting_at,
            })
            .collect()
    }

    fn published_set(&mut self) -> Result<Vec<crate::rules::loader::SourceFile>, StoreError> {
        match self.store()?.latest_set().map_err(se)? {
            Some(p) => Ok(p
                .files
                .into_iter()
                .map(|(path, text)| crate::rules::loader::SourceFile { path, text })
                .collect()),
            None => Err(StoreError(
                "公開された手続セットがありません (madoguchi procedures publish DIR で公開します)"
                    .into(),
            )),
        }
    }

    fn discard_case(&mut self, code: &str) -> Result<(), StoreError> {
        // `cases discard`: the personal data removed now, the anonymous record kept (audited
        // with this clerk's name); a kept PDF goes with it.
        self.kept.remove(code);
        let id = self.id(code)?;
        let clerk = self.config.clerk.clone();
        self.store()?.discard(&id, &clerk).map(|_| ()).map_err(se)
    }

    fn unfinished(&mut self) -> Vec<Unfinished> {
        let Ok(st) = self.store.as_ref() else {
            return vec![];
        };
        st.unfinished()
            .unwrap_or_default()
            .into_iter()
            .filter_map(|c| {
                let kind = c
                    .event_kind
                    .as_deref()
                    .and_then(crate::intake::EventKind::parse)?;
                Some(Unfinished {
                    code: c.code.clone(),
                    kind,
                    started: c.opened_at.clone(),
                })
            })
            .collect()
    }
}

impl RealServices {
    fn station(&self) -> store::Station {
        store::Station {
            counter: self.config.counter.clone(),
            clerk: self.config.clerk.clone(),
        }
    }
}

/// Case continuation across counters (issue #15), on the shared store.
pub(super) fn continue_case(
    st: &Store,
    section: Option<&str>,
    text: &str,
) -> Result<Continued, StoreError> {
    let Some((summary, page)) = st.find_by_page_code(text).map_err(se)? else {
        return Err(StoreError(format!(
            "受付番号 {} の案件が見つかりません",
            text.trim()
        )));
    };
    let p = st
        .progress(&summary.code)
        .map_err(se)?
        .ok_or_else(|| StoreError(format!("受付番号 {} の案件が見つかりません", summary.code)))?;
    Ok(Continued {
        code: p.code.clone(),
        page: page.map(|r| (r.page, r.form)),
        status: p.status.as_str().to_string(),
        complete: p.complete,
        procedures: p
            .procedures
            .into_iter()
            .map(|x| ProcState {
                ours: section.is_some_and(|s| s == x.section),
                status: match x.status {
                    store::ProcStatus::Pending => ProcMark::Pending,
                    store::ProcStatus::Done => ProcMark::Done,
                    store::ProcStatus::SetAside => ProcMark::SetAside,
                },
                id: x.id,
                section: x.section,
                counter: x.counter,
                clerk: x.clerk,
                at: x.at,
                reason: x.reason,
            })
            .collect(),
    })
}

/// A CUPS error as the clerk reads it: what happened and what to do, in Japanese; the
/// English text keeps CUPS's own words.
fn print_error(e: &forms::printer::PrintError) -> PrintError {
    use forms::printer::PrintError as E;
    let ja = match e {
        E::NoSuchPrinter(q, _) => format!(
            "プリンタ「{q}」が見つかりません。O で別のプリンタを選ぶか、係の者に連絡してください。"
        ),
        E::Offline(q, _) => format!(
            "プリンタ「{q}」は止まっています。電源・用紙・カバーを確かめて R で再試行、または O で別のプリンタへ。"
        ),
        E::Submit(_) => {
            "印刷を送れませんでした。R で再試行、または O で別のプリンタへ。".to_string()
        }
        E::JobFailed(id, _) => format!(
            "印刷 ({id}) が失敗しました。プリンタを確かめて R で再試行、または O で別のプリンタへ。"
        ),
        E::Timeout(id, secs) => format!(
            "印刷 ({id}) が{secs}秒たっても終わりません。用紙・カバーを確かめてください。R で再試行。"
        ),
        E::Tools(cmd, _) => format!(
            "印刷のコマンド ({cmd}) を実行できません。CUPS が入っているか係の者に確認してください。"
        ),
    };
    PrintError {
        message_ja: ja,
        message_en: e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_code_opens_the_case_at_this_section_with_what_others_did() {
        let dir = tempfile::tempdir().unwrap();
        let mut st = Store::open(&dir.path().join("c.sqlite3")).unwrap();
        let (set, _) = crate::rules::load_embedded(None).unwrap();
        let text = include_str!("../../fixtures/intakes/move-in-family.json");
        let intake = crate::intake::parse_intake(text, &set.vocabulary).unwrap();
        let det =
            crate::rules::determine(&intake, &set, NaiveDate::from_ymd_opt(2026, 4, 6).unwrap());
        let id = st.open_case("受付", Some(intake.event.kind)).unwrap();
        st.save_intake(&id, &intake).unwrap();
        st.save_determination(&id, &set.digest, &det).unwrap();
        st.record_print(
            &id,
            r#"[{"page":1,"form":"guidance","procedure":null,"member":null}]"#,
            None,
            None,
        )
        .unwrap();
        let other = &det.procedures[0];
        let station = store::Station {
            counter: "1番窓口".into(),
            clerk: "受付 一郎".into(),
        };
        st.mark(&id, &other.id, store::ProcStatus::Done, None, &station)
            .unwrap();
        let mine = det
            .procedures
            .iter()
            .find(|p| p.section != other.section)
            .expect("two sections");
        let c = continue_case(&st, Some(&mine.section), &store::page_code(&id.code, 1)).unwrap();
        assert_eq!(c.code, id.code);
        assert_eq!(c.page, Some((1, "guidance".to_string())));
        let done = c.procedures.iter().find(|p| p.id == other.id).unwrap();
        assert_eq!(done.status, ProcMark::Done);
        assert_eq!(done.counter.as_deref(), Some("1番窓口"));
        assert!(!done.ours);
        assert!(c.procedures.iter().any(|p| p.id == mine.id && p.ours));
        assert!(!c.complete);
        assert!(continue_case(&st, None, "MDGCZZZZZZZZP01").is_err());
    }

    #[test]
    fn the_kept_pdf_folder_goes_with_its_case_and_with_the_counter() {
        use crate::tui::services::Services;
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let (set, _) = crate::rules::load_embedded(None).unwrap();
        let today = NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
        let mut s = RealServices::new(
            Config::default(),
            Arc::new(set),
            Some(dir.path().join("c.sqlite3")),
            None,
            false,
            today,
        );
        let folder = |s: &mut RealServices, code: &str| {
            let d = s.kept_dir(code).unwrap();
            std::fs::write(d.join("x.pdf"), b"%PDF").unwrap();
            d
        };
        let a = folder(&mut s, "AAAAAAAA");
        let b = folder(&mut s, "BBBBBBBB");
        assert_ne!(a, b, "a folder per case");
        let mode = std::fs::metadata(&a).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o700);
        let name = a.file_name().unwrap().to_string_lossy().into_owned();
        assert_ne!(
            name,
            format!("madoguchi-print-{}", std::process::id()),
            "never a guessable name"
        );
        let _ = s.discard_case("AAAAAAAA");
        assert!(!a.exists(), "discarded: its PDF is gone");
        assert!(b.exists(), "the other case keeps its own");
        drop(s);
        assert!(!b.exists(), "the counter exits: nothing left behind");
    }

    #[test]
    fn chosen_items_become_page_ranges() {
        let item = |pages| BundleItem {
            form: "f".into(),
            title: "t".into(),
            procedure: None,
            member: None,
            pages,
        };
        let items = vec![item(2), item(1), item(3), item(1)];
        assert_eq!(page_ranges(&items, &[0, 2]), "1-2,4-6");
        assert_eq!(page_ranges(&items, &[1, 3]), "3,7");
    }
}
