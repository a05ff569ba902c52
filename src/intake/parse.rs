//! Parsing and validating an intake from JSON. Every error names its JSON path
//! (`household.members[2].birth_date: "2026-02-30" is not a date`); unknown keys are errors;
//! anything shaped like a 個人番号 is refused wherever it appears.

use super::individual_number::{contains_individual_number, is_individual_number_name};
use super::*;
use crate::calendar::parse_date;
use crate::text::{ellipsize, find_forbidden, quote, QUOTE_CHARS};
use serde_json::{Map, Value};

/// An intake that cannot be accepted: where, and why.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {message}")]
pub struct IntakeError {
    /// The JSON path, e.g. `household.members[2].birth_date` (`$` for the whole document).
    pub path: String,
    pub message: String,
}

impl IntakeError {
    pub fn new(path: impl Into<String>, message: impl Into<String>) -> Self {
        IntakeError {
            path: path.into(),
            message: message.into(),
        }
    }

    /// Whether the intake was refused because it holds (or names) a 個人番号.
    pub fn is_individual_number(&self) -> bool {
        self.message.starts_with(INDIVIDUAL_NUMBER_VALUE)
            || self.message.starts_with(INDIVIDUAL_NUMBER_KEY)
    }
}

fn err<T>(path: &str, message: impl Into<String>) -> Result<T, IntakeError> {
    Err(IntakeError::new(path, message))
}

/// The largest intake accepted, in bytes of JSON. A household's intake is a few kilobytes (a QR
/// set holds at most 64 KiB); this leaves room for generated test households while bounding
/// what a command reads from a file or stdin (`/dev/zero` is refused, not read forever).
pub const MAX_INTAKE_BYTES: usize = 8 * 1024 * 1024;

/// How deep JSON may nest (serde_json's own limit; an intake needs 5 levels).
const MAX_DEPTH: usize = 128;

/// Dates an intake may hold: from the day Japan's calendar became the Gregorian one
/// (明治6年1月1日 = 1873-01-01: before it, a Gregorian date has no correct 和暦 for the forms
/// to print, and no resident alive or recently deceased was born earlier), to the end of 2099.
pub const FIRST_DATE: (i32, u32, u32) = (1873, 1, 1);
pub const LAST_DATE: (i32, u32, u32) = (2099, 12, 31);

fn date_range() -> std::ops::RangeInclusive<NaiveDate> {
    let d = |(y, m, d): (i32, u32, u32)| NaiveDate::from_ymd_opt(y, m, d).expect("a valid date");
    d(FIRST_DATE)..=d(LAST_DATE)
}

/// Parses intake JSON text against a vocabulary (the core one, or a procedure set's).
pub fn parse_intake(text: &str, vocab: &Vocabulary) -> Result<Intake, IntakeError> {
    let value = parse_json_strict(text)?;
    parse_intake_value(&value, vocab)
}

/// Reads JSON text into a value strictly: at most [`MAX_INTAKE_BYTES`], and a key given twice
/// in one object is an error naming its path (serde_json would silently keep the last).
pub fn parse_json_strict(text: &str) -> Result<Value, IntakeError> {
    if text.len() > MAX_INTAKE_BYTES {
        return err(
            "$",
            format!(
                "the intake is {} bytes; at most {} MiB are accepted",
                text.len(),
                MAX_INTAKE_BYTES / (1024 * 1024)
            ),
        );
    }
    let duplicate = std::cell::RefCell::new(None);
    let mut de = serde_json::Deserializer::from_str(text);
    let parsed = serde::de::DeserializeSeed::deserialize(
        StrictValue {
            place: Place::Root,
            duplicate: &duplicate,
        },
        &mut de,
    )
    .and_then(|v| de.end().map(|_| v));
    parsed.map_err(|e| {
        if let Some(path) = duplicate.take() {
            return IntakeError::new(
                path,
                format!(
                    "this key is given twice in its object (line {}, column {}); each key may appear once",
                    e.line(),
                    e.column()
                ),
            );
        }
        let reason = json_reason(&e);
        let reason = if reason.contains("recursion limit") {
            format!("nested more than {MAX_DEPTH} levels deep")
        } else {
            reason
        };
        IntakeError::new(
            "$",
            format!(
                "not valid JSON (line {}, column {}): {reason}",
                e.line(),
                e.column()
            ),
        )
    })
}

/// Where a value stands in the document, built on the stack as the walk descends and turned
/// into text (`household.members[2].name`) only when an error needs it: paths of a 2 MB
/// document are never all written out.
#[derive(Clone, Copy)]
enum Place<'a> {
    Root,
    Key(&'a Place<'a>, &'a str),
    Index(&'a Place<'a>, usize),
}

impl Place<'_> {
    fn render(&self) -> String {
        match self {
            Place::Root => "$".to_string(),
            Place::Key(parent, key) => join(&parent.render(), key),
            Place::Index(parent, i) => format!("{}[{i}]", parent.render()),
        }
    }
}

/// A `serde_json::Value` that refuses duplicate keys, remembering the path of the first one.
struct StrictValue<'p> {
    place: Place<'p>,
    duplicate: &'p std::cell::RefCell<Option<String>>,
}

impl<'de> serde::de::DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for StrictValue<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        loop {
            let seed = StrictValue {
                place: Place::Index(&self.place, items.len()),
                duplicate: self.duplicate,
            };
            match seq.next_element_seed(seed)? {
                Some(v) => items.push(v),
                None => return Ok(Value::Array(items)),
            }
        }
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut out = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let place = Place::Key(&self.place, &key);
            if out.contains_key(&key) {
                *self.duplicate.borrow_mut() = Some(place.render());
                return Err(serde::de::Error::custom("duplicate key"));
            }
            let value = map.next_value_seed(StrictValue {
                place,
                duplicate: self.duplicate,
            })?;
            out.insert(key, value);
        }
        Ok(Value::Object(out))
    }
}

fn json_reason(e: &serde_json::Error) -> String {
    let s = e.to_string();
    match s.find(" at line ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

const INDIVIDUAL_NUMBER_VALUE: &str = super::individual_number::HOLDS_ONE;
const INDIVIDUAL_NUMBER_KEY: &str =
    "an individual number (個人番号) is never accepted in an intake";

/// Checks every key and text of the document before anything else: no 個人番号 (keys named
/// like one, values holding one, wherever they are) and no control or bidi characters.
fn scan_text(v: &Value, place: Place<'_>) -> Result<(), IntakeError> {
    match v {
        Value::Object(map) => {
            for (k, child) in map {
                let here = Place::Key(&place, k);
                if is_individual_number_name(k) || contains_individual_number(k) {
                    return err(&here.render(), INDIVIDUAL_NUMBER_KEY);
                }
                if let Some(f) = find_forbidden(k) {
                    return err(&here.render(), format!("the key's {f}"));
                }
                scan_text(child, here)?;
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                scan_text(child, Place::Index(&place, i))?;
            }
        }
        Value::String(s) => {
            if let Some(f) = find_forbidden(s) {
                return err(&place.render(), f.to_string());
            }
            if contains_individual_number(s) {
                return err(&place.render(), INDIVIDUAL_NUMBER_VALUE);
            }
        }
        Value::Number(n) if contains_individual_number(&n.to_string()) => {
            return err(&place.render(), INDIVIDUAL_NUMBER_VALUE);
        }
        _ => {}
    }
    Ok(())
}

/// How a path shows a key that holds a 個人番号.
const HIDDEN_KEY: &str = "(a key holding an individual number)";

/// `path.key`; a long key is cut, and a key that is not plain text is shown quoted and
/// escaped (`path["\u{1b}…"]`), so a path never drives the terminal either.
fn join(path: &str, key: &str) -> String {
    // The key itself is what is refused: a message (and any log it reaches) never repeats it.
    if contains_individual_number(key) {
        return format!("{path}[{HIDDEN_KEY}]");
    }
    let plain = !key.is_empty()
        && key
            .chars()
            .all(|c| find_forbidden_char(c).is_none() && !matches!(c, '.' | '[' | ']' | '"'));
    let seg = if plain {
        ellipsize(key, QUOTE_CHARS).into_owned()
    } else {
        format!("[{}]", quote(key))
    };
    if path == "$" || path.is_empty() {
        seg
    } else if plain {
        format!("{path}.{seg}")
    } else {
        format!("{path}{seg}")
    }
}

fn find_forbidden_char(c: char) -> Option<&'static str> {
    crate::text::forbidden_kind(c)
}

/// A value as a message shows it: strings quoted and cut, containers by their kind only.
fn describe(v: &Value) -> String {
    match v {
        Value::String(s) => quote(s),
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => ellipsize(&n.to_string(), QUOTE_CHARS).into_owned(),
        Value::Array(a) => format!("an array of {} item(s)", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

/// Walks one JSON object, handing out its fields and refusing unknown keys at the end.
struct Obj<'a> {
    map: &'a Map<String, Value>,
    path: String,
    seen: Vec<&'static str>,
}

impl<'a> Obj<'a> {
    fn new(v: &'a Value, path: &str) -> Result<Self, IntakeError> {
        match v {
            Value::Object(map) => Ok(Obj {
                map,
                path: path.to_string(),
                seen: vec![],
            }),
            other => err(
                path,
                format!("expected an object, found {}", describe(other)),
            ),
        }
    }

    fn path(&self, key: &str) -> String {
        join(&self.path, key)
    }

    /// The field, or `None` when absent or null.
    fn opt(&mut self, key: &'static str) -> Option<&'a Value> {
        self.seen.push(key);
        self.map.get(key).filter(|v| !v.is_null())
    }

    fn req(&mut self, key: &'static str) -> Result<&'a Value, IntakeError> {
        let p = self.path(key);
        self.opt(key).map_or_else(|| err(&p, "is required"), Ok)
    }

    fn opt_str(&mut self, key: &'static str) -> Result<Option<String>, IntakeError> {
        let p = self.path(key);
        match self.opt(key) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => err(&p, format!("expected a string, found {}", describe(other))),
        }
    }

    fn req_str(&mut self, key: &'static str) -> Result<String, IntakeError> {
        let p = self.path(key);
        match self.req(key)? {
            Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
            Value::String(_) => err(&p, "must not be empty"),
            other => err(&p, format!("expected a string, found {}", describe(other))),
        }
    }

    fn opt_date(&mut self, key: &'static str) -> Result<Option<NaiveDate>, IntakeError> {
        let p = self.path(key);
        self.opt(key).map(|v| date(v, &p)).transpose()
    }

    fn opt_bool(&mut self, key: &'static str) -> Result<Option<bool>, IntakeError> {
        let p = self.path(key);
        match self.opt(key) {
            None => Ok(None),
            Some(Value::Bool(b)) => Ok(Some(*b)),
            Some(other) => err(
                &p,
                format!("expected true or false, found {}", describe(other)),
            ),
        }
    }

    fn finish(self) -> Result<(), IntakeError> {
        for k in self.map.keys() {
            if !self.seen.contains(&k.as_str()) {
                let hint = closest(k, self.seen.iter().copied())
                    .map(|c| format!(" (did you mean `{c}`?)"))
                    .unwrap_or_default();
                return err(&join(&self.path, k), format!("unknown key{hint}"));
            }
        }
        Ok(())
    }
}

fn date(v: &Value, path: &str) -> Result<NaiveDate, IntakeError> {
    match v {
        Value::String(s) => match parse_date(s) {
            None => err(path, format!("{} is not a date (YYYY-MM-DD)", quote(s))),
            Some(d) if !date_range().contains(&d) => {
                let why = if d < *date_range().start() {
                    "Japan counted days in the lunisolar calendar until 明治5年, so an earlier Gregorian date has no 和暦"
                } else {
                    "a later date is taken for a typing mistake"
                };
                err(
                    path,
                    format!(
                        "{d} is outside the dates an intake may hold, {} to {} ({why})",
                        date_range().start(),
                        date_range().end()
                    ),
                )
            }
            Some(d) => Ok(d),
        },
        other => err(
            path,
            format!("expected a date (YYYY-MM-DD), found {}", describe(other)),
        ),
    }
}

fn code<T>(
    v: &Value,
    path: &str,
    parse: fn(&str) -> Option<T>,
    values: &[&str],
) -> Result<T, IntakeError> {
    match v {
        Value::String(s) => parse(s).map_or_else(
            || {
                err(
                    path,
                    format!("{} is not one of {}", quote(s), values.join(", ")),
                )
            },
            Ok,
        ),
        other => err(
            path,
            format!(
                "expected one of {}, found {}",
                values.join(", "),
                describe(other)
            ),
        ),
    }
}

/// A fact's value checked against its type.
fn fact_value(v: &Value, ty: &FactType, path: &str) -> Result<FactValue, IntakeError> {
    match (ty, v) {
        (FactType::Bool, Value::Bool(b)) => Ok(FactValue::Bool(*b)),
        (FactType::Count, Value::Number(n)) => match n.as_u64() {
            Some(n) if n <= u32::MAX as u64 => Ok(FactValue::Count(n as u32)),
            _ => err(path, format!("{n} is not an integer ≥ 0")),
        },
        (FactType::Code(values), Value::String(s)) => {
            if values.iter().any(|x| x == s) {
                Ok(FactValue::Code(s.clone()))
            } else {
                err(
                    path,
                    format!("{} is not one of {}", quote(s), values.join(", ")),
                )
            }
        }
        (FactType::CodeSet(values), Value::Array(items)) => {
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let p = format!("{path}[{i}]");
                match item {
                    Value::String(s) if values.iter().any(|x| x == s) => {
                        if out.contains(s) {
                            return err(&p, format!("{} is listed twice", quote(s)));
                        }
                        out.push(s.clone())
                    }
                    other => {
                        return err(
                            &p,
                            format!("{} is not one of {}", describe(other), values.join(", ")),
                        )
                    }
                }
            }
            Ok(FactValue::Codes(out))
        }
        (ty, other) => err(
            path,
            format!("expected {}, found {}", ty.describe(), describe(other)),
        ),
    }
}

fn facts_object<'a>(
    v: Option<&'a Value>,
    path: &str,
) -> Result<Vec<(&'a String, &'a Value, String)>, IntakeError> {
    match v {
        None => Ok(vec![]),
        Some(Value::Object(map)) => Ok(map
            .iter()
            .filter(|(_, v)| !v.is_null())
            .map(|(k, v)| (k, v, join(path, k)))
            .collect()),
        Some(other) => err(
            path,
            format!("expected an object, found {}", describe(other)),
        ),
    }
}

fn unknown_fact<T>(
    name: &str,
    path: &str,
    known: &BTreeMap<String, FactType>,
    other_scope: bool,
) -> Result<T, IntakeError> {
    if other_scope {
        return err(
            path,
            format!("`{name}` is a fact of the other level (member vs household)"),
        );
    }
    let hint = closest(name, known.keys().map(String::as_str))
        .map(|c| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default();
    err(path, format!("unknown fact{hint}"))
}

fn member_facts(
    v: Option<&Value>,
    path: &str,
    vocab: &Vocabulary,
) -> Result<MemberFacts, IntakeError> {
    let mut facts = MemberFacts::default();
    for (name, value, p) in facts_object(v, path)? {
        let Some(ty) = vocab.member.get(name) else {
            return unknown_fact(name, &p, &vocab.member, vocab.household.contains_key(name));
        };
        let fv = fact_value(value, ty, &p)?;
        facts.set(name, Some(fv)).map_err(|e| IntakeError {
            path: p.clone(),
            message: e.0,
        })?;
    }
    Ok(facts)
}

fn household_facts(
    v: Option<&Value>,
    path: &str,
    vocab: &Vocabulary,
) -> Result<HouseholdFacts, IntakeError> {
    let mut facts = HouseholdFacts::default();
    for (name, value, p) in facts_object(v, path)? {
        let Some(ty) = vocab.household.get(name) else {
            return unknown_fact(name, &p, &vocab.household, vocab.member.contains_key(name));
        };
        let fv = fact_value(value, ty, &p)?;
        facts.set(name, Some(fv)).map_err(|e| IntakeError {
            path: p.clone(),
            message: e.0,
        })?;
    }
    Ok(facts)
}

fn outside_person(v: &Value, path: &str) -> Result<OutsidePerson, IntakeError> {
    let mut o = Obj::new(v, path)?;
    let person = OutsidePerson {
        name: o.req_str("name")?,
        kana: o.opt_str("kana")?,
        birth_date: o.opt_date("birth_date")?,
        address: o.opt_str("address")?,
        relation_to_deceased: o.opt_str("relation_to_deceased")?,
        phone: o.opt_str("phone")?,
    };
    o.finish()?;
    Ok(person)
}

/// `member.residence` (Edition 2): a foreign resident's 在留 data.
fn residence(v: &Value, path: &str) -> Result<Residence, IntakeError> {
    let mut o = Obj::new(v, path)?;
    let status = o.opt_str("status")?;
    let period_until = o.opt_date("period_until")?;
    let p = o.path("card_number");
    let card_number = match o.opt_str("card_number")? {
        None => None,
        Some(s) => Some(ResidenceCardNumber::parse(&s).ok_or_else(|| IntakeError {
            path: p.clone(),
            message: format!(
                "{} is not a 在留カード number (2 letters, 8 digits, 2 letters, e.g. AB12345678CD)",
                quote(&s)
            ),
        })?),
    };
    let p = o.path("kubun");
    let kubun = o
        .opt("kubun")
        .map(|v| code(v, &p, ResidenceKubun::parse, ResidenceKubun::VALUES))
        .transpose()?;
    o.finish()?;
    Ok(Residence {
        status,
        period_until,
        card_number,
        kubun,
    })
}

fn member(v: &Value, path: &str, vocab: &Vocabulary) -> Result<Member, IntakeError> {
    let mut o = Obj::new(v, path)?;
    let id = o.req_str("id")?;
    let name = o.req_str("name")?;
    let kana = o.opt_str("kana")?;
    let p = o.path("birth_date");
    let birth_date = date(o.req("birth_date")?, &p)?;
    let p = o.path("sex");
    let sex = o
        .opt("sex")
        .map(|v| code(v, &p, Sex::parse, Sex::VALUES))
        .transpose()?;
    let p = o.path("relation");
    let relation = o
        .opt("relation")
        .map(|v| code(v, &p, Relation::parse, Relation::VALUES))
        .transpose()?;
    let relation_label = o.opt_str("relation_label")?;
    let p = o.path("nationality");
    let nationality = match o.opt_str("nationality")? {
        None => "JP".to_string(),
        Some(n) if country::is_assigned(&n) => n,
        Some(n) => {
            return err(
                &p,
                format!(
                    "{} is not an assigned ISO 3166-1 alpha-2 code (two upper-case letters, e.g. JP, PH, VN)",
                    quote(&n)
                ),
            )
        }
    };
    let moving = o.opt_bool("moving")?.unwrap_or(true);
    let honseki = o.opt_str("honseki")?;
    let hittosha = o.opt_str("hittosha")?;
    let p = o.path("residence");
    let residence = o.opt("residence").map(|v| residence(v, &p)).transpose()?;
    let p = o.path("new_relation");
    let new_relation = o
        .opt("new_relation")
        .map(|v| code(v, &p, Relation::parse, Relation::VALUES))
        .transpose()?;
    let p = o.path("facts");
    let facts = member_facts(o.opt("facts"), &p, vocab)?;
    o.finish()?;
    Ok(Member {
        id,
        name,
        kana,
        birth_date,
        sex,
        relation,
        relation_label,
        nationality,
        moving,
        honseki,
        hittosha,
        residence,
        new_relation,
        facts,
    })
}

/// Checks the text of an intake built in memory (the counter's screens build it field by
/// field): the same 個人番号 and character rules the parser applies, naming the JSON path.
pub fn check_text(intake: &Intake) -> Result<(), IntakeError> {
    let value = serde_json::to_value(intake).map_err(|e| IntakeError::new("$", e.to_string()))?;
    scan_text(&value, Place::Root)
}

/// Validates an already-parsed JSON value (QR payloads, stored cases).
pub fn parse_intake_value(v: &Value, vocab: &Vocabulary) -> Result<Intake, IntakeError> {
    scan_text(v, Place::Root)?;
    let mut root = Obj::new(v, "$")?;
    root.path = String::new();

    match root.req("format")? {
        Value::String(f) if f == FORMAT => {}
        other => return err("format", format!("{} is not {FORMAT:?}", describe(other))),
    }

    let ev = root.req("event")?;
    let mut e = Obj::new(ev, "event")?;
    let kind = code(
        e.req("kind")?,
        "event.kind",
        EventKind::parse,
        EventKind::VALUES,
    )?;
    let event_date = date(e.req("date")?, "event.date")?;
    let notified_on = e.opt_date("notified_on")?;
    let planned_move_out_date = e.opt_date("planned_move_out_date")?;
    let previous_address = e.opt_str("previous_address")?;
    let new_address = e.opt_str("new_address")?;
    let deceased = e.opt_str("deceased")?;
    let applicant = match e.opt("applicant") {
        None => None,
        Some(Value::String(id)) => Some(Applicant::Member(id.clone())),
        Some(obj @ Value::Object(_)) => {
            Some(Applicant::Person(outside_person(obj, "event.applicant")?))
        }
        Some(other) => {
            return err(
                "event.applicant",
                format!(
                    "expected a member id or a person object, found {}",
                    describe(other)
                ),
            )
        }
    };
    let funeral_date = e.opt_date("funeral_date")?;
    let applicant_capacity = e
        .opt("applicant_capacity")
        .map(|v| {
            code(
                v,
                "event.applicant_capacity",
                ApplicantCapacity::parse,
                ApplicantCapacity::VALUES,
            )
        })
        .transpose()?;
    e.finish()?;

    let hh = root.req("household")?;
    let mut h = Obj::new(hh, "household")?;
    let address = h.opt_str("address")?;
    let head = h.opt_str("head")?;
    let members_v = h.req("members")?;
    let Value::Array(items) = members_v else {
        return err(
            "household.members",
            format!("expected an array, found {}", describe(members_v)),
        );
    };
    if items.is_empty() {
        return err("household.members", "needs at least one member");
    }
    let mut members: Vec<Member> = Vec::with_capacity(items.len());
    let mut ids: std::collections::HashSet<String> = Default::default();
    for (i, item) in items.iter().enumerate() {
        let path = format!("household.members[{i}]");
        let m = member(item, &path, vocab)?;
        if !ids.insert(m.id.clone()) {
            return err(
                &format!("{path}.id"),
                format!("{} is used by another member", quote(&m.id)),
            );
        }
        if m.birth_date > event_date {
            return err(
                &format!("{path}.birth_date"),
                format!("{} is after the event date {}", m.birth_date, event_date),
            );
        }
        members.push(m);
    }
    let facts = household_facts(h.opt("facts"), "household.facts", vocab)?;
    h.finish()?;
    root.finish()?;

    let known = |id: &str| ids.contains(id);
    if let Some(h) = &head {
        if !known(h) {
            return err("household.head", format!("{} is not a member id", quote(h)));
        }
    }
    match (&deceased, kind) {
        (None, EventKind::Death) => return err("event.deceased", "is required for a death"),
        (Some(d), EventKind::Death) if !known(d) => {
            return err("event.deceased", format!("{} is not a member id", quote(d)))
        }
        (Some(_), k) if k != EventKind::Death => {
            return err("event.deceased", "is only for a death")
        }
        _ => {}
    }
    if let Some(Applicant::Member(a)) = &applicant {
        if !known(a) {
            return err(
                "event.applicant",
                format!("{} is not a member id", quote(a)),
            );
        }
    }
    if planned_move_out_date.is_some() && !matches!(kind, EventKind::MoveIn) {
        return err("event.planned_move_out_date", "is only for a move-in");
    }
    if let Some(f) = funeral_date {
        if kind != EventKind::Death {
            return err("event.funeral_date", "is only for a death");
        }
        if f < event_date {
            return err(
                "event.funeral_date",
                format!("{f} is before the date of death {event_date}"),
            );
        }
    }

    Ok(Intake {
        format: FORMAT.to_string(),
        event: Event {
            kind,
            date: event_date,
            notified_on,
            planned_move_out_date,
            previous_address,
            new_address,
            deceased,
            applicant,
            funeral_date,
            applicant_capacity,
        },
        household: Household {
            address,
            head,
            members,
            facts,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "format": "madoguchi-intake/1",
      "event": { "kind": "move_in", "date": "2026-04-01", "notified_on": "2026-04-06",
        "planned_move_out_date": "2026-03-31",
        "previous_address": "北海道北見市北五条東２丁目１番地",
        "new_address": "東京都三鷹市野崎一丁目１番１号", "deceased": null, "applicant": "m1" },
      "household": { "address": "東京都三鷹市野崎一丁目１番１号", "head": "m1",
        "members": [ { "id": "m1", "name": "山田　太郎", "kana": "ヤマダ　タロウ",
          "birth_date": "1980-01-01", "sex": "male", "relation": "head", "nationality": "JP",
          "moving": true, "facts": { "health_insurance": "nhi", "mynumber_card": true } } ],
        "facts": { "dogs": 0 } } }"#;

    fn parse(s: &str) -> Result<Intake, IntakeError> {
        parse_intake(s, &Vocabulary::core())
    }

    fn with(f: impl FnOnce(&mut Value)) -> String {
        let mut v: Value = serde_json::from_str(SAMPLE).unwrap();
        f(&mut v);
        v.to_string()
    }

    #[test]
    fn the_spec_example_parses_and_round_trips() {
        let i = parse(SAMPLE).unwrap();
        assert_eq!(
            i.household.members[0].facts.health_insurance,
            Some(HealthInsurance::Nhi)
        );
        assert_eq!(i.household.facts.dogs, Some(0));
        assert_eq!(parse(&i.to_json()).unwrap(), i);
    }

    #[test]
    fn errors_name_the_path() {
        let e = parse(&with(|v| {
            v["household"]["members"][0]["birth_date"] = "2026-02-30".into()
        }))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            r#"household.members[0].birth_date: "2026-02-30" is not a date (YYYY-MM-DD)"#
        );
        let e = parse(&with(|v| {
            v["household"]["members"][0]["facts"]["helth_insurance"] = "nhi".into()
        }))
        .unwrap_err();
        assert_eq!(e.path, "household.members[0].facts.helth_insurance");
        assert!(e.message.contains("did you mean `health_insurance`"), "{e}");
        let e = parse(&with(|v| v["event"]["colour"] = "red".into())).unwrap_err();
        assert_eq!(e.path, "event.colour");
        let e = parse(&with(|v| v["event"]["kind"] = "moving".into())).unwrap_err();
        assert_eq!(e.path, "event.kind");
        let e = parse(&with(|v| {
            v["household"]["members"][0]["facts"]["health_insurance"] = "private".into()
        }))
        .unwrap_err();
        assert!(
            e.to_string().starts_with(
                "household.members[0].facts.health_insurance: \"private\" is not one of nhi"
            ),
            "{e}"
        );
        let e = parse(&with(|v| v["household"]["facts"]["dogs"] = (-1).into())).unwrap_err();
        assert_eq!(e.path, "household.facts.dogs");
    }

    #[test]
    fn individual_numbers_are_refused() {
        for key in [
            "mynumber",
            "my_number",
            "individual_number",
            "kojin_bango",
            "MyNumber",
        ] {
            let e = parse(&with(|v| v["household"]["members"][0][key] = "123".into())).unwrap_err();
            assert_eq!(e.path, format!("household.members[0].{key}"));
            assert!(e.message.contains("個人番号"));
        }
        // A valid check digit: 12345678901 → 8 (computed by the rule of 番号法施行令).
        let e = parse(&with(|v| {
            v["household"]["members"][0]["kana"] = "123456789018".into()
        }))
        .unwrap_err();
        assert_eq!(e.path, "household.members[0].kana");
        // `mynumber_card` is a fact, not a number.
        assert!(parse(SAMPLE).is_ok());
    }

    #[test]
    fn references_and_dates_are_checked() {
        let e = parse(&with(|v| v["household"]["head"] = "m9".into())).unwrap_err();
        assert_eq!(e.path, "household.head");
        let e = parse(&with(|v| v["event"]["kind"] = "death".into())).unwrap_err();
        assert_eq!(e.path, "event.deceased");
        let e = parse(&with(|v| v["event"]["applicant"] = "m2".into())).unwrap_err();
        assert_eq!(e.path, "event.applicant");
        let e = parse(&with(|v| {
            v["household"]["members"][0]["birth_date"] = "2026-05-01".into()
        }))
        .unwrap_err();
        assert_eq!(e.path, "household.members[0].birth_date");
        let e = parse(&with(|v| v["format"] = "madoguchi-intake/2".into())).unwrap_err();
        assert_eq!(e.path, "format");
        let e = parse(&with(|v| {
            let m = v["household"]["members"][0].clone();
            v["household"]["members"].as_array_mut().unwrap().push(m);
        }))
        .unwrap_err();
        assert_eq!(e.path, "household.members[1].id");
        let e = parse("{\"format\": ").unwrap_err();
        assert_eq!(e.path, "$");
    }

    #[test]
    fn declared_facts_are_typed_by_their_declaration() {
        let mut vocab = Vocabulary::core();
        vocab.member.insert("hearing_aid".into(), FactType::Bool);
        let text = with(|v| v["household"]["members"][0]["facts"]["hearing_aid"] = true.into());
        assert!(parse(&text).is_err(), "unknown to the core vocabulary");
        let i = parse_intake(&text, &vocab).unwrap();
        assert_eq!(
            i.household.members[0].facts.get("hearing_aid"),
            Some(FactValue::Bool(true))
        );
        let bad = with(|v| v["household"]["members"][0]["facts"]["hearing_aid"] = "yes".into());
        assert_eq!(
            parse_intake(&bad, &vocab).unwrap_err().path,
            "household.members[0].facts.hearing_aid"
        );
    }

    /// Every Edition 2 field set, as a death (funeral date) with a foreign member.
    pub(crate) fn edition2_sample() -> String {
        with(|v| {
            v["event"]["kind"] = "death".into();
            v["event"]["deceased"] = "m1".into();
            v["event"]["planned_move_out_date"] = Value::Null;
            v["event"]["funeral_date"] = "2026-04-04".into();
            v["event"]["applicant_capacity"] = "agent".into();
            let m = &mut v["household"]["members"][0];
            m["honseki"] = "北海道北見市北五条東２丁目１番地".into();
            m["hittosha"] = "山田　一郎".into();
            m["new_relation"] = "child".into();
            m["residence"] = serde_json::json!({
                "status": "留学", "period_until": "2028-03-31",
                "card_number": "AB12345678CD", "kubun": "mid_long_term"
            });
        })
    }

    #[test]
    fn edition2_fields_are_typed_and_round_trip() {
        let i = parse(&edition2_sample()).unwrap();
        assert_eq!(i.event.funeral_date, parse_date("2026-04-04"));
        assert_eq!(i.event.applicant_capacity, Some(ApplicantCapacity::Agent));
        let m = &i.household.members[0];
        assert_eq!(
            m.honseki.as_deref(),
            Some("北海道北見市北五条東２丁目１番地")
        );
        assert_eq!(m.hittosha.as_deref(), Some("山田　一郎"));
        assert_eq!(m.new_relation, Some(Relation::Child));
        let r = m.residence.as_ref().unwrap();
        assert_eq!(r.status.as_deref(), Some("留学"));
        assert_eq!(r.period_until, parse_date("2028-03-31"));
        assert_eq!(r.card_number.as_ref().unwrap().as_str(), "AB12345678CD");
        assert_eq!(r.kubun, Some(ResidenceKubun::MidLongTerm));
        // Serialized back with the spec's keys, and parsed again to the same intake.
        let json: Value = serde_json::from_str(&i.to_json()).unwrap();
        assert_eq!(json["event"]["applicant_capacity"], "agent");
        assert_eq!(
            json["household"]["members"][0]["residence"]["card_number"],
            "AB12345678CD"
        );
        assert_eq!(parse(&i.to_json()).unwrap(), i);
        assert_eq!(parse(&i.to_json_pretty()).unwrap(), i);
        // An empty residence object is kept as known-but-empty.
        let e = parse(&with(|v| {
            v["household"]["members"][0]["residence"] = serde_json::json!({})
        }))
        .unwrap();
        assert_eq!(e.household.members[0].residence, Some(Residence::default()));
        assert_eq!(parse(&e.to_json()).unwrap(), e);
        // Lower-case card numbers (Caps Lock) are upper-cased.
        let e = parse(&with(|v| {
            v["household"]["members"][0]["residence"] =
                serde_json::json!({"card_number": "ab12345678cd"})
        }))
        .unwrap();
        let r = e.household.members[0].residence.as_ref().unwrap();
        assert_eq!(r.card_number.as_ref().unwrap().as_str(), "AB12345678CD");
    }

    #[test]
    fn edition2_fields_are_checked_with_their_path() {
        let member = |key: &str, val: Value| {
            let key = key.to_string();
            parse(&with(move |v| {
                v["household"]["members"][0][key.as_str()] = val
            }))
            .unwrap_err()
        };
        let residence = |val: Value| member("residence", val);
        for bad in [
            "AB1234567CD",
            "A123456789CD",
            "AB12345678C",
            "AB 12345678CD",
            "ＡＢ12345678CD",
            "AB1234567８CD",
        ] {
            let e = residence(serde_json::json!({ "card_number": bad }));
            assert_eq!(
                e.path, "household.members[0].residence.card_number",
                "{bad}"
            );
            assert!(e.message.contains("2 letters, 8 digits, 2 letters"), "{e}");
        }
        let e = residence(serde_json::json!({ "kubun": "tourist" }));
        assert_eq!(e.path, "household.members[0].residence.kubun");
        assert!(e.message.contains("mid_long_term"), "{e}");
        let e = residence(serde_json::json!({ "period_until": "2028-02-30" }));
        assert_eq!(e.path, "household.members[0].residence.period_until");
        let e = residence(serde_json::json!({ "colour": "red" }));
        assert_eq!(e.path, "household.members[0].residence.colour");
        let e = residence("留学".into());
        assert_eq!(e.path, "household.members[0].residence");
        let e = member("new_relation", "boss".into());
        assert_eq!(e.path, "household.members[0].new_relation");
        let e = member("honseki", 12.into());
        assert_eq!(e.path, "household.members[0].honseki");
        let e = parse(&with(|v| {
            v["event"]["applicant_capacity"] = "friend".into()
        }))
        .unwrap_err();
        assert_eq!(e.path, "event.applicant_capacity");
        assert!(
            e.message.contains("self, head, household_member, agent"),
            "{e}"
        );
        let e = parse(&with(|v| v["event"]["funeral_date"] = "2026-04-04".into())).unwrap_err();
        assert_eq!(e.to_string(), "event.funeral_date: is only for a death");
        let death_on = |funeral: &str| {
            let f = funeral.to_string();
            parse(&with(move |v| {
                v["event"]["kind"] = "death".into();
                v["event"]["deceased"] = "m1".into();
                v["event"]["planned_move_out_date"] = Value::Null;
                v["event"]["funeral_date"] = f.into();
            }))
        };
        let e = death_on("2026-03-31").unwrap_err();
        assert_eq!(e.path, "event.funeral_date");
        assert!(e.message.contains("before the date of death"), "{e}");
        assert!(
            death_on("2026-04-01").is_ok(),
            "a funeral on the day of death"
        );
    }
}
