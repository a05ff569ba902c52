//! The page's own words, Japanese first and English. The procedures, questions, reasons and
//! deadlines come from the procedure set (`Text` with `ja`/`en`); only the page's frame is
//! here.

use crate::intake::EventKind;
use crate::rules::Lang;

/// A text in Japanese and English.
pub type Tr = (&'static str, &'static str);

pub fn tr(l: Lang, t: Tr) -> &'static str {
    match l {
        Lang::Ja => t.0,
        Lang::En => t.1,
    }
}

/// The event kinds as a resident would say them.
pub fn event_choice(k: EventKind) -> Tr {
    match k {
        EventKind::MoveIn => (
            "ほかの市区町村から引っ越してきた (転入)",
            "I moved here from another town in Japan",
        ),
        EventKind::MoveInFromAbroad => (
            "海外から引っ越してきた (国外からの転入)",
            "I moved here from abroad",
        ),
        EventKind::MoveWithin => ("この市の中で引っ越した (転居)", "I moved within this town"),
        EventKind::MoveOut => (
            "ほかの市区町村へ引っ越す (転出)",
            "I am moving to another town in Japan",
        ),
        EventKind::MoveOutAbroad => ("海外へ引っ越す (国外転出)", "I am moving abroad"),
        EventKind::HouseholdChange => (
            "世帯主が変わる・世帯を分ける/合わせる (世帯変更)",
            "The head of household changes, or households split or merge",
        ),
        EventKind::Death => ("家族が亡くなった (おくやみ)", "A family member died"),
    }
}

/// The event kind as a short heading.
pub fn event_short(k: EventKind) -> Tr {
    (k.label_ja(), k.label_en())
}

/// 続柄 choices (to the head of household), in the intake's codes.
pub const RELATIONS: [(&str, Tr); 8] = [
    ("head", ("世帯主 (本人)", "Head of household")),
    ("spouse", ("妻・夫", "Spouse")),
    ("child", ("子", "Child")),
    ("parent", ("父・母", "Parent")),
    ("grandchild", ("孫", "Grandchild")),
    ("sibling", ("兄弟姉妹", "Brother or sister")),
    ("other_relative", ("その他の親族", "Other relative")),
    (
        "cohabitant",
        ("同居人", "Lives with the household (not related)"),
    ),
];

/// Nationalities offered in the list (the most common among residents of Japan); any other
/// is entered as its two-letter code.
pub const NATIONALITIES: [(&str, Tr); 16] = [
    ("JP", ("日本", "Japan")),
    ("CN", ("中国", "China")),
    ("VN", ("ベトナム", "Viet Nam")),
    ("KR", ("韓国", "Korea")),
    ("PH", ("フィリピン", "Philippines")),
    ("BR", ("ブラジル", "Brazil")),
    ("NP", ("ネパール", "Nepal")),
    ("ID", ("インドネシア", "Indonesia")),
    ("MM", ("ミャンマー", "Myanmar")),
    ("TW", ("台湾", "Taiwan")),
    ("US", ("アメリカ合衆国", "United States")),
    ("TH", ("タイ", "Thailand")),
    ("LK", ("スリランカ", "Sri Lanka")),
    ("IN", ("インド", "India")),
    ("BD", ("バングラデシュ", "Bangladesh")),
    ("PE", ("ペルー", "Peru")),
];

pub const SEXES: [(&str, Tr); 3] = [
    ("male", ("男性", "Male")),
    ("female", ("女性", "Female")),
    ("", ("回答しない", "Prefer not to say")),
];
