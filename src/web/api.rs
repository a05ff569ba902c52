//! The API for app makers (`docs/web.md`), as pure functions of the request body:
//!
//! - `POST /api/determine`: intake JSON → the determination JSON, byte for byte what
//!   `madoguchi determine --format json` prints (the shaping is `Determination::to_json_pretty`,
//!   shared with the CLI);
//! - `POST /api/qr`: intake JSON → `{"parts": [...], "images": ["data:image/png;base64,…"]}`,
//!   drawn by the reference encoder.
//!
//! Bad input is a 400 with the JSON path the intake parser names; the parser also refuses
//! anything shaped like a 個人番号.

use crate::intake::{parse_intake, Intake};
use crate::rules::{determine, ProcedureSet};
use base64::Engine as _;
use chrono::NaiveDate;
use serde_json::json;

/// A request the API refuses: HTTP 400 with `{"error": {"path", "message"}}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BadRequest {
    pub path: String,
    pub message: String,
}

impl BadRequest {
    pub fn new(path: &str, message: impl Into<String>) -> Self {
        BadRequest {
            path: path.to_string(),
            message: message.into(),
        }
    }

    pub fn to_json(&self) -> String {
        error_json(&self.path, &self.message)
    }
}

/// The API's error body.
pub fn error_json(path: &str, message: &str) -> String {
    let mut s = json!({ "error": { "path": path, "message": message } }).to_string();
    s.push('\n');
    s
}

/// The intake in a request body, checked against the set's vocabulary.
pub fn intake_of(set: &ProcedureSet, body: &[u8]) -> Result<Intake, BadRequest> {
    let text = std::str::from_utf8(body)
        .map_err(|_| BadRequest::new("$", "the body is not UTF-8 text"))?;
    parse_intake(text, &set.vocabulary).map_err(|e| BadRequest::new(&e.path, e.message))
}

/// `?today=YYYY-MM-DD` from a query string (other parameters are refused, so a typo is seen).
pub fn today_param(query: Option<&str>) -> Result<Option<NaiveDate>, BadRequest> {
    let mut today = None;
    for (k, v) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
        match k.as_ref() {
            "today" => {
                today = Some(crate::calendar::parse_date(&v).ok_or_else(|| {
                    BadRequest::new("?today", format!("{v:?} is not a date (YYYY-MM-DD)"))
                })?)
            }
            other => {
                return Err(BadRequest::new(
                    &format!("?{other}"),
                    "unknown parameter (only today=YYYY-MM-DD)",
                ))
            }
        }
    }
    Ok(today)
}

/// `POST /api/determine`: the CLI's `determine --format json` output, trailing newline
/// included.
pub fn determine_json(
    set: &ProcedureSet,
    body: &[u8],
    today: NaiveDate,
) -> Result<String, BadRequest> {
    let intake = intake_of(set, body)?;
    let mut out = determine(&intake, set, today).to_json_pretty();
    out.push('\n');
    Ok(out)
}

/// `POST /api/qr`: the parts' texts and their PNGs as data URLs.
pub fn qr_json(set: &ProcedureSet, body: &[u8], set_id: u32) -> Result<String, BadRequest> {
    let intake = intake_of(set, body)?;
    let parts = crate::qr::try_encode_parts(&intake, set_id)
        .map_err(|e| BadRequest::new("$", e.to_string()))?;
    let images: Vec<String> = parts
        .iter()
        .map(|p| {
            format!(
                "data:image/png;base64,{}",
                base64::engine::general_purpose::STANDARD.encode(crate::qr::render_png(p))
            )
        })
        .collect();
    let mut s = json!({ "parts": parts, "images": images }).to_string();
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set() -> ProcedureSet {
        crate::rules::load_embedded(None).unwrap().0
    }

    #[test]
    fn determine_is_the_clis_json() {
        let s = set();
        let body = include_str!("../../fixtures/intakes/move-in-family.json");
        let today = NaiveDate::from_ymd_opt(2026, 4, 6).unwrap();
        let out = determine_json(&s, body.as_bytes(), today).unwrap();
        let intake = parse_intake(body, &s.vocabulary).unwrap();
        assert_eq!(
            out,
            format!("{}\n", determine(&intake, &s, today).to_json_pretty())
        );
    }

    #[test]
    fn bad_input_names_its_path() {
        let s = set();
        let e =
            determine_json(&s, b"{\"format\":\"madoguchi-intake/1\"}", NaiveDate::MIN).unwrap_err();
        assert_eq!(e.path, "event");
        let e = determine_json(&s, &[0xff, 0xfe], NaiveDate::MIN).unwrap_err();
        assert_eq!(e.path, "$");
        assert_eq!(
            today_param(Some("today=2026-02-30")).unwrap_err().path,
            "?today"
        );
        assert_eq!(today_param(Some("tday=1")).unwrap_err().path, "?tday");
        assert_eq!(
            today_param(Some("today=2026-04-06")).unwrap(),
            NaiveDate::from_ymd_opt(2026, 4, 6)
        );
    }

    #[test]
    fn qr_parts_decode_to_the_same_intake() {
        let s = set();
        let body = include_str!("../../fixtures/intakes/move-in-family.json");
        let out: serde_json::Value =
            serde_json::from_str(&qr_json(&s, body.as_bytes(), 123456).unwrap()).unwrap();
        let parts: Vec<&str> = out["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap())
            .collect();
        assert_eq!(out["images"].as_array().unwrap().len(), parts.len());
        assert!(out["images"][0]
            .as_str()
            .unwrap()
            .starts_with("data:image/png;base64,iVBOR"));
        let mut asm = crate::qr::Assembler::new(s.vocabulary.clone());
        let mut got = None;
        for p in parts {
            if let Ok(crate::qr::Feed::Complete(i)) = asm.feed(p) {
                got = Some(i);
            }
        }
        assert_eq!(got.unwrap(), parse_intake(body, &s.vocabulary).unwrap());
    }
}
