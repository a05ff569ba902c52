//! Keys to actions. One table per screen and dialog, and the footer is drawn from the same
//! table, so the footer can never promise a key that does not work (or hide one that does).
//!
//! F-keys work everywhere, also while a text field has the keyboard; single letters are
//! commands only where nothing is being typed, so typing a name never triggers anything.

use super::action::Action;
use super::checklist::{self, RowKind};
use super::state::{FieldKind, Overlay, PrintStatus, Screen, State};
use super::strings::T;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum K {
    F(u8),
    Ch(char),
    Enter,
    Esc,
    Tab,
    BackTab,
    Up,
    Down,
    Left,
    Right,
    Backspace,
    Delete,
    Home,
    End,
    /// Ctrl+U: empties the field.
    CtrlU,
    PageUp,
    PageDown,
}

impl K {
    pub fn label(self) -> String {
        match self {
            K::F(n) => format!("F{n}"),
            K::Ch(' ') => "Space".into(),
            K::Ch(c) => c.to_ascii_uppercase().to_string(),
            K::Enter => "Enter".into(),
            K::Esc => "Esc".into(),
            K::Tab => "Tab".into(),
            K::BackTab => "S-Tab".into(),
            K::Up => "Up".into(),
            K::Down => "Down".into(),
            K::Left => "Left".into(),
            K::Right => "Right".into(),
            K::Backspace => "BS".into(),
            K::Delete => "Del".into(),
            K::Home => "Home".into(),
            K::End => "End".into(),
            K::CtrlU => "C-U".into(),
            K::PageUp => "PgUp".into(),
            K::PageDown => "PgDn".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct Binding {
    pub key: K,
    /// Shown in the footer instead of the key's own label (e.g. "1-6").
    pub key_text: Option<String>,
    pub label: T,
    pub action: Action,
    pub show: bool,
}

fn b(key: K, label: T, action: Action) -> Binding {
    Binding {
        key,
        key_text: None,
        label,
        action,
        show: true,
    }
}

fn hidden(key: K, action: Action) -> Binding {
    Binding {
        key,
        key_text: None,
        label: ("", ""),
        action,
        show: false,
    }
}

/// Digit keys `from..=to` as answers, shown once as "1-6".
fn digits(from: u32, to: u32, label: T) -> Vec<Binding> {
    (from..=to)
        .filter_map(|d| char::from_digit(d, 10))
        .enumerate()
        .map(|(i, c)| Binding {
            key: K::Ch(c),
            key_text: (i == 0).then(|| {
                if from == to {
                    format!("{from}")
                } else {
                    format!("{from}-{to}")
                }
            }),
            label,
            action: Action::Answer(c),
            show: i == 0,
        })
        .collect()
}

fn form_keys(out: &mut Vec<Binding>, submit: T) {
    out.push(b(K::Enter, submit, Action::Next));
    out.push(b(K::Tab, ("次の項目", "next field"), Action::FieldNext));
    out.push(hidden(K::Down, Action::FieldNext));
    out.push(hidden(K::BackTab, Action::FieldPrev));
    out.push(hidden(K::Up, Action::FieldPrev));
    out.push(hidden(K::Left, Action::CursorLeft));
    out.push(hidden(K::Right, Action::CursorRight));
    out.push(hidden(K::Backspace, Action::Backspace));
    out.push(hidden(K::Delete, Action::Delete));
    out.push(hidden(K::Home, Action::Home));
    out.push(hidden(K::End, Action::End));
    out.push(b(K::CtrlU, ("欄を消す", "clear field"), Action::ClearField));
}

/// The keys that work now, screen-specific first; global keys last.
pub fn bindings(s: &State) -> Vec<Binding> {
    let mut out = vec![];
    if s.help {
        out.push(b(K::Esc, ("閉じる", "close"), Action::ToggleHelp));
        out.push(hidden(K::Ch('?'), Action::ToggleHelp));
        out.push(hidden(K::F(11), Action::ToggleHelp));
        return out;
    }
    bindings_without_help(s)
}

/// The keys of the screen or dialog itself (what the help overlay lists).
pub fn bindings_without_help(s: &State) -> Vec<Binding> {
    let mut out = vec![];
    match &s.overlay {
        Some(Overlay::Pin(p)) => {
            out.extend(digits(0, 9, ("数字", "digits")).into_iter().map(|mut x| {
                x.action = Action::Input(match x.key {
                    K::Ch(c) => c,
                    _ => '0',
                });
                x.key_text = x.key_text.map(|_| "0-9".into());
                x
            }));
            out.push(hidden(K::Backspace, Action::Backspace));
            if !p.blocked {
                out.push(b(K::Enter, ("決定", "OK"), Action::Next));
            }
            out.push(b(K::Ch('b'), ("照合番号B", "code B"), Action::UseCodeB));
            out.push(b(K::Ch('m'), ("手入力", "type in"), Action::ManualEntry));
            out.push(b(K::Esc, ("中止", "cancel"), Action::Cancel));
            return out;
        }
        Some(Overlay::CardConfirm(_)) => {
            out.push(b(K::Enter, ("券面と一致", "matches the card"), Action::Yes));
            out.push(hidden(K::Ch('y'), Action::Yes));
            out.push(b(K::Esc, ("使わない", "discard"), Action::No));
            out.push(hidden(K::Ch('n'), Action::No));
            return out;
        }
        Some(Overlay::MemberEdit(_)) | Some(Overlay::OutsideApplicant(_)) => {
            form_keys(&mut out, ("保存", "save"));
            out.push(b(K::Esc, ("取消", "cancel"), Action::Cancel));
            return out;
        }
        Some(Overlay::SetAside { .. }) => {
            form_keys(&mut out, ("保留にする", "set aside"));
            out.push(b(K::Esc, ("取消", "cancel"), Action::Cancel));
            return out;
        }
        Some(Overlay::ReloadPath(_)) => {
            form_keys(&mut out, ("検査して読込", "check and load"));
            out.push(b(K::Esc, ("取消", "cancel"), Action::Cancel));
            return out;
        }
        Some(Overlay::ConfirmRemove(_)) | Some(Overlay::QrOtherSet) => {
            out.push(b(K::Ch('y'), ("はい", "yes"), Action::Yes));
            out.push(b(K::Ch('n'), ("いいえ", "no"), Action::No));
            out.push(hidden(K::Esc, Action::No));
            return out;
        }
        Some(Overlay::QrMerge(_)) => {
            out.push(b(K::Ch('y'), ("QRの内容を使う", "use the QR"), Action::Yes));
            out.push(b(
                K::Ch('n'),
                ("今の内容を残す", "keep current"),
                Action::No,
            ));
            out.push(b(K::Esc, ("取り込まない", "ignore"), Action::Cancel));
            out.push(b(K::PageDown, ("次の違い", "more"), Action::PageDown));
            out.push(hidden(K::PageUp, Action::PageUp));
            return out;
        }
        Some(Overlay::Resume {
            discarding: true, ..
        }) => {
            out.push(b(K::Ch('y'), ("破棄する", "discard"), Action::Yes));
            out.push(b(K::Ch('n'), ("やめる", "keep"), Action::No));
            out.push(hidden(K::Esc, Action::No));
            return out;
        }
        Some(Overlay::Resume { .. }) => {
            out.push(b(K::Up, ("選択", "select"), Action::Up));
            out.push(hidden(K::Down, Action::Down));
            out.push(b(K::Enter, ("続きから", "resume"), Action::Yes));
            out.push(b(K::Ch('d'), ("破棄", "discard"), Action::Discard));
            out.push(b(K::Ch('n'), ("新しい受付", "new case"), Action::No));
            out.push(hidden(K::Esc, Action::No));
            return out;
        }
        Some(Overlay::OpenCode(_)) => {
            form_keys(&mut out, ("開く", "open"));
            out.push(b(K::Esc, ("取消", "cancel"), Action::Cancel));
            return out;
        }
        Some(Overlay::Continue(v)) if v.reason.is_some() => {
            form_keys(&mut out, ("保留にする", "set aside"));
            out.push(b(K::Esc, ("戻る", "back"), Action::Cancel));
            return out;
        }
        Some(Overlay::Continue(_)) => {
            out.push(b(K::Up, ("選択", "select"), Action::Up));
            out.push(hidden(K::Down, Action::Down));
            out.push(b(K::Ch('d'), ("済", "done"), Action::MarkDone));
            out.push(b(K::Ch('h'), ("保留", "set aside"), Action::SetAside));
            out.push(b(
                K::Ch('p'),
                ("未処理に戻す", "back to pending"),
                Action::MarkPending,
            ));
            out.push(b(K::Esc, ("閉じる", "close"), Action::Cancel));
            return out;
        }
        Some(Overlay::InProgress { .. }) => {
            out.push(b(K::Up, ("選択", "select"), Action::Up));
            out.push(hidden(K::Down, Action::Down));
            out.push(b(K::Enter, ("開く", "open"), Action::Next));
            out.push(b(K::Esc, ("閉じる", "close"), Action::Cancel));
            return out;
        }
        Some(Overlay::ConfirmQuit) => {
            out.push(b(K::Ch('y'), ("終了する", "quit"), Action::Yes));
            out.push(b(K::Ch('n'), ("受付に戻る", "back"), Action::No));
            out.push(hidden(K::Esc, Action::No));
            out.push(hidden(K::F(10), Action::Quit));
            return out;
        }
        None => {}
    }
    match s.screen {
        Screen::Reception => {
            form_keys(&mut out, ("次へ", "next"));
        }
        Screen::Household => {
            out.push(b(K::Enter, ("次へ", "next"), Action::Next));
            out.push(b(K::Ch('a'), ("追加", "add"), Action::AddMember));
            out.push(b(K::Ch('e'), ("修正", "edit"), Action::EditMember));
            out.push(b(K::Ch('d'), ("削除", "remove"), Action::RemoveMember));
            out.push(b(
                K::Ch('c'),
                ("カード読取", "read card"),
                Action::ReadCardForSelected,
            ));
            if s.case.intake.event.kind.is_move() {
                out.push(b(
                    K::Ch('m'),
                    ("異動する/しない", "mover"),
                    Action::ToggleMoving,
                ));
            }
            out.push(b(K::Ch('h'), ("世帯主", "head"), Action::MarkHead));
            out.push(b(
                K::Ch('t'),
                ("届出人", "applicant"),
                Action::MarkApplicant,
            ));
            out.push(b(
                K::Ch('o'),
                ("世帯外の届出人", "outside applicant"),
                Action::OutsideApplicant,
            ));
            out.push(b(
                K::Ch('k'),
                ("亡くなった方", "deceased"),
                Action::MarkDeceased,
            ));
            out.push(hidden(K::Up, Action::Up));
            out.push(hidden(K::Down, Action::Down));
        }
        Screen::Confirm => match checklist::build(s) {
            Some(list) => {
                let resident = list.screen.resident;
                if let Some((r, _)) = list.focus {
                    let kind = &list.rows[r].kind;
                    match kind {
                        RowKind::Bool => {
                            out.push(b(K::Ch('1'), ("はい", "yes"), Action::Answer('1')));
                            out.push(b(K::Ch('2'), ("いいえ", "no"), Action::Answer('2')));
                            out.push(hidden(K::Ch('y'), Action::Answer('y')));
                            out.push(hidden(K::Ch('n'), Action::Answer('n')));
                        }
                        RowKind::Count => out.extend(digits(0, 9, ("数", "number"))),
                        RowKind::Codes(v) => {
                            out.extend(digits(1, v.len().min(9) as u32, ("選ぶ/外す", "toggle")));
                            out.push(b(K::Ch('0'), ("どれもない", "none"), Action::Answer('0')));
                        }
                        RowKind::Mark => out.push(b(
                            K::Ch('1'),
                            ("この方", "this person"),
                            Action::Answer('1'),
                        )),
                        other => {
                            let n = other.options().len().min(9) as u32;
                            out.extend(digits(1, n, ("選択", "choose")));
                        }
                    }
                }
                out.push(b(
                    K::Enter,
                    if resident {
                        ("おわり (残りはいいえ)", "done (the rest: no)")
                    } else {
                        ("残りはいいえで次へ", "rest no, next")
                    },
                    Action::Next,
                ));
                out.push(b(K::Ch('s'), ("わからない", "not sure"), Action::Skip));
                out.push(Binding {
                    key_text: Some("Arrows".into()),
                    ..b(K::Up, ("移動", "move"), Action::Up)
                });
                out.push(hidden(K::Down, Action::Down));
                out.push(hidden(K::Left, Action::CursorLeft));
                out.push(hidden(K::Right, Action::CursorRight));
                out.push(hidden(K::Tab, Action::FieldNext));
                out.push(Binding {
                    show: !resident,
                    ..b(K::Backspace, ("答えを消す", "clear"), Action::Backspace)
                });
                out.push(hidden(K::Delete, Action::Backspace));
                if !s.case.answers.is_empty() {
                    out.push(Binding {
                        show: !resident,
                        ..b(K::Ch('u'), ("元に戻す", "undo"), Action::Undo)
                    });
                }
                if !s.case.skipped.is_empty() {
                    out.push(hidden(K::Ch('r'), Action::Retry));
                }
            }
            None => {
                out.push(b(K::Enter, ("次へ", "next"), Action::Next));
                if !s.case.answers.is_empty() {
                    out.push(b(K::Ch('u'), ("元に戻す", "undo"), Action::Undo));
                }
                if !s.case.skipped.is_empty() {
                    out.push(b(
                        K::Ch('r'),
                        ("わからない質問をもう一度", "ask skipped again"),
                        Action::Retry,
                    ));
                }
            }
        },
        Screen::Procedures => {
            out.push(b(K::Enter, ("印刷へ", "to print"), Action::Next));
            out.push(b(K::Up, ("選択", "select"), Action::Up));
            out.push(hidden(K::Down, Action::Down));
            out.push(b(
                K::Ch('x'),
                ("対象外の手続", "excluded"),
                Action::ToggleExcluded,
            ));
            out.push(b(K::PageDown, ("詳細を送る", "details"), Action::PageDown));
            out.push(hidden(K::PageUp, Action::PageUp));
            // Not S: that answers "わからない" on the questions just before.
            if !s.case.show_excluded {
                out.push(b(K::Ch('h'), ("保留/戻す", "set aside"), Action::SetAside));
            }
        }
        Screen::Print => {
            let printed = s.case.print_status == PrintStatus::Printed;
            if printed {
                out.push(b(K::Enter, ("完了へ", "finish"), Action::Next));
                out.push(b(
                    K::Ch('p'),
                    ("もう一度印刷", "print again"),
                    Action::Print,
                ));
            } else {
                out.push(b(K::Enter, ("印刷", "print"), Action::Print));
                out.push(hidden(K::Ch('p'), Action::Print));
            }
            out.push(b(K::Up, ("選択", "select"), Action::Up));
            out.push(hidden(K::Down, Action::Down));
            out.push(b(
                K::Ch(' '),
                ("印刷する/しない", "toggle"),
                Action::TogglePrintItem,
            ));
            out.push(b(
                K::Ch('a'),
                ("全部/なし", "all/none"),
                Action::ToggleAllPrint,
            ));
            if s.case.print_status == PrintStatus::Failed {
                out.push(b(K::Ch('r'), ("再試行", "retry"), Action::Retry));
            }
            // Always offered: the list is read again when it is used.
            {
                out.push(b(
                    K::Ch('o'),
                    ("別のプリンタ", "other printer"),
                    Action::OtherPrinter,
                ));
            }
        }
        Screen::Done => {
            out.push(b(K::Enter, ("次の方", "next resident"), Action::NewCase));
            out.push(hidden(K::Ch('n'), Action::NewCase));
        }
        Screen::Supervisor => {
            out.push(b(K::Up, ("選択", "select"), Action::Up));
            out.push(hidden(K::Down, Action::Down));
            out.push(b(K::Ch('c'), ("検査 (check)", "check"), Action::SupCheck));
            out.push(b(
                K::PageDown,
                ("結果を送る", "scroll results"),
                Action::PageDown,
            ));
            out.push(hidden(K::PageUp, Action::PageUp));
            out.push(b(K::Ch('t'), ("テスト (test)", "test"), Action::SupTest));
            out.push(b(
                K::Ch('i'),
                ("進行中の案件", "cases in progress"),
                Action::ShowInProgress,
            ));
            out.push(b(
                K::Ch('r'),
                ("新しい定義を読込", "load new set"),
                Action::SupReload,
            ));
            out.push(b(
                K::Esc,
                ("受付に戻る", "back"),
                Action::Goto(Screen::Reception),
            ));
        }
    }
    with_global_fkeys(s, out)
}

/// Whether the screen is turned to the resident (the footer then shows only their keys).
pub fn resident_view(s: &State) -> bool {
    match &s.overlay {
        Some(Overlay::Pin(_)) => true,
        Some(_) => false,
        None => {
            s.screen == Screen::Confirm && checklist::build(s).is_some_and(|l| l.screen.resident)
        }
    }
}

fn with_global_fkeys(s: &State, mut out: Vec<Binding>) -> Vec<Binding> {
    let clerk_keys = !resident_view(s);
    for (i, screen) in Screen::STEPS.iter().enumerate() {
        out.push(hidden(K::F(i as u8 + 1), Action::Goto(*screen)));
    }
    // Bound for everyone: a clerk gets a message saying who may open it.
    out.push(hidden(K::F(7), Action::Goto(Screen::Supervisor)));
    let mut global = vec![];
    if s.training {
        global.push(b(
            K::F(8),
            ("練習用カード", "virtual card"),
            Action::VirtualCard,
        ));
    }
    // A section's counter continues other counters' cases all day: its footer shows F9.
    global.push(Binding {
        show: s.config.section.is_some(),
        ..b(
            K::F(9),
            ("他の窓口の案件", "another counter's case"),
            Action::OpenOtherCase,
        )
    });
    global.push(b(K::F(12), ("English", "日本語"), Action::ToggleLang));
    global.push(b(K::F(11), ("ヘルプ", "help"), Action::ToggleHelp));
    if !s.typing() {
        global.push(hidden(K::Ch('?'), Action::ToggleHelp));
    }
    global.push(b(K::F(10), ("終了", "quit"), Action::Quit));
    for mut g in global {
        // The resident's view shows only the resident's keys (the clerk's still work).
        g.show &= clerk_keys;
        out.push(g);
    }
    out
}

/// Turns a terminal key into an action for the current state.
pub fn map_key(s: &State, ev: KeyEvent) -> Option<Action> {
    if ev.kind == KeyEventKind::Release {
        return None;
    }
    if ev.modifiers.contains(KeyModifiers::CONTROL) {
        return match ev.code {
            KeyCode::Char('c') | KeyCode::Char('q') => Some(Action::Quit),
            KeyCode::Char('u') => find(s, K::CtrlU),
            _ => None,
        };
    }
    let k = match ev.code {
        KeyCode::F(n) => K::F(n),
        KeyCode::Char(c) => K::Ch(c),
        KeyCode::Enter => K::Enter,
        KeyCode::Esc => K::Esc,
        KeyCode::Tab => K::Tab,
        KeyCode::BackTab => K::BackTab,
        KeyCode::Up => K::Up,
        KeyCode::Down => K::Down,
        KeyCode::Left => K::Left,
        KeyCode::Right => K::Right,
        KeyCode::Backspace => K::Backspace,
        KeyCode::Delete => K::Delete,
        KeyCode::Home => K::Home,
        KeyCode::End => K::End,
        KeyCode::PageUp => K::PageUp,
        KeyCode::PageDown => K::PageDown,
        _ => return None,
    };
    let typing = s.typing();
    let list = bindings(s);
    // Letters are typing in a text field, except F-keys and the form keys.
    if typing {
        if let K::Ch(c) = k {
            return Some(Action::Input(c));
        }
    }
    let found = list.iter().find(|x| match (x.key, k) {
        (K::Ch(a), K::Ch(b)) => a.eq_ignore_ascii_case(&b),
        (a, b) => a == b,
    });
    if let Some(x) = found {
        return Some(x.action.clone());
    }
    // A choice field takes digits.
    if let K::Ch(c) = k {
        if let Some(f) = focused_form_field(s) {
            if matches!(f, FieldKind::Choice(_)) && c.is_ascii_digit() {
                return Some(Action::Input(c));
            }
        }
    }
    None
}

/// What a key does, for the help of a binding that has no footer label.
pub fn action_label(a: &Action) -> T {
    match a {
        Action::Goto(Screen::Reception) => ("1 受付へ", "to 1 event"),
        Action::Goto(Screen::Household) => ("2 世帯へ", "to 2 household"),
        Action::Goto(Screen::Confirm) => ("3 確認へ", "to 3 questions"),
        Action::Goto(Screen::Procedures) => ("4 手続一覧へ", "to 4 procedures"),
        Action::Goto(Screen::Print) => ("5 印刷へ", "to 5 print"),
        Action::Goto(Screen::Done) => ("6 完了 (受付を閉じる)", "to 6 done (close the case)"),
        Action::Goto(Screen::Supervisor) => ("手続定義 (監督者)", "definitions (supervisor)"),
        Action::Next => ("次へ・決定", "next / OK"),
        Action::Cancel => ("閉じる・取消", "close / cancel"),
        Action::Up => ("上へ", "up"),
        Action::Down => ("下へ", "down"),
        Action::CursorLeft => ("左へ (選択肢は前へ)", "left (previous option)"),
        Action::CursorRight => (
            "右へ (選択肢は次へ、候補を入力)",
            "right (next option, take the offer)",
        ),
        Action::FieldNext => ("次の項目", "next field"),
        Action::FieldPrev => ("前の項目", "previous field"),
        Action::Backspace => ("1文字消す", "delete back"),
        Action::Delete => ("カーソルの文字を消す", "delete at cursor"),
        Action::Home => ("欄の先頭へ", "start of field"),
        Action::End => ("欄の最後へ", "end of field"),
        Action::ClearField => ("欄を消す", "clear field"),
        Action::PageUp => ("前のページ", "page up"),
        Action::PageDown => ("次のページ", "page down"),
        Action::ToggleHelp => ("ヘルプ", "help"),
        Action::Answer('y') => ("はい", "yes"),
        Action::Answer('n') => ("いいえ", "no"),
        Action::Answer(_) => ("答える", "answer"),
        Action::Yes => ("はい", "yes"),
        Action::No => ("いいえ", "no"),
        Action::Print => ("印刷", "print"),
        Action::NewCase => ("次の方", "next resident"),
        Action::Retry => ("わからない質問をもう一度", "ask the skipped again"),
        Action::Quit => ("終了", "quit"),
        Action::Undo => ("元に戻す", "undo"),
        _ => ("", ""),
    }
}

/// Every key of the screen, for the help: (key, what it does), the footer's first.
pub fn help_entries(s: &State) -> Vec<(String, T)> {
    let mut out: Vec<(String, T)> = vec![];
    for x in bindings_without_help(s) {
        let label = if x.label.0.is_empty() {
            action_label(&x.action)
        } else {
            x.label
        };
        if label.0.is_empty() {
            continue;
        }
        let key = x.key_text.clone().unwrap_or_else(|| x.key.label());
        // Digits given one by one (hidden) are already said by their range.
        if !x.show && matches!(x.key, K::Ch(c) if c.is_ascii_digit()) {
            continue;
        }
        if !out.iter().any(|(k, _)| *k == key) {
            out.push((key, label));
        }
    }
    out
}

/// The action bound to a key now, if any.
fn find(s: &State, k: K) -> Option<Action> {
    bindings(s)
        .into_iter()
        .find(|x| x.key == k)
        .map(|x| x.action)
}

fn focused_form_field(s: &State) -> Option<&FieldKind> {
    let form = match &s.overlay {
        Some(Overlay::MemberEdit(m)) => &m.form,
        Some(Overlay::OutsideApplicant(f)) => f,
        None if s.screen == Screen::Reception => &s.case.reception,
        _ => return None,
    };
    form.focused().map(|f| &f.kind)
}
