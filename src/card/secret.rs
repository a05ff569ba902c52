//! The PIN and the 照合番号B: held only here, redacted in `Debug`/`Display`, zeroed on drop.

use super::error::{CardError, KeyKind};
use zeroize::{Zeroize, ZeroizeOnDrop};

/// A PIN (4 digits) or a 照合番号B (14 digits), as ASCII digits.
///
/// Deliberately not `Clone`: a secret is typed once and used once.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct Secret {
    digits: Vec<u8>,
    #[zeroize(skip)]
    code_b: bool,
}

impl Secret {
    /// A 4-digit PIN (ASCII digits only).
    pub fn pin(s: &str) -> Result<Secret, CardError> {
        Secret::digits(s, 4, false)
    }

    /// A 14-digit 照合番号B (ASCII digits only).
    pub fn code_b(s: &str) -> Result<Secret, CardError> {
        Secret::digits(s, 14, true)
    }

    fn digits(s: &str, n: usize, code_b: bool) -> Result<Secret, CardError> {
        if s.len() != n || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(CardError::BadSecretFormat);
        }
        Ok(Secret {
            digits: s.as_bytes().to_vec(),
            code_b,
        })
    }

    /// Whether this is a 照合番号B (opens EF 0015) rather than the PIN (EF 0011).
    pub fn is_code_b(&self) -> bool {
        self.code_b
    }

    pub fn kind(&self) -> KeyKind {
        if self.code_b {
            KeyKind::CodeB
        } else {
            KeyKind::Pin
        }
    }

    /// The ASCII digits, for the VERIFY command only.
    pub(crate) fn expose(&self) -> &[u8] {
        &self.digits
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

impl std::fmt::Display for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Builds the 照合番号B from what is printed on the card face: the birth date as 和暦
/// `YYMMDD` (元年 is `01`), the expiry year (4 digits, Gregorian) and the 4-digit
/// セキュリティコード.
///
/// Cards that print the birth date in the Gregorian calendar (some foreign residents) are not
/// covered here: the clerk types those 14 digits as printed, with [`Secret::code_b`].
pub fn code_b_from_card_face(
    birth: chrono::NaiveDate,
    expiry_year: u16,
    security_code: &str,
) -> Result<Secret, CardError> {
    let w = crate::calendar::to_wareki(birth).ok_or(CardError::BadSecretFormat)?;
    if w.year > 99 || !(1000..=9999).contains(&expiry_year) {
        return Err(CardError::BadSecretFormat);
    }
    if security_code.len() != 4 || !security_code.bytes().all(|b| b.is_ascii_digit()) {
        return Err(CardError::BadSecretFormat);
    }
    let mut s = zeroize::Zeroizing::new(format!(
        "{:02}{:02}{:02}{expiry_year:04}{security_code}",
        w.year, w.month, w.day
    ));
    let secret = Secret::code_b(&s);
    s.zeroize();
    secret
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn formats() {
        assert!(Secret::pin("1234").is_ok());
        for bad in ["123", "12345", "12a4", "１２３４", " 1234", ""] {
            assert_eq!(
                Secret::pin(bad).unwrap_err(),
                CardError::BadSecretFormat,
                "{bad:?}"
            );
        }
        assert!(Secret::code_b("55021720301234").unwrap().is_code_b());
        assert!(Secret::code_b("5502172030123").is_err());
    }

    #[test]
    fn redacted() {
        let s = Secret::pin("4321").unwrap();
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(&s)), "Some([redacted])");
    }

    fn code_b(b: NaiveDate) -> String {
        let s = code_b_from_card_face(b, 2031, "0912").unwrap();
        String::from_utf8(s.expose().to_vec()).unwrap()
    }

    #[test]
    fn code_b_spec_example_and_era_boundaries() {
        // 昭和55年2月17日 → 550217 (the spec's example).
        assert_eq!(code_b(d(1980, 2, 17)), "55021720310912");
        // The last day of 昭和 and the first of 平成 (元年 = 01).
        assert_eq!(code_b(d(1989, 1, 7)), "64010720310912");
        assert_eq!(code_b(d(1989, 1, 8)), "01010820310912");
        // The last day of 平成 and the first of 令和.
        assert_eq!(code_b(d(2019, 4, 30)), "31043020310912");
        assert_eq!(code_b(d(2019, 5, 1)), "01050120310912");
        assert_eq!(code_b(d(1926, 12, 25)), "01122520310912");
    }

    #[test]
    fn code_b_refuses_bad_face_values() {
        assert!(code_b_from_card_face(d(1980, 2, 17), 2031, "091").is_err());
        assert!(code_b_from_card_face(d(1980, 2, 17), 2031, "09a2").is_err());
        assert!(code_b_from_card_face(d(1980, 2, 17), 31, "0912").is_err());
        assert!(code_b_from_card_face(d(1850, 1, 1), 2031, "0912").is_err());
    }
}
