//! The page's steps: from a posted form to the next view. Pure: no I/O, no clock (today is
//! passed in), so every path through the steps is unit-tested without a server.
//!
//! 1. **Event**: what happened and when.
//! 2. **Household**: addresses and the members (names, kana, birth dates, sex, relation).
//! 3. **Questions**: only the engine's pending questions, as many rounds as the answers open
//!    up; a question left unanswered goes to the counter (it is never asked twice).
//! 4. **Result**: `rules::determine` on the finished intake, and its QR codes.
//!
//! Every step re-checks everything before it from the posted state: the server trusts
//! nothing it did not just check, and remembers nothing.

use super::draft::{question_key, split_key, Draft, Step, Submission};
use super::text::Tr;
use crate::intake::{parse_intake_value, EventKind, FactScope, FactType, Intake, Vocabulary};
use crate::rules::model::ScreenDecl;
use crate::rules::{determine, Determination, Lang, ProcedureSet, Question};
use chrono::NaiveDate;
use std::collections::BTreeSet;

/// A problem with what was entered: which input, and what to do, in both languages.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// The input's name (`date`, `m2.birth`), or empty for the form as a whole.
    pub field: String,
    pub ja: String,
    pub en: String,
}

impl Problem {
    fn new(field: impl Into<String>, text: Tr) -> Self {
        Problem {
            field: field.into(),
            ja: text.0.to_string(),
            en: text.1.to_string(),
        }
    }
    pub fn text(&self, l: Lang) -> &str {
        match l {
            Lang::Ja => &self.ja,
            Lang::En => &self.en,
        }
    }
}

/// What to show next.
#[derive(Clone, Debug)]
pub struct View {
    pub step: Step,
    pub draft: Draft,
    pub problems: Vec<Problem>,
    /// The checked intake (questions and result steps).
    pub intake: Option<Intake>,
    /// `rules::determine` on it.
    pub det: Option<Determination>,
    /// The questions to ask on this page (questions step): the open questions of one
    /// checklist screen, with the ones of that screen already answered that still matter
    /// (shown with their answers, so a follow-up keeps its context and "back" loses nothing).
    pub open: Vec<Question>,
    /// The checklist screen this questions page shows.
    pub screen: Option<ScreenDecl>,
    /// Which of how many question pages this is (an estimate: answers may open more).
    pub progress: (usize, usize),
    /// A short notice (a row could not be added, …).
    pub notice: Option<Tr>,
}

impl View {
    fn at(step: Step, draft: Draft) -> Self {
        View {
            step,
            draft,
            problems: vec![],
            intake: None,
            det: None,
            open: vec![],
            screen: None,
            progress: (0, 0),
            notice: None,
        }
    }
}

/// The first page: an empty event step.
pub fn start(lang: Lang) -> View {
    View::at(
        Step::Event,
        Draft {
            lang,
            ..Draft::default()
        },
    )
}

/// The view that follows a posted form.
pub fn advance(sub: Submission, set: &ProcedureSet, today: NaiveDate) -> View {
    let Submission {
        mut draft,
        step,
        go,
        shown,
        q,
        at,
    } = sub;
    let vocab = &set.vocabulary;
    let step = step.unwrap_or(Step::Event);

    // A language switch re-shows the same step with nothing lost and nothing judged yet.
    if let Some(code) = go.strip_prefix("lang:") {
        draft.lang = if code == "en" { Lang::En } else { Lang::Ja };
        if step == Step::Questions {
            apply_answers(&mut draft, &shown, &q, vocab, false);
        }
        return match step {
            Step::Event => View::at(Step::Event, draft),
            Step::Household => View::at(Step::Household, draft),
            Step::Questions => checked(draft, set, today, Want::At(at)),
            Step::Result => checked(draft, set, today, Want::Result),
        };
    }

    match (step, go.as_str()) {
        (Step::Event, _) => {
            let problems = check_event(&draft, today);
            if problems.is_empty() {
                if draft.members.is_empty() {
                    draft.add_member();
                }
                View::at(Step::Household, draft)
            } else {
                View {
                    problems,
                    ..View::at(Step::Event, draft)
                }
            }
        }
        (Step::Household, "add") => {
            let added = draft.add_member();
            View {
                notice: (!added).then_some((
                    "このページで入力できるのは20人までです。それ以上の世帯は窓口でお手続きください。",
                    "This page takes up to 20 people; larger households, please come to the counter.",
                )),
                ..View::at(Step::Household, draft)
            }
        }
        (Step::Household, go) if go.starts_with("remove:") => {
            let id = &go["remove:".len()..];
            if draft.members.len() > 1 {
                draft.remove_member(id);
            }
            View::at(Step::Household, draft)
        }
        (Step::Household, "back") => View::at(Step::Event, draft),
        (Step::Household, _) => checked(draft, set, today, Want::After(None)),
        (Step::Questions, "back") => {
            apply_answers(&mut draft, &shown, &q, vocab, false);
            checked(draft, set, today, Want::Before(at))
        }
        (Step::Questions, _) => {
            apply_answers(&mut draft, &shown, &q, vocab, true);
            checked(draft, set, today, Want::After(at))
        }
        (Step::Result, "edit:event") => View::at(Step::Event, draft),
        (Step::Result, "edit:household") => View::at(Step::Household, draft),
        // Walks the question pages again, each with its answers filled in.
        (Step::Result, "edit:answers") => checked(draft, set, today, Want::Revisit),
        (Step::Result, _) => checked(draft, set, today, Want::Result),
    }
}

/// Which page of questions to show after a check.
#[derive(Clone, Debug)]
enum Want {
    /// The result, whatever remains open (it goes to the counter).
    Result,
    /// Going forward from a screen (`None`: from the household step): as the counter, the
    /// first screen in order with an open question (that screen again if its answers opened
    /// a follow-up on it, an earlier one if they opened a question there); after it, also a
    /// screen with answers (walking forward again after "back").
    After(Option<String>),
    /// Going back from a screen: the last screen before it that was answered.
    Before(Option<String>),
    /// The same screen again (a language switch).
    At(Option<String>),
    /// From the result: the first screen with an answer or an open question.
    Revisit,
}

/// Checks the event and the household, determines, and picks the page to show: a screen of
/// questions (as the counter asks them: one checklist screen at a time, in the set's screen
/// order) or the result.
fn checked(draft: Draft, set: &ProcedureSet, today: NaiveDate, want: Want) -> View {
    let problems = check_event(&draft, today);
    if !problems.is_empty() {
        return View {
            problems,
            ..View::at(Step::Event, draft)
        };
    }
    let intake = match check_household(&draft, set) {
        Ok(i) => i,
        Err(problems) => {
            return View {
                problems,
                ..View::at(Step::Household, draft)
            }
        }
    };
    let det = determine(&intake, set, today);
    let open = open_questions(&det, &draft, &set.vocabulary);
    let answered = answered_screens(&draft, set);
    let has_open = |key: &str| open.iter().any(|q| q.screen == key);
    let has_any = |key: &str| has_open(key) || answered.contains(key);
    let index = |key: &Option<String>| {
        key.as_ref()
            .and_then(|k| set.screens.iter().position(|s| &s.key == k))
    };
    // Candidate screens, best first; the first that still asks something is shown.
    let candidates: Vec<&ScreenDecl> = match &want {
        Want::Result => vec![],
        Want::After(from) => {
            let start = index(from);
            set.screens
                .iter()
                .enumerate()
                .filter(|(i, s)| match start {
                    None => has_any(&s.key),
                    Some(at) => (*i <= at && has_open(&s.key)) || (*i > at && has_any(&s.key)),
                })
                .map(|(_, s)| s)
                .collect()
        }
        Want::Before(from) => {
            let end = index(from).unwrap_or(set.screens.len());
            let mut before: Vec<&ScreenDecl> = set.screens[..end]
                .iter()
                .filter(|s| has_any(&s.key))
                .collect();
            before.reverse();
            before
        }
        Want::At(at) => {
            let start = index(at).unwrap_or(0);
            set.screens[start..]
                .iter()
                .filter(|s| has_any(&s.key))
                .collect()
        }
        Want::Revisit => set.screens.iter().filter(|s| has_any(&s.key)).collect(),
    };
    for screen in candidates {
        let asked = screen_questions(&draft, set, today, &intake, &det, &open, &screen.key);
        if asked.is_empty() {
            continue;
        }
        let pages: Vec<&str> = set
            .screens
            .iter()
            .filter(|s| has_any(&s.key))
            .map(|s| s.key.as_str())
            .collect();
        let pos = pages
            .iter()
            .position(|k| *k == screen.key)
            .map_or(1, |i| i + 1);
        return View {
            intake: Some(intake),
            det: Some(det),
            open: asked,
            screen: Some(screen.clone()),
            progress: (pos, pages.len().max(pos)),
            ..View::at(Step::Questions, draft)
        };
    }
    if matches!(want, Want::Before(_)) {
        // Back from the first question page: the household.
        return View::at(Step::Household, draft);
    }
    View {
        intake: Some(intake),
        det: Some(det),
        ..View::at(Step::Result, draft)
    }
}

/// The screens of the questions already answered or left to the counter on this page.
fn answered_screens(draft: &Draft, set: &ProcedureSet) -> BTreeSet<String> {
    draft
        .answers
        .keys()
        .chain(draft.skipped.iter())
        .filter_map(|k| {
            let (who, fact) = split_key(k)?;
            set.facts
                .get(&(scope_of(who), fact.to_string()))
                .map(|d| d.screen.clone())
        })
        .collect()
}

/// The questions one screen shows: its open ones, and the ones already answered (or left to
/// the counter) on it whose answer still matters — an answer that no longer changes anything
/// (an earlier answer settled it) is not asked again. In the screen's row order (the facts'
/// order in `facts.toml`), then by member.
#[allow(clippy::too_many_arguments)]
fn screen_questions(
    draft: &Draft,
    set: &ProcedureSet,
    today: NaiveDate,
    intake: &Intake,
    det: &Determination,
    open: &[Question],
    screen: &str,
) -> Vec<Question> {
    let mut out: Vec<Question> = open
        .iter()
        .filter(|q| q.screen == screen)
        .cloned()
        .collect();
    let pending = det.questions();
    let keys: Vec<&String> = draft.answers.keys().chain(draft.skipped.iter()).collect();
    for key in keys {
        let Some((who, fact)) = split_key(key) else {
            continue;
        };
        if who.is_some_and(|id| draft.member(id).is_none())
            || out
                .iter()
                .any(|q| q.member.as_deref() == who && q.fact == fact)
        {
            continue;
        }
        let Some(decl) = set.facts.get(&(scope_of(who), fact.to_string())) else {
            continue;
        };
        if decl.screen != screen || set.vocabulary.get(scope_of(who), fact).is_none() {
            continue;
        }
        let matters = if draft.answers.contains_key(key) {
            let mut without = draft.clone();
            without.answers.remove(key);
            parse_intake_value(&without.intake_json(&set.vocabulary), &set.vocabulary)
                .map(|i| {
                    determine(&i, set, today)
                        .questions()
                        .iter()
                        .any(|q| q.member.as_deref() == who && q.fact == fact)
                })
                .unwrap_or(false)
        } else {
            pending
                .iter()
                .any(|q| q.member.as_deref() == who && q.fact == fact)
        };
        if !matters {
            continue;
        }
        let about_deceased = who.is_some()
            && intake.event.kind == EventKind::Death
            && intake.event.deceased.as_deref() == who;
        let text = decl.question_for(about_deceased);
        out.push(Question {
            member: who.map(str::to_string),
            fact: fact.to_string(),
            text: text.ja.clone(),
            text_en: text.en().to_string(),
            screen: decl.screen.clone(),
            sensitive: decl.sensitive,
        });
    }
    let row = |q: &Question| {
        let decl = set
            .facts
            .get(&(scope_of(q.member.as_deref()), q.fact.clone()));
        let member = q
            .member
            .as_deref()
            .and_then(|id| draft.members.iter().position(|m| m.id() == id))
            .map_or(0, |i| i + 1);
        (decl.map_or(usize::MAX, |d| d.position), member)
    };
    out.sort_by_key(row);
    out
}

/// The engine's pending questions not yet answered nor left to the counter, that this page
/// can ask (the fact is in the set's vocabulary; the household's own questions — the head,
/// a member's 続柄 — are the household step's inputs).
pub fn open_questions(det: &Determination, draft: &Draft, vocab: &Vocabulary) -> Vec<Question> {
    det.questions()
        .into_iter()
        .filter(|q| {
            let key = question_key(q.member.as_deref(), &q.fact);
            !draft.answers.contains_key(&key)
                && !draft.skipped.contains(&key)
                && vocab.get(scope_of(q.member.as_deref()), &q.fact).is_some()
        })
        .cloned()
        .collect()
}

fn scope_of(member: Option<&str>) -> FactScope {
    if member.is_some() {
        FactScope::Member
    } else {
        FactScope::Household
    }
}

/// Takes the answers to the questions the posted page showed. With `skip_unanswered`, a
/// question left blank (or answered "I don't know") goes to the counter.
fn apply_answers(
    draft: &mut Draft,
    shown: &[String],
    q: &std::collections::BTreeMap<String, Vec<String>>,
    vocab: &Vocabulary,
    skip_unanswered: bool,
) {
    for key in shown {
        let Some((who, fact)) = split_key(key) else {
            continue;
        };
        if who.is_some_and(|id| draft.member(id).is_none()) {
            continue;
        }
        let Some(t) = vocab.get(scope_of(who), fact) else {
            continue;
        };
        let given: &[String] = q.get(key).map(Vec::as_slice).unwrap_or(&[]);
        match answer_of(t, given) {
            Some(v) => {
                draft.answers.insert(key.clone(), v);
                draft.skipped.remove(key);
            }
            None if skip_unanswered => {
                draft.answers.remove(key);
                draft.skipped.insert(key.clone());
            }
            None => {}
        }
    }
}

/// The encoded answer from a question's inputs; `None` for "don't know" or no answer.
fn answer_of(t: &FactType, given: &[String]) -> Option<String> {
    let first = given.first().map(|s| s.trim()).unwrap_or("");
    let v = match t {
        FactType::Bool => matches!(first, "yes" | "no").then(|| first.to_string())?,
        FactType::Count => {
            let digits: String = first
                .chars()
                .map(|c| match c {
                    '０'..='９' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                    _ => c,
                })
                .collect();
            digits
                .parse::<u32>()
                .ok()
                .filter(|n| *n <= 999)?
                .to_string()
        }
        FactType::Code(values) => values.iter().find(|c| *c == first)?.clone(),
        FactType::CodeSet(values) => {
            let chosen: Vec<&str> = values
                .iter()
                .filter(|c| given.iter().any(|g| g == *c))
                .map(String::as_str)
                .collect();
            if !chosen.is_empty() {
                chosen.join(",")
            } else if given.iter().any(|g| g == "__none") {
                String::new()
            } else {
                return None;
            }
        }
    };
    Some(v)
}

/// The event step: a kind and a date that can be read.
pub fn check_event(d: &Draft, today: NaiveDate) -> Vec<Problem> {
    let mut out = vec![];
    let kind = d.event_kind();
    if kind.is_none() {
        out.push(Problem::new(
            "kind",
            ("どの届出かを選んでください。", "Choose what happened."),
        ));
    }
    match super::dates::parse_resident_date(&d.date) {
        None if d.date.trim().is_empty() => out.push(Problem::new(
            "date",
            ("日付を入力してください。", "Enter the date."),
        )),
        None => out.push(Problem::new(
            "date",
            (
                "日付が読み取れません。例: 2026-04-01、令和8年4月1日",
                "The date cannot be read. Example: 2026-04-01",
            ),
        )),
        Some(date) if kind == Some(EventKind::Death) && date > today => out.push(Problem::new(
            "date",
            (
                "亡くなった日が今日より後になっています。",
                "The date of death is after today.",
            ),
        )),
        Some(_) => {}
    }
    out
}

/// The household step: every row complete, then the intake parser's own checks (which also
/// refuse anything shaped like a 個人番号), each problem placed at its input.
pub fn check_household(d: &Draft, set: &ProcedureSet) -> Result<Intake, Vec<Problem>> {
    let mut out = vec![];
    let kind = d.event_kind();
    let event_date = super::dates::parse_resident_date(&d.date);
    if kind == Some(EventKind::MoveIn)
        && !d.planned.trim().is_empty()
        && super::dates::parse_resident_date(&d.planned).is_none()
    {
        out.push(Problem::new(
            "planned",
            (
                "転出予定日が読み取れません。分からなければ空欄のままで構いません。",
                "The planned move-out date cannot be read; leave it empty if you do not know it.",
            ),
        ));
    }
    if kind == Some(EventKind::Death) && !d.funeral.trim().is_empty() {
        match super::dates::parse_resident_date(&d.funeral) {
            None => out.push(Problem::new(
                "funeral",
                (
                    "葬儀の日が読み取れません。分からなければ空欄のままで構いません。",
                    "The date of the funeral cannot be read; leave it empty if it is not known yet.",
                ),
            )),
            Some(f) if event_date.is_some_and(|e| f < e) => out.push(Problem::new(
                "funeral",
                (
                    "葬儀の日が亡くなった日より前になっています。",
                    "The funeral is before the date of death.",
                ),
            )),
            Some(_) => {}
        }
    }
    if d.members.is_empty() {
        out.push(Problem::new(
            "",
            (
                "世帯の方を1人以上入力してください。",
                "Enter at least one person.",
            ),
        ));
    }
    let mut heads = 0;
    for m in &d.members {
        if m.family.trim().is_empty() && m.given.trim().is_empty() {
            out.push(Problem::new(
                m.field("family"),
                ("氏名を入力してください。", "Enter the name."),
            ));
        }
        match super::dates::parse_resident_date(&m.birth) {
            None if m.birth.trim().is_empty() => out.push(Problem::new(
                m.field("birth"),
                ("生年月日を入力してください。", "Enter the date of birth."),
            )),
            None => out.push(Problem::new(
                m.field("birth"),
                (
                    "生年月日が読み取れません。例: 1980-01-01、昭和55年1月1日",
                    "The date of birth cannot be read. Example: 1980-01-01",
                ),
            )),
            Some(b) if event_date.is_some_and(|e| b > e) => out.push(Problem::new(
                m.field("birth"),
                (
                    "生年月日が届出の日より後になっています。",
                    "The date of birth is after the date of the event.",
                ),
            )),
            Some(_) => {}
        }
        if m.relation.is_empty() {
            out.push(Problem::new(
                m.field("relation"),
                (
                    "世帯主との続柄を選んでください。",
                    "Choose the relation to the head of household.",
                ),
            ));
        } else if m.relation == "head" {
            heads += 1;
            if heads == 2 {
                out.push(Problem::new(
                    m.field("relation"),
                    (
                        "世帯主は1人だけ選んでください。",
                        "Only one person can be the head of household.",
                    ),
                ));
            }
        }
        let nat = m.nationality();
        if nat.len() != 2 || !nat.bytes().all(|b| b.is_ascii_uppercase()) {
            out.push(Problem::new(
                m.field(if m.nat == "other" { "nat_other" } else { "nat" }),
                (
                    "国籍を選ぶか、2文字の国コード (例: FR) を入力してください。",
                    "Choose the nationality, or enter its two-letter code (e.g. FR).",
                ),
            ));
        }
    }
    if kind == Some(EventKind::Death) && d.member(&d.deceased).is_none() {
        out.push(Problem::new(
            "deceased",
            (
                "亡くなった方を選んでください。",
                "Choose the person who died.",
            ),
        ));
    }
    if kind.is_some_and(|k| k.is_move())
        && !d.members.is_empty()
        && d.members.iter().all(|m| m.moving == "no")
    {
        out.push(Problem::new(
            d.members[0].field("moving"),
            (
                "引っ越す方を1人以上選んでください。",
                "Choose at least one person who moves.",
            ),
        ));
    }
    if !out.is_empty() {
        return Err(out);
    }
    let value = d.intake_json(&set.vocabulary);
    parse_intake_value(&value, &set.vocabulary).map_err(|e| {
        let field = field_of_path(d, &e.path);
        let text = if e.message.contains("individual number") {
            (
                "個人番号 (マイナンバー) は入力しないでください。このページでは受け付けません。"
                    .to_string(),
                "Do not enter the individual number (My Number): this page never accepts it."
                    .to_string(),
            )
        } else {
            (
                format!("入力内容を確認してください ({e})"),
                format!("Please check this entry ({e})"),
            )
        };
        vec![Problem {
            field,
            ja: text.0,
            en: text.1,
        }]
    })
}

/// The input a JSON path of the intake refers to.
fn field_of_path(d: &Draft, path: &str) -> String {
    if let Some(rest) = path.strip_prefix("household.members[") {
        let (i, tail) = rest.split_once(']').unwrap_or((rest, ""));
        if let Some(m) = i.parse::<usize>().ok().and_then(|i| d.members.get(i)) {
            let f = match tail.trim_start_matches('.') {
                t if t.starts_with("kana") => "family_kana",
                t if t.starts_with("birth_date") => "birth",
                t if t.starts_with("nationality") => "nat",
                t if t.starts_with("relation") => "relation",
                t if t.starts_with("sex") => "sex",
                _ => "family",
            };
            return m.field(f);
        }
    }
    match path {
        "event.date" => "date".into(),
        "event.planned_move_out_date" => "planned".into(),
        "event.funeral_date" => "funeral".into(),
        "event.previous_address" => "prev_addr".into(),
        "event.new_address" | "household.address" => "new_addr".into(),
        "event.deceased" => "deceased".into(),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::web::draft::parse_form;

    fn set() -> ProcedureSet {
        crate::rules::load_embedded(None).unwrap().0
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 4, 6).unwrap()
    }

    fn post(pairs: &[(&str, &str)]) -> Submission {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        parse_form(body.as_bytes())
    }

    #[test]
    fn event_problems_then_household() {
        let s = set();
        let v = advance(post(&[("step", "event"), ("go", "next")]), &s, today());
        assert_eq!(v.step, Step::Event);
        let fields: Vec<&str> = v.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["kind", "date"]);
        let v = advance(
            post(&[
                ("step", "event"),
                ("go", "next"),
                ("kind", "move_in"),
                ("date", "R8.4.1"),
            ]),
            &s,
            today(),
        );
        assert_eq!(v.step, Step::Household);
        assert_eq!(v.draft.members.len(), 1, "one empty row to start with");
    }

    fn family_move_in() -> Vec<(&'static str, &'static str)> {
        vec![
            ("step", "household"),
            ("go", "next"),
            ("kind", "move_in"),
            ("date", "2026-04-01"),
            ("members", "1,2,3"),
            ("m1.family", "山田"),
            ("m1.given", "太郎"),
            ("m1.birth", "1980-01-01"),
            ("m1.sex", "male"),
            ("m1.relation", "head"),
            ("m1.nat", "JP"),
            ("m1.moving", "yes"),
            ("m2.family", "山田"),
            ("m2.given", "花子"),
            ("m2.birth", "1982-05-05"),
            ("m2.sex", "female"),
            ("m2.relation", "spouse"),
            ("m2.nat", "JP"),
            ("m2.moving", "yes"),
            ("m3.family", "山田"),
            ("m3.given", "一郎"),
            ("m3.birth", "2019-04-01"),
            ("m3.sex", "male"),
            ("m3.relation", "child"),
            ("m3.nat", "JP"),
            ("m3.moving", "yes"),
        ]
    }

    /// The form the browser posts from a questions page: its hidden state, the questions it
    /// showed, and the given answers (`q.KEY` → value).
    fn questions_post(v: &View, go: &str, answers: &[(String, String)]) -> Submission {
        let mut pairs: Vec<(String, String)> = vec![
            ("step".into(), "questions".into()),
            ("go".into(), go.into()),
        ];
        if let Some(sc) = &v.screen {
            pairs.push(("at".into(), sc.key.clone()));
        }
        let mut h = crate::web::html::Html::default();
        v.draft.write_hidden(&mut h, Step::Questions);
        pairs.extend(hidden_pairs(&h.s));
        for q in &v.open {
            let key = question_key(q.member.as_deref(), &q.fact);
            pairs.push(("shown".into(), key.clone()));
            // What the page shows checked is posted again, as a browser does.
            let name = format!("q.{key}");
            if answers.iter().any(|(k, _)| *k == name) {
                continue;
            }
            if let Some(a) = v.draft.answers.get(&key) {
                if a.is_empty() {
                    pairs.push((name.clone(), "__none".into()));
                }
                for part in a.split(',').filter(|p| !p.is_empty()) {
                    pairs.push((name.clone(), part.into()));
                }
            } else if v.draft.skipped.contains(&key) {
                pairs.push((name, "skip".into()));
            }
        }
        pairs.extend(answers.iter().cloned());
        let refs: Vec<(&str, &str)> = pairs
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        post(&refs)
    }

    fn keys(v: &View) -> Vec<String> {
        v.open
            .iter()
            .map(|q| question_key(q.member.as_deref(), &q.fact))
            .collect()
    }

    #[test]
    fn one_screen_at_a_time_in_the_sets_order_until_the_result() {
        let s = set();
        let order = |key: &str| s.screens.iter().position(|x| x.key == key).unwrap();
        let mut v = advance(post(&family_move_in()), &s, today());
        assert_eq!(v.step, Step::Questions, "{:?}", v.problems);
        let mut seen: Vec<String> = vec![];
        while v.step == Step::Questions {
            assert!(seen.len() < 20, "questions never end");
            let screen = v.screen.clone().expect("a questions page shows one screen");
            assert!(!v.open.is_empty());
            for q in &v.open {
                assert_eq!(q.screen, screen.key, "{q:?} on the {} page", screen.key);
            }
            if let Some(last) = seen.last() {
                assert!(
                    order(last) < order(&screen.key),
                    "{seen:?} then {}",
                    screen.key
                );
            }
            seen.push(screen.key.clone());
            // Answer nothing: every shown question goes to the counter, none comes back.
            v = advance(questions_post(&v, "next", &[]), &s, today());
        }
        assert!(
            seen.len() >= 2,
            "a family moving in meets several screens: {seen:?}"
        );
        assert_eq!(v.step, Step::Result);
        let det = v.det.unwrap();
        assert!(!det.procedures.is_empty());
        assert!(!det.pending.is_empty(), "skipped questions stay pending");
    }

    #[test]
    fn answers_are_typed_and_change_the_determination() {
        let s = set();
        let v = advance(post(&family_move_in()), &s, today());
        assert_eq!(v.screen.as_ref().unwrap().key, "insurance");
        let key = "m1.health_insurance".to_string();
        assert!(keys(&v).contains(&key), "{:?}", keys(&v));
        let v = advance(
            questions_post(&v, "next", &[(format!("q.{key}"), "employee".into())]),
            &s,
            today(),
        );
        assert_eq!(
            v.draft.answers.get(&key).map(String::as_str),
            Some("employee")
        );
        let det = v.det.unwrap();
        assert!(
            det.procedures
                .iter()
                .all(|p| !(p.id == "nhi.enroll" && p.members.contains(&"m1".to_string()))),
            "an employee is not enrolled in NHI"
        );
        assert!(det
            .excluded
            .iter()
            .any(|e| e.id == "nhi.enroll" && e.members.contains(&"m1".to_string())));
    }

    #[test]
    fn back_shows_the_previous_screen_with_its_answers_and_keeps_this_ones() {
        let s = set();
        let v = advance(post(&family_move_in()), &s, today());
        let first = v.screen.clone().unwrap().key;
        let v = advance(
            questions_post(
                &v,
                "next",
                &[("q.m1.health_insurance".into(), "nhi".into())],
            ),
            &s,
            today(),
        );
        assert_eq!(v.step, Step::Questions);
        let second = v.screen.clone().unwrap().key;
        assert_ne!(first, second);
        let some = keys(&v)[0].clone();
        let answer = match s.vocabulary.get(
            if some.starts_with("household.") {
                FactScope::Household
            } else {
                FactScope::Member
            },
            split_key(&some).unwrap().1,
        ) {
            Some(FactType::Count) => "2",
            Some(FactType::Code(values) | FactType::CodeSet(values)) => values[0].as_str(),
            _ => "yes",
        }
        .to_string();
        let back = advance(
            questions_post(&v, "back", &[(format!("q.{some}"), answer.clone())]),
            &s,
            today(),
        );
        assert_eq!(back.step, Step::Questions);
        assert_eq!(
            back.screen.as_ref().unwrap().key,
            first,
            "back to the first screen"
        );
        assert!(
            keys(&back).contains(&"m1.health_insurance".to_string()),
            "shown with its answer"
        );
        assert_eq!(
            back.draft
                .answers
                .get("m1.health_insurance")
                .map(String::as_str),
            Some("nhi")
        );
        assert_eq!(
            back.draft.answers.get(&some),
            Some(&answer),
            "what was given on the later page is kept"
        );
        // Back from the first screen: the household.
        let home = advance(questions_post(&back, "back", &[]), &s, today());
        assert_eq!(home.step, Step::Household);
    }

    /// A 76-year-old moving in alone: 後期高齢者医療 加入 hangs on whether the previous
    /// address is in another prefecture (Edition 2), read from the address when it can be.
    fn elderly_move_in(prev: &str) -> Vec<(&str, &str)> {
        vec![
            ("step", "household"),
            ("go", "next"),
            ("kind", "move_in"),
            ("date", "2026-04-01"),
            ("prev_addr", prev),
            ("new_addr", "まどぐち市本町１丁目２番３号"),
            ("members", "1"),
            ("m1.family", "佐藤"),
            ("m1.given", "ハル"),
            ("m1.birth", "昭和24年5月5日"),
            ("m1.sex", "female"),
            ("m1.relation", "head"),
            ("m1.nat", "JP"),
            ("m1.moving", "yes"),
        ]
    }

    /// Goes through the question pages answering only `given` (key, value); the rest goes
    /// to the counter. Returns every question asked.
    fn walk(mut v: View, s: &ProcedureSet, given: &[(&str, &str)]) -> (Vec<String>, View) {
        let mut asked = vec![];
        while v.step == Step::Questions {
            assert!(asked.len() < 100);
            let shown = keys(&v);
            let answers: Vec<(String, String)> = given
                .iter()
                .filter(|(k, _)| shown.iter().any(|x| x == k))
                .map(|(k, a)| (format!("q.{k}"), a.to_string()))
                .collect();
            asked.extend(shown);
            v = advance(questions_post(&v, "next", &answers), s, today());
        }
        (asked, v)
    }

    #[test]
    fn the_previous_prefecture_is_read_from_the_address_and_asked_only_when_it_cannot_be() {
        let s = set();
        let applies = |v: &View| {
            v.det
                .as_ref()
                .unwrap()
                .procedures
                .iter()
                .any(|p| p.id == "late_elderly.enroll")
        };
        let no_assistance = ("household.public_assistance", "no");
        // Another prefecture, written out: nothing to ask, 加入 applies.
        let start = |prev: &str| advance(post(&elderly_move_in(prev)), &s, today());
        let (asked, v) = walk(
            start("北海道北見市北五条東２丁目１番地"),
            &s,
            &[no_assistance],
        );
        assert!(
            !asked.iter().any(|k| k == "household.from_other_prefecture"),
            "{asked:?}"
        );
        assert!(applies(&v));
        // The same prefecture: an address change of the same 広域連合, not a 加入.
        let (asked, v) = walk(
            start("山形県山形市旅篭町２丁目３番２５号"),
            &s,
            &[no_assistance],
        );
        assert!(
            !asked.iter().any(|k| k == "household.from_other_prefecture"),
            "{asked:?}"
        );
        assert!(!applies(&v));
        // A town without its prefecture: the page asks, and the answer decides.
        let (asked, v) = walk(
            start("北見市北五条東２丁目１番地"),
            &s,
            &[no_assistance, ("household.from_other_prefecture", "yes")],
        );
        assert!(
            asked.iter().any(|k| k == "household.from_other_prefecture"),
            "{asked:?}"
        );
        assert!(applies(&v));
    }

    #[test]
    fn a_follow_up_appears_on_its_screen_with_the_question_it_follows() {
        let s = set();
        let mut pairs = family_move_in();
        pairs[2] = ("kind", "death");
        pairs.push(("deceased", "m1"));
        let mut v = advance(post(&pairs), &s, today());
        while v.step == Step::Questions && v.screen.as_ref().unwrap().key != "deceased" {
            v = advance(questions_post(&v, "next", &[]), &s, today());
        }
        assert_eq!(v.step, Step::Questions, "the deceased's screen is asked");
        assert!(keys(&v).contains(&"m1.owns_real_estate".to_string()));
        assert!(
            !keys(&v).contains(&"m1.owns_real_estate_in_city".to_string()),
            "not before it can matter"
        );
        let v = advance(
            questions_post(
                &v,
                "next",
                &[("q.m1.owns_real_estate".into(), "yes".into())],
            ),
            &s,
            today(),
        );
        assert_eq!(
            v.screen.as_ref().unwrap().key,
            "deceased",
            "the follow-up stays on its screen"
        );
        let k = keys(&v);
        let at = |key: &str| k.iter().position(|x| x == key);
        assert!(
            at("m1.owns_real_estate").is_some()
                && at("m1.owns_real_estate") < at("m1.owns_real_estate_in_city"),
            "{k:?}"
        );
        // Answered "no": the 相続登記 still applies (land elsewhere), the 固定資産税 one does not.
        let mut v = advance(
            questions_post(
                &v,
                "next",
                &[("q.m1.owns_real_estate_in_city".into(), "no".into())],
            ),
            &s,
            today(),
        );
        while v.step == Step::Questions {
            v = advance(questions_post(&v, "next", &[]), &s, today());
        }
        let det = v.det.unwrap();
        assert!(det
            .procedures
            .iter()
            .any(|p| p.id == "external.inheritance_registration"));
        assert!(det
            .procedures
            .iter()
            .all(|p| p.id != "tax.heir_representative"));
    }

    #[test]
    fn household_problems_point_at_their_inputs() {
        let s = set();
        let mut pairs = family_move_in();
        pairs.retain(|(k, _)| *k != "m2.birth" && *k != "m3.relation");
        pairs.push(("m2.birth", "2026-02-30"));
        let v = advance(post(&pairs), &s, today());
        assert_eq!(v.step, Step::Household);
        let fields: Vec<&str> = v.problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["m2.birth", "m3.relation"]);
    }

    #[test]
    fn an_individual_number_is_refused_at_its_input() {
        let s = set();
        let mut pairs = family_move_in();
        // A valid 個人番号 check digit: 1234 5678 9018.
        pairs.push(("new_addr", "123456789018"));
        let v = advance(post(&pairs), &s, today());
        assert_eq!(v.step, Step::Household);
        assert_eq!(v.problems[0].field, "new_addr");
        assert!(v.problems[0].ja.contains("個人番号"));
    }

    #[test]
    fn death_needs_the_deceased() {
        let s = set();
        let mut pairs = family_move_in();
        pairs[2] = ("kind", "death");
        let v = advance(post(&pairs), &s, today());
        assert_eq!(v.step, Step::Household);
        assert_eq!(v.problems[0].field, "deceased");
        pairs.push(("deceased", "m1"));
        let v = advance(post(&pairs), &s, today());
        assert_ne!(v.step, Step::Household, "{:?}", v.problems);
    }

    #[test]
    fn a_question_opened_on_an_earlier_screen_is_asked_there_next() {
        // A set whose follow-up sits on an earlier screen than the question it follows: as at
        // the counter, the next page is the first screen with an open question.
        let files: Vec<crate::rules::SourceFile> = crate::rules::loader::embedded_files()
            .into_iter()
            .map(|mut f| {
                if f.path == "facts.toml" {
                    let from = "asked_when = 'member.owns_real_estate'\nscreen = \"deceased\"";
                    assert!(f.text.contains(from));
                    f.text = f.text.replace(
                        from,
                        "asked_when = 'member.owns_real_estate'\nscreen = \"insurance\"",
                    );
                }
                f
            })
            .collect();
        let s = crate::rules::load_files(&files, None).unwrap().0;
        let mut pairs = family_move_in();
        pairs[2] = ("kind", "death");
        pairs.push(("deceased", "m1"));
        let mut v = advance(post(&pairs), &s, today());
        while v.step == Step::Questions && v.screen.as_ref().unwrap().key != "deceased" {
            v = advance(questions_post(&v, "next", &[]), &s, today());
        }
        assert_eq!(v.step, Step::Questions);
        let v = advance(
            questions_post(
                &v,
                "next",
                &[("q.m1.owns_real_estate".into(), "yes".into())],
            ),
            &s,
            today(),
        );
        assert_eq!(v.screen.as_ref().unwrap().key, "insurance");
        let open = open_questions(v.det.as_ref().unwrap(), &v.draft, &s.vocabulary);
        let open: Vec<String> = open
            .iter()
            .filter(|q| q.screen == "insurance")
            .map(|q| question_key(q.member.as_deref(), &q.fact))
            .collect();
        assert_eq!(open, ["m1.owns_real_estate_in_city"]);
        // The screen's earlier questions come with it, as they were left (to the counter).
        assert!(keys(&v).contains(&"m1.owns_real_estate_in_city".to_string()));
        assert!(keys(&v)
            .iter()
            .all(|k| open.contains(k) || v.draft.skipped.contains(k)));
    }

    #[test]
    fn the_funeral_date_is_optional_and_checked_against_the_death() {
        let s = set();
        let mut pairs = family_move_in();
        pairs[2] = ("kind", "death");
        pairs.push(("deceased", "m1"));
        pairs.push(("funeral", "2026/3/30"));
        let v = advance(post(&pairs), &s, today());
        assert_eq!(v.step, Step::Household);
        assert_eq!(v.problems[0].field, "funeral");
        assert!(v.problems[0].ja.contains("亡くなった日より前"));
        pairs.pop();
        pairs.push(("funeral", "令和8年4月4日"));
        let v = advance(post(&pairs), &s, today());
        assert_ne!(v.step, Step::Household, "{:?}", v.problems);
        let intake = v.intake.unwrap();
        assert_eq!(
            intake.event.funeral_date,
            NaiveDate::from_ymd_opt(2026, 4, 4)
        );
    }

    #[test]
    fn removing_a_member_forgets_what_was_said_about_them() {
        let s = set();
        let mut pairs = family_move_in();
        pairs[0] = ("step", "household");
        pairs[1] = ("go", "remove:m2");
        pairs.push(("a.m2.pregnant", "yes"));
        let v = advance(post(&pairs), &s, today());
        assert_eq!(v.step, Step::Household);
        assert!(v.draft.member("m2").is_none());
        assert!(v.draft.answers.is_empty());
    }

    fn hidden_pairs(html: &str) -> Vec<(String, String)> {
        let unesc = |s: &str| {
            s.replace("&lt;", "<")
                .replace("&gt;", ">")
                .replace("&quot;", "\"")
                .replace("&#39;", "'")
                .replace("&amp;", "&")
        };
        html.split("<input type=\"hidden\" ")
            .skip(1)
            .map(|part| {
                let name = part
                    .split("name=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                let value = part
                    .split("value=\"")
                    .nth(1)
                    .unwrap()
                    .split('"')
                    .next()
                    .unwrap();
                (unesc(name), unesc(value))
            })
            .collect()
    }
}
