//! Everything the screen shows, in one value. `update` changes it; drawing only reads it.

use super::services::{
    Basic4, Bundle, CardError, Continued, InProgress, Secret, SecretKind, Tries, Unfinished,
};
use crate::config::{Config, Role};
use crate::intake::{Event, EventKind, Household, HouseholdFacts, Intake, Relation, Sex, FORMAT};
use crate::rules::loader::SourceFile;
use crate::rules::{determine, Determination, Lang, ProcedureSet};
use chrono::{NaiveDate, NaiveDateTime};
use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Reception,
    Household,
    Confirm,
    Procedures,
    Print,
    Done,
    Supervisor,
}

impl Screen {
    pub const STEPS: [Screen; 6] = [
        Screen::Reception,
        Screen::Household,
        Screen::Confirm,
        Screen::Procedures,
        Screen::Print,
        Screen::Done,
    ];
    pub fn next(self) -> Screen {
        match self {
            Screen::Reception => Screen::Household,
            Screen::Household => Screen::Confirm,
            Screen::Confirm => Screen::Procedures,
            Screen::Procedures => Screen::Print,
            Screen::Print => Screen::Done,
            s => s,
        }
    }
}

/// The card reader as the header shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReaderState {
    None,
    Waiting(String),
    CardPresent(String),
    Reading(String),
    Unavailable,
}

impl ReaderState {
    pub fn reader(&self) -> Option<&str> {
        match self {
            ReaderState::Waiting(r) | ReaderState::CardPresent(r) | ReaderState::Reading(r) => {
                Some(r)
            }
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScannerState {
    /// Only a keyboard-mode scanner (or none): scans are recognised in the key stream.
    Keyboard,
    Connected,
    Disconnected,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MsgKind {
    Info,
    Warn,
    Error,
}

/// The status line under the screen: one message at a time, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    pub kind: MsgKind,
    pub ja: String,
    pub en: String,
}

impl Msg {
    pub fn new(kind: MsgKind, ja: impl Into<String>, en: impl Into<String>) -> Self {
        Msg {
            kind,
            ja: ja.into(),
            en: en.into(),
        }
    }
    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// One input field of a form.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub label: (&'static str, &'static str),
    pub kind: FieldKind,
    pub value: String,
    /// Cursor, in chars.
    pub cursor: usize,
    pub invalid: bool,
    /// What the field means, said beside it (which date a date field is).
    pub hint: Option<(&'static str, &'static str)>,
    /// A warning about the value (a 転入 dated after the 届出日): shown, never blocking.
    pub warn: Option<(String, String)>,
    /// A value put there before the clerk came to the field (today's date, the card's data):
    /// shown selected, so the first key typed replaces it instead of being added to it.
    pub fresh: bool,
    /// A value offered, not inserted (the household's family name): → takes it.
    pub suggest: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FieldKind {
    Text,
    /// `YYYY-MM-DD` (also typed as 8 digits).
    Date,
    /// One of the options (code, ja, en); `value` holds the index.
    Choice(Vec<(String, String, String)>),
}

impl Field {
    pub fn text(key: &'static str, label: (&'static str, &'static str), value: &str) -> Self {
        Field {
            key,
            label,
            kind: FieldKind::Text,
            value: value.to_string(),
            cursor: value.chars().count(),
            invalid: false,
            hint: None,
            warn: None,
            fresh: !value.is_empty(),
            suggest: None,
        }
    }
    pub fn date(
        key: &'static str,
        label: (&'static str, &'static str),
        d: Option<NaiveDate>,
    ) -> Self {
        let v = d.map(|d| d.to_string()).unwrap_or_default();
        Field {
            kind: FieldKind::Date,
            ..Field::text(key, label, &v)
        }
    }
    pub fn choice(
        key: &'static str,
        label: (&'static str, &'static str),
        options: Vec<(String, String, String)>,
        index: usize,
    ) -> Self {
        Field {
            key,
            label,
            kind: FieldKind::Choice(options),
            value: index.to_string(),
            cursor: 0,
            invalid: false,
            hint: None,
            warn: None,
            fresh: false,
            suggest: None,
        }
    }
    pub fn with_hint(mut self, hint: (&'static str, &'static str)) -> Self {
        self.hint = Some(hint);
        self
    }
    pub fn index(&self) -> usize {
        self.value.parse().unwrap_or(0)
    }
    /// The chosen code of a choice field.
    pub fn code(&self) -> Option<&str> {
        match &self.kind {
            FieldKind::Choice(o) => o.get(self.index()).map(|x| x.0.as_str()),
            _ => None,
        }
    }
    pub fn date_value(&self) -> Option<NaiveDate> {
        parse_date_input(self.value.trim())
    }
    pub fn opt_text(&self) -> Option<String> {
        let t = self.value.trim();
        (!t.is_empty()).then(|| t.to_string())
    }
}

/// A date as the clerk types it: `2026-04-01`, or the 8 digits `20260401`.
pub fn parse_date_input(s: &str) -> Option<NaiveDate> {
    if s.len() == 8 && s.bytes().all(|b| b.is_ascii_digit()) {
        return crate::calendar::parse_date(&format!("{}-{}-{}", &s[..4], &s[4..6], &s[6..]));
    }
    crate::calendar::parse_date(s)
}

/// A list of fields with one in focus.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Form {
    pub fields: Vec<Field>,
    pub focus: usize,
}

impl Form {
    pub fn get(&self, key: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.key == key)
    }
    pub fn get_mut(&mut self, key: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.key == key)
    }
    pub fn focused(&self) -> Option<&Field> {
        self.fields.get(self.focus)
    }
    pub fn focus_key(&mut self, key: &str) {
        if let Some(i) = self.fields.iter().position(|f| f.key == key) {
            self.focus = i;
        }
    }
}

/// The member add/edit form and who it edits (`None`: a new member).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberEdit {
    pub id: Option<String>,
    pub form: Form,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinPrompt {
    pub reader: String,
    pub secret: Secret,
    pub tries: Option<Tries>,
    pub error: Option<CardError>,
    pub blocked: bool,
    pub reading: bool,
}

impl PinPrompt {
    pub fn new(reader: &str, kind: SecretKind) -> Self {
        PinPrompt {
            reader: reader.into(),
            secret: Secret::new(kind),
            tries: None,
            error: None,
            blocked: false,
            reading: false,
        }
    }
    pub fn last_try(&self) -> bool {
        matches!(self.tries, Some(Tries::Known(1)))
    }
}

/// A QR set read in full while the case already holds data.
#[derive(Clone, Debug, PartialEq)]
pub struct QrMerge {
    pub incoming: Box<Intake>,
    /// Differences, as lines for the clerk.
    pub conflicts: Vec<(String, String)>,
    /// The first difference shown (PgUp / PgDn when they do not fit).
    pub scroll: usize,
}

/// Dialogs on top of a screen. Only one at a time, so Esc always means "close this".
#[derive(Clone, Debug, PartialEq)]
pub enum Overlay {
    /// Resident-facing PIN (or 照合番号B, clerk-facing) entry.
    Pin(PinPrompt),
    /// The clerk checks the 4 facts against the card face.
    CardConfirm(Basic4),
    MemberEdit(MemberEdit),
    OutsideApplicant(Form),
    ConfirmRemove(String),
    SetAside {
        procedure: String,
        form: Form,
    },
    QrMerge(QrMerge),
    QrOtherSet,
    Resume {
        cases: Vec<Unfinished>,
        selected: usize,
        /// Asking "discard this case?" about the selected one.
        discarding: bool,
    },
    /// F10 with a case open: quit (the case stays unfinished) or go back.
    ConfirmQuit,
    ReloadPath(Form),
    /// F9: another counter's case by its code, typed into the field (a scanned page code
    /// `MDGC…P..` opens the case from any screen, this field or not).
    OpenCode(Form),
    /// A case continued at this counter's section (issue #15).
    Continue(ContinueView),
    /// The supervisor's list of cases still in progress across counters, oldest first.
    InProgress {
        cases: Vec<InProgress>,
        selected: usize,
    },
}

/// A case opened at this counter from another counter's work: what every section did, and
/// this section's procedures to mark. The case on the screen underneath is left as it was.
#[derive(Clone, Debug, PartialEq)]
pub struct ContinueView {
    pub case: Continued,
    /// Index into `case.procedures`.
    pub selected: usize,
    /// Setting the selected procedure aside: the reason being typed.
    pub reason: Option<Form>,
}

impl ContinueView {
    pub fn new(case: Continued) -> Self {
        // This section's first pending procedure is where the clerk starts.
        let selected = case
            .procedures
            .iter()
            .position(|p| p.ours && p.status == super::services::ProcMark::Pending)
            .or_else(|| case.procedures.iter().position(|p| p.ours))
            .unwrap_or(0);
        ContinueView {
            case,
            selected,
            reason: None,
        }
    }
}

/// The one-field form of F9 (a case code or a page code).
pub fn open_code_form() -> Form {
    Form {
        fields: vec![
            Field::text("code", ("受付番号 / ページのQR", "Case code / page QR"), "").with_hint((
                "8文字の受付番号を入力、またはページのQRコードを読み取り",
                "type the 8-character code, or scan a page's QR code",
            )),
        ],
        focus: 0,
    }
}

/// Whether a scanned text is a page code of a printed bundle (`MDGC<code>P<NN>`), not an
/// MDG1 intake part.
pub fn is_page_code(text: &str) -> bool {
    let t = text.trim();
    t.len() >= 5 && t.is_ascii() && t[..4].eq_ignore_ascii_case("MDGC")
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PrintStatus {
    Idle,
    Rendering,
    Printing,
    Printed,
    Failed,
}

/// The case being served. Replaced by a fresh one for the next resident, so nothing of the
/// previous resident survives in memory.
#[derive(Clone, Debug)]
pub struct Case {
    pub code: Option<String>,
    pub intake: Intake,
    pub det: Determination,
    pub reception: Form,
    pub selected_member: usize,
    /// The member the next card read is for (set by "read card" on the household screen).
    pub card_target: Option<String>,
    /// The member just saved was made the deceased (the first of a death): say so.
    pub deceased_auto: bool,
    /// The members whose My Number card was read at this counter (the [カ] mark).
    pub card_read: Vec<String>,
    /// Questions the clerk skipped (member, fact): they stay pending.
    pub skipped: Vec<(Option<String>, String)>,
    /// Answers given on the checklists, newest last, for undo: (member, fact, the intake
    /// before the answer). Any other change of the intake clears it.
    pub answers: Vec<(Option<String>, String, Box<Intake>)>,
    /// The checklist screen being asked (a screen key), until Enter finishes it.
    pub ask_screen: Option<String>,
    /// The checklist screens finished, in order (the progress "3 / 5").
    pub ask_visited: Vec<String>,
    /// The cells answered on the current screen (they stay on it until Enter).
    pub ask_here: Vec<(Option<String>, String)>,
    /// The focused cell of the checklist: (member, fact).
    pub ask_focus: Option<(Option<String>, String)>,
    pub proc_selected: usize,
    pub show_excluded: bool,
    /// The detail pane's first line (PgUp / PgDn).
    pub detail_scroll: u16,
    /// (procedure id, reason)
    pub set_aside: Vec<(String, String)>,
    pub bundle: Option<Bundle>,
    pub print_selected: Vec<bool>,
    pub print_cursor: usize,
    pub print_status: PrintStatus,
    pub print_error: Option<(String, String)>,
    pub qr_progress: Option<(u8, u8)>,
    pub next_member: u32,
    /// Whether anything was entered (an empty case is not offered again).
    pub touched: bool,
    pub determined_recorded: bool,
    /// F6 without printing asks once more before closing the case.
    pub done_armed: bool,
}

/// The supervisor's view of the procedure set.
#[derive(Clone, Debug, Default)]
pub struct Supervisor {
    pub files: Vec<SourceFile>,
    /// The set's scenario tests (read once with the files).
    pub scenarios: Vec<crate::rules::scenario::Scenario>,
    pub selected: usize,
    pub scroll: u16,
    /// The last check/test result, (ja, en) per line.
    pub output: Vec<(String, String)>,
    pub output_ok: Option<bool>,
}

pub struct State {
    pub lang: Lang,
    pub screen: Screen,
    pub training: bool,
    pub config: Config,
    pub set: Arc<ProcedureSet>,
    pub today: NaiveDate,
    /// `--today`, when fixed (the header clock then shows that day).
    pub fixed_today: Option<NaiveDate>,
    /// JST date and time for the header (set by ticks, fixed in tests).
    pub now: NaiveDateTime,
    pub case: Case,
    pub reader: ReaderState,
    pub scanner: ScannerState,
    pub overlay: Option<Overlay>,
    pub msg: Option<Msg>,
    pub help: bool,
    /// The CUPS queues, as last read (read again before every print).
    pub printers: Vec<String>,
    /// The queue the clerk chose with "another printer"; `None`: the first (the configured one).
    pub printer_choice: Option<String>,
    pub supervisor: Supervisor,
    /// The folder the set was loaded from (`None`: the embedded set).
    pub set_dir: Option<std::path::PathBuf>,
    /// The code of the case just closed, shown on the 完了 screen (no personal data).
    pub last_code: Option<String>,
    pub quit: bool,
}

pub fn event_kind_options() -> Vec<(String, String, String)> {
    EventKind::ALL
        .iter()
        .map(|k| {
            (
                k.as_str().to_string(),
                k.label_ja().to_string(),
                k.label_en().to_string(),
            )
        })
        .collect()
}

pub fn sex_options() -> Vec<(String, String, String)> {
    let mut v = vec![("".to_string(), "未入力".to_string(), "-".to_string())];
    for (s, en) in Sex::ALL.iter().zip(["male", "female", "n/a"]) {
        v.push((s.as_str().into(), s.label_ja().into(), en.into()));
    }
    v
}

pub fn relation_options() -> Vec<(String, String, String)> {
    let en = [
        "head",
        "spouse",
        "child",
        "parent",
        "grandchild",
        "sibling",
        "relative",
        "cohabitant",
    ];
    let mut v = vec![("".to_string(), "未入力".to_string(), "-".to_string())];
    for (r, e) in Relation::ALL.iter().zip(en) {
        v.push((r.as_str().into(), r.label_ja().into(), e.into()));
    }
    v
}

/// The 受付 form, from the intake: the fields the event needs, each saying what it means.
pub fn reception_form(i: &Intake) -> Form {
    let k = i.event.kind;
    let kind = EventKind::ALL.iter().position(|x| *x == k).unwrap_or(0);
    let ev = &i.event;
    let text = |key, label, v: &Option<String>| Field::text(key, label, v.as_deref().unwrap_or(""));
    let notified =
        Field::date("notified_on", ("届出日", "Notified on"), ev.notified_on).with_hint((
            "窓口に届け出た日。空欄なら今日",
            "the day of this visit; empty: today",
        ));
    let mut fields = vec![Field::choice(
        "kind",
        ("届出の種類", "Event"),
        event_kind_options(),
        kind,
    )];
    let date = |label, hint| Field::date("date", label, Some(ev.date)).with_hint(hint);
    match k {
        EventKind::Death => {
            fields.push(date(
                ("死亡日", "Date of death"),
                (
                    "亡くなった日 (期限はこの日から数えます)",
                    "deadlines count from this day",
                ),
            ));
            fields.push(
                text(
                    "household_address",
                    ("住所", "Address"),
                    &i.household.address,
                )
                .with_hint(("亡くなった方の世帯の住所", "the household's address")),
            );
            let mut opts = vec![("".to_string(), "未選択".to_string(), "-".to_string())];
            for m in &i.household.members {
                opts.push((m.id.clone(), m.name.clone(), m.name.clone()));
            }
            let sel = ev
                .deceased
                .as_deref()
                .and_then(|d| i.household.members.iter().position(|m| m.id == d))
                .map_or(0, |p| p + 1);
            let hint = if i.household.members.is_empty() {
                (
                    "世帯の画面で最初に入力した方になります",
                    "the first member entered on the household screen",
                )
            } else {
                ("世帯員から選びます", "one of the members")
            };
            fields.push(
                Field::choice("deceased", ("亡くなった方", "The deceased"), opts, sel)
                    .with_hint(hint),
            );
            fields.push(notified);
            fields.push(
                Field::date("funeral_date", ("葬儀の日", "Funeral"), ev.funeral_date).with_hint((
                    "わかれば (葬祭費の期限はこの翌日から2年)",
                    "if known (funeral grants: 2 years from the day after)",
                )),
            );
        }
        EventKind::MoveIn | EventKind::MoveInFromAbroad => {
            let abroad = k == EventKind::MoveInFromAbroad;
            fields.push(date(
                if abroad {
                    ("入国した日", "Date of entry")
                } else {
                    ("転入した日", "Date moved in")
                },
                (
                    "住み始めた日 (異動日)。期限はこの日から数えます",
                    "the day you started living here; deadlines count from it",
                ),
            ));
            fields.push(
                text(
                    "previous_address",
                    if abroad {
                        ("国外の住所", "Address abroad")
                    } else {
                        ("従前の住所", "Previous address")
                    },
                    &ev.previous_address,
                )
                .with_hint(("前に住んでいた所", "where you lived before")),
            );
            fields.push(text(
                "new_address",
                ("新住所", "New address"),
                &ev.new_address,
            ));
            if !abroad {
                fields.push(
                    Field::date(
                        "planned_move_out_date",
                        ("転出予定日", "Planned move-out"),
                        ev.planned_move_out_date,
                    )
                    .with_hint((
                        "転出証明書に書かれた日 (児童手当の15日はこの日から)",
                        "as on the moving-out certificate",
                    )),
                );
            }
            fields.push(notified);
        }
        EventKind::MoveWithin => {
            fields.push(date(
                ("転居した日", "Date moved"),
                (
                    "新しい住所に住み始めた日 (異動日)。期限はこの日から",
                    "the day you started living at the new address",
                ),
            ));
            fields.push(text(
                "previous_address",
                ("今までの住所", "Previous address"),
                &ev.previous_address,
            ));
            fields.push(text(
                "new_address",
                ("新しい住所", "New address"),
                &ev.new_address,
            ));
            fields.push(notified);
        }
        EventKind::MoveOut | EventKind::MoveOutAbroad => {
            let abroad = k == EventKind::MoveOutAbroad;
            fields.push(date(
                if abroad {
                    ("出国する日", "Date of leaving")
                } else {
                    ("転出する日", "Date of moving out")
                },
                (
                    "引っ越す日 (予定日でも)。期限はこの日から数えます",
                    "the day of the move (planned); deadlines count from it",
                ),
            ));
            fields.push(text(
                "previous_address",
                ("今の住所", "Current address"),
                &ev.previous_address,
            ));
            fields.push(text(
                "new_address",
                if abroad {
                    ("転出先 (国・住所)", "Destination abroad")
                } else {
                    ("転出先の住所", "New address")
                },
                &ev.new_address,
            ));
            fields.push(notified);
        }
        EventKind::HouseholdChange => {
            fields.push(date(
                ("変更の日", "Date of change"),
                ("世帯が変わった日 (異動日)", "the day the household changed"),
            ));
            fields.push(text(
                "household_address",
                ("世帯の住所", "Address"),
                &i.household.address,
            ));
            fields.push(notified);
        }
    }
    Form { fields, focus: 0 }
}

/// Warnings about the reception dates: a move in (or a death) dated after the 届出日 cannot
/// have been reported yet; a move out dated long before it is late.
pub fn flag_dates(form: &mut Form, i: &Intake, today: NaiveDate) {
    let notified = i.notified_on(today);
    let k = i.event.kind;
    let warn = match k {
        EventKind::MoveIn
        | EventKind::MoveInFromAbroad
        | EventKind::MoveWithin
        | EventKind::Death
        | EventKind::HouseholdChange
            if i.event.date > notified =>
        {
            Some((
                format!(
                    "{}が届出日より後です。{}",
                    k_date_word(k).0,
                    if k == EventKind::Death {
                        "死亡日を確かめてください"
                    } else {
                        "住み始めてから届け出るものです。日付を確かめてください"
                    }
                ),
                format!(
                    "The {} is after the notification date: please check it",
                    k_date_word(k).1
                ),
            ))
        }
        _ => None,
    };
    if let Some(f) = form.get_mut("date") {
        f.warn = warn;
    }
}

fn k_date_word(k: EventKind) -> (&'static str, &'static str) {
    match k {
        EventKind::MoveIn => ("転入した日", "move-in date"),
        EventKind::MoveInFromAbroad => ("入国した日", "entry date"),
        EventKind::MoveWithin => ("転居した日", "move date"),
        EventKind::Death => ("死亡日", "date of death"),
        _ => ("異動日", "date"),
    }
}

/// A new, empty case: a 転入 today (the most common visit), nobody in it yet.
pub fn empty_intake(today: NaiveDate) -> Intake {
    Intake {
        format: FORMAT.to_string(),
        event: Event::new(EventKind::MoveIn, today),
        household: Household {
            address: None,
            head: None,
            members: vec![],
            facts: HouseholdFacts::default(),
        },
    }
}

impl Case {
    pub fn new(set: &ProcedureSet, today: NaiveDate) -> Self {
        Case::from_intake(empty_intake(today), set, today)
    }

    pub fn from_intake(intake: Intake, set: &ProcedureSet, today: NaiveDate) -> Self {
        let det = determine(&intake, set, today);
        let next_member = intake
            .household
            .members
            .iter()
            .filter_map(|m| m.id.strip_prefix('m')?.parse::<u32>().ok())
            .max()
            .unwrap_or(0)
            + 1;
        Case {
            code: None,
            reception: reception_form(&intake),
            intake,
            det,
            selected_member: 0,
            card_target: None,
            card_read: vec![],
            deceased_auto: false,
            skipped: vec![],
            answers: vec![],
            ask_screen: None,
            ask_visited: vec![],
            ask_here: vec![],
            ask_focus: None,
            proc_selected: 0,
            show_excluded: false,
            detail_scroll: 0,
            set_aside: vec![],
            bundle: None,
            print_selected: vec![],
            print_cursor: 0,
            print_status: PrintStatus::Idle,
            print_error: None,
            qr_progress: None,
            next_member,
            touched: false,
            determined_recorded: false,
            done_armed: false,
        }
    }

    /// The questions still to ask: pending ones not skipped.
    pub fn open_questions(&self) -> Vec<&crate::rules::Question> {
        self.det
            .questions()
            .into_iter()
            .filter(|q| {
                !self
                    .skipped
                    .iter()
                    .any(|(m, f)| *m == q.member && *f == q.fact)
            })
            .collect()
    }

    pub fn current_question(&self) -> Option<&crate::rules::Question> {
        self.open_questions().into_iter().next()
    }

    pub fn new_member_id(&mut self) -> String {
        loop {
            let id = format!("m{}", self.next_member);
            self.next_member += 1;
            if self.intake.member(&id).is_none() {
                return id;
            }
        }
    }
}

impl State {
    pub fn new(
        config: Config,
        set: Arc<ProcedureSet>,
        today: NaiveDate,
        now: NaiveDateTime,
        training: bool,
    ) -> Self {
        let lang = config.lang;
        let case = Case::new(&set, today);
        State {
            lang,
            screen: Screen::Reception,
            training,
            config,
            set,
            today,
            fixed_today: None,
            now,
            case,
            reader: ReaderState::None,
            scanner: ScannerState::Keyboard,
            overlay: None,
            msg: None,
            help: false,
            printers: vec![],
            printer_choice: None,
            supervisor: Supervisor::default(),
            set_dir: None,
            last_code: None,
            quit: false,
        }
    }

    /// The printer the next job goes to: the one chosen, if it is still there; else the first.
    pub fn printer(&self) -> Option<&str> {
        self.printer_choice
            .as_deref()
            .filter(|p| self.printers.iter().any(|x| x == p))
            .or(self.printers.first().map(String::as_str))
    }

    pub fn is_supervisor(&self) -> bool {
        self.config.role == Role::Supervisor
    }

    /// Reruns the engine: after every change, so the procedures screen is always current.
    pub fn redetermine(&mut self) {
        self.case.det = determine(&self.case.intake, &self.set, self.today);
        self.case.determined_recorded = false;
    }

    /// The determination without the procedures the clerk set aside (what gets printed).
    pub fn det_for_print(&self) -> Determination {
        let mut d = self.case.det.clone();
        d.procedures
            .retain(|p| !self.case.set_aside.iter().any(|(id, _)| *id == p.id));
        d
    }

    /// Whether a text field has the keyboard (then letters are typing, not commands).
    pub fn typing(&self) -> bool {
        let text_focus = |f: &Form| {
            f.focused()
                .is_some_and(|f| !matches!(f.kind, FieldKind::Choice(_)))
        };
        match &self.overlay {
            Some(Overlay::MemberEdit(m)) => text_focus(&m.form),
            Some(Overlay::OutsideApplicant(f))
            | Some(Overlay::SetAside { form: f, .. })
            | Some(Overlay::ReloadPath(f))
            | Some(Overlay::OpenCode(f))
            | Some(Overlay::Continue(ContinueView {
                reason: Some(f), ..
            })) => text_focus(f),
            Some(_) => false,
            None => self.screen == Screen::Reception && text_focus(&self.case.reception),
        }
    }
}
