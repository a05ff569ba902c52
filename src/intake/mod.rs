//! The intake document (`madoguchi-intake/1`, `shared/spec/intake.md`): the one description of
//! a counter case. Everything that learns about the household writes into it; everything
//! downstream reads only it.
//!
//! There is deliberately no field, anywhere, that could hold a 個人番号: the parser refuses
//! keys named like one and values shaped like one.

pub mod country;
pub mod individual_number;
mod parse;
pub mod vocabulary;

pub use individual_number::contains_individual_number;
pub use parse::{
    parse_intake, parse_intake_value, parse_json_strict, IntakeError, FIRST_DATE, LAST_DATE,
    MAX_INTAKE_BYTES,
};
pub use vocabulary::*;

use chrono::NaiveDate;
use serde::Serialize;
use std::collections::BTreeMap;

pub const FORMAT: &str = "madoguchi-intake/1";

/// One counter case.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Intake {
    pub format: String,
    pub event: Event,
    pub household: Household,
}

/// The life event.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Event {
    pub kind: EventKind,
    pub date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notified_on: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub planned_move_out_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub previous_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deceased: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant: Option<Applicant>,
    /// Edition 2, death only: the day of the funeral (葬祭費・埋葬料 periods run from the
    /// day after).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub funeral_date: Option<NaiveDate>,
    /// Edition 2: 届出人の資格 (`agent` prints the 委任状 box).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub applicant_capacity: Option<ApplicantCapacity>,
}

impl Event {
    /// An event with only the required data; everything else unknown.
    pub fn new(kind: EventKind, date: NaiveDate) -> Self {
        Event {
            kind,
            date,
            notified_on: None,
            planned_move_out_date: None,
            previous_address: None,
            new_address: None,
            deceased: None,
            applicant: None,
            funeral_date: None,
            applicant_capacity: None,
        }
    }
}

/// 届出人: a member, or someone outside the household.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Applicant {
    Member(String),
    Person(OutsidePerson),
}

/// An applicant who is not a member (e.g. a child living elsewhere reporting a death).
#[derive(Clone, Debug, PartialEq, Default, Serialize)]
pub struct OutsidePerson {
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kana: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<NaiveDate>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation_to_deceased: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Household {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub head: Option<String>,
    pub members: Vec<Member>,
    pub facts: HouseholdFacts,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Member {
    pub id: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kana: Option<String>,
    pub birth_date: NaiveDate,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sex: Option<Sex>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation: Option<Relation>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub relation_label: Option<String>,
    pub nationality: String,
    pub moving: bool,
    /// Edition 2: 本籍 (Japanese nationals; printed on the 住民異動届).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub honseki: Option<String>,
    /// Edition 2: 筆頭者 of that 戸籍.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hittosha: Option<String>,
    /// Edition 2: foreign residents' 在留 data.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residence: Option<Residence>,
    /// Edition 2 (世帯主変更・世帯変更): the member's 続柄 to the new head.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_relation: Option<Relation>,
    pub facts: MemberFacts,
}

/// A foreign resident's 在留 data (Edition 2). Every part is optional: the clerk fills in what
/// the 在留カード shows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Residence {
    /// 在留資格 as printed on the card ("留学", "永住者", …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// 在留期間の満了日.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period_until: Option<NaiveDate>,
    /// 在留カード等の番号.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub card_number: Option<ResidenceCardNumber>,
    /// 住民基本台帳法 第30条の45 の区分.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kubun: Option<ResidenceKubun>,
}

/// The number of a 在留カード or 特別永住者証明書: 2 letters, 8 digits, 2 letters
/// (`AB12345678CD`). With only 8 digits it can never hold a 12-digit 個人番号.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct ResidenceCardNumber(String);

impl ResidenceCardNumber {
    /// Accepts the canonical form; lower-case letters (a scanner with Caps Lock) are
    /// upper-cased. Anything else (spaces, full-width characters, other lengths) is refused.
    pub fn parse(s: &str) -> Option<Self> {
        let b = s.as_bytes();
        let ok = b.len() == 12
            && b[..2].iter().all(u8::is_ascii_alphabetic)
            && b[2..10].iter().all(u8::is_ascii_digit)
            && b[10..].iter().all(u8::is_ascii_alphabetic);
        ok.then(|| ResidenceCardNumber(s.to_ascii_uppercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ResidenceCardNumber {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Member facts: the core vocabulary typed, declared facts by name. `None` is *unknown*,
/// which is not `false`.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct MemberFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub health_insurance: Option<HealthInsurance>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pension: Option<PensionCategory>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pension_recipient: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mynumber_card: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seal_registered: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ltc_certified: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub disability_certificate: Option<Vec<DisabilityCertificate>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_school: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pregnant: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_allowance_recipient: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub child_rearing_allowance_recipient: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub residence_status: Option<ResidenceStatus>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub owns_real_estate: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub water_contract_holder: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dog_owner: Option<bool>,
    /// Facts declared by the procedure set, typed by their declaration.
    #[serde(flatten)]
    pub declared: BTreeMap<String, FactValue>,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct HouseholdFacts {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dogs: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_assistance: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub death_notice_filed: Option<bool>,
    #[serde(flatten)]
    pub declared: BTreeMap<String, FactValue>,
}

/// A fact value could not be stored: wrong type or value for that fact.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct FactError(pub String);

fn want_bool(name: &str, v: Option<FactValue>) -> Result<Option<bool>, FactError> {
    match v {
        None => Ok(None),
        Some(FactValue::Bool(b)) => Ok(Some(b)),
        Some(other) => Err(FactError(format!(
            "{name} takes true or false, not {other:?}"
        ))),
    }
}

fn want_code<T>(
    name: &str,
    v: Option<FactValue>,
    parse: fn(&str) -> Option<T>,
) -> Result<Option<T>, FactError> {
    match v {
        None => Ok(None),
        Some(FactValue::Code(c)) => parse(&c)
            .map(Some)
            .ok_or_else(|| FactError(format!("{name}: unknown value {c:?}"))),
        Some(other) => Err(FactError(format!("{name} takes a code, not {other:?}"))),
    }
}

impl MemberFacts {
    /// A fact by name (core or declared); `None` when unknown.
    pub fn get(&self, name: &str) -> Option<FactValue> {
        let b = |v: Option<bool>| v.map(FactValue::Bool);
        let c = |v: Option<&'static str>| v.map(|s| FactValue::Code(s.to_string()));
        match name {
            "health_insurance" => c(self.health_insurance.map(|x| x.as_str())),
            "pension" => c(self.pension.map(|x| x.as_str())),
            "pension_recipient" => b(self.pension_recipient),
            "mynumber_card" => b(self.mynumber_card),
            "seal_registered" => b(self.seal_registered),
            "ltc_certified" => b(self.ltc_certified),
            "disability_certificate" => self
                .disability_certificate
                .as_ref()
                .map(|v| FactValue::Codes(v.iter().map(|x| x.as_str().to_string()).collect())),
            "public_school" => b(self.public_school),
            "pregnant" => b(self.pregnant),
            "child_allowance_recipient" => b(self.child_allowance_recipient),
            "child_rearing_allowance_recipient" => b(self.child_rearing_allowance_recipient),
            "residence_status" => c(self.residence_status.map(|x| x.as_str())),
            "owns_real_estate" => b(self.owns_real_estate),
            "water_contract_holder" => b(self.water_contract_holder),
            "dog_owner" => b(self.dog_owner),
            other => self.declared.get(other).cloned(),
        }
    }

    /// Sets (or, with `None`, forgets) a fact by name. Declared facts are not checked against
    /// their declaration here; the caller (TUI, parser) holds the vocabulary.
    pub fn set(&mut self, name: &str, v: Option<FactValue>) -> Result<(), FactError> {
        match name {
            "health_insurance" => {
                self.health_insurance = want_code(name, v, HealthInsurance::parse)?
            }
            "pension" => self.pension = want_code(name, v, PensionCategory::parse)?,
            "pension_recipient" => self.pension_recipient = want_bool(name, v)?,
            "mynumber_card" => self.mynumber_card = want_bool(name, v)?,
            "seal_registered" => self.seal_registered = want_bool(name, v)?,
            "ltc_certified" => self.ltc_certified = want_bool(name, v)?,
            "disability_certificate" => {
                self.disability_certificate = match v {
                    None => None,
                    Some(FactValue::Codes(list)) => Some(
                        list.iter()
                            .map(|c| {
                                DisabilityCertificate::parse(c).ok_or_else(|| {
                                    FactError(format!("{name}: unknown value {c:?}"))
                                })
                            })
                            .collect::<Result<_, _>>()?,
                    ),
                    Some(other) => {
                        return Err(FactError(format!(
                            "{name} takes a list of codes, not {other:?}"
                        )))
                    }
                }
            }
            "public_school" => self.public_school = want_bool(name, v)?,
            "pregnant" => self.pregnant = want_bool(name, v)?,
            "child_allowance_recipient" => self.child_allowance_recipient = want_bool(name, v)?,
            "child_rearing_allowance_recipient" => {
                self.child_rearing_allowance_recipient = want_bool(name, v)?
            }
            "residence_status" => {
                self.residence_status = want_code(name, v, ResidenceStatus::parse)?
            }
            "owns_real_estate" => self.owns_real_estate = want_bool(name, v)?,
            "water_contract_holder" => self.water_contract_holder = want_bool(name, v)?,
            "dog_owner" => self.dog_owner = want_bool(name, v)?,
            other => match v {
                Some(v) => {
                    self.declared.insert(other.to_string(), v);
                }
                None => {
                    self.declared.remove(other);
                }
            },
        }
        Ok(())
    }
}

impl HouseholdFacts {
    pub fn get(&self, name: &str) -> Option<FactValue> {
        match name {
            "dogs" => self.dogs.map(FactValue::Count),
            "public_assistance" => self.public_assistance.map(FactValue::Bool),
            "death_notice_filed" => self.death_notice_filed.map(FactValue::Bool),
            other => self.declared.get(other).cloned(),
        }
    }

    pub fn set(&mut self, name: &str, v: Option<FactValue>) -> Result<(), FactError> {
        match name {
            "dogs" => {
                self.dogs = match v {
                    None => None,
                    Some(FactValue::Count(n)) => Some(n),
                    Some(other) => {
                        return Err(FactError(format!("dogs takes a count, not {other:?}")))
                    }
                }
            }
            "public_assistance" => self.public_assistance = want_bool(name, v)?,
            "death_notice_filed" => self.death_notice_filed = want_bool(name, v)?,
            other => match v {
                Some(v) => {
                    self.declared.insert(other.to_string(), v);
                }
                None => {
                    self.declared.remove(other);
                }
            },
        }
        Ok(())
    }
}

impl Intake {
    pub fn member(&self, id: &str) -> Option<&Member> {
        self.household.members.iter().find(|m| m.id == id)
    }

    pub fn member_mut(&mut self, id: &str) -> Option<&mut Member> {
        self.household.members.iter_mut().find(|m| m.id == id)
    }

    /// 届出日: the intake's, else today in Japan.
    pub fn notified_on(&self, today: NaiveDate) -> NaiveDate {
        self.event.notified_on.unwrap_or(today)
    }

    /// The movers (move kinds): members with `moving` true.
    pub fn movers(&self) -> impl Iterator<Item = &Member> {
        let is_move = self.event.kind.is_move();
        self.household
            .members
            .iter()
            .filter(move |m| is_move && m.moving)
    }

    /// The members the event is about: the movers of a move, the deceased of a death, every
    /// member for a household change.
    pub fn subjects(&self) -> Vec<&Member> {
        match self.event.kind {
            EventKind::Death => self
                .event
                .deceased
                .as_deref()
                .and_then(|id| self.member(id))
                .into_iter()
                .collect(),
            EventKind::HouseholdChange => self.household.members.iter().collect(),
            _ => self.movers().collect(),
        }
    }

    /// Whether a member is one of the event's subjects.
    pub fn is_subject(&self, m: &Member) -> bool {
        match self.event.kind {
            EventKind::Death => self.event.deceased.as_deref() == Some(m.id.as_str()),
            EventKind::HouseholdChange => true,
            _ => m.moving,
        }
    }

    /// Remaining members (death, move-out): those not deceased / not moving.
    pub fn remaining(&self) -> impl Iterator<Item = &Member> {
        let kind = self.event.kind;
        let deceased = self.event.deceased.clone();
        self.household.members.iter().filter(move |m| match kind {
            EventKind::Death => deceased.as_deref() != Some(m.id.as_str()),
            EventKind::HouseholdChange => true,
            _ => !m.moving,
        })
    }

    /// The spec's JSON (compact), as stored, encoded in QR codes and written to files.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an intake always serializes")
    }

    /// The spec's JSON, indented for people.
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("an intake always serializes")
    }
}

impl Member {
    /// "山田　太郎 (m1)": how reasons name a member.
    pub fn display(&self) -> String {
        format!("{} ({})", self.name, self.id)
    }

    /// A new member with only the required data (for the TUI and the card path).
    pub fn new(id: &str, name: &str, birth_date: NaiveDate) -> Self {
        Member {
            id: id.to_string(),
            name: name.to_string(),
            kana: None,
            birth_date,
            sex: None,
            relation: None,
            relation_label: None,
            nationality: "JP".to_string(),
            moving: true,
            honseki: None,
            hittosha: None,
            residence: None,
            new_relation: None,
            facts: MemberFacts::default(),
        }
    }
}
