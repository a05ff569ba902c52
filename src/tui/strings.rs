//! Screen texts in Japanese and English, and the one rule for drawing any text: no
//! ambiguous-width characters, because a CJK terminal draws them two cells wide and every
//! column after them would shift.

use crate::rules::Lang;
use unicode_width::UnicodeWidthChar;

/// A text in both languages.
pub type T = (&'static str, &'static str);

pub fn tr(lang: Lang, t: T) -> &'static str {
    match lang {
        Lang::Ja => t.0,
        Lang::En => t.1,
    }
}

pub const STEP_RECEPTION: T = ("受付", "Event");
pub const STEP_HOUSEHOLD: T = ("世帯", "Household");
pub const STEP_CONFIRM: T = ("確認", "Questions");
pub const STEP_PROCEDURES: T = ("手続一覧", "Procedures");
pub const STEP_PRINT: T = ("印刷", "Print");
pub const STEP_DONE: T = ("完了", "Done");
pub const STEP_SUPERVISOR: T = ("手続定義", "Definitions");

pub const TRAINING: T = (
    "  練習モード  TRAINING  ここでの受付は本番に記録されません  ",
    "  TRAINING MODE  nothing here is recorded as a real case  ",
);
pub const TOO_SMALL: T = (
    "画面が小さすぎます。80 x 24 以上に広げてください (100 x 30 以上がおすすめです)",
    "The terminal is too small: make it at least 80 x 24 (100 x 30 or more is best)",
);
pub const ANSWER_ON_SCREEN: T = ("画面でお答えください", "Please answer on the screen");
pub const ANSWER_ON_SCREEN_SUB: T = (
    "この質問は声に出さずに、下のキーを押してお答えください。",
    "Please do not say the answer aloud; press one of the keys below.",
);
pub const PIN_TITLE: T = ("暗証番号を入力してください", "Please enter your PIN");
pub const PIN_SUB: T = (
    "マイナンバーカードの「券面事項入力補助用」の暗証番号 (数字4桁) を押して、Enter を押してください。",
    "Type the 4-digit PIN of your My Number card (for filling in forms), then press Enter.",
);
pub const CODE_B_TITLE: T = ("照合番号B を入力します (職員)", "Card-face code B (clerk)");
pub const CODE_B_SUB: T = (
    "カード表面から: 生年月日の和暦 YYMMDD 6桁 + 有効期限の西暦年 4桁 + セキュリティコード 4桁 (計14桁)。ご本人の同意を得てから入力してください。",
    "From the card face: birth date as era YYMMDD (6) + expiry year (4) + security code (4) = 14 digits. Ask the resident's consent first.",
);
pub const LAST_TRY: T = (
    "!! 注意: あと1回間違えるとカードがロックされます !!  不安なときは Esc で中止し、職員にお伝えください。",
    "!! WARNING: one more wrong PIN locks the card !!  If unsure, press Esc and tell the clerk.",
);
pub const CARD_CONFIRM_TITLE: T = (
    "カードの券面と照合してください",
    "Check these against the card face",
);

pub const NO_PENDING: T = (
    "確認が必要な質問はありません。F4 で手続一覧へ。",
    "No questions left. F4 shows the procedures.",
);

/// Replaces ambiguous-width characters with safe equivalents. Data from definitions and
/// residents goes through this before it is drawn.
pub fn safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\u{2014}' | '\u{2015}' | '\u{2013}' | '\u{2010}' => out.push('-'),
            '\u{2026}' => out.push_str("..."),
            '\u{2192}' => out.push_str("->"),
            '\u{2190}' => out.push_str("<-"),
            '\u{00D7}' => out.push('x'),
            '\u{00B7}' => out.push('\u{30FB}'),
            '\u{2018}' | '\u{2019}' => out.push('\''),
            '\u{201C}' | '\u{201D}' => out.push('"'),
            '\u{2265}' => out.push_str(">="),
            '\u{2264}' => out.push_str("<="),
            '\u{00B0}' => out.push_str("deg"),
            '\u{203B}' => out.push('*'),
            '\u{25CB}' | '\u{25CF}' | '\u{25A0}' | '\u{25A1}' | '\u{25C6}' | '\u{25C7}'
            | '\u{2605}' | '\u{2606}' => out.push('*'),
            '\t' => out.push(' '),
            c if c.is_control() => {}
            c if c.width() != c.width_cjk() => out.push('?'),
            c => out.push(c),
        }
    }
    out
}

/// Display width in terminal cells.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Cuts `s` to at most `w` cells.
pub fn fit(s: &str, w: usize) -> String {
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = c.width().unwrap_or(0);
        if used + cw > w {
            break;
        }
        used += cw;
        out.push(c);
    }
    out
}

/// Pads `s` with spaces to exactly `w` cells (cutting if longer).
pub fn pad(s: &str, w: usize) -> String {
    let mut out = fit(s, w);
    let n = w.saturating_sub(width(&out));
    out.extend(std::iter::repeat_n(' ', n));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ambiguous_characters_are_replaced() {
        assert_eq!(safe("A — B → C … ○"), "A - B -> C ... *");
        assert_eq!(safe("山田　太郎"), "山田　太郎");
        for t in [TRAINING, TOO_SMALL, PIN_SUB, LAST_TRY, CODE_B_SUB] {
            assert_eq!(safe(t.0), t.0);
            assert_eq!(safe(t.1), t.1);
        }
    }

    #[test]
    fn pad_and_fit_count_cells() {
        assert_eq!(pad("山田", 6), "山田  ");
        assert_eq!(fit("山田太郎", 5), "山田");
    }
}
