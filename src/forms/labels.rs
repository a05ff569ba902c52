//! Display labels the forms print as the 住民票 does: the nationality as the country's Japanese
//! name (ISO 3166-1 alpha-2, every assigned code), 続柄 by sex (妻/夫, 父/母, 兄/姉/弟/妹).

use crate::intake::{Member, Relation, Sex};

/// ISO 3166-1 alpha-2 → the Japanese short name: the one table, kept with the intake (whose
/// parser accepts only these codes).
pub use crate::intake::country::COUNTRIES;

/// The Japanese name of a nationality code; an unknown code prints as it is (the clerk sees
/// it), `None` for an empty one.
pub fn country_ja(code: &str) -> Option<String> {
    let c = code.trim().to_ascii_uppercase();
    if c.is_empty() {
        return None;
    }
    Some(
        match COUNTRIES.binary_search_by(|(k, _)| k.cmp(&c.as_str())) {
            Ok(i) => COUNTRIES[i].1.to_string(),
            Err(_) => c,
        },
    )
}

/// 続柄 as the 住民票 prints it, from the relation code, the member's sex and (for siblings)
/// whether they are older than the head. A `relation_label` given by the intake wins.
pub fn relation_ja(rel: Relation, sex: Option<Sex>, older_than_head: Option<bool>) -> &'static str {
    use Relation::*;
    match (rel, sex) {
        (Head, _) => "世帯主",
        (Spouse, Some(Sex::Female)) => "妻",
        (Spouse, Some(Sex::Male)) => "夫",
        (Spouse, _) => "配偶者",
        (Child, _) => "子",
        (Parent, Some(Sex::Female)) => "母",
        (Parent, Some(Sex::Male)) => "父",
        (Parent, _) => "親",
        (Grandchild, _) => "子の子",
        (Sibling, Some(Sex::Male)) => match older_than_head {
            Some(true) => "兄",
            Some(false) => "弟",
            None => "兄弟姉妹",
        },
        (Sibling, Some(Sex::Female)) => match older_than_head {
            Some(true) => "姉",
            Some(false) => "妹",
            None => "兄弟姉妹",
        },
        (Sibling, _) => "兄弟姉妹",
        (OtherRelative, _) => "縁故者",
        (Cohabitant, _) => "同居人",
    }
}

/// The printed 続柄 of a member to a head (`head` for the sibling's elder/younger).
pub fn member_relation(m: &Member, rel: Option<Relation>, head: Option<&Member>) -> Option<String> {
    let rel = rel?;
    let older = head.map(|h| m.birth_date < h.birth_date);
    Some(relation_ja(rel, m.sex, older).to_string())
}

/// English 続柄 for the guidance sheet.
pub fn relation_en(rel: Relation, sex: Option<Sex>) -> &'static str {
    use Relation::*;
    match (rel, sex) {
        (Head, _) => "head of household",
        (Spouse, Some(Sex::Female)) => "wife",
        (Spouse, Some(Sex::Male)) => "husband",
        (Spouse, _) => "spouse",
        (Child, _) => "child",
        (Parent, Some(Sex::Female)) => "mother",
        (Parent, Some(Sex::Male)) => "father",
        (Parent, _) => "parent",
        (Grandchild, _) => "grandchild",
        (Sibling, Some(Sex::Female)) => "sister",
        (Sibling, Some(Sex::Male)) => "brother",
        (Sibling, _) => "sibling",
        (OtherRelative, _) => "relative",
        (Cohabitant, _) => "cohabitant",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_once_sorted_and_named() {
        assert_eq!(COUNTRIES.len(), 249);
        assert!(
            COUNTRIES.windows(2).all(|w| w[0].0 < w[1].0),
            "sorted, no duplicate"
        );
        assert_eq!(country_ja("PH").as_deref(), Some("フィリピン"));
        assert_eq!(country_ja("jp").as_deref(), Some("日本"));
        assert_eq!(country_ja("VN").as_deref(), Some("ベトナム"));
        assert_eq!(country_ja("XX").as_deref(), Some("XX"));
    }

    #[test]
    fn relation_by_sex() {
        assert_eq!(relation_ja(Relation::Spouse, Some(Sex::Female), None), "妻");
        assert_eq!(relation_ja(Relation::Parent, Some(Sex::Male), None), "父");
        assert_eq!(
            relation_ja(Relation::Sibling, Some(Sex::Female), Some(false)),
            "妹"
        );
    }
}
