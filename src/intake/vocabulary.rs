//! The fact vocabulary: the core facts of `intake.md` (typed, codes as enums) and the facts a
//! supervisor declares in the procedure set (typed by their declaration).

use serde::{Serialize, Serializer};
use std::collections::BTreeMap;
use std::fmt;

/// Defines a code enum whose wire form is a lower-case English word.
macro_rules! code_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }
        impl $name {
            /// Every value, in the order of the spec.
            pub const VALUES: &'static [&'static str] = &[$($text),+];
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
            pub fn parse(s: &str) -> Option<Self> {
                match s { $($text => Some($name::$variant),)+ _ => None }
            }
        }
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }
    };
}

code_enum!(
    /// Event kinds, after the 異動事由 of the 住民記録システム標準仕様書.
    EventKind {
        MoveIn = "move_in",
        MoveInFromAbroad = "move_in_from_abroad",
        MoveWithin = "move_within",
        MoveOut = "move_out",
        MoveOutAbroad = "move_out_abroad",
        HouseholdChange = "household_change",
        Death = "death",
    }
);

impl EventKind {
    /// Whether members move in this event (then `moving` selects the movers).
    pub fn is_move(self) -> bool {
        !matches!(self, EventKind::HouseholdChange | EventKind::Death)
    }
    pub fn label_ja(self) -> &'static str {
        match self {
            EventKind::MoveIn => "転入",
            EventKind::MoveInFromAbroad => "国外からの転入",
            EventKind::MoveWithin => "転居",
            EventKind::MoveOut => "転出",
            EventKind::MoveOutAbroad => "国外転出",
            EventKind::HouseholdChange => "世帯変更",
            EventKind::Death => "死亡",
        }
    }
    pub fn label_en(self) -> &'static str {
        match self {
            EventKind::MoveIn => "Moving in",
            EventKind::MoveInFromAbroad => "Moving in from abroad",
            EventKind::MoveWithin => "Moving within the town",
            EventKind::MoveOut => "Moving out",
            EventKind::MoveOutAbroad => "Moving abroad",
            EventKind::HouseholdChange => "Household change",
            EventKind::Death => "Death",
        }
    }
}

code_enum!(Sex { Male = "male", Female = "female", NotApplicable = "not_applicable" });

impl Sex {
    pub fn label_ja(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
            Sex::NotApplicable => "適用不能",
        }
    }
}

code_enum!(
    /// 続柄 to the head of household.
    Relation {
        Head = "head",
        Spouse = "spouse",
        Child = "child",
        Parent = "parent",
        Grandchild = "grandchild",
        Sibling = "sibling",
        OtherRelative = "other_relative",
        Cohabitant = "cohabitant",
    }
);

impl Relation {
    pub fn label_ja(self) -> &'static str {
        match self {
            Relation::Head => "世帯主",
            Relation::Spouse => "妻/夫",
            Relation::Child => "子",
            Relation::Parent => "父/母",
            Relation::Grandchild => "子の子",
            Relation::Sibling => "兄弟姉妹",
            Relation::OtherRelative => "縁故者",
            Relation::Cohabitant => "同居人",
        }
    }
}

code_enum!(
    HealthInsurance {
        Nhi = "nhi",
        LateElderly = "late_elderly",
        Employee = "employee",
        EmployeeDependent = "employee_dependent",
        PublicAssistance = "public_assistance",
        None = "none",
    }
);
code_enum!(
    PensionCategory {
        Category1 = "category1",
        Category2 = "category2",
        Category3 = "category3",
        None = "none",
    }
);
code_enum!(
    DisabilityCertificate { Physical = "physical", Intellectual = "intellectual", Mental = "mental" }
);
code_enum!(
    ResidenceStatus {
        MidLongTerm = "mid_long_term",
        SpecialPermanent = "special_permanent",
        Other = "other",
    }
);

code_enum!(
    /// 届出人の資格 (Edition 2): who the applicant is to the people the notice is about.
    ApplicantCapacity {
        Myself = "self",
        Head = "head",
        HouseholdMember = "household_member",
        Agent = "agent",
    }
);

impl ApplicantCapacity {
    pub fn label_ja(self) -> &'static str {
        match self {
            ApplicantCapacity::Myself => "本人",
            ApplicantCapacity::Head => "世帯主",
            ApplicantCapacity::HouseholdMember => "世帯員",
            ApplicantCapacity::Agent => "代理人",
        }
    }
}

code_enum!(
    /// 住民基本台帳法 第30条の45 の区分 of a foreign resident (Edition 2, `residence.kubun`).
    /// The law's table has four rows; the last covers both 経過滞在者 (by birth and by loss of
    /// Japanese nationality), which the 住民票 does not tell apart.
    ResidenceKubun {
        MidLongTerm = "mid_long_term",
        SpecialPermanent = "special_permanent",
        TemporaryRefuge = "temporary_refuge",
        ProvisionalStay = "provisional_stay",
        TransitionalStay = "transitional_stay",
    }
);

impl ResidenceKubun {
    pub fn label_ja(self) -> &'static str {
        match self {
            ResidenceKubun::MidLongTerm => "中長期在留者",
            ResidenceKubun::SpecialPermanent => "特別永住者",
            ResidenceKubun::TemporaryRefuge => "一時庇護許可者",
            ResidenceKubun::ProvisionalStay => "仮滞在許可者",
            ResidenceKubun::TransitionalStay => "経過滞在者",
        }
    }
}

/// Whether a fact belongs to a member or to the household.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FactScope {
    Member,
    Household,
}

impl FactScope {
    pub fn as_str(self) -> &'static str {
        match self {
            FactScope::Member => "member",
            FactScope::Household => "household",
        }
    }
}

/// The type of a fact's value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FactType {
    Bool,
    /// An integer ≥ 0 (counts).
    Count,
    /// One code out of a closed list.
    Code(Vec<String>),
    /// A set of codes out of a closed list (JSON array).
    CodeSet(Vec<String>),
}

impl FactType {
    pub fn describe(&self) -> String {
        match self {
            FactType::Bool => "true or false".into(),
            FactType::Count => "an integer ≥ 0".into(),
            FactType::Code(v) => format!("one of {}", v.join(", ")),
            FactType::CodeSet(v) => format!("an array of {}", v.join(", ")),
        }
    }
    pub fn name(&self) -> &'static str {
        match self {
            FactType::Bool => "bool",
            FactType::Count => "count",
            FactType::Code(_) => "code",
            FactType::CodeSet(_) => "codes",
        }
    }
    pub fn code_values(&self) -> &[String] {
        match self {
            FactType::Code(v) | FactType::CodeSet(v) => v,
            _ => &[],
        }
    }
}

/// A fact's value, as the engine sees it.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum FactValue {
    Bool(bool),
    Count(u32),
    Code(String),
    Codes(Vec<String>),
}

impl Serialize for FactValue {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            FactValue::Bool(b) => s.serialize_bool(*b),
            FactValue::Count(n) => s.serialize_u32(*n),
            FactValue::Code(c) => s.serialize_str(c),
            FactValue::Codes(v) => v.serialize(s),
        }
    }
}

impl FactValue {
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).expect("fact values serialize")
    }
}

fn codes<T: Copy>(values: &[&str]) -> Vec<String> {
    let _ = std::marker::PhantomData::<T>;
    values.iter().map(|s| s.to_string()).collect()
}

/// The core member facts of `intake.md`, with their types.
pub fn core_member_facts() -> Vec<(&'static str, FactType)> {
    vec![
        (
            "health_insurance",
            FactType::Code(codes::<HealthInsurance>(HealthInsurance::VALUES)),
        ),
        (
            "pension",
            FactType::Code(codes::<PensionCategory>(PensionCategory::VALUES)),
        ),
        ("pension_recipient", FactType::Bool),
        ("mynumber_card", FactType::Bool),
        ("seal_registered", FactType::Bool),
        ("ltc_certified", FactType::Bool),
        (
            "disability_certificate",
            FactType::CodeSet(codes::<DisabilityCertificate>(
                DisabilityCertificate::VALUES,
            )),
        ),
        ("public_school", FactType::Bool),
        ("pregnant", FactType::Bool),
        ("child_allowance_recipient", FactType::Bool),
        ("child_rearing_allowance_recipient", FactType::Bool),
        (
            "residence_status",
            FactType::Code(codes::<ResidenceStatus>(ResidenceStatus::VALUES)),
        ),
        ("owns_real_estate", FactType::Bool),
        ("water_contract_holder", FactType::Bool),
        ("dog_owner", FactType::Bool),
    ]
}

/// The core household facts of `intake.md`, with their types.
pub fn core_household_facts() -> Vec<(&'static str, FactType)> {
    vec![
        ("dogs", FactType::Count),
        ("public_assistance", FactType::Bool),
        ("death_notice_filed", FactType::Bool),
    ]
}

/// The facts an intake may carry: the core ones plus those declared by the procedure set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Vocabulary {
    pub member: BTreeMap<String, FactType>,
    pub household: BTreeMap<String, FactType>,
}

impl Vocabulary {
    /// The core vocabulary alone.
    pub fn core() -> Self {
        Vocabulary {
            member: core_member_facts()
                .into_iter()
                .map(|(k, t)| (k.to_string(), t))
                .collect(),
            household: core_household_facts()
                .into_iter()
                .map(|(k, t)| (k.to_string(), t))
                .collect(),
        }
    }

    pub fn get(&self, scope: FactScope, name: &str) -> Option<&FactType> {
        match scope {
            FactScope::Member => self.member.get(name),
            FactScope::Household => self.household.get(name),
        }
    }

    pub fn is_core(scope: FactScope, name: &str) -> bool {
        match scope {
            FactScope::Member => core_member_facts().iter().any(|(k, _)| *k == name),
            FactScope::Household => core_household_facts().iter().any(|(k, _)| *k == name),
        }
    }
}

/// Edit distance, for "did you mean" hints.
pub fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// The closest candidate within a small distance, for hints.
pub fn closest<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    // A hint is for a typo: a long word (a pasted value, a generated key) gets none, which also
    // keeps the quadratic edit distance away from megabyte keys.
    if word.len() > 64 {
        return None;
    }
    candidates
        .into_iter()
        .map(|c| (levenshtein(word, c), c))
        .filter(|(d, c)| {
            *d <= 2.max(c.len() / 4)
                || (word.len() >= 4 && (c.starts_with(word) || word.starts_with(*c)))
        })
        .min()
        .map(|(_, c)| c)
}
