//! The page's state, carried in the form itself: every step posts back everything entered so
//! far (the current step's inputs visibly, the others as hidden inputs), so the server keeps
//! nothing between requests. [`Draft`] is that state; [`parse_form`] reads it from a posted
//! `application/x-www-form-urlencoded` body and [`Draft::write_hidden`] writes it back.
//!
//! Field names:
//!
//! | name | meaning |
//! |---|---|
//! | `lang` | `ja` · `en` |
//! | `step` | the step the posted page showed; `go` the button pressed |
//! | `kind`, `date` | the event |
//! | `prev_addr`, `new_addr`, `planned`, `funeral` | addresses, 転出予定日, 葬儀の日 (death) |
//! | `members` | the member rows, e.g. `1,2,4` (ids `m1`, `m2`, `m4`) |
//! | `m1.family`, `m1.given`, `m1.family_kana`, `m1.given_kana`, `m1.birth`, `m1.sex`, `m1.relation`, `m1.nat`, `m1.nat_other`, `m1.moving` | a member |
//! | `deceased` | death: the member who died (`m2`) |
//! | `a.m1.pregnant`, `a.household.dogs` | answers so far (`yes`/`no`, a count, a code, codes joined by `,`) |
//! | `skip` | a question the resident left to the counter (`m1.pregnant`) |
//! | `shown`, `q.KEY` | the questions the posted page asked, and the inputs answering them |
//! | `at` | the checklist screen the posted questions page showed (`insurance`, …) |

use super::html::Html;
use crate::intake::{EventKind, FactScope, FactType, Vocabulary};
use crate::rules::Lang;
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, BTreeSet};

/// The most member rows the page offers (a larger household goes to the counter).
pub const MAX_MEMBERS: usize = 20;
/// Longest value kept from one field, in characters.
const MAX_FIELD_CHARS: usize = 400;
/// Most answers / skips / shown questions kept.
const MAX_KEYS: usize = 2_000;

/// The steps of the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    Event,
    Household,
    Questions,
    Result,
}

impl Step {
    pub fn as_str(self) -> &'static str {
        match self {
            Step::Event => "event",
            Step::Household => "household",
            Step::Questions => "questions",
            Step::Result => "result",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "event" => Step::Event,
            "household" => Step::Household,
            "questions" => Step::Questions,
            "result" => Step::Result,
            _ => return None,
        })
    }
}

/// One member row, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberDraft {
    /// The row's number: the member id is `m{n}`. Stable when rows are removed.
    pub n: u32,
    pub family: String,
    pub given: String,
    pub family_kana: String,
    pub given_kana: String,
    pub birth: String,
    /// `male` · `female` · empty (not answered).
    pub sex: String,
    /// A relation code, or empty.
    pub relation: String,
    /// A country code from the list, or `other` (then `nat_other` holds the code).
    pub nat: String,
    pub nat_other: String,
    /// `yes` · `no`: part of the move.
    pub moving: String,
}

impl MemberDraft {
    pub fn new(n: u32) -> Self {
        MemberDraft {
            n,
            family: String::new(),
            given: String::new(),
            family_kana: String::new(),
            given_kana: String::new(),
            birth: String::new(),
            sex: String::new(),
            relation: if n == 1 { "head".into() } else { String::new() },
            nat: "JP".into(),
            nat_other: String::new(),
            moving: "yes".into(),
        }
    }

    pub fn id(&self) -> String {
        format!("m{}", self.n)
    }

    /// The input name of one of this member's fields.
    pub fn field(&self, f: &str) -> String {
        format!("m{}.{f}", self.n)
    }

    /// 氏名 as the intake holds it: family and given name with an ideographic space.
    pub fn name(&self) -> String {
        join_name(&self.family, &self.given)
    }

    pub fn kana(&self) -> String {
        join_name(
            &super::dates::to_katakana(&self.family_kana),
            &super::dates::to_katakana(&self.given_kana),
        )
    }

    /// The nationality code (ISO 3166-1 alpha-2, upper case) as chosen.
    pub fn nationality(&self) -> String {
        let code = if self.nat == "other" {
            self.nat_other.trim()
        } else {
            self.nat.trim()
        };
        code.chars()
            .map(|c| match c {
                'ａ'..='ｚ' | 'Ａ'..='Ｚ' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                _ => c,
            })
            .collect::<String>()
            .to_ascii_uppercase()
    }

    fn set(&mut self, field: &str, v: String) {
        match field {
            "family" => self.family = v,
            "given" => self.given = v,
            "family_kana" => self.family_kana = v,
            "given_kana" => self.given_kana = v,
            "birth" => self.birth = v,
            "sex" => self.sex = v,
            "relation" => self.relation = v,
            "nat" => self.nat = v,
            "nat_other" => self.nat_other = v,
            "moving" => self.moving = v,
            _ => {}
        }
    }

    fn fields(&self) -> [(&'static str, &str); 10] {
        [
            ("family", &self.family),
            ("given", &self.given),
            ("family_kana", &self.family_kana),
            ("given_kana", &self.given_kana),
            ("birth", &self.birth),
            ("sex", &self.sex),
            ("relation", &self.relation),
            ("nat", &self.nat),
            ("nat_other", &self.nat_other),
            ("moving", &self.moving),
        ]
    }
}

fn join_name(family: &str, given: &str) -> String {
    let (f, g) = (family.trim(), given.trim());
    match (f.is_empty(), g.is_empty()) {
        (_, true) => f.to_string(),
        (true, false) => g.to_string(),
        (false, false) => format!("{f}\u{3000}{g}"),
    }
}

/// Everything the resident entered so far.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Draft {
    pub lang: Lang,
    pub kind: String,
    pub date: String,
    pub planned: String,
    /// Death: the day of the funeral (葬祭費・埋葬料 run from the day after), if known.
    pub funeral: String,
    pub prev_addr: String,
    pub new_addr: String,
    pub members: Vec<MemberDraft>,
    pub deceased: String,
    /// Question key (`m1.pregnant`, `household.dogs`) → encoded answer.
    pub answers: BTreeMap<String, String>,
    /// Questions left to the counter.
    pub skipped: BTreeSet<String>,
}

/// A posted form: the state, and what the resident asked for.
#[derive(Clone, Debug, Default)]
pub struct Submission {
    pub draft: Draft,
    pub step: Option<Step>,
    pub go: String,
    /// The questions the posted page showed (their keys).
    pub shown: Vec<String>,
    /// The inputs answering them: key → values (several for a set of codes).
    pub q: BTreeMap<String, Vec<String>>,
    /// The checklist screen the posted questions page showed.
    pub at: Option<String>,
}

/// The key of a question: `m1.pregnant`, or `household.dogs` for a household fact.
pub fn question_key(member: Option<&str>, fact: &str) -> String {
    format!("{}.{fact}", member.unwrap_or("household"))
}

/// Splits a question key into (member id or `None` for the household, fact).
pub fn split_key(key: &str) -> Option<(Option<&str>, &str)> {
    let (who, fact) = key.split_once('.')?;
    Some((if who == "household" { None } else { Some(who) }, fact))
}

fn clip(s: &str) -> String {
    s.chars().take(MAX_FIELD_CHARS).collect()
}

/// Reads a posted form. Unknown names are ignored (a newer page, a browser extension); values
/// are clipped; nothing here fails: validation is the flow's job.
pub fn parse_form(body: &[u8]) -> Submission {
    let mut sub = Submission::default();
    let mut rows: Option<Vec<u32>> = None;
    let mut fields: BTreeMap<u32, Vec<(String, String)>> = BTreeMap::new();
    for (k, v) in form_urlencoded::parse(body) {
        let v = clip(&v);
        let d = &mut sub.draft;
        match k.as_ref() {
            "lang" => d.lang = if v == "en" { Lang::En } else { Lang::Ja },
            "step" => sub.step = Step::parse(&v),
            "go" => sub.go = v,
            "at" => sub.at = Some(v),
            "kind" => d.kind = v,
            "date" => d.date = v,
            "planned" => d.planned = v,
            "funeral" => d.funeral = v,
            "prev_addr" => d.prev_addr = v,
            "new_addr" => d.new_addr = v,
            "deceased" => d.deceased = v,
            "members" => {
                let mut list: Vec<u32> = vec![];
                for n in v.split(',').filter_map(|x| x.trim().parse::<u32>().ok()) {
                    if (1..=999).contains(&n) && !list.contains(&n) && list.len() < MAX_MEMBERS {
                        list.push(n);
                    }
                }
                rows = Some(list);
            }
            "skip" if d.skipped.len() < MAX_KEYS => {
                d.skipped.insert(v);
            }
            "shown" if sub.shown.len() < MAX_KEYS => sub.shown.push(v),
            name => {
                if let Some(key) = name.strip_prefix("a.") {
                    if d.answers.len() < MAX_KEYS {
                        d.answers.insert(key.to_string(), v);
                    }
                } else if let Some(key) = name.strip_prefix("q.") {
                    if sub.q.len() < MAX_KEYS {
                        sub.q.entry(key.to_string()).or_default().push(v);
                    }
                } else if let Some((n, f)) = name
                    .strip_prefix('m')
                    .and_then(|r| r.split_once('.'))
                    .and_then(|(n, f)| Some((n.parse::<u32>().ok()?, f)))
                {
                    if fields.len() < MAX_MEMBERS * 2 || fields.contains_key(&n) {
                        fields.entry(n).or_default().push((f.to_string(), v));
                    }
                }
            }
        }
    }
    for n in rows.unwrap_or_default() {
        let mut m = MemberDraft::new(n);
        for (f, v) in fields.remove(&n).unwrap_or_default() {
            m.set(&f, v);
        }
        sub.draft.members.push(m);
    }
    sub
}

impl Draft {
    /// A member row by id (`m2`).
    pub fn member(&self, id: &str) -> Option<&MemberDraft> {
        self.members.iter().find(|m| m.id() == id)
    }

    pub fn event_kind(&self) -> Option<EventKind> {
        EventKind::parse(&self.kind)
    }

    /// Adds an empty member row; `false` when the page's limit is reached.
    pub fn add_member(&mut self) -> bool {
        if self.members.len() >= MAX_MEMBERS {
            return false;
        }
        let n = self.members.iter().map(|m| m.n).max().unwrap_or(0) + 1;
        self.members.push(MemberDraft::new(n));
        true
    }

    /// Removes a member row and everything said about that member.
    pub fn remove_member(&mut self, id: &str) {
        self.members.retain(|m| m.id() != id);
        let prefix = format!("{id}.");
        self.answers.retain(|k, _| !k.starts_with(&prefix));
        self.skipped.retain(|k| !k.starts_with(&prefix));
        if self.deceased == id {
            self.deceased.clear();
        }
    }

    /// Writes the state as hidden inputs, except the fields the `visible` step shows.
    pub fn write_hidden(&self, h: &mut Html, visible: Step) {
        h.hidden("lang", lang_code(self.lang));
        if visible != Step::Event {
            h.hidden("kind", &self.kind).hidden("date", &self.date);
        }
        let list: Vec<String> = self.members.iter().map(|m| m.n.to_string()).collect();
        h.hidden("members", &list.join(","));
        if visible != Step::Household {
            h.hidden("planned", &self.planned)
                .hidden("funeral", &self.funeral)
                .hidden("prev_addr", &self.prev_addr)
                .hidden("new_addr", &self.new_addr)
                .hidden("deceased", &self.deceased);
            for m in &self.members {
                for (f, v) in m.fields() {
                    h.hidden(&m.field(f), v);
                }
            }
        }
        for (k, v) in &self.answers {
            h.hidden(&format!("a.{k}"), v);
        }
        for k in &self.skipped {
            h.hidden("skip", k);
        }
    }

    /// The intake document this draft describes (to be checked by the intake parser, which
    /// names any remaining problem by its JSON path). Dates are normalized where they can be
    /// read and passed on as typed where they cannot, so the parser reports them.
    pub fn intake_json(&self, vocab: &Vocabulary) -> Value {
        let kind = self.event_kind();
        let date = |s: &str| {
            super::dates::parse_resident_date(s)
                .map_or_else(|| s.trim().to_string(), |d| d.to_string())
        };
        let mut event = Map::new();
        event.insert("kind".into(), json!(self.kind));
        event.insert("date".into(), json!(date(&self.date)));
        let opt = |event: &mut Map<String, Value>, k: &str, v: &str| {
            if !v.trim().is_empty() {
                event.insert(k.into(), json!(v.trim()));
            }
        };
        if kind == Some(EventKind::MoveIn) {
            opt(&mut event, "planned_move_out_date", &date(&self.planned));
        }
        if kind.is_some_and(|k| k.is_move()) {
            opt(&mut event, "previous_address", &self.prev_addr);
            opt(&mut event, "new_address", &self.new_addr);
        }
        if kind == Some(EventKind::Death) {
            opt(&mut event, "deceased", &self.deceased);
            opt(&mut event, "funeral_date", &date(&self.funeral));
        }
        let mut members = vec![];
        for m in &self.members {
            let mut o = Map::new();
            o.insert("id".into(), json!(m.id()));
            o.insert("name".into(), json!(m.name()));
            let kana = m.kana();
            if !kana.is_empty() {
                o.insert("kana".into(), json!(kana));
            }
            o.insert("birth_date".into(), json!(date(&m.birth)));
            if !m.sex.is_empty() {
                o.insert("sex".into(), json!(m.sex));
            }
            if !m.relation.is_empty() {
                o.insert("relation".into(), json!(m.relation));
            }
            o.insert("nationality".into(), json!(m.nationality()));
            if kind.is_some_and(|k| k.is_move()) {
                o.insert("moving".into(), json!(m.moving != "no"));
            }
            o.insert(
                "facts".into(),
                Value::Object(self.facts_of(Some(&m.id()), vocab)),
            );
            members.push(Value::Object(o));
        }
        let mut household = Map::new();
        if let Some(head) = self.members.iter().find(|m| m.relation == "head") {
            household.insert("head".into(), json!(head.id()));
        }
        let address = match kind {
            Some(EventKind::MoveOut | EventKind::MoveOutAbroad) => &self.prev_addr,
            _ => &self.new_addr,
        };
        if !address.trim().is_empty() {
            household.insert("address".into(), json!(address.trim()));
        }
        household.insert("members".into(), Value::Array(members));
        household.insert("facts".into(), Value::Object(self.facts_of(None, vocab)));
        json!({
            "format": crate::intake::FORMAT,
            "event": Value::Object(event),
            "household": Value::Object(household),
        })
    }

    /// The answered facts of a member (or of the household), typed by the vocabulary.
    fn facts_of(&self, member: Option<&str>, vocab: &Vocabulary) -> Map<String, Value> {
        let scope = if member.is_some() {
            FactScope::Member
        } else {
            FactScope::Household
        };
        let mut out = Map::new();
        for (key, v) in &self.answers {
            let Some((who, fact)) = split_key(key) else {
                continue;
            };
            if who != member {
                continue;
            }
            if let Some(value) = vocab.get(scope, fact).and_then(|t| answer_value(t, v)) {
                out.insert(fact.to_string(), value);
            }
        }
        out
    }
}

pub fn lang_code(l: Lang) -> &'static str {
    match l {
        Lang::Ja => "ja",
        Lang::En => "en",
    }
}

/// An encoded answer as the intake's JSON value for a fact of type `t`; `None` if it does
/// not fit the type (a tampered form, or a set that changed under a half-filled page).
pub fn answer_value(t: &FactType, v: &str) -> Option<Value> {
    match t {
        FactType::Bool => match v {
            "yes" => Some(json!(true)),
            "no" => Some(json!(false)),
            _ => None,
        },
        FactType::Count => {
            let n: u32 = v.trim().parse().ok()?;
            (n <= 999).then(|| json!(n))
        }
        FactType::Code(values) => values.iter().any(|c| c == v).then(|| json!(v)),
        FactType::CodeSet(values) => {
            let list: Vec<&str> = v.split(',').filter(|s| !s.is_empty()).collect();
            list.iter()
                .all(|c| values.iter().any(|x| x == c))
                .then(|| json!(list))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
        form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish()
            .into_bytes()
    }

    #[test]
    fn round_trip_through_hidden_inputs() {
        let body = form(&[
            ("lang", "en"),
            ("kind", "move_in"),
            ("date", "2026/4/1"),
            ("members", "1,3"),
            ("m1.family", "山田"),
            ("m1.given", "太郎"),
            ("m1.birth", "S55.1.1"),
            ("m1.relation", "head"),
            ("m3.family", "山田"),
            ("m3.given", "花子 & <b>"),
            ("m3.moving", "no"),
            ("a.m1.health_insurance", "nhi"),
            ("skip", "m3.pregnant"),
        ]);
        let d = parse_form(&body).draft;
        assert_eq!(d.members.len(), 2);
        assert_eq!(d.members[1].id(), "m3");
        let mut h = Html::default();
        d.write_hidden(&mut h, Step::Questions);
        // The hidden inputs, posted again, give the same draft.
        let mut again = vec![];
        let re = h.s.clone();
        for part in re.split("<input type=\"hidden\" ").skip(1) {
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
            let unesc = |s: &str| {
                s.replace("&lt;", "<")
                    .replace("&gt;", ">")
                    .replace("&quot;", "\"")
                    .replace("&#39;", "'")
                    .replace("&amp;", "&")
            };
            again.push((unesc(name), unesc(value)));
        }
        let pairs: Vec<(&str, &str)> = again
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(parse_form(&form(&pairs)).draft, d);
    }

    #[test]
    fn intake_json_types_answers_by_the_vocabulary() {
        let body = form(&[
            ("kind", "move_in"),
            ("date", "令和8年4月1日"),
            ("members", "1"),
            ("m1.family", "山田"),
            ("m1.given", "太郎"),
            ("m1.family_kana", "やまだ"),
            ("m1.birth", "19800101"),
            ("m1.relation", "head"),
            ("a.m1.health_insurance", "nhi"),
            ("a.m1.mynumber_card", "yes"),
            ("a.m1.disability_certificate", ""),
            ("a.m1.no_such_fact", "yes"),
            ("a.household.dogs", "2"),
        ]);
        let d = parse_form(&body).draft;
        let v = d.intake_json(&Vocabulary::core());
        let intake = crate::intake::parse_intake_value(&v, &Vocabulary::core()).unwrap();
        let m = &intake.household.members[0];
        assert_eq!(m.name, "山田\u{3000}太郎");
        assert_eq!(m.kana.as_deref(), Some("ヤマダ"));
        assert_eq!(m.birth_date.to_string(), "1980-01-01");
        assert_eq!(intake.event.date.to_string(), "2026-04-01");
        assert_eq!(m.facts.mynumber_card, Some(true));
        assert_eq!(m.facts.disability_certificate, Some(vec![]));
        assert_eq!(intake.household.facts.dogs, Some(2));
        assert_eq!(intake.household.head.as_deref(), Some("m1"));
    }

    #[test]
    fn limits_rows_and_clips_values() {
        let long = "あ".repeat(1000);
        let list: Vec<String> = (1..=50).map(|n| n.to_string()).collect();
        let body = form(&[("members", &list.join(",")), ("m1.family", &long)]);
        let d = parse_form(&body).draft;
        assert_eq!(d.members.len(), MAX_MEMBERS);
        assert_eq!(d.members[0].family.chars().count(), MAX_FIELD_CHARS);
    }
}
