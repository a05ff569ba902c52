//! Everything that can go wrong while reading a card, with the words the clerk sees.
//!
//! Messages never contain anything read from the card, nor the PIN: only status words,
//! counts and fixed descriptions of where a record was malformed.

use crate::error_kind::ErrorKind;

/// One distinct value per outcome the clerk can meet (`mynumber-card.md`, "Status words").
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardError {
    /// pcscd is not running (or not reachable).
    ServiceNotRunning,
    /// No reader is connected, or the named reader does not exist.
    NoReader,
    /// Another program holds the reader or the card exclusively.
    ReaderBusy,
    /// The reader is empty.
    NoCard,
    /// The card was taken away during the read.
    CardRemoved,
    /// The card does not answer (badly placed, dead chip).
    Unresponsive,
    /// Wrong PIN / 照合番号B; `tries_left` > 0 (`63 Cx`).
    WrongPin { tries_left: u8 },
    /// The key is blocked (`63 C0`, `69 84`, `69 83`).
    Blocked,
    /// The input support application is absent (`6A 82`).
    NotMyNumberCard,
    /// The PIN is not 4 digits, or the 照合番号B not 14 digits.
    BadSecretFormat,
    /// The 基本4情報 record is malformed; the text says where (never what).
    Damaged(String),
    /// Any other status word (`69 82` included: an internal error).
    Status(u8, u8),
    /// An unexpected PC/SC error.
    Pcsc(String),
}

/// Which key a message is about: the clerk must hear "暗証番号" or "照合番号B" as it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum KeyKind {
    Pin,
    CodeB,
}

impl KeyKind {
    fn ja(self) -> &'static str {
        match self {
            KeyKind::Pin => "暗証番号",
            KeyKind::CodeB => "照合番号B",
        }
    }
    fn en(self) -> &'static str {
        match self {
            KeyKind::Pin => "PIN",
            KeyKind::CodeB => "collation number B",
        }
    }
}

impl CardError {
    /// The clerk-facing message in Japanese, about the PIN.
    pub fn message_ja(&self) -> String {
        self.message_ja_for(KeyKind::Pin)
    }

    /// The message in English, about the PIN.
    pub fn message_en(&self) -> String {
        self.message_en_for(KeyKind::Pin)
    }

    /// The Japanese message naming the key that was used.
    pub fn message_ja_for(&self, key: KeyKind) -> String {
        let k = key.ja();
        match self {
            CardError::ServiceNotRunning => "カードリーダーのサービス (pcscd) が動いていません。システム担当者に連絡してください。".into(),
            CardError::NoReader => "カードリーダーが見つかりません。リーダーのケーブルが接続されているか確認してください。".into(),
            CardError::ReaderBusy => "カードリーダーが別のプログラムで使用中です。少し待ってから、もう一度読み取ってください。".into(),
            CardError::NoCard => "カードが置かれていません。マイナンバーカードをリーダーに置いてください。".into(),
            CardError::CardRemoved => "読み取りの途中でカードが外れました。カードを置き直して、もう一度読み取ってください。".into(),
            CardError::Unresponsive => "カードが応答しません。カードの向きと置き方を確かめて、もう一度読み取ってください。".into(),
            CardError::WrongPin { tries_left: 1 } => format!(
                "{k}が違います。【注意】残りはあと1回です。次に間違えるとロックされ、住所地の市区町村の窓口で再設定が必要になります。確かでなければ入力せず、{}または手入力に切り替えてください。",
                match key { KeyKind::Pin => "照合番号Bでの読み取り", KeyKind::CodeB => "暗証番号での読み取り" }
            ),
            CardError::WrongPin { tries_left } => format!("{k}が違います。あと{tries_left}回間違えるとロックされます。"),
            CardError::Blocked => match key {
                KeyKind::Pin => "暗証番号がロックされています。暗証番号の再設定は、住所地の市区町村の窓口で行えます。今日の手続きは、照合番号B（カード券面の生年月日・有効期限の年・セキュリティコード）での読み取りか、手入力で進めてください。".into(),
                KeyKind::CodeB => "照合番号Bがロックされています。カードの再設定は住所地の市区町村の窓口で行えます。今日の手続きは、手入力で進めてください。".into(),
            },
            CardError::NotMyNumberCard => "このカードはマイナンバーカードではありません。マイナンバーカードを置いてください。".into(),
            CardError::BadSecretFormat => match key {
                KeyKind::Pin => "暗証番号は数字4桁で入力してください。".into(),
                KeyKind::CodeB => "照合番号Bは数字14桁（生年月日6桁・有効期限の年4桁・セキュリティコード4桁）で入力してください。".into(),
            },
            CardError::Damaged(w) => format!("カードの基本4情報を正しく読み取れませんでした（{w}）。手入力で進めてください。"),
            CardError::Status(0x69, 0x82) => "内部エラー: 暗証番号の確認前に読み取ろうとしました (SW 69 82)。不具合として報告してください。".into(),
            CardError::Status(a, b) => format!("カードが想定外の応答をしました (SW {a:02X} {b:02X})。もう一度読み取り、続くときは手入力で進めてください。"),
            CardError::Pcsc(e) => format!("カードリーダーでエラーが起きました ({e})。もう一度読み取ってください。"),
        }
    }

    /// The English message naming the key that was used.
    pub fn message_en_for(&self, key: KeyKind) -> String {
        let k = key.en();
        match self {
            CardError::ServiceNotRunning => "The smart card service (pcscd) is not running. Contact the system administrator.".into(),
            CardError::NoReader => "No card reader found. Check that the reader is connected.".into(),
            CardError::ReaderBusy => "The card reader is in use by another program. Wait a moment and read again.".into(),
            CardError::NoCard => "No card in the reader. Place the My Number card on the reader.".into(),
            CardError::CardRemoved => "The card was removed during the read. Place it again and read again.".into(),
            CardError::Unresponsive => "The card does not respond. Check how it is placed and read again.".into(),
            CardError::WrongPin { tries_left: 1 } => format!("Wrong {k}. WARNING: 1 try left. One more mistake blocks it and it must be reset at the resident's municipal office. If unsure, do not try again: use the other key or manual entry."),
            CardError::WrongPin { tries_left } => format!("Wrong {k}. {tries_left} tries left before it is blocked."),
            CardError::Blocked => format!("The {k} is blocked. It can be reset at the resident's municipal office. Today, use {} or manual entry.", match key { KeyKind::Pin => "collation number B", KeyKind::CodeB => "the PIN" }),
            CardError::NotMyNumberCard => "This is not a My Number card.".into(),
            CardError::BadSecretFormat => match key {
                KeyKind::Pin => "The PIN is 4 digits.".into(),
                KeyKind::CodeB => "Collation number B is 14 digits (birth date, expiry year, security code).".into(),
            },
            CardError::Damaged(w) => format!("The card's basic 4 facts could not be read ({w}). Enter them manually."),
            CardError::Status(0x69, 0x82) => "Internal error: read attempted before verification (SW 69 82). Please report this bug.".into(),
            CardError::Status(a, b) => format!("Unexpected answer from the card (SW {a:02X} {b:02X}). Read again; if it persists, enter manually."),
            CardError::Pcsc(e) => format!("Card reader error ({e}). Read again."),
        }
    }

    /// What kind of failure this is (the CLI maps it to `cli.md`'s exit codes: 3 device,
    /// 4 refused by the card, 2 bad input, 1 a bug).
    pub fn kind(&self) -> ErrorKind {
        match self {
            CardError::ServiceNotRunning
            | CardError::NoReader
            | CardError::ReaderBusy
            | CardError::NoCard
            | CardError::CardRemoved
            | CardError::Unresponsive
            | CardError::Pcsc(_) => ErrorKind::Unavailable,
            CardError::WrongPin { .. } | CardError::Blocked | CardError::NotMyNumberCard => {
                ErrorKind::CardRefused
            }
            CardError::BadSecretFormat => ErrorKind::BadInput,
            // "69 82" means this program read before verifying: a bug.
            CardError::Status(0x69, 0x82) => ErrorKind::Internal,
            // A malformed record or an unknown status: the card cannot be used today.
            CardError::Damaged(_) | CardError::Status(..) => ErrorKind::Unavailable,
        }
    }
}

impl std::fmt::Display for CardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message_en())
    }
}

impl std::error::Error for CardError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_error_has_a_distinct_message_and_code() {
        let all = [
            CardError::ServiceNotRunning,
            CardError::NoReader,
            CardError::ReaderBusy,
            CardError::NoCard,
            CardError::CardRemoved,
            CardError::Unresponsive,
            CardError::WrongPin { tries_left: 2 },
            CardError::WrongPin { tries_left: 1 },
            CardError::Blocked,
            CardError::NotMyNumberCard,
            CardError::BadSecretFormat,
            CardError::Damaged("DF21".into()),
            CardError::Status(0x69, 0x82),
            CardError::Status(0x6F, 0x00),
            CardError::Pcsc("x".into()),
        ];
        let ja: std::collections::HashSet<_> = all.iter().map(|e| e.message_ja()).collect();
        let en: std::collections::HashSet<_> = all.iter().map(|e| e.message_en()).collect();
        assert_eq!(ja.len(), all.len());
        assert_eq!(en.len(), all.len());
        assert!(CardError::WrongPin { tries_left: 2 }
            .message_ja()
            .contains("あと2回"));
        assert!(CardError::WrongPin { tries_left: 1 }
            .message_ja()
            .contains("【注意】"));
        let b = CardError::Blocked.message_ja();
        assert!(b.contains("市区町村の窓口") && b.contains("照合番号B") && b.contains("手入力"));
        assert!(CardError::Status(0x6F, 0x00).message_ja().contains("6F 00"));
        assert_eq!(CardError::NoCard.kind(), ErrorKind::Unavailable);
        assert_eq!(CardError::Blocked.kind(), ErrorKind::CardRefused);
        assert_eq!(
            CardError::WrongPin { tries_left: 2 }.kind(),
            ErrorKind::CardRefused
        );
        assert_eq!(CardError::NotMyNumberCard.kind(), ErrorKind::CardRefused);
        assert_eq!(CardError::Status(0x69, 0x82).kind(), ErrorKind::Internal);
        assert!(CardError::WrongPin { tries_left: 2 }
            .message_ja_for(KeyKind::CodeB)
            .starts_with("照合番号B"));
    }
}
