//! Display labels the forms print as the 住民票 does: the nationality as the country's Japanese
//! name (ISO 3166-1 alpha-2, every assigned code), 続柄 by sex (妻/夫, 父/母, 兄/姉/弟/妹).

use crate::intake::{Member, Relation, Sex};

/// ISO 3166-1 alpha-2 → the Japanese short name (the 国・地域 column of the 住民票; 外務省の
/// 国・地域名 where one exists). Sorted by code.
pub const COUNTRIES: &[(&str, &str)] = &[
    ("AD", "アンドラ"),
    ("AE", "アラブ首長国連邦"),
    ("AF", "アフガニスタン"),
    ("AG", "アンティグア・バーブーダ"),
    ("AI", "アンギラ"),
    ("AL", "アルバニア"),
    ("AM", "アルメニア"),
    ("AO", "アンゴラ"),
    ("AQ", "南極"),
    ("AR", "アルゼンチン"),
    ("AS", "米領サモア"),
    ("AT", "オーストリア"),
    ("AU", "オーストラリア"),
    ("AW", "アルバ"),
    ("AX", "オーランド諸島"),
    ("AZ", "アゼルバイジャン"),
    ("BA", "ボスニア・ヘルツェゴビナ"),
    ("BB", "バルバドス"),
    ("BD", "バングラデシュ"),
    ("BE", "ベルギー"),
    ("BF", "ブルキナファソ"),
    ("BG", "ブルガリア"),
    ("BH", "バーレーン"),
    ("BI", "ブルンジ"),
    ("BJ", "ベナン"),
    ("BL", "サン・バルテルミー"),
    ("BM", "バミューダ"),
    ("BN", "ブルネイ"),
    ("BO", "ボリビア"),
    ("BQ", "ボネール、シント・ユースタティウス及びサバ"),
    ("BR", "ブラジル"),
    ("BS", "バハマ"),
    ("BT", "ブータン"),
    ("BV", "ブーベ島"),
    ("BW", "ボツワナ"),
    ("BY", "ベラルーシ"),
    ("BZ", "ベリーズ"),
    ("CA", "カナダ"),
    ("CC", "ココス（キーリング）諸島"),
    ("CD", "コンゴ民主共和国"),
    ("CF", "中央アフリカ"),
    ("CG", "コンゴ共和国"),
    ("CH", "スイス"),
    ("CI", "コートジボワール"),
    ("CK", "クック諸島"),
    ("CL", "チリ"),
    ("CM", "カメルーン"),
    ("CN", "中国"),
    ("CO", "コロンビア"),
    ("CR", "コスタリカ"),
    ("CU", "キューバ"),
    ("CV", "カーボベルデ"),
    ("CW", "キュラソー"),
    ("CX", "クリスマス島"),
    ("CY", "キプロス"),
    ("CZ", "チェコ"),
    ("DE", "ドイツ"),
    ("DJ", "ジブチ"),
    ("DK", "デンマーク"),
    ("DM", "ドミニカ国"),
    ("DO", "ドミニカ共和国"),
    ("DZ", "アルジェリア"),
    ("EC", "エクアドル"),
    ("EE", "エストニア"),
    ("EG", "エジプト"),
    ("EH", "西サハラ"),
    ("ER", "エリトリア"),
    ("ES", "スペイン"),
    ("ET", "エチオピア"),
    ("FI", "フィンランド"),
    ("FJ", "フィジー"),
    ("FK", "フォークランド諸島"),
    ("FM", "ミクロネシア"),
    ("FO", "フェロー諸島"),
    ("FR", "フランス"),
    ("GA", "ガボン"),
    ("GB", "英国"),
    ("GD", "グレナダ"),
    ("GE", "ジョージア"),
    ("GF", "仏領ギアナ"),
    ("GG", "ガーンジー"),
    ("GH", "ガーナ"),
    ("GI", "ジブラルタル"),
    ("GL", "グリーンランド"),
    ("GM", "ガンビア"),
    ("GN", "ギニア"),
    ("GP", "グアドループ"),
    ("GQ", "赤道ギニア"),
    ("GR", "ギリシャ"),
    ("GS", "サウスジョージア・サウスサンドウィッチ諸島"),
    ("GT", "グアテマラ"),
    ("GU", "グアム"),
    ("GW", "ギニアビサウ"),
    ("GY", "ガイアナ"),
    ("HK", "香港"),
    ("HM", "ハード島・マクドナルド諸島"),
    ("HN", "ホンジュラス"),
    ("HR", "クロアチア"),
    ("HT", "ハイチ"),
    ("HU", "ハンガリー"),
    ("ID", "インドネシア"),
    ("IE", "アイルランド"),
    ("IL", "イスラエル"),
    ("IM", "マン島"),
    ("IN", "インド"),
    ("IO", "英領インド洋地域"),
    ("IQ", "イラク"),
    ("IR", "イラン"),
    ("IS", "アイスランド"),
    ("IT", "イタリア"),
    ("JE", "ジャージー"),
    ("JM", "ジャマイカ"),
    ("JO", "ヨルダン"),
    ("JP", "日本"),
    ("KE", "ケニア"),
    ("KG", "キルギス"),
    ("KH", "カンボジア"),
    ("KI", "キリバス"),
    ("KM", "コモロ"),
    ("KN", "セントクリストファー・ネービス"),
    ("KP", "北朝鮮"),
    ("KR", "韓国"),
    ("KW", "クウェート"),
    ("KY", "ケイマン諸島"),
    ("KZ", "カザフスタン"),
    ("LA", "ラオス"),
    ("LB", "レバノン"),
    ("LC", "セントルシア"),
    ("LI", "リヒテンシュタイン"),
    ("LK", "スリランカ"),
    ("LR", "リベリア"),
    ("LS", "レソト"),
    ("LT", "リトアニア"),
    ("LU", "ルクセンブルク"),
    ("LV", "ラトビア"),
    ("LY", "リビア"),
    ("MA", "モロッコ"),
    ("MC", "モナコ"),
    ("MD", "モルドバ"),
    ("ME", "モンテネグロ"),
    ("MF", "サン・マルタン（仏領）"),
    ("MG", "マダガスカル"),
    ("MH", "マーシャル諸島"),
    ("MK", "北マケドニア"),
    ("ML", "マリ"),
    ("MM", "ミャンマー"),
    ("MN", "モンゴル"),
    ("MO", "マカオ"),
    ("MP", "北マリアナ諸島"),
    ("MQ", "マルティニーク"),
    ("MR", "モーリタニア"),
    ("MS", "モントセラト"),
    ("MT", "マルタ"),
    ("MU", "モーリシャス"),
    ("MV", "モルディブ"),
    ("MW", "マラウイ"),
    ("MX", "メキシコ"),
    ("MY", "マレーシア"),
    ("MZ", "モザンビーク"),
    ("NA", "ナミビア"),
    ("NC", "ニューカレドニア"),
    ("NE", "ニジェール"),
    ("NF", "ノーフォーク島"),
    ("NG", "ナイジェリア"),
    ("NI", "ニカラグア"),
    ("NL", "オランダ"),
    ("NO", "ノルウェー"),
    ("NP", "ネパール"),
    ("NR", "ナウル"),
    ("NU", "ニウエ"),
    ("NZ", "ニュージーランド"),
    ("OM", "オマーン"),
    ("PA", "パナマ"),
    ("PE", "ペルー"),
    ("PF", "仏領ポリネシア"),
    ("PG", "パプアニューギニア"),
    ("PH", "フィリピン"),
    ("PK", "パキスタン"),
    ("PL", "ポーランド"),
    ("PM", "サンピエール・ミクロン"),
    ("PN", "ピトケアン"),
    ("PR", "プエルトリコ"),
    ("PS", "パレスチナ"),
    ("PT", "ポルトガル"),
    ("PW", "パラオ"),
    ("PY", "パラグアイ"),
    ("QA", "カタール"),
    ("RE", "レユニオン"),
    ("RO", "ルーマニア"),
    ("RS", "セルビア"),
    ("RU", "ロシア"),
    ("RW", "ルワンダ"),
    ("SA", "サウジアラビア"),
    ("SB", "ソロモン諸島"),
    ("SC", "セーシェル"),
    ("SD", "スーダン"),
    ("SE", "スウェーデン"),
    ("SG", "シンガポール"),
    ("SH", "セントヘレナ・アセンション及びトリスタンダクーニャ"),
    ("SI", "スロベニア"),
    ("SJ", "スヴァールバル諸島及びヤンマイエン島"),
    ("SK", "スロバキア"),
    ("SL", "シエラレオネ"),
    ("SM", "サンマリノ"),
    ("SN", "セネガル"),
    ("SO", "ソマリア"),
    ("SR", "スリナム"),
    ("SS", "南スーダン"),
    ("ST", "サントメ・プリンシペ"),
    ("SV", "エルサルバドル"),
    ("SX", "シント・マールテン"),
    ("SY", "シリア"),
    ("SZ", "エスワティニ"),
    ("TC", "タークス・カイコス諸島"),
    ("TD", "チャド"),
    ("TF", "仏領南方・南極地域"),
    ("TG", "トーゴ"),
    ("TH", "タイ"),
    ("TJ", "タジキスタン"),
    ("TK", "トケラウ"),
    ("TL", "東ティモール"),
    ("TM", "トルクメニスタン"),
    ("TN", "チュニジア"),
    ("TO", "トンガ"),
    ("TR", "トルコ"),
    ("TT", "トリニダード・トバゴ"),
    ("TV", "ツバル"),
    ("TW", "台湾"),
    ("TZ", "タンザニア"),
    ("UA", "ウクライナ"),
    ("UG", "ウガンダ"),
    ("UM", "合衆国領有小離島"),
    ("US", "米国"),
    ("UY", "ウルグアイ"),
    ("UZ", "ウズベキスタン"),
    ("VA", "バチカン"),
    ("VC", "セントビンセント及びグレナディーン諸島"),
    ("VE", "ベネズエラ"),
    ("VG", "英領ヴァージン諸島"),
    ("VI", "米領ヴァージン諸島"),
    ("VN", "ベトナム"),
    ("VU", "バヌアツ"),
    ("WF", "ウォリス・フツナ"),
    ("WS", "サモア"),
    ("YE", "イエメン"),
    ("YT", "マヨット"),
    ("ZA", "南アフリカ"),
    ("ZM", "ザンビア"),
    ("ZW", "ジンバブエ"),
];

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
