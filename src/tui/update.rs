//! `update(state, action) -> effects`: every change of the screen, and nothing else. It does
//! no I/O: reading a card, printing and saving are returned as [`Effect`]s for the loop, so
//! each flow is a plain unit test.

use super::action::{Action, Effect};
use super::checklist::{self, RowKind};
use super::services::{
    Basic4, CardError, DeviceEvent, ProcMark, QrFeed, ReaderEvent, ScannerEvent, SecretKind, Tries,
};
use super::state::*;
use crate::intake::{
    Applicant, EventKind, FactValue, Intake, Member, OutsidePerson, Relation, Sex, Vocabulary,
};

pub fn update(s: &mut State, a: Action) -> Vec<Effect> {
    match a {
        Action::Tick(now) => {
            s.now = now;
            vec![]
        }
        Action::ToggleLang => {
            s.lang = match s.lang {
                crate::rules::Lang::Ja => crate::rules::Lang::En,
                crate::rules::Lang::En => crate::rules::Lang::Ja,
            };
            vec![]
        }
        Action::ToggleHelp => {
            s.help = !s.help;
            vec![]
        }
        Action::Quit => {
            // A case in the middle is never dropped by one key: ask first.
            let open = s.case.touched && s.case.code.is_some() && s.screen != Screen::Done;
            if open && !matches!(s.overlay, Some(Overlay::ConfirmQuit)) {
                s.help = false;
                s.overlay = Some(Overlay::ConfirmQuit);
                return vec![];
            }
            s.quit = true;
            vec![Effect::Quit]
        }
        Action::Device(ev) => device(s, ev),
        Action::Scan(text) => {
            // The resident's PIN screen and the card check are never replaced by a scan.
            if matches!(
                s.overlay,
                Some(Overlay::Pin(_)) | Some(Overlay::CardConfirm(_))
            ) {
                warn(s, "カードの読み取り中はQRコードを読み取れません。あとでもう一度読み取ってください。", "Finish the card first, then scan again.");
                return vec![];
            }
            if is_page_code(&text) {
                // A page of a bundle printed at another counter: continue that case here.
                return vec![Effect::ContinueCase(text)];
            }
            vec![Effect::QrFeed(text)]
        }
        Action::Continued(r) => continued(s, r),
        Action::InProgressList(cases) => {
            if cases.is_empty() {
                info(
                    s,
                    "進行中の案件はありません (どの窓口にも)。",
                    "No case is in progress at any counter.",
                );
                return vec![];
            }
            let selected = match &s.overlay {
                Some(Overlay::InProgress { selected, .. }) => {
                    (*selected).min(cases.len().saturating_sub(1))
                }
                _ => 0,
            };
            s.overlay = Some(Overlay::InProgress { cases, selected });
            vec![]
        }
        Action::OpenOtherCase if s.overlay.is_none() && !s.help => {
            s.overlay = Some(Overlay::OpenCode(open_code_form()));
            vec![]
        }
        Action::QrResult(r) => qr_result(s, r),
        Action::TriesKnown(t) => {
            if let Some(Overlay::Pin(p)) = &mut s.overlay {
                p.tries = Some(t);
                if t == Tries::Known(0) {
                    p.blocked = true;
                    p.error = Some(CardError::Blocked);
                }
            }
            vec![]
        }
        Action::CaseOpened(code) => {
            s.case.code = Some(code);
            vec![]
        }
        Action::CaseLoaded(code, intake) => {
            s.case = Case::from_intake(*intake, &s.set, s.today);
            s.case.code = Some(code);
            s.case.touched = true;
            s.overlay = None;
            s.screen = Screen::Household;
            s.msg = Some(Msg::new(
                MsgKind::Info,
                "中断した受付を再開しました。",
                "Resumed the unfinished case.",
            ));
            vec![]
        }
        Action::Unfinished(list) => {
            if list.is_empty() {
                vec![Effect::OpenCase]
            } else {
                s.overlay = Some(Overlay::Resume {
                    cases: list,
                    selected: 0,
                    discarding: false,
                });
                vec![]
            }
        }
        Action::BundleReady(r) => {
            match r {
                Ok(b) => {
                    s.case.print_selected = vec![true; b.items.len()];
                    s.case.print_cursor = 0;
                    s.case.print_status = PrintStatus::Idle;
                    s.case.print_error = None;
                    if !b.missing_glyphs.is_empty() {
                        s.msg = Some(Msg::new(
                            MsgKind::Warn,
                            format!(
                                "印字できない文字・欄に収まらない値があります: {} (印刷後に手書きで補ってください)",
                                b.missing_glyphs.join(" ")
                            ),
                            format!(
                                "Characters missing from the font or values that do not fit: {}",
                                b.missing_glyphs.join(" ")
                            ),
                        ));
                    }
                    s.case.bundle = Some(b);
                }
                Err(e) => {
                    s.case.print_status = PrintStatus::Failed;
                    s.case.print_error = Some((
                        format!("書類を作れませんでした: {e}"),
                        format!("The bundle could not be made: {e}"),
                    ));
                }
            }
            vec![]
        }
        Action::Printers(list) => {
            s.printers = list;
            vec![]
        }
        Action::PrintersNext(list) => {
            s.printers = list;
            if s.printers.is_empty() {
                s.msg = Some(Msg::new(
                    MsgKind::Error,
                    "プリンタが1台も見つかりません。係の者に連絡してください。PDF は画面に出ている場所にあります。",
                    "No printer found. The PDF is kept where the screen says.",
                ));
                return vec![];
            }
            let cur = s.printer().map(str::to_string);
            let i = cur
                .and_then(|c| s.printers.iter().position(|x| *x == c))
                .map_or(0, |i| (i + 1) % s.printers.len());
            let p = s.printers[i].clone();
            s.printer_choice = Some(p.clone());
            info(
                s,
                format!("プリンタを「{p}」に変えました。Enter で印刷します。"),
                format!("Printer: {p}. Enter prints."),
            );
            vec![]
        }
        Action::SupResult {
            ok,
            lines,
            reloaded,
        } => {
            s.supervisor.output = lines;
            s.supervisor.output_ok = Some(ok);
            s.supervisor.scroll = 0;
            if let Some((set, files, dir)) = reloaded {
                s.set = set;
                s.supervisor.scenarios =
                    crate::rules::scenario::read_scenarios(&files).unwrap_or_default();
                s.supervisor.files = files;
                s.supervisor.selected = 0;
                s.set_dir = dir;
                s.redetermine();
                s.msg = Some(Msg::new(
                    MsgKind::Info,
                    "新しい手続定義に切り替えました。",
                    "Switched to the new procedure set.",
                ));
            } else if !ok {
                s.msg = Some(Msg::new(
                    MsgKind::Error,
                    "問題があります。今の手続定義をそのまま使います。",
                    "Problems found; the current set stays in use.",
                ));
            }
            vec![]
        }
        Action::StoreFailed(m) => {
            s.msg = Some(Msg::new(
                MsgKind::Error,
                format!("記録できませんでした: {m}"),
                format!("Could not save: {m}"),
            ));
            vec![]
        }
        Action::VirtualCard => {
            let insert = !matches!(
                s.reader,
                ReaderState::CardPresent(_) | ReaderState::Reading(_)
            );
            vec![Effect::VirtualCard { insert }]
        }
        other => {
            if s.help {
                s.help = false;
                return vec![];
            }
            if s.overlay.is_some() {
                overlay(s, other)
            } else {
                screen(s, other)
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/// After every change of the intake: rerun the engine and save the case.
fn changed(s: &mut State) -> Vec<Effect> {
    // The deceased never stays 届出人, whatever changed.
    if s.case.intake.event.kind == EventKind::Death {
        clear_deceased_applicant(&mut s.case.intake);
    }
    if s.screen != Screen::Reception || s.overlay.is_some() {
        // The 受付 form follows (its list of members to choose the deceased from).
        refresh_reception(s);
    }
    s.redetermine();
    // Undo on the checklists takes back answers only, never another change.
    s.case.answers.clear();
    s.case.touched = true;
    s.case.done_armed = false;
    let max = s.case.intake.household.members.len().saturating_sub(1);
    s.case.selected_member = s.case.selected_member.min(max);
    if s.case.code.is_some() {
        vec![Effect::SaveIntake]
    } else {
        vec![]
    }
}

fn info(s: &mut State, ja: impl Into<String>, en: impl Into<String>) {
    s.msg = Some(Msg::new(MsgKind::Info, ja, en));
}

fn warn(s: &mut State, ja: impl Into<String>, en: impl Into<String>) {
    s.msg = Some(Msg::new(MsgKind::Warn, ja, en));
}

/// Edits a form; returns whether the value changed. A choice picked by its digit, and a date
/// typed as 8 digits, move the focus on by themselves (one key less per field).
fn edit_form(f: &mut Form, a: &Action) -> bool {
    let n = f.fields.len();
    match a {
        Action::FieldNext => {
            f.focus = (f.focus + 1) % n.max(1);
            false
        }
        Action::FieldPrev => {
            f.focus = (f.focus + n.max(1) - 1) % n.max(1);
            false
        }
        _ => {
            let last = f.focus + 1 >= n;
            let Some(field) = f.fields.get_mut(f.focus) else {
                return false;
            };
            if let FieldKind::Choice(opts) = &field.kind {
                let len = opts.len().max(1);
                let i = field.index();
                let mut advance = false;
                let ni = match a {
                    Action::CursorLeft => (i + len - 1) % len,
                    Action::CursorRight | Action::Input(' ') => (i + 1) % len,
                    Action::Input(c) if c.is_ascii_digit() => {
                        let d = c.to_digit(10).unwrap_or(0) as usize;
                        // Options that start with "未入力" are chosen by 0; others from 1.
                        let first_blank = opts.first().is_some_and(|o| o.0.is_empty());
                        let idx = if first_blank { d } else { d.wrapping_sub(1) };
                        if idx < len {
                            advance = true;
                            idx
                        } else {
                            i
                        }
                    }
                    _ => i,
                };
                field.value = ni.to_string();
                if advance && !last {
                    f.focus += 1;
                }
                return ni != i;
            }
            let mut chars: Vec<char> = field.value.chars().collect();
            let cur = field.cursor.min(chars.len());
            let fresh = field.fresh;
            match a {
                Action::Input(c) => {
                    if fresh {
                        // A value put there before: the first key replaces it.
                        chars.clear();
                        chars.push(*c);
                        field.cursor = 1;
                    } else {
                        chars.insert(cur, *c);
                        field.cursor = cur + 1;
                    }
                }
                Action::Backspace | Action::Delete | Action::ClearField if fresh => {
                    chars.clear();
                    field.cursor = 0;
                }
                Action::Backspace if cur > 0 => {
                    chars.remove(cur - 1);
                    field.cursor = cur - 1;
                }
                Action::Delete if cur < chars.len() => {
                    chars.remove(cur);
                }
                Action::ClearField => {
                    chars.clear();
                    field.cursor = 0;
                }
                Action::CursorLeft => {
                    field.fresh = false;
                    field.cursor = cur.saturating_sub(1);
                    return false;
                }
                Action::CursorRight => {
                    // At the end of an empty field, → takes the value offered.
                    if chars.is_empty() {
                        if let Some(sug) = field.suggest.take() {
                            field.value = sug;
                            field.cursor = field.value.chars().count();
                            field.fresh = false;
                            return true;
                        }
                    }
                    field.fresh = false;
                    field.cursor = (cur + 1).min(chars.len());
                    return false;
                }
                Action::Home => {
                    field.fresh = false;
                    field.cursor = 0;
                    return false;
                }
                Action::End => {
                    field.fresh = false;
                    field.cursor = chars.len();
                    return false;
                }
                _ => return false,
            }
            field.fresh = false;
            field.value = chars.into_iter().collect();
            field.invalid = field.kind == FieldKind::Date
                && !field.value.trim().is_empty()
                && field.date_value().is_none();
            // A date typed as 8 digits: shown as YYYY-MM-DD, and on to the next field.
            if field.kind == FieldKind::Date
                && matches!(a, Action::Input(_))
                && field.value.len() == 8
                && field.value.bytes().all(|b| b.is_ascii_digit())
            {
                if let Some(d) = field.date_value() {
                    field.value = d.to_string();
                    field.cursor = field.value.len();
                    if !last {
                        f.focus += 1;
                    }
                }
            }
            true
        }
    }
}

/// The 受付 form into the intake. Invalid dates are marked and leave the intake as it was;
/// a field the form of this event does not have leaves its value alone.
fn apply_reception(s: &mut State) {
    let f = &s.case.reception;
    let i = &mut s.case.intake;
    let ev = &mut i.event;
    if let Some(k) = f
        .get("kind")
        .and_then(|x| x.code())
        .and_then(EventKind::parse)
    {
        ev.kind = k;
    }
    if let Some(d) = f.get("date").and_then(|x| x.date_value()) {
        ev.date = d;
    }
    let opt_date = |key: &str, old: Option<chrono::NaiveDate>| match f.get(key) {
        Some(x) if x.value.trim().is_empty() => None,
        Some(x) => x.date_value().or(old),
        None => old,
    };
    ev.notified_on = opt_date("notified_on", ev.notified_on);
    ev.planned_move_out_date = opt_date("planned_move_out_date", ev.planned_move_out_date);
    ev.funeral_date = opt_date("funeral_date", ev.funeral_date);
    if let Some(x) = f.get("previous_address") {
        ev.previous_address = x.opt_text();
    }
    if let Some(x) = f.get("new_address") {
        ev.new_address = x.opt_text();
    }
    if let Some(x) = f.get("deceased") {
        // Chosen among the members on this screen.
        ev.deceased = x.code().filter(|c| !c.is_empty()).map(str::to_string);
    }
    if let Some(x) = f.get("household_address") {
        i.household.address = x.opt_text();
    }
}

/// The 受付 form again from the intake (after a card, a QR code, a change of the event's
/// kind), the focus kept on the same field, and the dates checked.
fn refresh_reception(s: &mut State) {
    let old = &s.case.reception;
    let key = old.focused().map(|f| f.key);
    let focus = old.focus;
    // Values mid-typing (not yet a valid date) stay as typed.
    let typed: Vec<(&'static str, String, bool)> = old
        .fields
        .iter()
        .filter(|f| f.invalid)
        .map(|f| (f.key, f.value.clone(), f.invalid))
        .collect();
    let mut form = reception_form(&s.case.intake);
    for (k, v, inv) in typed {
        if let Some(f) = form.get_mut(k) {
            f.value = v;
            f.cursor = f.value.chars().count();
            f.invalid = inv;
            f.fresh = false;
        }
    }
    form.focus = key
        .and_then(|k| form.fields.iter().position(|f| f.key == k))
        .unwrap_or(focus.min(form.fields.len().saturating_sub(1)));
    flag_dates(&mut form, &s.case.intake, s.today);
    s.case.reception = form;
}

/// The member form: the fields in the order they are typed (name, birth date, sex, 続柄;
/// フリガナ and 国籍 last, optional). `first` gives a new first member 世帯主 as 続柄.
pub fn member_form(m: Option<&Member>, first: bool) -> Form {
    let sex = m
        .and_then(|m| m.sex)
        .and_then(|x| Sex::ALL.iter().position(|y| *y == x))
        .map_or(0, |i| i + 1);
    let rel = m
        .and_then(|m| m.relation)
        .or(first.then_some(Relation::Head))
        .and_then(|x| Relation::ALL.iter().position(|y| *y == x))
        .map_or(0, |i| i + 1);
    let nationality = m.map_or("", |m| &m.nationality);
    let mut nat = Field::text(
        "nationality",
        ("国籍", "Nationality"),
        if nationality == "JP" { "" } else { nationality },
    )
    .with_hint((
        "空欄は日本。外国籍は PH などの2文字",
        "empty: Japan; else a 2-letter code",
    ));
    nat.fresh = false;
    Form {
        fields: vec![
            Field::text("name", ("氏名", "Name"), m.map_or("", |m| &m.name)),
            Field::date(
                "birth_date",
                ("生年月日", "Birth date"),
                m.map(|m| m.birth_date),
            )
            .with_hint(("19800217 の8桁でも", "or 8 digits: 19800217")),
            Field::choice("sex", ("性別", "Sex"), sex_options(), sex),
            Field::choice("relation", ("続柄", "Relation"), relation_options(), rel),
            Field::text(
                "kana",
                ("フリガナ", "Kana"),
                m.and_then(|m| m.kana.as_deref()).unwrap_or(""),
            ),
            nat,
        ],
        focus: 0,
    }
}

fn outside_form(i: &Intake) -> Form {
    let p = match &i.event.applicant {
        Some(Applicant::Person(p)) => p.clone(),
        _ => OutsidePerson::default(),
    };
    Form {
        fields: vec![
            Field::text("name", ("氏名", "Name"), &p.name),
            Field::text(
                "kana",
                ("フリガナ", "Kana"),
                p.kana.as_deref().unwrap_or(""),
            ),
            Field::date("birth_date", ("生年月日", "Birth date"), p.birth_date),
            Field::text(
                "address",
                ("住所", "Address"),
                p.address.as_deref().unwrap_or(""),
            ),
            Field::text(
                "relation_to_deceased",
                ("故人との関係", "Relation"),
                p.relation_to_deceased.as_deref().unwrap_or(""),
            ),
            Field::text(
                "phone",
                ("電話番号", "Phone"),
                p.phone.as_deref().unwrap_or(""),
            ),
        ],
        focus: 0,
    }
}

fn selected_id(s: &State) -> Option<String> {
    s.case
        .intake
        .household
        .members
        .get(s.case.selected_member)
        .map(|m| m.id.clone())
}

fn open_pin(s: &mut State, reader: &str, kind: SecretKind) -> Vec<Effect> {
    s.overlay = Some(Overlay::Pin(PinPrompt::new(reader, kind)));
    vec![Effect::QueryTries {
        reader: reader.to_string(),
        kind,
    }]
}

// ---------------------------------------------------------------------------------------------
// Devices

fn device(s: &mut State, ev: DeviceEvent) -> Vec<Effect> {
    match ev {
        DeviceEvent::Reader(r) => match r {
            ReaderEvent::ReaderAdded(n) => {
                if matches!(s.reader, ReaderState::None | ReaderState::Unavailable) {
                    s.reader = ReaderState::Waiting(n);
                }
                vec![]
            }
            ReaderEvent::ReaderRemoved(n) => {
                if s.reader.reader() == Some(n.as_str()) {
                    s.reader = ReaderState::None;
                    if matches!(s.overlay, Some(Overlay::Pin(_))) {
                        s.overlay = None;
                    }
                }
                vec![]
            }
            ReaderEvent::CardInserted { reader, .. } => {
                s.reader = ReaderState::CardPresent(reader.clone());
                if s.screen == Screen::Done {
                    // The next resident's card: start their case.
                    let mut e = new_case(s);
                    if s.overlay.is_none() {
                        e.extend(open_pin(s, &reader, SecretKind::Pin));
                    }
                    return e;
                }
                if s.overlay.is_none() {
                    open_pin(s, &reader, SecretKind::Pin)
                } else {
                    info(s, "カードが置かれました。画面を閉じてから 世帯 画面の C で読み取ります。", "A card was placed; close this dialog, then C on the household screen reads it.");
                    vec![]
                }
            }
            ReaderEvent::CardRemoved { reader } => {
                s.reader = ReaderState::Waiting(reader);
                if matches!(s.overlay, Some(Overlay::Pin(_))) {
                    s.overlay = None;
                    warn(
                        s,
                        CardError::CardRemoved.message_ja(),
                        CardError::CardRemoved.message_en(),
                    );
                }
                vec![]
            }
            ReaderEvent::ServiceUnavailable(_) => {
                s.reader = ReaderState::Unavailable;
                let e = CardError::ServiceNotRunning;
                s.msg = Some(Msg::new(MsgKind::Error, e.message_ja(), e.message_en()));
                vec![]
            }
        },
        DeviceEvent::Scanner(sc) => match sc {
            ScannerEvent::Connected => {
                s.scanner = ScannerState::Connected;
                vec![]
            }
            ScannerEvent::Disconnected => {
                s.scanner = ScannerState::Disconnected;
                vec![]
            }
            ScannerEvent::Part(t) if is_page_code(&t) => {
                if matches!(
                    s.overlay,
                    Some(Overlay::Pin(_)) | Some(Overlay::CardConfirm(_))
                ) {
                    warn(s, "カードの読み取り中はQRコードを読み取れません。あとでもう一度読み取ってください。", "Finish the card first, then scan again.");
                    return vec![];
                }
                vec![Effect::ContinueCase(t)]
            }
            ScannerEvent::Part(t) => vec![Effect::QrFeed(t)],
        },
        DeviceEvent::CardRead(r) => {
            if let ReaderState::Reading(n) = &s.reader {
                s.reader = ReaderState::CardPresent(n.clone());
            }
            match r {
                Ok(b4) => {
                    s.overlay = Some(Overlay::CardConfirm(b4));
                }
                Err(e) => {
                    if let Some(Overlay::Pin(p)) = &mut s.overlay {
                        p.reading = false;
                        p.secret = super::services::Secret::new(p.secret.kind);
                        match &e {
                            CardError::WrongPin { tries_left } => {
                                p.tries = Some(Tries::Known(*tries_left))
                            }
                            CardError::Blocked => {
                                p.blocked = true;
                                p.tries = Some(Tries::Known(0));
                            }
                            _ => {}
                        }
                        p.error = Some(e);
                    } else {
                        s.msg = Some(Msg::new(MsgKind::Error, e.message_ja(), e.message_en()));
                    }
                }
            }
            vec![]
        }
        DeviceEvent::Printed(r) => match r {
            Ok(()) => {
                s.case.print_status = PrintStatus::Printed;
                s.case.print_error = None;
                info(
                    s,
                    "印刷しました。ご本人に内容を確認して署名していただきます。Enter で完了。",
                    "Printed. The resident checks and signs. Enter to finish.",
                );
                let forms = printed_forms(s);
                vec![Effect::RecordPrint(forms)]
            }
            Err(e) => {
                s.case.print_status = PrintStatus::Failed;
                s.case.print_error = Some((e.message_ja, e.message_en));
                vec![]
            }
        },
    }
}

fn printed_forms(s: &State) -> Vec<String> {
    match &s.case.bundle {
        Some(b) => b
            .items
            .iter()
            .zip(&s.case.print_selected)
            .filter(|(_, on)| **on)
            .map(|(i, _)| i.form.clone())
            .collect(),
        None => vec![],
    }
}

/// The card's 4 facts into the case: the member the read was for, else a new member (the
/// first one becomes head and applicant, the usual single-resident visit).
fn apply_basic4(s: &mut State, b: &Basic4) {
    let norm = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    // The member the read was for; else one already in the case (e.g. from a QR code) with
    // the same name and birth date, so a card read after a scan never doubles a person.
    let target = s
        .case
        .card_target
        .take()
        .filter(|id| s.case.intake.member(id).is_some())
        .or_else(|| {
            s.case
                .intake
                .household
                .members
                .iter()
                .find(|m| m.birth_date == b.birth_date && norm(&m.name) == norm(&b.name))
                .map(|m| m.id.clone())
        });
    let id = match target {
        Some(id) => id,
        None => {
            let id = s.case.new_member_id();
            let first = s.case.intake.household.members.is_empty();
            let mut m = Member::new(&id, &b.name, b.birth_date);
            if first {
                m.relation = Some(Relation::Head);
                s.case.intake.household.head = Some(id.clone());
                s.case.intake.event.applicant = Some(Applicant::Member(id.clone()));
            }
            s.case.intake.household.members.push(m);
            id
        }
    };
    if let Some(m) = s.case.intake.member_mut(&id) {
        m.name = b.name.clone();
        m.birth_date = b.birth_date;
        m.sex = b.sex;
        let _ = m.facts.set("mynumber_card", Some(FactValue::Bool(true)));
    }
    if !s.case.card_read.contains(&id) {
        s.case.card_read.push(id.clone());
    }
    if let Some(i) = s
        .case
        .intake
        .household
        .members
        .iter()
        .position(|m| m.id == id)
    {
        s.case.selected_member = i;
    }
    // The card holds the address of the residence record: before a move-in it is the old one.
    let ev = &mut s.case.intake.event;
    match ev.kind {
        EventKind::MoveIn | EventKind::MoveWithin => {
            if ev.previous_address.is_none() {
                ev.previous_address = Some(b.address.clone());
            }
        }
        EventKind::MoveOut | EventKind::MoveOutAbroad => {
            if ev.previous_address.is_none() {
                ev.previous_address = Some(b.address.clone());
            }
            if s.case.intake.household.address.is_none() {
                s.case.intake.household.address = Some(b.address.clone());
            }
        }
        _ => {
            if s.case.intake.household.address.is_none() {
                s.case.intake.household.address = Some(b.address.clone());
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// QR

fn qr_result(s: &mut State, r: Result<QrFeed, super::services::QrError>) -> Vec<Effect> {
    match r {
        Ok(QrFeed::Progress { read, total }) => {
            s.case.qr_progress = Some((read, total));
            info(
                s,
                format!("QRコード {read} / {total} 読み取り済み。次のQRコードをどうぞ。"),
                format!("QR {read} / {total} read. Next code, please."),
            );
            vec![]
        }
        Ok(QrFeed::Duplicate { read, total }) => {
            info(
                s,
                format!(
                    "このQRコードは読み取り済みです ({read} / {total})。次のQRコードをどうぞ。"
                ),
                format!("Already read ({read} / {total})."),
            );
            vec![]
        }
        Ok(QrFeed::OtherSet { .. }) => {
            s.overlay = Some(Overlay::QrOtherSet);
            vec![]
        }
        Ok(QrFeed::Complete(incoming)) => {
            s.case.qr_progress = None;
            if s.case.intake.household.members.is_empty() {
                s.case.intake = merge(&s.case.intake, &incoming, true, &s.set.vocabulary);
                return qr_taken(s);
            }
            let conflicts = conflicts(&s.case.intake, &incoming);
            if conflicts.is_empty() {
                s.case.intake = merge(&s.case.intake, &incoming, false, &s.set.vocabulary);
                return qr_taken(s);
            }
            s.overlay = Some(Overlay::QrMerge(QrMerge {
                incoming,
                conflicts,
                scroll: 0,
            }));
            vec![]
        }
        Err(e) => {
            s.msg = Some(Msg::new(MsgKind::Error, e.message_ja, e.message_en));
            vec![]
        }
    }
}

fn qr_taken(s: &mut State) -> Vec<Effect> {
    refresh_reception(s);
    info(
        s,
        "QRコードの内容を取り込みました。世帯と内容をご確認ください。",
        "The QR codes were read into the case.",
    );
    if s.screen == Screen::Reception || s.screen == Screen::Done {
        s.screen = Screen::Household;
    }
    let mut e = changed(s);
    e.push(Effect::RecordQrRead);
    e
}

fn same_person(a: &Member, b: &Member) -> bool {
    let norm = |x: &str| x.chars().filter(|c| !c.is_whitespace()).collect::<String>();
    norm(&a.name) == norm(&b.name) && a.birth_date == b.birth_date
}

/// Differences between the case and a QR intake that the clerk must decide.
pub fn conflicts(cur: &Intake, inc: &Intake) -> Vec<(String, String)> {
    let mut out = vec![];
    let mut diff = |label: &str, a: Option<String>, b: Option<String>| {
        if let (Some(a), Some(b)) = (a, b) {
            if a != b {
                out.push((label.to_string(), format!("{a}  |  QR: {b}")));
            }
        }
    };
    diff(
        "届出の種類",
        Some(cur.event.kind.label_ja().into()),
        Some(inc.event.kind.label_ja().into()),
    );
    diff(
        "異動日",
        Some(cur.event.date.to_string()),
        Some(inc.event.date.to_string()),
    );
    diff(
        "従前の住所",
        cur.event.previous_address.clone(),
        inc.event.previous_address.clone(),
    );
    diff(
        "新住所",
        cur.event.new_address.clone(),
        inc.event.new_address.clone(),
    );
    diff(
        "世帯の住所",
        cur.household.address.clone(),
        inc.household.address.clone(),
    );
    for m in &inc.household.members {
        if let Some(c) = cur.household.members.iter().find(|c| same_person(c, m)) {
            diff(
                &format!("{} 続柄", c.name),
                c.relation.map(|r| r.label_ja().into()),
                m.relation.map(|r| r.label_ja().into()),
            );
            diff(
                &format!("{} 性別", c.name),
                c.sex.map(|r| r.label_ja().into()),
                m.sex.map(|r| r.label_ja().into()),
            );
        }
    }
    out
}

/// Merges a QR intake into the case. Members are matched by name and birth date; new ones
/// get fresh ids. Where both have a value, `prefer_incoming` decides.
pub fn merge(cur: &Intake, inc: &Intake, prefer_incoming: bool, vocab: &Vocabulary) -> Intake {
    if cur.household.members.is_empty() {
        let mut out = inc.clone();
        // The date and addresses the clerk typed before the scan are kept if the QR lacks them.
        let e = &mut out.event;
        e.previous_address = e
            .previous_address
            .take()
            .or(cur.event.previous_address.clone());
        e.new_address = e.new_address.take().or(cur.event.new_address.clone());
        return out;
    }
    fn pick<T: Clone>(a: &Option<T>, b: &Option<T>, prefer_b: bool) -> Option<T> {
        match (a, b) {
            (Some(_), Some(y)) if prefer_b => Some(y.clone()),
            (Some(x), _) => Some(x.clone()),
            (None, y) => y.clone(),
        }
    }
    let mut out = cur.clone();
    if prefer_incoming {
        out.event.kind = inc.event.kind;
        out.event.date = inc.event.date;
    }
    let (ce, ie) = (&cur.event, &inc.event);
    out.event.notified_on = pick(&ce.notified_on, &ie.notified_on, prefer_incoming);
    out.event.planned_move_out_date = pick(
        &ce.planned_move_out_date,
        &ie.planned_move_out_date,
        prefer_incoming,
    );
    out.event.previous_address = pick(&ce.previous_address, &ie.previous_address, prefer_incoming);
    out.event.new_address = pick(&ce.new_address, &ie.new_address, prefer_incoming);
    out.household.address = pick(
        &cur.household.address,
        &inc.household.address,
        prefer_incoming,
    );
    let mut next = out
        .household
        .members
        .iter()
        .filter_map(|m| m.id.strip_prefix('m')?.parse::<u32>().ok())
        .max()
        .unwrap_or(0)
        + 1;
    let mut map: Vec<(String, String)> = vec![];
    for m in &inc.household.members {
        if let Some(c) = out.household.members.iter_mut().find(|c| same_person(c, m)) {
            map.push((m.id.clone(), c.id.clone()));
            c.kana = pick(&c.kana, &m.kana, prefer_incoming);
            c.sex = pick(&c.sex, &m.sex, prefer_incoming);
            c.relation = pick(&c.relation, &m.relation, prefer_incoming);
            for name in vocab.member.keys() {
                let (a, b) = (c.facts.get(name), m.facts.get(name));
                if b.is_some() && (a.is_none() || prefer_incoming) {
                    let _ = c.facts.set(name, b);
                }
            }
        } else {
            let mut n = m.clone();
            let id = loop {
                let id = format!("m{next}");
                next += 1;
                if !out.household.members.iter().any(|x| x.id == id) {
                    break id;
                }
            };
            map.push((m.id.clone(), id.clone()));
            n.id = id;
            out.household.members.push(n);
        }
    }
    let remap = |id: &Option<String>| -> Option<String> {
        id.as_ref()
            .and_then(|i| map.iter().find(|(a, _)| a == i).map(|(_, b)| b.clone()))
    };
    out.household.head = pick(
        &cur.household.head,
        &remap(&inc.household.head),
        prefer_incoming,
    );
    out.event.deceased = pick(&ce.deceased, &remap(&ie.deceased), prefer_incoming);
    let inc_app = match &ie.applicant {
        Some(Applicant::Member(id)) => remap(&Some(id.clone())).map(Applicant::Member),
        other => other.clone(),
    };
    out.event.applicant = pick(&ce.applicant, &inc_app, prefer_incoming);
    for name in vocab.household.keys() {
        let (a, b) = (cur.household.facts.get(name), inc.household.facts.get(name));
        if b.is_some() && (a.is_none() || prefer_incoming) {
            let _ = out.household.facts.set(name, b);
        }
    }
    out
}

// ---------------------------------------------------------------------------------------------
// Dialogs

fn overlay(s: &mut State, a: Action) -> Vec<Effect> {
    let Some(ov) = s.overlay.take() else {
        return vec![];
    };
    match ov {
        Overlay::Pin(mut p) => match a {
            Action::Input(c) if !p.reading && !p.blocked => {
                p.secret.push(c);
                s.overlay = Some(Overlay::Pin(p));
                vec![]
            }
            Action::Backspace => {
                p.secret.pop();
                s.overlay = Some(Overlay::Pin(p));
                vec![]
            }
            Action::Next if p.secret.is_complete() && !p.reading && !p.blocked => {
                p.reading = true;
                p.error = None;
                let kind = p.secret.kind;
                let secret = std::mem::replace(&mut p.secret, super::services::Secret::new(kind));
                let reader = p.reader.clone();
                s.reader = ReaderState::Reading(reader.clone());
                s.overlay = Some(Overlay::Pin(p));
                vec![Effect::ReadCard { reader, secret }]
            }
            Action::UseCodeB => {
                let reader = p.reader.clone();
                open_pin(s, &reader, SecretKind::CodeB)
            }
            Action::ManualEntry => {
                s.screen = Screen::Household;
                let target = s.case.card_target.take();
                let m = target.as_deref().and_then(|id| s.case.intake.member(id));
                let first = s.case.intake.household.members.is_empty();
                s.overlay = Some(Overlay::MemberEdit(MemberEdit {
                    id: m.map(|m| m.id.clone()),
                    form: member_form(m, first),
                }));
                info(
                    s,
                    "カードの券面を見ながら入力してください。",
                    "Type the data from the card face.",
                );
                vec![]
            }
            Action::Cancel => {
                s.case.card_target = None;
                vec![]
            }
            _ => {
                s.overlay = Some(Overlay::Pin(p));
                vec![]
            }
        },
        Overlay::CardConfirm(b4) => match a {
            Action::Yes => {
                apply_basic4(s, &b4);
                refresh_reception(s);
                info(
                    s,
                    "カードの内容を入力しました。",
                    "The card's data was entered.",
                );
                let ev = &s.case.intake.event;
                if s.screen == Screen::Reception && ev.kind.is_move() && ev.new_address.is_none() {
                    s.case.reception.focus_key("new_address");
                }
                let mut e = changed(s);
                e.push(Effect::RecordCardRead);
                e
            }
            Action::No | Action::Cancel => {
                s.case.card_target = None;
                info(
                    s,
                    "カードの内容は使いませんでした。",
                    "The card's data was not used.",
                );
                vec![]
            }
            _ => {
                s.overlay = Some(Overlay::CardConfirm(b4));
                vec![]
            }
        },
        Overlay::MemberEdit(mut me) => match a {
            Action::Cancel => vec![],
            Action::Next => {
                let f = &me.form;
                let name = f.get("name").and_then(|x| x.opt_text());
                let birth = f.get("birth_date").and_then(|x| x.date_value());
                let (Some(name), Some(birth)) = (name, birth) else {
                    let key = if f.get("name").and_then(|x| x.opt_text()).is_none() {
                        "name"
                    } else {
                        "birth_date"
                    };
                    me.form.focus_key(key);
                    s.overlay = Some(Overlay::MemberEdit(me));
                    warn(
                        s,
                        "氏名と生年月日 (YYYY-MM-DD) を入力してください。",
                        "Name and birth date (YYYY-MM-DD) are required.",
                    );
                    return vec![];
                };
                let sex = f.get("sex").and_then(|x| x.code()).and_then(Sex::parse);
                let rel = f
                    .get("relation")
                    .and_then(|x| x.code())
                    .and_then(Relation::parse);
                let kana = f.get("kana").and_then(|x| x.opt_text());
                let nat = f
                    .get("nationality")
                    .and_then(|x| x.opt_text())
                    .unwrap_or_else(|| "JP".into());
                let id = match me.id {
                    Some(id) => id,
                    None => {
                        let id = s.case.new_member_id();
                        let first = s.case.intake.household.members.is_empty();
                        s.case
                            .intake
                            .household
                            .members
                            .push(Member::new(&id, &name, birth));
                        let ev = &mut s.case.intake.event;
                        let death = ev.kind == EventKind::Death;
                        if first {
                            s.case.intake.household.head = Some(id.clone());
                            if death && ev.deceased.is_none() {
                                // A death is reported from the deceased first: the first
                                // member entered is the one who died (the clerk can change it).
                                ev.deceased = Some(id.clone());
                                s.case.deceased_auto = true;
                            } else {
                                ev.applicant = Some(Applicant::Member(id.clone()));
                            }
                        } else if death
                            && ev.applicant.is_none()
                            && crate::calendar::age(birth, ev.date) >= 15
                        {
                            // The one reporting the death: the first adult after the deceased.
                            ev.applicant = Some(Applicant::Member(id.clone()));
                        }
                        s.case.selected_member = s.case.intake.household.members.len() - 1;
                        id
                    }
                };
                if let Some(m) = s.case.intake.member_mut(&id) {
                    m.name = name;
                    m.birth_date = birth;
                    m.sex = sex;
                    m.relation = rel;
                    m.kana = kana;
                    m.nationality = nat.to_ascii_uppercase();
                }
                if std::mem::take(&mut s.case.deceased_auto) {
                    info(
                        s,
                        "保存しました。この方を「亡くなった方」にしました (受付の画面か K で変えられます)。",
                        "Saved, as the deceased (change it on the event screen or with K).",
                    );
                } else {
                    info(s, "世帯員を保存しました。", "Member saved.");
                }
                changed(s)
            }
            other => {
                edit_form(&mut me.form, &other);
                s.overlay = Some(Overlay::MemberEdit(me));
                vec![]
            }
        },
        Overlay::OutsideApplicant(mut f) => match a {
            Action::Cancel => vec![],
            Action::Next => {
                let Some(name) = f.get("name").and_then(|x| x.opt_text()) else {
                    f.focus_key("name");
                    s.overlay = Some(Overlay::OutsideApplicant(f));
                    warn(
                        s,
                        "届出人の氏名を入力してください。",
                        "The applicant's name is required.",
                    );
                    return vec![];
                };
                let p = OutsidePerson {
                    name,
                    kana: f.get("kana").and_then(|x| x.opt_text()),
                    birth_date: f.get("birth_date").and_then(|x| x.date_value()),
                    address: f.get("address").and_then(|x| x.opt_text()),
                    relation_to_deceased: f.get("relation_to_deceased").and_then(|x| x.opt_text()),
                    phone: f.get("phone").and_then(|x| x.opt_text()),
                };
                s.case.intake.event.applicant = Some(Applicant::Person(p));
                info(
                    s,
                    "世帯外の届出人を登録しました。",
                    "Outside applicant saved.",
                );
                changed(s)
            }
            other => {
                edit_form(&mut f, &other);
                s.overlay = Some(Overlay::OutsideApplicant(f));
                vec![]
            }
        },
        Overlay::ConfirmRemove(id) => match a {
            Action::Yes => {
                let i = &mut s.case.intake;
                i.household.members.retain(|m| m.id != id);
                if i.household.head.as_deref() == Some(&id) {
                    i.household.head = None;
                }
                if i.event.deceased.as_deref() == Some(&id) {
                    i.event.deceased = None;
                }
                if matches!(&i.event.applicant, Some(Applicant::Member(x)) if *x == id) {
                    i.event.applicant = None;
                }
                info(s, "世帯員を削除しました。", "Member removed.");
                changed(s)
            }
            _ => vec![],
        },
        Overlay::SetAside {
            procedure,
            mut form,
        } => match a {
            Action::Cancel => vec![],
            Action::Next => {
                let reason = form.fields[0]
                    .opt_text()
                    .unwrap_or_else(|| "理由の記載なし".into());
                s.case.set_aside.push((procedure.clone(), reason.clone()));
                info(
                    s,
                    "この手続を保留にしました (記録しました)。印刷物には含めません。",
                    "Set aside (recorded); it will not be printed.",
                );
                s.case.bundle = None;
                vec![Effect::SetAside { procedure, reason }]
            }
            Action::Input(c) if form.fields[0].value.is_empty() && ('1'..='3').contains(&c) => {
                let preset = SET_ASIDE_REASONS[(c as u8 - b'1') as usize].0;
                form.fields[0] = Field::text("reason", form.fields[0].label, preset);
                s.overlay = Some(Overlay::SetAside { procedure, form });
                vec![]
            }
            other => {
                edit_form(&mut form, &other);
                s.overlay = Some(Overlay::SetAside { procedure, form });
                vec![]
            }
        },
        Overlay::ReloadPath(mut f) => match a {
            Action::Cancel => vec![],
            Action::Next => match f.fields[0].opt_text() {
                Some(p) => vec![Effect::SupReload(p.into())],
                None => {
                    s.overlay = Some(Overlay::ReloadPath(f));
                    vec![]
                }
            },
            other => {
                edit_form(&mut f, &other);
                s.overlay = Some(Overlay::ReloadPath(f));
                vec![]
            }
        },
        Overlay::QrOtherSet => match a {
            Action::Yes => {
                s.case.qr_progress = None;
                info(s, "読み取り途中のQRコードを破棄しました。新しいQRコードを最初から読み取ってください。", "The half-read set was dropped; scan the new set from the start.");
                vec![Effect::QrReset]
            }
            _ => {
                info(
                    s,
                    "別の組のQRコードは無視しました。続きのQRコードを読み取ってください。",
                    "Ignored a code of another set.",
                );
                vec![]
            }
        },
        Overlay::QrMerge(mut m) => match a {
            Action::PageDown | Action::PageUp => {
                m.scroll = if matches!(a, Action::PageDown) {
                    (m.scroll + 5).min(m.conflicts.len().saturating_sub(1))
                } else {
                    m.scroll.saturating_sub(5)
                };
                s.overlay = Some(Overlay::QrMerge(m));
                vec![]
            }
            Action::Yes | Action::No => {
                s.case.intake = merge(
                    &s.case.intake,
                    &m.incoming,
                    matches!(a, Action::Yes),
                    &s.set.vocabulary,
                );
                qr_taken(s)
            }
            Action::Cancel => {
                info(
                    s,
                    "QRコードの内容は取り込みませんでした。",
                    "The QR content was not used.",
                );
                vec![]
            }
            _ => {
                s.overlay = Some(Overlay::QrMerge(m));
                vec![]
            }
        },
        Overlay::Resume {
            cases,
            selected,
            discarding,
        } => match (&a, discarding) {
            (Action::Yes, true) => {
                let code = cases[selected].code.clone();
                info(
                    s,
                    format!("受付 {code} を破棄しました (個人情報を消去しました)。"),
                    format!("Case {code} discarded (its personal data removed)."),
                );
                vec![Effect::DiscardCase(code)]
            }
            (_, true) => {
                s.overlay = Some(Overlay::Resume {
                    cases,
                    selected,
                    discarding: false,
                });
                vec![]
            }
            (Action::Up | Action::Down, false) => {
                let n = cases.len().max(1);
                let sel = if matches!(a, Action::Up) {
                    (selected + n - 1) % n
                } else {
                    (selected + 1) % n
                };
                s.overlay = Some(Overlay::Resume {
                    cases,
                    selected: sel,
                    discarding: false,
                });
                vec![]
            }
            (Action::Discard, false) => {
                s.overlay = Some(Overlay::Resume {
                    cases,
                    selected,
                    discarding: true,
                });
                vec![]
            }
            (Action::Yes, false) => match cases.get(selected) {
                Some(c) => vec![Effect::LoadCase(c.code.clone())],
                None => vec![Effect::OpenCase],
            },
            _ => vec![Effect::OpenCase],
        },
        Overlay::OpenCode(mut f) => match a {
            Action::Cancel => vec![],
            Action::Next => {
                // The field stays until the case opens (a typo is corrected in place).
                let code = f.fields[0].opt_text();
                s.overlay = Some(Overlay::OpenCode(f));
                code.map(Effect::ContinueCase).into_iter().collect()
            }
            other => {
                edit_form(&mut f, &other);
                s.overlay = Some(Overlay::OpenCode(f));
                vec![]
            }
        },
        Overlay::Continue(v) => continue_view(s, v, a),
        Overlay::InProgress { cases, selected } => match a {
            Action::Up | Action::Down => {
                let n = cases.len().max(1);
                let selected = if matches!(a, Action::Up) {
                    (selected + n - 1) % n
                } else {
                    (selected + 1) % n
                };
                s.overlay = Some(Overlay::InProgress { cases, selected });
                vec![]
            }
            Action::Next => {
                let code = cases.get(selected).map(|c| c.code.clone());
                s.overlay = Some(Overlay::InProgress { cases, selected });
                code.map(Effect::ContinueCase).into_iter().collect()
            }
            Action::Cancel => vec![],
            _ => {
                s.overlay = Some(Overlay::InProgress { cases, selected });
                vec![]
            }
        },
        Overlay::ConfirmQuit => match a {
            Action::Yes | Action::Quit => {
                s.quit = true;
                vec![Effect::Quit]
            }
            _ => {
                info(s, "受付を続けます。", "Back to the case.");
                vec![]
            }
        },
    }
}

// ---------------------------------------------------------------------------------------------
// Case continuation across counters (issue #15)

/// A case read for continuation: opens its view, or refreshes the one open (after a mark,
/// keeping the selection). The case on the screen underneath is never touched.
fn continued(s: &mut State, r: Result<super::services::Continued, String>) -> Vec<Effect> {
    match r {
        Ok(c) => {
            let code = c.code.clone();
            match s.overlay.take() {
                Some(Overlay::Continue(mut v)) if v.case.code == code => {
                    v.selected = v.selected.min(c.procedures.len().saturating_sub(1));
                    v.case = c;
                    v.reason = None;
                    s.overlay = Some(Overlay::Continue(v));
                }
                None
                | Some(Overlay::Continue(_))
                | Some(Overlay::OpenCode(_))
                | Some(Overlay::InProgress { .. }) => {
                    let ours = c.procedures.iter().filter(|p| p.ours).count();
                    let (ja, en) = if s.config.section.is_none() {
                        (
                            format!("受付番号 {code} を開きました。この窓口の担当課 (section) が設定されていないため、見るだけです。"),
                            format!("Case {code} opened. This counter has no section configured: view only."),
                        )
                    } else if ours == 0 {
                        (
                            format!("受付番号 {code} を開きました。この課の手続はありません。"),
                            format!("Case {code} opened. Nothing in it for this section."),
                        )
                    } else {
                        (
                            format!("受付番号 {code} を開きました。この課の手続: {ours}件。"),
                            format!("Case {code} opened: {ours} procedure(s) for this section."),
                        )
                    };
                    info(s, ja, en);
                    s.overlay = Some(Overlay::Continue(ContinueView::new(c)));
                }
                other => {
                    // Any other dialog stays (a scan never closes a form being typed).
                    s.overlay = other;
                    warn(
                        s,
                        "入力中の画面を閉じてから、もう一度読み取ってください。",
                        "Close the dialog first, then scan again.",
                    );
                }
            }
        }
        Err(e) => {
            // The field stays open with what was typed, to correct it.
            s.msg = Some(Msg::new(
                MsgKind::Error,
                format!("案件を開けません: {e}"),
                format!("Cannot open the case: {e}"),
            ));
        }
    }
    vec![]
}

fn continue_view(s: &mut State, mut v: ContinueView, a: Action) -> Vec<Effect> {
    if let Some(mut form) = v.reason.take() {
        // Setting the selected procedure aside: the reason is required.
        match a {
            Action::Cancel => {}
            Action::Next => match form.fields[0].opt_text() {
                Some(reason) => {
                    let e = mark(s, &v, ProcMark::SetAside, Some(reason));
                    s.overlay = Some(Overlay::Continue(v));
                    return e;
                }
                None => {
                    warn(
                        s,
                        "保留の理由を入力してください (1-3 で定型文)。",
                        "Type the reason (1-3 for a preset).",
                    );
                    v.reason = Some(form);
                }
            },
            Action::Input(c) if form.fields[0].value.is_empty() && ('1'..='3').contains(&c) => {
                let preset = SET_ASIDE_REASONS[(c as u8 - b'1') as usize].0;
                form.fields[0] = Field::text("reason", form.fields[0].label, preset);
                v.reason = Some(form);
            }
            other => {
                edit_form(&mut form, &other);
                v.reason = Some(form);
            }
        }
        s.overlay = Some(Overlay::Continue(v));
        return vec![];
    }
    let n = v.case.procedures.len();
    let mut effects = vec![];
    match a {
        Action::Cancel => {
            info(
                s,
                format!("受付番号 {} を閉じました。", v.case.code),
                format!("Case {} closed on this screen.", v.case.code),
            );
            return vec![];
        }
        Action::Up if n > 0 => v.selected = (v.selected + n - 1) % n,
        Action::Down if n > 0 => v.selected = (v.selected + 1) % n,
        Action::MarkDone if markable(s, &v) => effects = mark(s, &v, ProcMark::Done, None),
        Action::MarkPending if markable(s, &v) => effects = mark(s, &v, ProcMark::Pending, None),
        Action::SetAside if markable(s, &v) => {
            v.reason = Some(Form {
                fields: vec![Field::text("reason", ("保留の理由", "Reason"), "")],
                focus: 0,
            })
        }
        _ => {}
    }
    s.overlay = Some(Overlay::Continue(v));
    effects
}

/// Whether this counter may mark the selected procedure: its own section's, while the case
/// still holds its data. Says why not.
fn markable(s: &mut State, v: &ContinueView) -> bool {
    let Some(p) = v.case.procedures.get(v.selected) else {
        return false;
    };
    if matches!(v.case.status.as_str(), "purged" | "discarded") {
        warn(
            s,
            "この案件は消去済みのため、記録できません。",
            "This case was purged; nothing can be marked.",
        );
        return false;
    }
    if !p.ours {
        let (ja, en) = match &s.config.section {
            Some(mine) => (
                format!(
                    "{} の手続です。この窓口 ({mine}) では記録できません。",
                    p.section
                ),
                format!("This belongs to {}; this counter is {mine}.", p.section),
            ),
            None => (
                "この窓口の担当課が設定されていません (設定ファイルの section)。".to_string(),
                "This counter has no section configured (section in the configuration)."
                    .to_string(),
            ),
        };
        warn(s, ja, en);
        return false;
    }
    true
}

fn mark(s: &mut State, v: &ContinueView, m: ProcMark, reason: Option<String>) -> Vec<Effect> {
    let Some(p) = v.case.procedures.get(v.selected) else {
        return vec![];
    };
    let (ja, en) = match m {
        ProcMark::Done => ("済にしました", "marked done"),
        ProcMark::SetAside => ("保留にしました", "set aside"),
        ProcMark::Pending => ("未処理に戻しました", "back to pending"),
    };
    let name = s
        .set
        .procedures
        .iter()
        .find(|x| x.id == p.id)
        .map_or(p.id.clone(), |x| x.name.get(s.lang).to_string());
    info(s, format!("{name}: {ja}。"), format!("{name}: {en}."));
    vec![Effect::Mark {
        code: v.case.code.clone(),
        procedure: p.id.clone(),
        mark: m,
        reason,
    }]
}

/// Preset reasons for setting a procedure aside (keys 1-3 in an empty reason field).
pub const SET_ASIDE_REASONS: [(&str, &str); 3] = [
    ("ご本人の希望で後日手続", "the resident will do it later"),
    ("必要な書類が不足", "documents missing"),
    ("他の窓口・機関で手続済み", "already done elsewhere"),
];

// ---------------------------------------------------------------------------------------------
// Screens

fn goto(s: &mut State, to: Screen) -> Vec<Effect> {
    match to {
        Screen::Supervisor if !s.is_supervisor() => {
            warn(
                s,
                "手続定義の画面は監督者 (supervisor) だけが使えます。",
                "Only supervisors can open the definitions.",
            );
            vec![]
        }
        Screen::Print => {
            s.screen = Screen::Print;
            if s.case.print_status == PrintStatus::Printing {
                return vec![];
            }
            s.case.print_status = PrintStatus::Rendering;
            s.case.bundle = None;
            let mut e = record_determination(s);
            e.push(Effect::RenderBundle);
            e
        }
        Screen::Procedures => {
            s.screen = Screen::Procedures;
            record_determination(s)
        }
        Screen::Done => {
            if s.case.print_status != PrintStatus::Printed && s.case.touched && !s.case.done_armed {
                s.case.done_armed = true;
                warn(s, "まだ印刷していません。印刷せずに完了するときは、もう一度 F6 を押してください。", "Nothing printed yet. Press F6 again to finish without printing.");
                return vec![];
            }
            finish(s)
        }
        other => {
            s.screen = other;
            vec![]
        }
    }
}

fn record_determination(s: &mut State) -> Vec<Effect> {
    if s.case.determined_recorded || s.case.code.is_none() || !s.case.touched {
        return vec![];
    }
    s.case.determined_recorded = true;
    vec![Effect::SaveDetermination]
}

/// Closes the case and clears the screen of the resident's data.
fn finish(s: &mut State) -> Vec<Effect> {
    let code = s.case.code.clone();
    s.last_code = code.clone();
    s.case = Case::new(&s.set, s.today);
    s.overlay = None;
    s.screen = Screen::Done;
    s.msg = None;
    code.map(Effect::CloseCase).into_iter().collect()
}

fn new_case(s: &mut State) -> Vec<Effect> {
    let mut e = vec![];
    if s.screen != Screen::Done && s.case.touched {
        e.extend(finish(s));
    }
    s.case = Case::new(&s.set, s.today);
    s.last_code = None;
    s.screen = Screen::Reception;
    s.msg = None;
    e.push(Effect::OpenCase);
    e
}

fn screen(s: &mut State, a: Action) -> Vec<Effect> {
    if let Action::Goto(to) = a {
        return goto(s, to);
    }
    match s.screen {
        Screen::Reception => match a {
            Action::Next => {
                if let Some((ja, en)) = s.case.reception.get("date").and_then(|f| f.warn.clone()) {
                    warn(s, ja, en);
                }
                goto(s, Screen::Household)
            }
            other => {
                let kind = s.case.intake.event.kind;
                if edit_form(&mut s.case.reception, &other) {
                    apply_reception(s);
                    let e = changed(s);
                    if s.case.intake.event.kind != kind {
                        // Another event: the fields it needs, each saying what it means.
                        refresh_reception(s);
                    } else {
                        flag_dates(&mut s.case.reception, &s.case.intake, s.today);
                    }
                    e
                } else {
                    vec![]
                }
            }
        },
        Screen::Household => household(s, a),
        Screen::Confirm => confirm(s, a),
        Screen::Procedures => procedures(s, a),
        Screen::Print => print(s, a),
        Screen::Done => match a {
            Action::NewCase | Action::Next => new_case(s),
            _ => vec![],
        },
        Screen::Supervisor => supervisor(s, a),
    }
}

fn household(s: &mut State, a: Action) -> Vec<Effect> {
    let n = s.case.intake.household.members.len();
    let sel = selected_id(s);
    let need = |s: &mut State| {
        warn(
            s,
            "先に世帯員を追加してください (A: 追加、カードを置く)。",
            "Add a member first (A, or place a card).",
        )
    };
    match a {
        Action::Next => {
            if s.case.open_questions().is_empty() {
                goto(s, Screen::Procedures)
            } else {
                goto(s, Screen::Confirm)
            }
        }
        Action::Up => {
            s.case.selected_member = s.case.selected_member.saturating_sub(1);
            vec![]
        }
        Action::Down => {
            s.case.selected_member = (s.case.selected_member + 1).min(n.saturating_sub(1));
            vec![]
        }
        Action::AddMember => {
            let first = s.case.intake.household.members.is_empty();
            let mut form = member_form(None, first);
            // Most added members share the household's surname: offered (→ takes it), never
            // put into the field, so typing the full name stays the full name.
            if let Some(m) = s.case.intake.household.members.first() {
                let family = m.name.split(['\u{3000}', ' ']).next().unwrap_or("");
                if !family.is_empty() && family != m.name {
                    form.fields[0].suggest = Some(format!("{family}\u{3000}"));
                }
            }
            s.overlay = Some(Overlay::MemberEdit(MemberEdit { id: None, form }));
            vec![]
        }
        Action::EditMember => {
            match sel.and_then(|id| s.case.intake.member(&id).cloned()) {
                Some(m) => {
                    s.overlay = Some(Overlay::MemberEdit(MemberEdit {
                        id: Some(m.id.clone()),
                        form: member_form(Some(&m), false),
                    }))
                }
                None => need(s),
            }
            vec![]
        }
        Action::RemoveMember => {
            match sel {
                Some(id) => s.overlay = Some(Overlay::ConfirmRemove(id)),
                None => need(s),
            }
            vec![]
        }
        Action::ToggleMoving => match sel {
            Some(id) => {
                if let Some(m) = s.case.intake.member_mut(&id) {
                    m.moving = !m.moving;
                }
                changed(s)
            }
            None => {
                need(s);
                vec![]
            }
        },
        Action::MarkDeceased => match sel {
            Some(id) => {
                let ev = &mut s.case.intake.event;
                if ev.deceased.as_deref() == Some(&id) {
                    ev.deceased = None;
                } else {
                    ev.deceased = Some(id);
                    if ev.kind != EventKind::Death {
                        ev.kind = EventKind::Death;
                        info(
                            s,
                            "届出の種類を「死亡」にしました。",
                            "The event is now a death.",
                        );
                    }
                }
                refresh_reception(s);
                changed(s)
            }
            None => {
                need(s);
                vec![]
            }
        },
        Action::MarkHead => match sel {
            Some(id) => {
                s.case.intake.household.head = Some(id.clone());
                if let Some(m) = s.case.intake.member_mut(&id) {
                    m.relation = Some(Relation::Head);
                }
                changed(s)
            }
            None => {
                need(s);
                vec![]
            }
        },
        Action::MarkApplicant => match sel {
            Some(id) => {
                let ev = &s.case.intake.event;
                if ev.kind == EventKind::Death && ev.deceased.as_deref() == Some(id.as_str()) {
                    warn(
                        s,
                        "亡くなった方は届出人になれません。届け出る方を選んでください (世帯外の方は O)。",
                        "The deceased cannot be the applicant; choose who reports (O: someone outside the household).",
                    );
                    return vec![];
                }
                s.case.intake.event.applicant = Some(Applicant::Member(id));
                changed(s)
            }
            None => {
                need(s);
                vec![]
            }
        },
        Action::OutsideApplicant => {
            s.overlay = Some(Overlay::OutsideApplicant(outside_form(&s.case.intake)));
            vec![]
        }
        Action::ReadCardForSelected => {
            s.case.card_target = sel;
            match s.reader.clone() {
                ReaderState::CardPresent(r) => open_pin(s, &r, SecretKind::Pin),
                ReaderState::None | ReaderState::Unavailable => {
                    let e = CardError::NoReader;
                    s.msg = Some(Msg::new(MsgKind::Error, e.message_ja(), e.message_en()));
                    vec![]
                }
                _ => {
                    info(
                        s,
                        "カードをリーダーに置いてください。置くと暗証番号の画面になります。",
                        "Place the card on the reader; the PIN screen follows.",
                    );
                    vec![]
                }
            }
        }
        _ => vec![],
    }
}

/// What an answer key gives for a row of the checklist, given the cell's current value:
/// `None` when the key means nothing there.
fn answer_value(kind: &RowKind, key: char, current: Option<&FactValue>) -> Option<Answer> {
    let d = key.to_digit(10).map(|d| d as usize);
    let pick = |v: &[(String, String, String)]| -> Option<String> {
        let i = d?;
        (1..=v.len()).contains(&i).then(|| v[i - 1].0.clone())
    };
    match kind {
        RowKind::Bool => match key {
            '1' | 'y' => Some(Answer::Fact(FactValue::Bool(true))),
            '2' | 'n' => Some(Answer::Fact(FactValue::Bool(false))),
            _ => None,
        },
        RowKind::Count => d.map(|n| Answer::Fact(FactValue::Count(n as u32))),
        RowKind::Code(v) => pick(v).map(|c| Answer::Fact(FactValue::Code(c))),
        RowKind::Codes(v) => {
            if key == '0' {
                return Some(Answer::Fact(FactValue::Codes(vec![])));
            }
            let code = pick(v)?;
            let mut list = match current {
                Some(FactValue::Codes(l)) => l.clone(),
                _ => vec![],
            };
            match list.iter().position(|c| *c == code) {
                Some(p) => {
                    list.remove(p);
                }
                None => list.push(code),
            }
            // Declaration order, whatever order they were chosen in.
            list.sort_by_key(|c| v.iter().position(|o| &o.0 == c));
            Some(Answer::Fact(FactValue::Codes(list)))
        }
        RowKind::Relation => pick(&checklist::relations())
            .and_then(|c| Relation::parse(&c))
            .map(Answer::Relation),
        RowKind::Sex => pick(&checklist::sexes())
            .and_then(|c| Sex::parse(&c))
            .map(Answer::Sex),
        RowKind::Mark => matches!(key, '1' | 'y').then_some(Answer::Mark),
    }
}

/// An answer on a checklist: a fact value, or one of the household's own data.
enum Answer {
    Fact(FactValue),
    Relation(Relation),
    Sex(Sex),
    /// This member is the head / the deceased.
    Mark,
}

/// The "no" Enter gives an open question of a row; `None` when it must be answered.
fn default_no(row: &checklist::Row) -> Option<Answer> {
    row.no.clone().map(Answer::Fact)
}

fn set_fact(i: &mut Intake, member: Option<&str>, fact: &str, v: Option<FactValue>) {
    let _ = match member {
        Some(id) => match i.member_mut(id) {
            Some(m) => m.facts.set(fact, v),
            None => Ok(()),
        },
        None => i.household.facts.set(fact, v),
    };
}

fn get_fact(i: &Intake, member: Option<&str>, fact: &str) -> Option<FactValue> {
    match member {
        Some(id) => i.member(id).and_then(|m| m.facts.get(fact)),
        None => i.household.facts.get(fact),
    }
}

/// Writes an answer into the case (kept for undo) and reruns the engine.
fn give_answer(s: &mut State, member: Option<String>, fact: &str, a: Answer) -> Vec<Effect> {
    let before = Box::new(s.case.intake.clone());
    let i = &mut s.case.intake;
    match a {
        Answer::Fact(v) => set_fact(i, member.as_deref(), fact, Some(v)),
        Answer::Relation(r) => {
            if let Some(m) = member.as_deref().and_then(|id| i.member_mut(id)) {
                m.relation = Some(r);
            }
        }
        Answer::Sex(x) => {
            if let Some(m) = member.as_deref().and_then(|id| i.member_mut(id)) {
                m.sex = Some(x);
            }
        }
        Answer::Mark => match fact {
            "head" => i.household.head = member.clone(),
            _ => {
                i.event.deceased = member.clone();
                clear_deceased_applicant(i);
            }
        },
    }
    s.case.skipped.retain(|(m, f)| !(*m == member && f == fact));
    let key = (member.clone(), fact.to_string());
    if !s.case.ask_here.contains(&key) {
        s.case.ask_here.push(key);
    }
    let answers = std::mem::take(&mut s.case.answers);
    let e = changed(s);
    s.case.answers = answers;
    s.case.answers.push((member, fact.to_string(), before));
    e
}

/// Finishes the checklist screen: what is still open takes its "no", and the next screen
/// with open questions follows (or, when there is none, the procedures).
fn finish_screen(s: &mut State) -> Vec<Effect> {
    let Some(list) = checklist::build(s) else {
        s.case.ask_screen = None;
        return goto(s, Screen::Procedures);
    };
    let mut e = vec![];
    // A question with no "no" (the health insurance) needs an answer, or S (わからない).
    for (r, row) in list.rows.iter().enumerate() {
        for (c, _) in list.cols.iter().enumerate() {
            if list.cell(r, c).is_open() && default_no(row).is_none() {
                s.case.ask_focus = Some(list.key(r, c));
                warn(
                    s,
                    format!("「{}」に答えてください (わからなければ S)。", row.label.0),
                    format!("Answer \"{}\" first (S if unknown).", row.label.1),
                );
                return e;
            }
        }
    }
    for (r, row) in list.rows.iter().enumerate() {
        for (c, col) in list.cols.iter().enumerate() {
            if list.cell(r, c).is_open() {
                if let Some(no) = default_no(row) {
                    e.extend(give_answer(s, col.member.clone(), &row.fact, no));
                }
            }
        }
    }
    // An answer may have opened a follow-up on this very screen: it is asked here first.
    if let Some(again) = checklist::build(s) {
        if again.screen.key == list.screen.key && again.open_count() > 0 {
            info(
                s,
                "続けてこの画面の質問に答えてください。",
                "Please answer the further questions on this screen.",
            );
            return e;
        }
    }
    s.case.ask_visited.push(list.screen.key.clone());
    s.case.ask_screen = None;
    s.case.ask_here.clear();
    s.case.ask_focus = None;
    e.extend(after_answer(s));
    e
}

/// After a screen: the next one with open questions, or the procedures when none is left.
fn after_answer(s: &mut State) -> Vec<Effect> {
    match checklist::build(s) {
        Some(next) => {
            s.case.ask_screen = Some(next.screen.key.clone());
            s.case.ask_here.clear();
            s.case.ask_focus = next.focus.map(|(r, c)| next.key(r, c));
            vec![]
        }
        None => {
            let e = goto(s, Screen::Procedures);
            info(
                s,
                "確認が終わりました。手続の一覧です。",
                "All questions answered. These are the procedures.",
            );
            e
        }
    }
}

fn confirm(s: &mut State, a: Action) -> Vec<Effect> {
    let Some(list) = checklist::build(s) else {
        return match a {
            Action::Next => goto(s, Screen::Procedures),
            Action::Undo => undo(s),
            Action::Retry => {
                s.case.skipped.clear();
                vec![]
            }
            _ => vec![],
        };
    };
    // The screen stays put while it is answered.
    if s.case.ask_screen.is_none() {
        s.case.ask_screen = Some(list.screen.key.clone());
    }
    let focus = list.focus;
    let move_to = |s: &mut State, to: Option<(usize, usize)>| {
        if let Some((r, c)) = to {
            s.case.ask_focus = Some(list.key(r, c));
        }
        vec![]
    };
    match a {
        Action::Answer(key) => {
            let Some((r, c)) = focus else { return vec![] };
            let row = &list.rows[r];
            let (member, fact) = list.key(r, c);
            if !list.cell(r, c).focusable() {
                return vec![];
            }
            let current = get_fact(&s.case.intake, member.as_deref(), &fact);
            let Some(ans) = answer_value(&row.kind, key, current.as_ref()) else {
                return vec![];
            };
            let multi = matches!(row.kind, RowKind::Codes(_)) && key != '0';
            let mut e = give_answer(s, member, &fact, ans);
            if !multi {
                // On to the next open cell (the same row's next member first); the last
                // answer of a screen goes on to the next screen by itself (U takes it back).
                match checklist::build(s) {
                    Some(after) if after.screen.key == list.screen.key => {
                        let next = after.next_open(Some((r, c)));
                        s.case.ask_focus = next.map(|(r, c)| after.key(r, c));
                        if next.is_none() {
                            e.extend(finish_screen(s));
                        }
                    }
                    _ => e.extend(finish_screen(s)),
                }
            }
            e
        }
        Action::Skip => {
            if let Some((r, c)) = focus {
                if list.cell(r, c).is_open() {
                    let (m, f) = list.key(r, c);
                    s.case.skipped.push((m, f));
                    let next = list.next_open(Some((r, c)));
                    return move_to(s, next);
                }
            }
            vec![]
        }
        Action::Backspace => {
            // Clears an answer given on this screen: the question is open again.
            if let Some((r, c)) = focus {
                let (m, f) = list.key(r, c);
                if s.case.ask_here.contains(&(m.clone(), f.clone()))
                    && !matches!(
                        list.rows[r].kind,
                        RowKind::Relation | RowKind::Sex | RowKind::Mark
                    )
                {
                    let answers = std::mem::take(&mut s.case.answers);
                    set_fact(&mut s.case.intake, m.as_deref(), &f, None);
                    let e = changed(s);
                    s.case.answers = answers;
                    return e;
                }
            }
            vec![]
        }
        Action::Undo => undo(s),
        Action::Retry => {
            s.case.skipped.clear();
            vec![]
        }
        Action::Up | Action::Down | Action::CursorLeft | Action::CursorRight => {
            let Some((r, c)) = focus else { return vec![] };
            let (dr, dc): (isize, isize) = match a {
                Action::Up => (-1, 0),
                Action::Down => (1, 0),
                Action::CursorLeft => (0, -1),
                _ => (0, 1),
            };
            let (mut nr, mut nc) = (r as isize, c as isize);
            loop {
                nr += dr;
                nc += dc;
                if nr < 0
                    || nc < 0
                    || nr as usize >= list.rows.len()
                    || nc as usize >= list.cols.len()
                {
                    return vec![];
                }
                if list.cell(nr as usize, nc as usize).focusable() {
                    return move_to(s, Some((nr as usize, nc as usize)));
                }
                // Up/Down: the nearest focusable cell of that row.
                if dc == 0 {
                    let row = nr as usize;
                    let best = (0..list.cols.len())
                        .filter(|&k| list.cell(row, k).focusable())
                        .min_by_key(|&k| (k as isize - c as isize).abs());
                    if let Some(k) = best {
                        return move_to(s, Some((row, k)));
                    }
                }
            }
        }
        Action::FieldNext => {
            let next = list.next_open(focus.map(|(r, c)| (r, c + 1)));
            move_to(s, next)
        }
        Action::Next => finish_screen(s),
        _ => vec![],
    }
}

/// Takes back the last answer on the checklists (the screen it was on comes back).
fn undo(s: &mut State) -> Vec<Effect> {
    let Some((m, f, before)) = s.case.answers.pop() else {
        return vec![];
    };
    s.case.intake = *before;
    s.case.skipped.retain(|(sm, sf)| !(*sm == m && *sf == f));
    let answers = std::mem::take(&mut s.case.answers);
    let e = changed(s);
    s.case.answers = answers;
    // Back to the screen of that question, if it was finished already.
    let screen = s
        .case
        .det
        .questions()
        .into_iter()
        .find(|q| q.member == m && q.fact == f)
        .map(|q| q.screen.clone());
    if let Some(sc) = screen {
        if s.case.ask_screen.as_deref() != Some(sc.as_str()) {
            s.case.ask_visited.retain(|v| *v != sc);
            s.case.ask_screen = Some(sc);
            s.case.ask_here.clear();
        }
        s.case.ask_focus = Some((m, f));
    }
    s.screen = Screen::Confirm;
    e
}

/// The deceased can never stay 届出人: when they were, another adult member takes it (the
/// clerk can change it), or nobody.
fn clear_deceased_applicant(i: &mut Intake) {
    let Some(dead) = i.event.deceased.clone() else {
        return;
    };
    if matches!(&i.event.applicant, Some(Applicant::Member(a)) if *a == dead) {
        i.event.applicant = i
            .household
            .members
            .iter()
            .find(|m| m.id != dead && crate::calendar::age(m.birth_date, i.event.date) >= 15)
            .map(|m| Applicant::Member(m.id.clone()));
    }
}

fn procedures(s: &mut State, a: Action) -> Vec<Effect> {
    let n = if s.case.show_excluded {
        s.case.det.excluded.len()
    } else {
        s.case.det.procedures.len()
    };
    match a {
        Action::Next => goto(s, Screen::Print),
        Action::Up => {
            s.case.proc_selected = s.case.proc_selected.saturating_sub(1);
            s.case.detail_scroll = 0;
            vec![]
        }
        Action::Down => {
            s.case.proc_selected = (s.case.proc_selected + 1).min(n.saturating_sub(1));
            s.case.detail_scroll = 0;
            vec![]
        }
        Action::PageDown => {
            s.case.detail_scroll = s.case.detail_scroll.saturating_add(4);
            vec![]
        }
        Action::PageUp => {
            s.case.detail_scroll = s.case.detail_scroll.saturating_sub(4);
            vec![]
        }
        Action::ToggleExcluded => {
            s.case.show_excluded = !s.case.show_excluded;
            s.case.proc_selected = 0;
            s.case.detail_scroll = 0;
            vec![]
        }
        Action::SetAside if !s.case.show_excluded => {
            let Some(p) = s.case.det.procedures.get(s.case.proc_selected) else {
                return vec![];
            };
            let id = p.id.clone();
            if let Some(i) = s.case.set_aside.iter().position(|(x, _)| *x == id) {
                s.case.set_aside.remove(i);
                s.case.bundle = None;
                info(s, "保留を取り消しました。", "No longer set aside.");
                // The store recorded it set aside: it is pending again there too.
                return vec![Effect::TakeBack { procedure: id }];
            }
            s.overlay = Some(Overlay::SetAside {
                procedure: id,
                form: Form {
                    fields: vec![Field::text("reason", ("保留の理由", "Reason"), "")],
                    focus: 0,
                },
            });
            vec![]
        }
        _ => vec![],
    }
}

fn print(s: &mut State, a: Action) -> Vec<Effect> {
    let n = s.case.print_selected.len();
    match a {
        Action::Up => {
            s.case.print_cursor = s.case.print_cursor.saturating_sub(1);
            vec![]
        }
        Action::Down => {
            s.case.print_cursor = (s.case.print_cursor + 1).min(n.saturating_sub(1));
            vec![]
        }
        Action::TogglePrintItem => {
            if let Some(x) = s.case.print_selected.get_mut(s.case.print_cursor) {
                *x = !*x;
            }
            vec![]
        }
        Action::ToggleAllPrint => {
            let all = s.case.print_selected.iter().all(|x| *x);
            s.case.print_selected.iter_mut().for_each(|x| *x = !all);
            vec![]
        }
        Action::Print | Action::Retry => {
            if s.case.bundle.is_none() {
                s.case.print_status = PrintStatus::Rendering;
                return vec![Effect::RenderBundle];
            }
            if !s.case.print_selected.iter().any(|x| *x) {
                warn(
                    s,
                    "印刷するものが選ばれていません (A: 全部)。",
                    "Nothing selected (A: all).",
                );
                return vec![];
            }
            s.case.print_status = PrintStatus::Printing;
            s.case.print_error = None;
            vec![Effect::Print]
        }
        Action::OtherPrinter => vec![Effect::NextPrinter],
        Action::Next => goto(s, Screen::Done),
        _ => vec![],
    }
}

fn supervisor(s: &mut State, a: Action) -> Vec<Effect> {
    let n = s.set.procedures.len();
    match a {
        Action::Up => {
            s.supervisor.selected = s.supervisor.selected.saturating_sub(1);
            vec![]
        }
        Action::Down => {
            s.supervisor.selected = (s.supervisor.selected + 1).min(n.saturating_sub(1));
            vec![]
        }
        Action::PageDown => {
            s.supervisor.scroll = s.supervisor.scroll.saturating_add(5);
            vec![]
        }
        Action::PageUp => {
            s.supervisor.scroll = s.supervisor.scroll.saturating_sub(5);
            vec![]
        }
        Action::ShowInProgress => vec![Effect::InProgress],
        Action::SupCheck => vec![Effect::SupCheck(s.set_dir.clone())],
        Action::SupTest => vec![Effect::SupTest(s.set_dir.clone())],
        Action::SupReload if s.set_dir.is_none() && s.config.uses_published_set() => {
            // This counter uses the set published on the database: reload the newest one.
            info(
                s,
                "公開された最新の手続セットを検査・テストして読み込みます。",
                "Checking, testing and loading the newest published set.",
            );
            vec![Effect::SupReloadPublished]
        }
        Action::SupReload => {
            let dir = s
                .set_dir
                .as_ref()
                .map_or("procedures".to_string(), |d| d.display().to_string());
            s.overlay = Some(Overlay::ReloadPath(Form {
                fields: vec![Field::text(
                    "path",
                    ("手続定義のフォルダ", "Set folder"),
                    &dir,
                )],
                focus: 0,
            }));
            vec![]
        }
        _ => vec![],
    }
}

#[cfg(test)]
mod tests {
    //! `update` alone: which effects each step asks for. The flows through the whole app are
    //! in `tests/tui_flows.rs`.
    use super::*;
    use crate::config::Config;
    use crate::tui::services::{Basic4, PrintError, Secret};
    use std::sync::Arc;

    fn state() -> State {
        let forms = crate::forms::template_ids(None);
        let known = (!forms.is_empty()).then_some(&forms);
        let (set, _) = crate::rules::load_embedded(known).expect("embedded set");
        let today = chrono::NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
        let mut s = State::new(
            Config::default(),
            Arc::new(set),
            today,
            today.and_hms_opt(9, 0, 0).unwrap(),
            true,
        );
        s.case.code = Some("TESTCODE".into());
        s
    }

    fn inserted() -> Action {
        Action::Device(DeviceEvent::Reader(ReaderEvent::CardInserted {
            reader: "R".into(),
            atr: vec![],
        }))
    }

    #[test]
    fn card_insert_asks_tries_and_pin_enter_reads() {
        let mut s = state();
        assert_eq!(
            update(&mut s, inserted()),
            vec![Effect::QueryTries {
                reader: "R".into(),
                kind: SecretKind::Pin
            }]
        );
        assert_eq!(
            update(&mut s, Action::Next),
            vec![],
            "an incomplete PIN does nothing"
        );
        for c in "1234".chars() {
            update(&mut s, Action::Input(c));
        }
        let e = update(&mut s, Action::Next);
        let [Effect::ReadCard { reader, secret }] = e.as_slice() else {
            panic!("{e:?}")
        };
        assert_eq!((reader.as_str(), secret.expose()), ("R", "1234"));
        assert_eq!(s.reader, ReaderState::Reading("R".into()));
        let Some(Overlay::Pin(p)) = &s.overlay else {
            panic!()
        };
        assert!(
            p.secret.is_empty(),
            "the PIN left the state with the effect"
        );
        let b = Basic4 {
            name: "窓口　太郎".into(),
            address: "北見市".into(),
            birth_date: chrono::NaiveDate::from_ymd_opt(1980, 2, 17).unwrap(),
            sex: None,
        };
        update(&mut s, Action::Device(DeviceEvent::CardRead(Ok(b))));
        assert!(matches!(s.overlay, Some(Overlay::CardConfirm(_))));
        let e = update(&mut s, Action::Yes);
        assert_eq!(e, vec![Effect::SaveIntake, Effect::RecordCardRead]);
        assert_eq!(s.case.intake.household.members.len(), 1);
        assert_eq!(
            s.case.intake.event.previous_address.as_deref(),
            Some("北見市")
        );
    }

    #[test]
    fn a_secret_never_prints() {
        let mut p = Secret::new(SecretKind::Pin);
        p.push('7');
        let e = Effect::ReadCard {
            reader: "R".into(),
            secret: p,
        };
        assert!(!format!("{e:?}").contains('7'));
    }

    #[test]
    fn print_and_finish_ask_the_loop() {
        let mut s = state();
        s.case.touched = true;
        let e = update(&mut s, Action::Goto(Screen::Print));
        assert_eq!(e, vec![Effect::SaveDetermination, Effect::RenderBundle]);
        assert_eq!(
            update(&mut s, Action::Print),
            vec![Effect::RenderBundle],
            "no bundle yet"
        );
        let fake = crate::tui::services::Bundle {
            pdf: vec![],
            items: vec![],
            missing_glyphs: vec!["𠮷".into()],
            path: None,
        };
        update(&mut s, Action::BundleReady(Ok(fake)));
        assert_eq!(
            s.msg.as_ref().unwrap().kind,
            MsgKind::Warn,
            "missing glyphs are shown"
        );
        update(
            &mut s,
            Action::Device(DeviceEvent::Printed(Err(PrintError {
                message_ja: "x".into(),
                message_en: "x".into(),
            }))),
        );
        assert_eq!(s.case.print_status, PrintStatus::Failed);
        // F6 without printing asks once more, then closes and clears.
        assert_eq!(update(&mut s, Action::Goto(Screen::Done)), vec![]);
        assert_eq!(
            update(&mut s, Action::Goto(Screen::Done)),
            vec![Effect::CloseCase("TESTCODE".into())]
        );
        assert_eq!(s.last_code.as_deref(), Some("TESTCODE"));
        assert!(s.case.code.is_none() && s.case.intake.household.members.is_empty());
        assert_eq!(update(&mut s, Action::NewCase), vec![Effect::OpenCase]);
    }

    #[test]
    fn reception_fields_fill_the_intake_and_bad_dates_are_marked() {
        let mut s = state();
        update(&mut s, Action::FieldNext);
        for _ in 0..10 {
            update(&mut s, Action::Backspace);
        }
        for c in "2026-02-30".chars() {
            update(&mut s, Action::Input(c));
        }
        assert!(s.case.reception.get("date").unwrap().invalid);
        assert_eq!(
            s.case.intake.event.date, s.today,
            "the bad date changed nothing"
        );
        update(&mut s, Action::Backspace);
        update(&mut s, Action::Backspace);
        update(&mut s, Action::Input('2'));
        update(&mut s, Action::Input('8'));
        assert_eq!(s.case.intake.event.date.to_string(), "2026-02-28");
        update(&mut s, Action::FieldPrev);
        update(&mut s, Action::Input('7'));
        assert_eq!(s.case.intake.event.kind, EventKind::Death);
    }

    #[test]
    fn merge_matches_members_by_name_and_birth_date() {
        let s = state();
        let text = include_str!("../../fixtures/intakes/move-in-family.json");
        let cur = crate::intake::parse_intake(text, &Vocabulary::core()).unwrap();
        let mut inc = cur.clone();
        inc.household.members.truncate(1);
        inc.household.members[0].id = "x1".into();
        let mut extra = inc.household.members[0].clone();
        extra.id = "x2".into();
        extra.name = "山田　次郎".into();
        inc.household.members.push(extra);
        inc.household.head = Some("x1".into());
        let out = merge(&cur, &inc, false, &s.set.vocabulary);
        assert_eq!(out.household.members.len(), 5);
        assert_eq!(out.household.members[4].id, "m5");
        assert_eq!(out.household.head.as_deref(), Some("m1"));
        assert!(conflicts(&cur, &inc).is_empty());
    }
}
