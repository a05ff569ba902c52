//! The acceptance test of the resident's page: a real chromium (headless, phone-sized, through
//! chromedriver) fills in the 手続ナビ as a resident would — in Japanese for a family moving in,
//! in English for a death in the household — answers the questions the engine asks, reaches
//! the list of procedures and the QR codes, and takes a screenshot. `zbarimg` reads the codes
//! from the screenshot and `madoguchi qr decode` (the counter's decoder) must give back
//! exactly the household that was typed. The server must have logged nothing about it.
//!
//! Needs chromium, chromedriver and zbarimg (`scripts/deps --test`); with
//! `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing one fails the test. Screenshots of every step
//! are left in `target/web-screens/` for people to look at.

mod web_support;

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use web_support::{browser_available, madoguchi, screens_dir, zbar, Browser, Server};

/// A member as the resident types it, and as the intake must carry it.
struct Person {
    family: &'static str,
    given: &'static str,
    family_kana: &'static str,
    given_kana: &'static str,
    /// As typed (和暦, slashes, …).
    birth: &'static str,
    /// As the intake holds it.
    birth_iso: &'static str,
    sex: &'static str,
    relation: &'static str,
    /// A code from the list, or `other:XX` typed into the "another country" field.
    nat: &'static str,
    moving: bool,
}

impl Person {
    fn expected(&self, n: usize, kind_is_move: bool) -> Value {
        let mut m = Map::new();
        m.insert("id".into(), json!(format!("m{n}")));
        m.insert(
            "name".into(),
            json!(format!("{}\u{3000}{}", self.family, self.given)),
        );
        if !self.family_kana.is_empty() {
            let kana = format!(
                "{}\u{3000}{}",
                to_katakana(self.family_kana),
                to_katakana(self.given_kana)
            );
            m.insert("kana".into(), json!(kana));
        }
        m.insert("birth_date".into(), json!(self.birth_iso));
        m.insert("sex".into(), json!(self.sex));
        m.insert("relation".into(), json!(self.relation));
        let nat = self
            .nat
            .strip_prefix("other:")
            .unwrap_or(self.nat)
            .to_uppercase();
        m.insert("nationality".into(), json!(nat));
        m.insert("moving".into(), json!(!kind_is_move || self.moving));
        m.insert("facts".into(), json!({}));
        Value::Object(m)
    }
}

fn to_katakana(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ぁ'..='ゖ' => char::from_u32(c as u32 + 0x60).unwrap(),
            _ => c,
        })
        .collect()
}

/// How the test resident answers: by fact name.
fn answer_for(fact: &str, inputs: &[(String, String)]) -> (String, Option<Value>) {
    let kind = inputs.first().map(|(t, _)| t.as_str()).unwrap_or("");
    let values: Vec<&str> = inputs.iter().map(|(_, v)| v.as_str()).collect();
    match kind {
        "radio" if values.contains(&"yes") => match fact {
            // Left to the counter: the fact must not reach the intake.
            "seal_registered" | "owns_real_estate" => ("skip".into(), None),
            "mynumber_card" | "pregnant" | "public_school" | "pension_recipient" => {
                ("yes".into(), Some(json!(true)))
            }
            _ => ("no".into(), Some(json!(false))),
        },
        "radio" => {
            let preferred = match fact {
                "health_insurance" => "nhi",
                "pension" => "category1",
                _ => values[0],
            };
            let v = if values.contains(&preferred) {
                preferred
            } else {
                values[0]
            };
            (v.to_string(), Some(json!(v)))
        }
        "checkbox" => ("__none".into(), Some(json!([]))),
        "number" => ("1".into(), Some(json!(1))),
        other => panic!("question {fact}: unexpected input type {other:?}"),
    }
}

struct Case {
    name: &'static str,
    english: bool,
    kind: &'static str,
    date: &'static str,
    date_iso: &'static str,
    prev_addr: &'static str,
    new_addr: &'static str,
    planned: Option<(&'static str, &'static str)>,
    people: Vec<Person>,
    deceased: Option<usize>,
}

fn shot(b: &Browser, name: &str) -> std::path::PathBuf {
    let path = screens_dir().join(format!("{name}.png"));
    std::fs::write(&path, b.screenshot_full()).unwrap();
    path
}

/// Fills in the page as a resident; returns the intake the codes must carry.
fn fill_in(b: &Browser, server: &Server, c: &Case) -> Value {
    b.goto(&server.url("/"));
    assert_eq!(b.step(), "event");
    if c.english {
        b.submit("button[value='lang:en']");
        assert_eq!(b.exec("return document.documentElement.lang"), json!("en"));
        assert_eq!(b.step(), "event");
    }
    // Step 1: what happened, when. Pressing "next" with nothing says what is missing.
    b.submit("button.primary[value=next]");
    assert_eq!(b.step(), "event");
    assert!(
        b.count(".problems li") >= 2,
        "the empty form names its problems"
    );
    b.click(&format!("input[name=kind][value={}]", c.kind));
    b.type_into("input[name=date]", c.date);
    shot(b, &format!("{}-1-event", c.name));
    b.submit("button.primary[value=next]");
    assert_eq!(b.step(), "household");

    // Step 2: addresses and the members, adding a row per person (each a round trip: what
    // was typed must survive it, carried by the form alone).
    if b.count("input[name=prev_addr]") > 0 {
        b.type_into("input[name=prev_addr]", c.prev_addr);
    }
    b.type_into("input[name=new_addr]", c.new_addr);
    if let Some((typed, _)) = c.planned {
        b.type_into("input[name=planned]", typed);
    }
    for (i, p) in c.people.iter().enumerate() {
        let n = i + 1;
        if n > 1 {
            b.submit("button[value=add]");
            assert_eq!(b.step(), "household");
        }
        let f = |field: &str| format!("input[name='m{n}.{field}']");
        b.type_into(&f("family"), p.family);
        b.type_into(&f("given"), p.given);
        if !p.family_kana.is_empty() {
            b.type_into(&f("family_kana"), p.family_kana);
            b.type_into(&f("given_kana"), p.given_kana);
        }
        b.type_into(&f("birth"), p.birth);
        b.click(&format!("input[name='m{n}.sex'][value={}]", p.sex));
        b.click(&format!(
            "select[name='m{n}.relation'] option[value={}]",
            p.relation
        ));
        match p.nat.strip_prefix("other:") {
            Some(code) => {
                b.click(&format!("select[name='m{n}.nat'] option[value=other]"));
                // The script shows the code field only once "other" is chosen.
                b.wait_for(
                    &format!("return !document.querySelector(\"input[name='m{n}.nat_other']\").closest('.field').hidden;"),
                    "the other-country field",
                );
                b.type_into(&f("nat_other"), code);
            }
            None => b.click(&format!("select[name='m{n}.nat'] option[value={}]", p.nat)),
        }
        if b.count(&format!("input[name='m{n}.moving']")) > 0 {
            let v = if p.moving { "yes" } else { "no" };
            b.click(&format!("input[name='m{n}.moving'][value={v}]"));
        }
        if c.deceased == Some(n) {
            b.click(&format!("input[name=deceased][value=m{n}]"));
        }
    }
    // What was typed before the last round trips is still there.
    assert_eq!(
        b.exec("return document.querySelector(\"input[name='m1.family']\").value"),
        json!(c.people[0].family)
    );
    shot(b, &format!("{}-2-household", c.name));
    b.submit("button.primary[value=next]");
    let problems = b.exec(
        "return Array.from(document.querySelectorAll('.problems li')).map(e => e.textContent)",
    );
    assert_ne!(b.step(), "household", "household refused: {problems}");

    // Step 3: only the engine's questions, round after round, until none remain.
    let mut member_facts: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut household_facts = Map::new();
    let mut round = 0;
    while b.step() == "questions" {
        round += 1;
        assert!(round <= 10, "the questions never end");
        let asked = b.exec(
            "return Array.from(document.querySelectorAll('input[name=shown]')).map(function (s) {\
               return [s.value, Array.from(document.querySelectorAll('[name=\"q.' + s.value + '\"]'))\
                 .map(function (i) { return [i.type, i.value]; })];\
             });",
        );
        let asked = asked.as_array().unwrap().clone();
        assert!(!asked.is_empty(), "a questions page asks something");
        for q in &asked {
            let key = q[0].as_str().unwrap().to_string();
            let inputs: Vec<(String, String)> = q[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i[0].as_str().unwrap().into(), i[1].as_str().unwrap().into()))
                .collect();
            let (who, fact) = key.split_once('.').unwrap();
            let (choice, value) = answer_for(fact, &inputs);
            let sel = format!("[name='q.{key}']");
            if inputs[0].0 == "number" {
                b.type_into(&sel, &choice);
            } else {
                b.click(&format!("input{sel}[value='{choice}']"));
            }
            if let Some(v) = value {
                if who == "household" {
                    household_facts.insert(fact.into(), v);
                } else {
                    member_facts
                        .entry(who.into())
                        .or_default()
                        .insert(fact.into(), v);
                }
            }
        }
        shot(b, &format!("{}-3-questions-{round}", c.name));
        b.submit("button.primary[value=next]");
    }
    assert_eq!(b.step(), "result");

    // The intake the page must have put in the codes.
    let is_move = !matches!(c.kind, "death" | "household_change");
    let mut members = vec![];
    for (i, p) in c.people.iter().enumerate() {
        let mut m = p.expected(i + 1, is_move);
        if let Some(f) = member_facts.remove(&format!("m{}", i + 1)) {
            m["facts"] = Value::Object(f);
        }
        members.push(m);
    }
    let mut event = json!({ "kind": c.kind, "date": c.date_iso });
    if is_move {
        if !c.prev_addr.is_empty() {
            event["previous_address"] = json!(c.prev_addr);
        }
        event["new_address"] = json!(c.new_addr);
    }
    if let Some((_, iso)) = c.planned {
        event["planned_move_out_date"] = json!(iso);
    }
    if let Some(n) = c.deceased {
        event["deceased"] = json!(format!("m{n}"));
    }
    let address = if matches!(c.kind, "move_out" | "move_out_abroad") {
        c.prev_addr
    } else {
        c.new_addr
    };
    json!({
        "format": "madoguchi-intake/1",
        "event": event,
        "household": {
            "address": address,
            "head": "m1",
            "members": members,
            "facts": household_facts,
        }
    })
}

/// The result page: procedures by section, QR codes read back by the counter's decoder.
fn check_result(b: &Browser, c: &Case, expected: &Value) {
    let procs = b.count("li.proc");
    assert!(procs > 0, "the result lists procedures");
    let lang = b.exec("return document.documentElement.lang");
    assert_eq!(lang, json!(if c.english { "en" } else { "ja" }));
    let heading = b.exec("return document.querySelector('main h2').textContent");
    assert_eq!(
        heading,
        json!(if c.english {
            "What you need to do"
        } else {
            "必要な手続"
        })
    );
    let figures = b.count("figure.qr");
    assert!(figures >= 1);
    let captions = b.exec(
        "return Array.from(document.querySelectorAll('figure.qr figcaption')).map(e => e.textContent)",
    );
    let want: Vec<String> = (1..=figures).map(|i| format!("{i} / {figures}")).collect();
    assert_eq!(
        captions,
        json!(want),
        "each code says which of how many it is"
    );
    // Nothing but the document was fetched, nothing was kept in the browser, and the page
    // with its codes is small enough for a phone on a slow line.
    assert_eq!(
        b.exec("return performance.getEntriesByType('resource').length"),
        json!(0)
    );
    assert_eq!(b.exec("return document.cookie"), json!(""));
    assert_eq!(
        b.exec("return localStorage.length + sessionStorage.length"),
        json!(0)
    );
    let transfer = b
        .exec("return performance.getEntriesByType('navigation')[0].transferSize")
        .as_u64()
        .unwrap();
    assert!(
        transfer > 0 && transfer < 200_000,
        "result page transfer {transfer} bytes"
    );

    // The acceptance round trip: screenshot → zbarimg → the counter's decoder.
    let path = shot(b, &format!("{}-4-result", c.name));
    let parts = zbar(&path);
    assert_eq!(
        parts.len(),
        figures,
        "zbarimg read {} of {figures} codes in {}",
        parts.len(),
        path.display()
    );
    let (code, out, err) = madoguchi(&["qr", "decode"], parts.join("\n").as_bytes());
    assert_eq!(code, 0, "qr decode: {err}");
    let got: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        &got, expected,
        "the counter reads the household that was typed"
    );
    eprintln!(
        "{}: {procs} procedures, {figures} code(s), result page {transfer} bytes; screenshots in {}",
        c.name,
        screens_dir().display()
    );
}

#[test]
fn a_resident_fills_in_the_page_and_the_counter_reads_the_codes() {
    if !browser_available("the web page test") {
        return;
    }
    let server = Server::start(&["--today", "2026-04-06"]);
    let b = Browser::phone(390, 844, 2.0);
    let ja = Case {
        name: "ja-move-in",
        english: false,
        kind: "move_in",
        date: "令和8年4月1日",
        date_iso: "2026-04-01",
        prev_addr: "北海道北見市北五条東２丁目１番地",
        new_addr: "まどぐち市本町１丁目２番３号",
        planned: Some(("2026/3/31", "2026-03-31")),
        people: vec![
            Person {
                family: "山田",
                given: "太郎",
                family_kana: "やまだ",
                given_kana: "たろう",
                birth: "昭和55年1月1日",
                birth_iso: "1980-01-01",
                sex: "male",
                relation: "head",
                nat: "JP",
                moving: true,
            },
            Person {
                family: "山田",
                given: "花子",
                family_kana: "ヤマダ",
                given_kana: "ハナコ",
                birth: "1982/5/5",
                birth_iso: "1982-05-05",
                sex: "female",
                relation: "spouse",
                nat: "JP",
                moving: true,
            },
            Person {
                family: "山田",
                given: "一郎",
                family_kana: "やまだ",
                given_kana: "いちろう",
                birth: "2019-04-01",
                birth_iso: "2019-04-01",
                sex: "male",
                relation: "child",
                nat: "JP",
                moving: true,
            },
            Person {
                family: "山田",
                given: "さくら",
                family_kana: "",
                given_kana: "",
                birth: "R7.6.1",
                birth_iso: "2025-06-01",
                sex: "female",
                relation: "child",
                nat: "JP",
                moving: true,
            },
        ],
        deceased: None,
    };
    let expected = fill_in(&b, &server, &ja);
    check_result(&b, &ja, &expected);

    let en = Case {
        name: "en-death",
        english: true,
        kind: "death",
        date: "2026-04-02",
        date_iso: "2026-04-02",
        prev_addr: "",
        new_addr: "まどぐち市本町２丁目５番",
        planned: None,
        people: vec![
            Person {
                family: "SMITH",
                given: "JOHN",
                family_kana: "スミス",
                given_kana: "ジョン",
                birth: "1950-07-04",
                birth_iso: "1950-07-04",
                sex: "male",
                relation: "head",
                nat: "US",
                moving: true,
            },
            Person {
                family: "SMITH",
                given: "MARIE",
                family_kana: "",
                given_kana: "",
                birth: "1956/2/29",
                birth_iso: "1956-02-29",
                sex: "female",
                relation: "spouse",
                nat: "other:fr",
                moving: true,
            },
            Person {
                family: "SMITH",
                given: "EMMA",
                family_kana: "",
                given_kana: "",
                birth: "2012-09-09",
                birth_iso: "2012-09-09",
                sex: "female",
                relation: "grandchild",
                nat: "JP",
                moving: true,
            },
        ],
        deceased: Some(1),
    };
    let expected = fill_in(&b, &server, &en);
    check_result(&b, &en, &expected);

    // The server kept and logged nothing about either household: its one line is the start.
    let log = server.log();
    assert_eq!(log.lines().count(), 1, "server log: {log}");
    for name in ["山田", "SMITH", "北見", "本町"] {
        assert!(
            !log.contains(name),
            "the server logged personal data: {log}"
        );
    }
}
