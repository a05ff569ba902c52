//! Reading the 都道府県 from the start of a Japanese address, for the derived facts
//! `event.from_other_prefecture` / `event.to_other_prefecture` (catalogue Edition 2).
//!
//! The reader is deliberately strict: it names a prefecture only when the address says so
//! (the full name with 都・道・府・県, or one of the 20 政令指定都市, whose names are unique in
//! Japan). Anything else — a bare city name ("府中市" is in 東京都 and in 広島県), a
//! romanised address, an empty string — is *unreadable*, and the engine asks the clerk
//! instead of guessing. Full-width and half-width forms, a leading 〒 postal code, spaces
//! (U+3000 too) and a leading 日本国 are tolerated.

/// The 47 都道府県, in the order of the 全国地方公共団体コード.
pub const PREFECTURES: [&str; 47] = [
    "北海道",
    "青森県",
    "岩手県",
    "宮城県",
    "秋田県",
    "山形県",
    "福島県",
    "茨城県",
    "栃木県",
    "群馬県",
    "埼玉県",
    "千葉県",
    "東京都",
    "神奈川県",
    "新潟県",
    "富山県",
    "石川県",
    "福井県",
    "山梨県",
    "長野県",
    "岐阜県",
    "静岡県",
    "愛知県",
    "三重県",
    "滋賀県",
    "京都府",
    "大阪府",
    "兵庫県",
    "奈良県",
    "和歌山県",
    "鳥取県",
    "島根県",
    "岡山県",
    "広島県",
    "山口県",
    "徳島県",
    "香川県",
    "愛媛県",
    "高知県",
    "福岡県",
    "佐賀県",
    "長崎県",
    "熊本県",
    "大分県",
    "宮崎県",
    "鹿児島県",
    "沖縄県",
];

/// The 政令指定都市, often written without their prefecture ("横浜市中区…"); each name is
/// unique in Japan, so it names its prefecture.
const DESIGNATED_CITIES: [(&str, &str); 20] = [
    ("札幌市", "北海道"),
    ("仙台市", "宮城県"),
    ("さいたま市", "埼玉県"),
    ("千葉市", "千葉県"),
    ("横浜市", "神奈川県"),
    ("川崎市", "神奈川県"),
    ("相模原市", "神奈川県"),
    ("新潟市", "新潟県"),
    ("静岡市", "静岡県"),
    ("浜松市", "静岡県"),
    ("名古屋市", "愛知県"),
    ("京都市", "京都府"),
    ("大阪市", "大阪府"),
    ("堺市", "大阪府"),
    ("神戸市", "兵庫県"),
    ("岡山市", "岡山県"),
    ("広島市", "広島県"),
    ("北九州市", "福岡県"),
    ("福岡市", "福岡県"),
    ("熊本市", "熊本県"),
];

/// Full-width ASCII to half-width, U+3000 to a space; everything else unchanged.
fn narrow(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            _ => c,
        })
        .collect()
}

/// Drops what may precede the prefecture: spaces, a 〒 / postal code ("〒999-0001",
/// "999-0001", "〒9990001"), and 日本国.
fn strip_prefix_noise(s: &str) -> &str {
    let mut rest = s.trim_start();
    loop {
        let before = rest;
        if let Some(r) = rest.strip_prefix('〒') {
            rest = r.trim_start();
        }
        if let Some(r) = rest.strip_prefix("郵便番号") {
            rest = r.trim_start_matches([':', '：']).trim_start();
        }
        // A postal code: 3 digits, an optional hyphen of any width, 4 digits.
        let digits: Vec<(usize, char)> = rest.char_indices().take(9).collect();
        let is_digit = |i: usize| digits.get(i).is_some_and(|(_, c)| c.is_ascii_digit());
        let is_dash = |i: usize| {
            digits
                .get(i)
                .is_some_and(|(_, c)| matches!(c, '-' | 'ー' | '‐' | '−' | '－'))
        };
        let code_len = if (0..3).all(is_digit) && is_dash(3) && (4..8).all(is_digit) {
            Some(8)
        } else if (0..7).all(is_digit) && !is_digit(7) {
            Some(7)
        } else {
            None
        };
        if let Some(n) = code_len {
            let end = digits.get(n).map_or(rest.len(), |(i, _)| *i);
            rest = rest[end..].trim_start();
        }
        if let Some(r) = rest.strip_prefix("日本国") {
            rest = r.trim_start();
        }
        if rest == before {
            return rest;
        }
    }
}

/// The prefecture an address starts with, by its canonical name; `None` when it cannot be
/// read (then the clerk is asked).
pub fn prefecture_of(address: &str) -> Option<&'static str> {
    let narrowed = narrow(address);
    let rest = strip_prefix_noise(&narrowed);
    if let Some(p) = PREFECTURES.iter().find(|p| rest.starts_with(**p)) {
        return Some(p);
    }
    DESIGNATED_CITIES
        .iter()
        .find(|(city, _)| rest.starts_with(city))
        .map(|(_, p)| *p)
}

/// The canonical name of a prefecture written alone (municipality.toml's `prefecture`).
pub fn canonical_prefecture(name: &str) -> Option<&'static str> {
    let n = narrow(name);
    let n = n.trim();
    PREFECTURES.iter().find(|p| **p == n).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_prefecture_is_read_from_the_start_of_an_address() {
        for p in PREFECTURES {
            assert_eq!(prefecture_of(&format!("{p}どこか市１番地")), Some(p), "{p}");
            assert_eq!(canonical_prefecture(p), Some(p));
        }
        assert_eq!(
            prefecture_of("東京都三鷹市野崎一丁目１番１号"),
            Some("東京都")
        );
        assert_eq!(
            prefecture_of("北海道北見市北五条東２丁目１番地"),
            Some("北海道")
        );
        assert_eq!(prefecture_of("大阪府大阪市北区"), Some("大阪府"));
        assert_eq!(prefecture_of("京都府京都市中京区"), Some("京都府"));
        assert_eq!(prefecture_of("神奈川県横浜市中区"), Some("神奈川県"));
        assert_eq!(prefecture_of("和歌山県和歌山市"), Some("和歌山県"));
        assert_eq!(prefecture_of("鹿児島県鹿児島市"), Some("鹿児島県"));
    }

    #[test]
    fn postal_codes_spaces_and_widths_are_tolerated() {
        assert_eq!(prefecture_of("〒181-0001 東京都三鷹市"), Some("東京都"));
        assert_eq!(
            prefecture_of("〒１８１－０００１　東京都三鷹市"),
            Some("東京都")
        );
        assert_eq!(
            prefecture_of("１８１－０００１　東京都三鷹市"),
            Some("東京都")
        );
        assert_eq!(prefecture_of("〒1810001東京都三鷹市"), Some("東京都"));
        assert_eq!(prefecture_of("　　山形県山形市旅篭町"), Some("山形県"));
        assert_eq!(prefecture_of(" 日本国 沖縄県那覇市"), Some("沖縄県"));
        assert_eq!(
            prefecture_of("郵便番号：990-8540 山形県山形市"),
            Some("山形県")
        );
        assert_eq!(canonical_prefecture(" 山形県　"), Some("山形県"));
    }

    #[test]
    fn designated_cities_name_their_prefecture() {
        assert_eq!(
            prefecture_of("横浜市中区港町１丁目１番地"),
            Some("神奈川県")
        );
        assert_eq!(prefecture_of("札幌市中央区北一条西二丁目"), Some("北海道"));
        assert_eq!(prefecture_of("北九州市小倉北区"), Some("福岡県"));
        assert_eq!(prefecture_of("さいたま市浦和区"), Some("埼玉県"));
        assert_eq!(prefecture_of("堺市堺区"), Some("大阪府"));
    }

    #[test]
    fn what_cannot_be_read_is_unknown_never_guessed() {
        // 府中市 is in 東京都 and in 広島県; 伊達市 in 北海道 and 福島県.
        assert_eq!(prefecture_of("府中市宮西町２丁目"), None);
        assert_eq!(prefecture_of("伊達市梁川町"), None);
        // A prefecture name without its suffix is not read (石川町 is in 福島県).
        assert_eq!(prefecture_of("石川町字長久保"), None);
        assert_eq!(prefecture_of("東京 新宿区"), None);
        assert_eq!(prefecture_of(""), None);
        assert_eq!(prefecture_of("　"), None);
        assert_eq!(prefecture_of("1-1 Nozaki, Mitaka-shi, Tokyo"), None);
        assert_eq!(prefecture_of("まどぐち市本町１丁目"), None);
        // The prefecture must lead, not appear later.
        assert_eq!(prefecture_of("三鷹市（東京都）"), None);
        assert_eq!(canonical_prefecture("山形"), None);
        assert_eq!(canonical_prefecture("Yamagata"), None);
    }
}
