//! The acceptance test of the resident's page: a real chromium (headless, phone-sized, through
//! chromedriver) fills in the 手続ナビ as a resident would — in Japanese for a family moving in,
//! in English for a death in the household, and with JavaScript turned off for an elderly
//! couple whose previous address does not name its prefecture — answers the questions the
//! engine asks, one checklist screen at a time in the set's screen order (each question on
//! the screen `facts.toml` gives it, each one pending in `/api/determine` when it is asked),
//! reaches the list of procedures and the QR codes, and shows each code on the phone's screen.
//! `zbarimg` reads each code from a screenshot of the screen and `madoguchi qr decode` (the
//! counter's decoder) must give back exactly the household that was typed. The server must
//! have logged nothing about it.
//!
//! Needs chromium, chromedriver and zbarimg (`scripts/deps --test`); with
//! `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing one fails the test. Screenshots of every step
//! are left in `target/web-screens/` for people to look at.

mod web_support;

use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use web_support::{
    browser_available, madoguchi, request, root, screens_dir, zbar, Browser, Server,
};

/// What `procedures/facts.toml` says about the questions: each fact's screen and whether it
/// is sensitive, and the screens' order and labels (the built-in ones as the loader adds
/// them: `household` first, `other` and `private` last).
struct Screens {
    order: Vec<String>,
    labels: BTreeMap<String, (String, String)>,
    /// `member.pregnant` → (screen, sensitive)
    facts: BTreeMap<String, (String, bool)>,
}

impl Screens {
    fn read() -> Screens {
        let text = std::fs::read_to_string(root().join("procedures/facts.toml")).unwrap();
        let t: toml::Table = text.parse().unwrap();
        let mut order: Vec<(i64, String)> = vec![
            (-1000, "household".into()),
            (900, "other".into()),
            (950, "private".into()),
        ];
        let mut labels = BTreeMap::new();
        for (k, v) in t["screens"].as_table().unwrap() {
            order.retain(|(_, x)| x != k);
            order.push((v["order"].as_integer().unwrap(), k.clone()));
            let l = &v["label"];
            labels.insert(
                k.clone(),
                (
                    l["ja"].as_str().unwrap().to_string(),
                    l["en"].as_str().unwrap().to_string(),
                ),
            );
        }
        order.sort();
        let mut facts = BTreeMap::new();
        for scope in ["member", "household"] {
            for (name, d) in t[scope].as_table().unwrap() {
                let sensitive = d.get("sensitive").and_then(|v| v.as_bool()) == Some(true);
                let screen = d.get("screen").and_then(|v| v.as_str()).map_or_else(
                    || if sensitive { "private" } else { "other" }.to_string(),
                    str::to_string,
                );
                facts.insert(format!("{scope}.{name}"), (screen, sensitive));
            }
        }
        Screens {
            order: order.into_iter().map(|(_, k)| k).collect(),
            labels,
            facts,
        }
    }

    /// The screen and sensitivity of a question key (`m2.pregnant`, `household.dogs`).
    fn of(&self, key: &str) -> &(String, bool) {
        let (who, fact) = key.split_once('.').unwrap();
        let scope = if who == "household" {
            "household"
        } else {
            "member"
        };
        self.facts
            .get(&format!("{scope}.{fact}"))
            .unwrap_or_else(|| panic!("{key}: not a fact of facts.toml"))
    }

    fn rank(&self, screen: &str) -> usize {
        self.order.iter().position(|s| s == screen).unwrap()
    }
}

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
            "seal_registered" | "vehicle_owner" => ("skip".into(), None),
            "mynumber_card"
            | "pregnant"
            | "public_school"
            | "pension_recipient"
            | "owns_real_estate"
            | "from_other_prefecture" => ("yes".into(), Some(json!(true))),
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
    /// Death: the funeral's date as typed and as the intake holds it.
    funeral: Option<(&'static str, &'static str)>,
    people: Vec<Person>,
    deceased: Option<usize>,
    /// Questions this household must be asked (`household.from_other_prefecture`), and ones it
    /// must not (facts settled by what was typed).
    must_ask: Vec<&'static str>,
    must_not_ask: Vec<&'static str>,
}

impl Case {
    fn is_move(&self) -> bool {
        !matches!(self.kind, "death" | "household_change")
    }

    /// The intake the page must build from what was typed and answered.
    fn intake(
        &self,
        member_facts: &BTreeMap<String, Map<String, Value>>,
        household_facts: &Map<String, Value>,
    ) -> Value {
        let mut members = vec![];
        for (i, p) in self.people.iter().enumerate() {
            let mut m = p.expected(i + 1, self.is_move());
            if let Some(f) = member_facts.get(&format!("m{}", i + 1)) {
                m["facts"] = Value::Object(f.clone());
            }
            members.push(m);
        }
        let mut event = json!({ "kind": self.kind, "date": self.date_iso });
        if self.is_move() {
            if !self.prev_addr.is_empty() {
                event["previous_address"] = json!(self.prev_addr);
            }
            event["new_address"] = json!(self.new_addr);
        }
        if let Some((_, iso)) = self.planned {
            event["planned_move_out_date"] = json!(iso);
        }
        if let Some(n) = self.deceased {
            event["deceased"] = json!(format!("m{n}"));
        }
        if let Some((_, iso)) = self.funeral {
            event["funeral_date"] = json!(iso);
        }
        let address = if matches!(self.kind, "move_out" | "move_out_abroad") {
            self.prev_addr
        } else {
            self.new_addr
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
}

/// The keys (`m2.pregnant`) of the questions the engine has pending for this intake.
fn pending_keys(server: &Server, intake: &Value) -> Vec<String> {
    let r = request(
        &server.addr,
        "POST",
        "/api/determine?today=2026-04-06",
        Some("application/json"),
        intake.to_string().as_bytes(),
    )
    .unwrap();
    assert_eq!(r.status, 200, "{}", r.text());
    let mut out = vec![];
    for p in r.json()["pending"].as_array().unwrap() {
        for q in p["questions"].as_array().unwrap() {
            let who = q["member"].as_str().unwrap_or("household");
            out.push(format!("{who}.{}", q["fact"].as_str().unwrap()));
        }
    }
    out
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
    if let Some((typed, _)) = c.funeral {
        b.type_into("input[name=funeral]", typed);
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

    // Step 3: only the engine's questions, one checklist screen a page, in the set's screen
    // order (a screen comes again only at once, for a follow-up its answers opened).
    let screens = Screens::read();
    let en = c.english;
    let mut member_facts: BTreeMap<String, Map<String, Value>> = BTreeMap::new();
    let mut household_facts = Map::new();
    let mut asked_all: Vec<String> = vec![];
    let mut visited: Vec<String> = vec![];
    let mut round = 0;
    while b.step() == "questions" {
        round += 1;
        assert!(round <= 12, "the questions never end");
        let at = b.exec("return document.querySelector('input[name=at]').value");
        let at = at.as_str().unwrap().to_string();
        if let Some(last) = visited.last() {
            assert!(
                screens.rank(last) < screens.rank(&at) || *last == at,
                "screens out of order: {visited:?} then {at}"
            );
            assert!(
                *last == at || !visited.contains(&at),
                "screen {at} asked twice: {visited:?}"
            );
        }
        visited.push(at.clone());
        if let Some((ja, en_label)) = screens.labels.get(&at) {
            let h2 = b.exec("return document.querySelector('main h2').textContent");
            assert_eq!(
                h2,
                json!(if en { en_label } else { ja }),
                "the page is titled by its screen"
            );
        }
        let asked = b.exec(
            "return Array.from(document.querySelectorAll('input[name=shown]')).map(function (s) {\
               return [s.value, Array.from(document.querySelectorAll('[name=\"q.' + s.value + '\"]'))\
                 .map(function (i) { return [i.type, i.value, i.checked]; })];\
             });",
        );
        let asked = asked.as_array().unwrap().clone();
        assert!(!asked.is_empty(), "a questions page asks something");
        // Nothing is asked that cannot matter: every question not yet answered is pending
        // for the household as typed and answered so far.
        let pending = pending_keys(server, &c.intake(&member_facts, &household_facts));
        let mut sensitive = false;
        for q in &asked {
            let key = q[0].as_str().unwrap().to_string();
            let (screen, sens) = screens.of(&key);
            assert_eq!(
                screen, &at,
                "{key} belongs to the {screen} screen, asked on {at}"
            );
            sensitive |= *sens;
            let again = asked_all.contains(&key);
            if !again {
                assert!(
                    pending.contains(&key),
                    "{key} is asked but cannot change anything: pending {pending:?}"
                );
                asked_all.push(key.clone());
            }
            let inputs: Vec<(String, String)> = q[1]
                .as_array()
                .unwrap()
                .iter()
                .map(|i| (i[0].as_str().unwrap().into(), i[1].as_str().unwrap().into()))
                .collect();
            let checked = q[1].as_array().unwrap().iter().any(|i| i[2] == json!(true))
                || inputs[0].0 == "number";
            if again {
                assert!(
                    checked,
                    "{key}: asked again (a follow-up's context), its answer is shown"
                );
            }
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
        // Sensitive questions say they are never asked aloud, and may be left unanswered.
        assert_eq!(
            b.count("p.private") > 0,
            sensitive,
            "the private notice on {at}"
        );
        if sensitive {
            let skip = b.exec("return document.querySelector('p.private').textContent");
            assert!(
                skip.as_str().unwrap().contains(if en {
                    "Prefer not to say"
                } else {
                    "答えない"
                }),
                "{skip}"
            );
        }
        shot(b, &format!("{}-3-questions-{round}-{at}", c.name));
        b.submit("button.primary[value=next]");
    }
    assert_eq!(b.step(), "result");
    for key in &c.must_ask {
        assert!(
            asked_all.iter().any(|k| k == key),
            "{key} was not asked: {asked_all:?}"
        );
    }
    for key in &c.must_not_ask {
        assert!(
            !asked_all.iter().any(|k| k == key),
            "{key} was asked: {asked_all:?}"
        );
    }
    c.intake(&member_facts, &household_facts)
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

    // The acceptance round trip: each code on the phone's screen → screenshot → zbarimg →
    // the counter's decoder. (The whole page is kept too, for people to look at.)
    shot(b, &format!("{}-4-result", c.name));
    let mut parts = vec![];
    for i in 0..figures {
        b.exec(&format!(
            "document.querySelectorAll('figure.qr')[{i}].scrollIntoView({{block: 'center'}}); return true;"
        ));
        let path = screens_dir().join(format!("{}-5-code-{}.png", c.name, i + 1));
        std::fs::write(&path, b.screenshot()).unwrap();
        let read = zbar(&path);
        assert_eq!(
            read.len(),
            1,
            "code {} of {figures} on the screen: read {read:?} in {}",
            i + 1,
            path.display()
        );
        parts.extend(read);
    }
    parts.sort();
    parts.dedup();
    assert_eq!(parts.len(), figures, "every code is a different part");
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
        funeral: None,
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
        // The prefecture is read from the address; a child of 6 is asked about school.
        must_ask: vec!["m3.public_school", "m1.health_insurance"],
        must_not_ask: vec!["household.from_other_prefecture", "m1.pregnant"],
    };
    let expected = fill_in(&b, &server, &ja);
    check_result(&b, &ja, &expected);
    assert_eq!(
        b.count("#codes > button"),
        1,
        "with JavaScript, the one-code viewer"
    );

    let en = Case {
        name: "en-death",
        english: true,
        kind: "death",
        date: "2026-04-02",
        date_iso: "2026-04-02",
        prev_addr: "",
        new_addr: "まどぐち市本町２丁目５番",
        planned: None,
        funeral: Some(("2026/4/5", "2026-04-05")),
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
        // The follow-up (in this city?) comes after "owns land or buildings" was answered yes.
        must_ask: vec!["m1.owns_real_estate", "m1.owns_real_estate_in_city"],
        must_not_ask: vec!["m3.pregnant"],
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

/// Without JavaScript the whole page still works (forms and links only), here for an elderly
/// couple whose previous address does not name its prefecture (後期高齢者医療 hangs on it).
#[test]
fn the_page_works_without_javascript() {
    if !browser_available("the web page test") {
        return;
    }
    let server = Server::start(&["--today", "2026-04-06"]);
    let b = Browser::phone_without_javascript(390, 844, 2.0);
    let nojs = Case {
        name: "ja-nojs-elderly",
        english: false,
        kind: "move_in",
        date: "2026/4/3",
        date_iso: "2026-04-03",
        prev_addr: "北見市北五条東２丁目１番地",
        new_addr: "まどぐち市旅篭町２丁目３番",
        planned: None,
        funeral: None,
        people: vec![
            Person {
                family: "佐藤",
                given: "ハル",
                family_kana: "さとう",
                given_kana: "はる",
                birth: "昭和24年5月5日",
                birth_iso: "1949-05-05",
                sex: "female",
                relation: "head",
                nat: "JP",
                moving: true,
            },
            Person {
                family: "佐藤",
                given: "正",
                family_kana: "サトウ",
                given_kana: "タダシ",
                birth: "S22.11.3",
                birth_iso: "1947-11-03",
                sex: "male",
                relation: "spouse",
                nat: "JP",
                moving: true,
            },
        ],
        deceased: None,
        must_ask: vec!["household.from_other_prefecture"],
        must_not_ask: vec!["m1.pregnant", "m1.public_school"],
    };
    let expected = fill_in(&b, &server, &nojs);
    check_result(&b, &nojs, &expected);
    assert_eq!(
        b.count("#codes > button"),
        0,
        "the page's script did not run (the one-code viewer is its doing)"
    );
    let procs = b.exec(
        "return Array.from(document.querySelectorAll('li.proc h4')).map(e => e.textContent).join('|')",
    );
    assert!(
        procs.as_str().unwrap().contains("後期高齢者医療"),
        "from another prefecture, 75 and over: 後期高齢者医療 加入 ({procs})"
    );

    let log = server.log();
    assert_eq!(log.lines().count(), 1, "server log: {log}");
    assert!(!log.contains("佐藤") && !log.contains("北見"), "{log}");
}
