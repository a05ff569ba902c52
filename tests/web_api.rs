//! `madoguchi serve` as app makers and browsers without JavaScript meet it: a real server
//! process on a free loopback port, spoken to over HTTP/1.1.
//!
//! - `POST /api/determine` is byte for byte `madoguchi determine --format json`;
//! - `POST /api/qr` makes codes the counter's decoder reads back into the same intake;
//! - bad input gets 400 with the JSON path; a 個人番号 is refused; bodies over 1 MiB get 413;
//! - every response says `Cache-Control: no-store`, carries the strict CSP, sets no cookie;
//! - the page works as plain HTML forms (each step posted back with its hidden state);
//! - the server logs nothing a resident sent.

mod web_support;

use serde_json::{json, Value};
use web_support::{madoguchi, request, root, Response, Server};

const TODAY: &str = "2026-04-06";

fn post(s: &Server, path: &str, body: &[u8]) -> Response {
    request(&s.addr, "POST", path, Some("application/json"), body).unwrap()
}

fn fixtures() -> Vec<std::path::PathBuf> {
    let mut v: Vec<_> = std::fs::read_dir(root().join("fixtures/intakes"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    v.sort();
    v
}

fn assert_private(r: &Response) {
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let csp = r.header("content-security-policy").expect("a CSP");
    assert!(csp.starts_with("default-src 'none';"), "{csp}");
    assert!(
        !csp.contains("unsafe-inline") && !csp.contains("unsafe-eval"),
        "{csp}"
    );
    assert_eq!(r.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
    assert!(r.header("set-cookie").is_none());
}

#[test]
fn api_determine_is_byte_identical_to_the_cli() {
    let s = Server::start(&[]);
    for f in fixtures() {
        let body = std::fs::read(&f).unwrap();
        let r = post(&s, &format!("/api/determine?today={TODAY}"), &body);
        assert_eq!(r.status, 200, "{}: {}", f.display(), r.text());
        assert_eq!(
            r.header("content-type"),
            Some("application/json; charset=utf-8")
        );
        assert_private(&r);
        let (code, cli, err) = madoguchi(
            &[
                "determine",
                "--intake",
                "-",
                "--format",
                "json",
                "--today",
                TODAY,
            ],
            &body,
        );
        assert_eq!(code, 0, "{err}");
        assert_eq!(r.text(), cli, "{}: API and CLI differ", f.display());
    }
}

#[test]
fn api_qr_codes_read_back_into_the_same_intake() {
    let s = Server::start(&[]);
    let dir = tempfile::tempdir().unwrap();
    for f in fixtures() {
        let body = std::fs::read(&f).unwrap();
        let r = post(&s, "/api/qr", &body);
        assert_eq!(r.status, 200, "{}", r.text());
        assert_private(&r);
        let v = r.json();
        let parts: Vec<String> = v["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_string())
            .collect();
        let images = v["images"].as_array().unwrap();
        assert_eq!(images.len(), parts.len());
        // The counter's decoder, given the texts …
        let (code, from_texts, err) = madoguchi(&["qr", "decode"], parts.join("\n").as_bytes());
        assert_eq!(code, 0, "{err}");
        // … and given the images, read by zbarimg as a scanner would.
        let mut scanned = vec![];
        for (i, img) in images.iter().enumerate() {
            let b64 = img
                .as_str()
                .unwrap()
                .strip_prefix("data:image/png;base64,")
                .expect("a PNG data URL");
            use base64::Engine as _;
            let png = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            let path = dir.path().join(format!("{i}.png"));
            std::fs::write(&path, png).unwrap();
            if web_support::browser_available("reading the API's QR images") {
                scanned.extend(web_support::zbar(&path));
            } else {
                scanned.push(parts[i].clone());
            }
        }
        assert_eq!(scanned, parts, "the images carry the parts");
        // The reference encoder of the CLI gives the same intake.
        let out = dir.path().join("cli");
        let (code, _, err) = madoguchi(
            &[
                "qr",
                "encode",
                "--intake",
                f.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            b"",
        );
        assert_eq!(code, 0, "{err}");
        let cli_parts = std::fs::read(out.join("parts.txt")).unwrap();
        let (_, from_cli, _) = madoguchi(&["qr", "decode"], &cli_parts);
        assert_eq!(from_texts, from_cli, "{}", f.display());
    }
}

#[test]
fn bad_input_gets_400_with_the_json_path() {
    let s = Server::start(&[]);
    let family =
        std::fs::read_to_string(root().join("fixtures/intakes/move-in-family.json")).unwrap();
    let mut v: Value = serde_json::from_str(&family).unwrap();
    v["household"]["members"][1]["birth_date"] = json!("2026-02-30");
    let cases: Vec<(Vec<u8>, &str)> = vec![
        (
            v.to_string().into_bytes(),
            "household.members[1].birth_date",
        ),
        (b"{ not json".to_vec(), "$"),
        (vec![0xff, 0xfe, 0x00], "$"),
        (b"{\"format\":\"madoguchi-intake/1\"}".to_vec(), "event"),
    ];
    for path in ["/api/determine", "/api/qr"] {
        for (body, want) in &cases {
            let r = post(&s, path, body);
            assert_eq!(r.status, 400, "{path}: {}", r.text());
            assert_private(&r);
            let e = r.json();
            assert_eq!(e["error"]["path"], json!(want), "{path}: {e}");
            assert!(!e["error"]["message"].as_str().unwrap().is_empty());
        }
    }
    let r = post(&s, "/api/determine?today=2026-13-01", family.as_bytes());
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"]["path"], json!("?today"));
}

#[test]
fn an_individual_number_is_never_accepted() {
    let s = Server::start(&[]);
    let family =
        std::fs::read_to_string(root().join("fixtures/intakes/move-in-family.json")).unwrap();
    let mut by_key: Value = serde_json::from_str(&family).unwrap();
    by_key["household"]["members"][0]["my_number"] = json!("123456789018");
    let mut by_value: Value = serde_json::from_str(&family).unwrap();
    by_value["event"]["new_address"] = json!("１２３４ ５６７８ ９０１８");
    for body in [by_key, by_value] {
        for path in ["/api/determine", "/api/qr"] {
            let r = post(&s, path, body.to_string().as_bytes());
            assert_eq!(r.status, 400, "{path}");
            let m = r.json()["error"]["message"].as_str().unwrap().to_string();
            assert!(m.contains("個人番号"), "{m}");
        }
    }
    // The page refuses it at the input it was typed into.
    let page = form_post(
        &s,
        &[
            ("step", "household"),
            ("go", "next"),
            ("kind", "move_within"),
            ("date", "2026-04-01"),
            ("members", "1"),
            ("m1.family", "山田"),
            ("m1.given", "太郎"),
            ("m1.birth", "1980-01-01"),
            ("m1.relation", "head"),
            ("m1.nat", "JP"),
            ("m1.moving", "yes"),
            ("new_addr", "123456789018"),
        ],
    );
    assert_eq!(page.status, 200);
    let html = page.text();
    assert!(html.contains("個人番号 (マイナンバー) は入力しないでください"));
    assert!(html.contains("href=\"#f-new_addr\""));
}

#[test]
fn bodies_over_one_mebibyte_get_413() {
    let s = Server::start(&[]);
    let big = vec![b' '; 1024 * 1024 + 1];
    let r = post(&s, "/api/determine", &big);
    assert_eq!(r.status, 413);
    assert_private(&r);
    assert_eq!(r.json()["error"]["path"], json!("$"));
    let r = request(
        &s.addr,
        "POST",
        "/",
        Some("application/x-www-form-urlencoded"),
        &big,
    )
    .unwrap();
    assert_eq!(r.status, 413);
    assert!(r.text().contains("1 MB"));
    // Exactly at the limit is read (and then judged as JSON).
    let mut at = vec![b' '; 1024 * 1024 - 2];
    at.extend_from_slice(b"{}");
    let r = post(&s, "/api/determine", &at);
    assert_eq!(r.status, 400);
}

#[test]
fn only_the_page_the_api_and_a_health_check_are_served() {
    let s = Server::start(&[]);
    let r = request(&s.addr, "GET", "/", None, b"").unwrap();
    assert_eq!(r.status, 200);
    assert_private(&r);
    let html = r.text();
    assert!(html.starts_with("<!doctype html><html lang=\"ja\">"));
    assert!(html.contains("どんな届出ですか"));
    // The catalogue in use, by name and digest.
    let health = request(&s.addr, "GET", "/healthz", None, b"")
        .unwrap()
        .json();
    let digest = health["procedure_set"]["digest"].as_str().unwrap();
    assert!(digest.starts_with("sha256:"));
    assert!(html.contains(digest), "the page shows the set's digest");
    assert!(html.contains(health["procedure_set"]["name"].as_str().unwrap()));
    // No external anything: no src= or href= outside this origin, no <link rel=stylesheet>.
    assert!(!html.contains("http://") && !html.contains("https://"));
    assert!(!html.contains("rel=\"stylesheet\"") && !html.contains("<script src"));
    let en = request(&s.addr, "GET", "/?lang=en", None, b"")
        .unwrap()
        .text();
    assert!(en.contains("<html lang=\"en\">") && en.contains("What happened?"));
    for (method, path, status) in [
        ("GET", "/api/determine", 405),
        ("GET", "/nothing-here", 404),
        ("POST", "/api/nothing", 404),
        ("GET", "/favicon.ico", 404),
    ] {
        let r = request(&s.addr, method, path, None, b"").unwrap();
        assert_eq!(r.status, status, "{method} {path}");
        assert_private(&r);
    }
}

fn form_post(s: &Server, pairs: &[(&str, &str)]) -> Response {
    let body = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&");
    request(
        &s.addr,
        "POST",
        "/",
        Some("application/x-www-form-urlencoded"),
        body.as_bytes(),
    )
    .unwrap()
}

fn enc(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The form's inputs as a browser without JavaScript would post them: hidden inputs, text
/// inputs with their values, checked radios, selected options.
fn inputs_of(html: &str) -> Vec<(String, String)> {
    let unesc = |s: &str| {
        s.replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&quot;", "\"")
            .replace("&#39;", "'")
            .replace("&amp;", "&")
    };
    let attr = |tag: &str, name: &str| -> Option<String> {
        let key = format!(" {name}=\"");
        tag.split(&key)
            .nth(1)
            .and_then(|r| r.split('"').next())
            .map(unesc)
    };
    let mut out = vec![];
    for tag in html.split("<input").skip(1) {
        let tag = tag.split('>').next().unwrap_or("");
        let (Some(name), ty) = (attr(tag, "name"), attr(tag, "type")) else {
            continue;
        };
        let value = attr(tag, "value").unwrap_or_default();
        match ty.as_deref() {
            Some("radio") | Some("checkbox") if !tag.contains(" checked") => {}
            _ => out.push((name, value)),
        }
    }
    for sel in html.split("<select").skip(1) {
        let Some(name) = attr(sel.split('>').next().unwrap_or(""), "name") else {
            continue;
        };
        let body = sel.split("</select>").next().unwrap_or("");
        let chosen = body
            .split("<option")
            .skip(1)
            .find(|o| o.split('>').next().unwrap_or("").contains(" selected"))
            .or_else(|| body.split("<option").nth(1))
            .and_then(|o| attr(o.split('>').next().unwrap_or(""), "value"))
            .unwrap_or_default();
        out.push((name, chosen));
    }
    out
}

fn step_of(html: &str) -> String {
    html.split("name=\"step\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .unwrap_or("")
        .to_string()
}

/// Posts the page's form with changes, as a browser without JavaScript does.
fn submit(s: &Server, html: &str, set: &[(&str, &str)], go: &str) -> String {
    let mut pairs = inputs_of(html);
    for (k, v) in set {
        pairs.retain(|(n, _)| n != k);
        pairs.push((k.to_string(), v.to_string()));
    }
    pairs.push(("go".into(), go.into()));
    let refs: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect();
    let r = form_post(s, &refs);
    assert_eq!(r.status, 200);
    assert_private(&r);
    r.text()
}

#[test]
fn the_page_works_as_plain_forms_and_the_server_keeps_nothing() {
    let s = Server::start(&["--today", TODAY]);
    let mut html = request(&s.addr, "GET", "/", None, b"").unwrap().text();
    // The event step posts only the event; the rest is hidden state.
    html = submit(
        &s,
        &html,
        &[("kind", "move_out"), ("date", "2026/4/20")],
        "next",
    );
    assert_eq!(step_of(&html), "household");
    html = submit(
        &s,
        &html,
        &[
            ("prev_addr", "まどぐち市本町１丁目２番３号"),
            ("new_addr", "東京都三鷹市野崎一丁目１番１号"),
            ("m1.family", "秘密"),
            ("m1.given", "花子"),
            ("m1.birth", "昭和60年3月3日"),
            ("m1.sex", "female"),
        ],
        "add",
    );
    assert_eq!(step_of(&html), "household");
    assert!(
        html.contains("value=\"秘密\""),
        "typed values survive the round trip"
    );
    html = submit(
        &s,
        &html,
        &[
            ("m2.family", "秘密"),
            ("m2.given", "一郎"),
            ("m2.birth", "2018-06-01"),
            ("m2.relation", "child"),
            ("m2.moving", "no"),
        ],
        "next",
    );
    let mut rounds = 0;
    while step_of(&html) == "questions" {
        rounds += 1;
        assert!(rounds < 10);
        // A browser without JavaScript sends no answer for untouched questions: they go to
        // the counter and are not asked again.
        html = submit(&s, &html, &[], "next");
    }
    assert_eq!(step_of(&html), "result", "{html}");
    assert!(html.contains("class=\"proc\""));
    assert!(html.contains("<figcaption>1 / "));
    assert!(html.contains("data:image/png;base64,"));
    // The same posted form gives the same page, whoever posts it, whenever: the server holds
    // no session. (Only the random set id of the codes differs.)
    let again = submit(&s, &html, &[], "refresh");
    let strip = |h: &str| -> String {
        h.split("<section class=\"codes\"")
            .next()
            .unwrap_or("")
            .to_string()
    };
    assert_eq!(strip(&again), strip(&html));
    // In English, with everything kept.
    let en = submit(&s, &html, &[], "lang:en");
    assert!(en.contains("<html lang=\"en\">") && en.contains("What you need to do"));
    // Nothing about the household reached the server's log.
    let log = s.log();
    assert_eq!(log.lines().count(), 1, "{log}");
    assert!(!log.contains("秘密") && !log.contains("三鷹"), "{log}");
}
