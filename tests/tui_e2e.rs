//! The counter end to end, as a clerk and a resident use it: the real `madoguchi` binary in a
//! tmux terminal (send-keys, capture-pane), the real parts behind it — the My Number card
//! through pcscd + vpcd (`madoguchi card emulate`), QR parts typed the way a keyboard-mode
//! scanner types them, the SQLite store, and the bundle printed through the cups-pdf queue
//! `madoguchi-pdf`.
//!
//! Five flows: a 1-person 転入 with a card, a 4-person 転居 from QR parts, a death from QR with
//! a sensitive question answered on the resident's screen, a family of four typed by hand and
//! a death typed by hand. The clerk's keystrokes are counted
//! (the PIN and the resident's answers excluded) and written to `docs/keystrokes.md`.
//!
//! Needs tmux, pcscd with vpcd, cupsd with `madoguchi-pdf` and poppler (`scripts/test-all`
//! starts them). With `MADOGUCHI_REQUIRE_SERVICES=1` (CI) a missing one fails the test.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_madoguchi");
/// A tmux server of this test process alone: two checkouts running the suite at once must not
/// share sessions.
fn socket() -> String {
    format!("madoguchi-e2e-{}", std::process::id())
}

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Whether the services are there; in CI their absence is a failure, never a skip.
fn services_ready() -> bool {
    let mut missing = vec![];
    if Command::new("tmux").arg("-V").output().is_err() {
        missing.push("tmux");
    }
    if !Path::new("/run/pcscd/pcscd.comm").exists() {
        missing.push("pcscd");
    }
    let lp = Command::new("lpstat")
        .args(["-p", "madoguchi-pdf"])
        .output();
    if !lp.map(|o| o.status.success()).unwrap_or(false) {
        missing.push("cupsd with the madoguchi-pdf queue");
    }
    if Command::new("pdftotext").arg("-v").output().is_err() {
        missing.push("pdftotext (poppler-utils)");
    }
    if missing.is_empty() {
        return true;
    }
    let msg = format!(
        "end-to-end test needs: {} (scripts/services starts them)",
        missing.join(", ")
    );
    if std::env::var("MADOGUCHI_REQUIRE_SERVICES").as_deref() == Ok("1") {
        panic!("{msg}");
    }
    eprintln!("SKIPPED (not in CI): {msg}");
    false
}

struct Term {
    name: String,
    clerk_keys: usize,
}

impl Term {
    fn start(name: &str, args: &[&str]) -> Term {
        let _ = Command::new("tmux")
            .args(["-L", &socket(), "kill-session", "-t", name])
            .output();
        let cmd = format!("{BIN} {} 2>/dev/null", args.join(" "));
        let ok = Command::new("tmux")
            .args([
                "-L",
                &socket(),
                "new-session",
                "-d",
                "-s",
                name,
                "-x",
                "100",
                "-y",
                "30",
                &cmd,
            ])
            .status()
            .unwrap()
            .success();
        assert!(ok, "tmux could not start the counter");
        Term {
            name: name.to_string(),
            clerk_keys: 0,
        }
    }

    fn screen(&self) -> String {
        let o = Command::new("tmux")
            .args(["-L", &socket(), "capture-pane", "-p", "-t", &self.name])
            .output()
            .unwrap();
        String::from_utf8_lossy(&o.stdout).into_owned()
    }

    fn wait_for(&self, text: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(text) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited for {text:?}; the screen is:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen is no longer `before` (a key has been handled).
    fn wait_change(&self, before: &str) {
        let start = Instant::now();
        while self.screen() == before && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&self, keys: &[&str]) {
        let sock = socket();
        let mut args = vec!["-L", sock.as_str(), "send-keys", "-t", &self.name];
        args.extend_from_slice(keys);
        assert!(Command::new("tmux").args(&args).status().unwrap().success());
        std::thread::sleep(Duration::from_millis(150));
    }

    /// A key the clerk presses (counted).
    fn clerk(&mut self, key: &str) {
        self.clerk_keys += 1;
        self.send(&[key]);
    }

    /// A text the clerk types into a field: one entry (counted once).
    fn clerk_types(&mut self, text: &str) {
        self.clerk_keys += 1;
        self.send(&["-l", text]);
    }

    /// Keys the resident presses (the PIN, sensitive answers): not counted.
    fn resident(&self, keys: &[&str]) {
        self.send(keys);
    }

    /// What a keyboard-mode scanner does: the whole part at machine speed, then Enter.
    fn scan(&self, part: &str) {
        self.send(&["-l", part]);
        self.send(&["Enter"]);
    }

    /// Answers the checklist screens as a clerk would: `want(name, question)` gives the key
    /// of an answer that is not "no"; for a "no" the clerk presses Enter (the rest of the
    /// screen is "no"). On the resident's view the resident presses the keys (not counted).
    fn answer_questions(&mut self, want: impl Fn(&str, &str) -> Option<&'static str>) {
        for _ in 0..40 {
            std::thread::sleep(Duration::from_millis(300));
            let s = self.screen();
            let resident_view = s.contains("画面でお答えください");
            // The checklist's title line (the tab bar also says "F3 確認").
            let confirm = s.lines().any(|l| l.starts_with("3 確認"));
            if !resident_view && !confirm {
                return;
            }
            let key = match focused(&s) {
                Some((who, q)) => want(&who, &q).unwrap_or("Enter"),
                None => "Enter",
            };
            if resident_view {
                self.resident(&[key]);
            } else {
                self.clerk(key);
            }
            // Decide the next key on the screen this one made, never on a stale one.
            self.wait_change(&s);
        }
        panic!("the questions never end:\n{}", self.screen());
    }
}

/// The focused question of a checklist: (whose, the question), from the line that names it
/// (">山田　太郎: …" on the clerk's view, "|山田　太郎: …" on the resident's).
fn focused(screen: &str) -> Option<(String, String)> {
    for l in screen.lines() {
        let t = l
            .trim_start_matches(['>', '|'])
            .trim_end()
            .trim_end_matches('|')
            .trim();
        if let Some((who, q)) = t.split_once(": ") {
            if q.contains("か") || q.contains("ください") {
                return Some((who.to_string(), q.to_string()));
            }
        }
    }
    None
}

impl Drop for Term {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &socket(), "kill-session", "-t", &self.name])
            .output();
    }
}

struct Emulator(Child);
impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn config(dir: &Path) -> String {
    let p = dir.join("counter.toml");
    std::fs::write(
        &p,
        "printer = \"madoguchi-pdf\"\nclerk = \"試験　一郎\"\ncounter = \"1番窓口\"\n",
    )
    .unwrap();
    p.display().to_string()
}

/// The closed case's code, from the store.
fn closed_case(db: &Path) -> String {
    let o = Command::new(BIN)
        .args(["cases", "list", "--json", "--db"])
        .arg(db)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    let cases = v.as_array().unwrap();
    assert_eq!(cases.len(), 1, "{v}");
    assert_eq!(cases[0]["status"], "closed", "{v}");
    cases[0]["code"].as_str().unwrap().to_string()
}

/// The job cups-pdf wrote for the case: the recent PDF in its output folder whose title is
/// the job title `madoguchi <code>` (no personal data in it). cups-pdf re-distils the PDF
/// through Ghostscript, so its pages are counted rather than its text read.
fn printed_pages(code: &str) -> usize {
    let home = std::env::var("HOME").unwrap_or_else(|_| "/root".into());
    let dirs = [
        PathBuf::from(&home).join("PDF"),
        PathBuf::from("/var/spool/cups-pdf/ANONYMOUS"),
        PathBuf::from("/var/spool/cups-pdf/root"),
    ];
    let start = Instant::now();
    loop {
        for d in &dirs {
            let Ok(entries) = std::fs::read_dir(d) else {
                continue;
            };
            for e in entries.flatten() {
                let recent = e
                    .metadata()
                    .and_then(|m| m.modified())
                    .map(|t| t.elapsed().unwrap_or_default() < Duration::from_secs(120))
                    .unwrap_or(false);
                if !recent || e.path().extension().is_none_or(|x| x != "pdf") {
                    continue;
                }
                let o = Command::new("pdfinfo").arg(e.path()).output().unwrap();
                let info = String::from_utf8_lossy(&o.stdout).into_owned();
                if info
                    .lines()
                    .any(|l| l.starts_with("Title:") && l.contains(code))
                {
                    let pages = info
                        .lines()
                        .find_map(|l| l.strip_prefix("Pages:"))
                        .and_then(|p| p.trim().parse().ok());
                    if let Some(p) = pages {
                        return p;
                    }
                }
            }
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no cups-pdf output for case {code} in {dirs:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
}

fn qr_parts(intake: &serde_json::Value) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("intake.json");
    std::fs::write(&f, intake.to_string()).unwrap();
    let out = dir.path().join("qr");
    let o = Command::new(BIN)
        .args(["qr", "encode", "--intake"])
        .arg(&f)
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read_to_string(out.join("parts.txt"))
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

fn finish_and_print(t: &mut Term) {
    t.wait_for("4 手続一覧");
    t.clerk("Enter"); // to 印刷
    t.wait_for("状態: 準備できました");
    t.clerk("Enter"); // print
    t.wait_for("状態: 印刷しました");
    t.clerk("Enter"); // 完了
    t.wait_for("受付が完了しました");
}

fn one_person_move_in_with_a_card(dir: &Path) -> usize {
    // The virtual reader is machine-wide: hold the same lock as the card tests, so a card test
    // of another checkout (or of card_vpcd run at the same time) cannot pull our card mid-read.
    let _vpcd = madoguchi::card::virtual_card::lock_vpcd().expect("vpcd lock file");
    let db = dir.join("card.db");
    let emulator = Command::new(BIN)
        .args(["card", "emulate"])
        .arg(root().join("fixtures/cards/yamada-taro.toml"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let _emulator = Emulator(emulator);
    let cfg = config(dir);
    let mut t = counter("card", &cfg, &db, "2026-04-06");
    // Placing the card brings the resident's PIN screen with the tries left (read via PC/SC).
    t.wait_for("暗証番号を入力してください");
    t.resident(&["1", "2", "3", "4", "Enter"]);
    t.wait_for("山田　太郎");
    t.clerk("Enter"); // the card face matches
    t.clerk_types("まどぐち市本町１丁目１番１号");
    t.clerk("Enter"); // to 世帯
    t.wait_for("2 世帯");
    t.clerk("Enter"); // to 確認
    t.answer_questions(|_, q| q.contains("健康保険は何").then_some("1")); // 国保
    let s = t.wait_for("国民健康保険 加入");
    assert!(s.contains("転入届"), "{s}");
    finish_and_print(&mut t);
    let code = closed_case(&db);
    assert!(
        printed_pages(&code) >= 4,
        "guidance sheet, 住民異動届, card and NHI forms printed"
    );
    t.clerk_keys
}

fn four_person_move_within_from_qr(dir: &Path) -> usize {
    let db = dir.join("qr.db");
    let cfg = config(dir);
    let intake: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/intakes/move-within-family.json")).unwrap(),
    )
    .unwrap();
    let parts = qr_parts(&intake);
    assert!(parts.len() >= 2, "a household of four spans several codes");
    let mut t = counter("qr", &cfg, &db, "2026-09-03");
    t.wait_for("1 受付");
    t.scan(&parts[0]);
    t.wait_for(&format!("1 / {} 読み取り済み", parts.len()));
    for p in &parts[1..] {
        t.scan(p);
    }
    let s = t.wait_for("池田　咲");
    assert!(s.contains("2 世帯"), "{s}");
    t.clerk("Enter"); // the household is right
    t.answer_questions(|_, _| None);
    let s = t.wait_for("4 手続一覧");
    assert!(s.contains("転居届") && s.contains("就学校の確認"), "{s}");
    finish_and_print(&mut t);
    let code = closed_case(&db);
    assert!(printed_pages(&code) >= 10, "the family's bundle printed");
    t.clerk_keys
}

fn death_with_a_sensitive_question(dir: &Path) -> usize {
    let db = dir.join("death.db");
    let cfg = config(dir);
    let mut intake: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("fixtures/intakes/death-with-outside-applicant.json"))
            .unwrap(),
    )
    .unwrap();
    // Whether the household receives public assistance is not known: a sensitive question.
    intake["household"]["facts"]
        .as_object_mut()
        .unwrap()
        .remove("public_assistance");
    let parts = qr_parts(&intake);
    let mut t = counter("death", &cfg, &db, "2026-05-08");
    t.wait_for("1 受付");
    for p in &parts {
        t.scan(p);
    }
    t.wait_for("原田　勝");
    t.clerk("Enter"); // to 確認
    let s = t.wait_for("画面でお答えください");
    assert!(
        s.contains("生活保護"),
        "the sensitive question is on the resident's view:\n{s}"
    );
    t.answer_questions(|_, _| None);
    let s = t.wait_for("4 手続一覧");
    assert!(s.contains("葬祭費") || s.contains("死亡届"), "{s}");
    finish_and_print(&mut t);
    let code = closed_case(&db);
    assert!(
        printed_pages(&code) >= 5,
        "the bereaved family's bundle printed"
    );
    t.clerk_keys
}

/// The counter started in a terminal on its own configuration and database, on `today`.
fn counter(name: &str, cfg: &str, db: &Path, today: &str) -> Term {
    let db = db.to_str().unwrap();
    Term::start(name, &["--config", cfg, "--db", db, "--today", today])
}

/// A member typed by hand: A, the name, Tab, the birth date (8 digits go on by themselves),
/// the sex's digit, the 続柄's digit (none for the first: 世帯主), Enter.
fn add_member(t: &mut Term, name: &str, born: &str, sex: &str, rel: Option<&str>) {
    t.clerk("a");
    t.wait_for("世帯員の追加");
    t.clerk_types(name);
    t.clerk("Tab");
    t.clerk_types(born);
    t.clerk(sex);
    if let Some(r) = rel {
        t.clerk(r);
    }
    t.clerk("Enter");
    t.wait_for(name);
}

fn family_of_four_typed_by_hand(dir: &Path) -> usize {
    let db = dir.join("family.db");
    let cfg = config(dir);
    let mut t = counter("family", &cfg, &db, "2026-04-06");
    t.wait_for("1 受付");
    t.clerk("Tab"); // 転入した日
    t.clerk_types("20260401"); // on to 従前の住所 by itself
    t.clerk_types("北海道北見市北五条東２丁目１番地");
    t.clerk("Tab");
    t.clerk_types("まどぐち市本町３丁目５番８号");
    t.clerk("Tab");
    t.clerk_types("20260331"); // 転出予定日
    t.clerk("Enter"); // to 世帯
    t.wait_for("2 世帯");
    add_member(&mut t, "佐藤　健一", "19840610", "1", None);
    add_member(&mut t, "佐藤　美咲", "19860903", "2", Some("2"));
    add_member(&mut t, "佐藤　陽斗", "20160521", "1", Some("3"));
    add_member(&mut t, "佐藤　結衣", "20220115", "2", Some("3"));
    t.clerk("Enter"); // to 確認
    t.answer_questions(|who, q| match who {
        "佐藤　健一" if q.contains("健康保険は何") => Some("3"), // 会社の保険
        _ if q.contains("健康保険は何") => Some("4"),            // 扶養
        "佐藤　陽斗" if q.contains("公立") => Some("1"),
        "佐藤　結衣" if q.contains("保育") => Some("1"),
        "佐藤　健一" if q.contains("児童手当") => Some("1"),
        // The parents hold licence cards (2:免許証; asked before the card question's match:
        // it names the My Number card too), the father owns the car: the clerk passes the
        // cells before them with "no" (2), as on the counter.
        _ if q.contains("運転免許証") => Some("2"),
        "佐藤　健一" if q.contains("軽自動車") => Some("1"),
        _ if q.contains("軽自動車") || q.contains("原付") || q.contains("印鑑登録") => {
            Some("2")
        }
        "佐藤　健一" | "佐藤　美咲" | "佐藤　陽斗" if q.contains("マイナンバーカード") => {
            Some("1")
        }
        "佐藤　結衣" if q.contains("マイナンバーカード") => Some("2"),
        _ => None,
    });
    let s = t.wait_for("4 手続一覧");
    assert!(s.contains("児童手当") && s.contains("転入学"), "{s}");
    finish_and_print(&mut t);
    let code = closed_case(&db);
    assert!(printed_pages(&code) >= 6, "the family's bundle printed");
    t.clerk_keys
}

fn death_typed_by_hand(dir: &Path) -> usize {
    let db = dir.join("death-hand.db");
    let cfg = config(dir);
    let mut t = counter("deathhand", &cfg, &db, "2026-04-06");
    t.wait_for("1 受付");
    t.clerk("7"); // 死亡: on to 死亡日
    t.wait_for("死亡日");
    t.clerk_types("20260403"); // on to 住所
    t.clerk_types("まどぐち市本町２丁目２番２号");
    t.clerk("Enter"); // to 世帯
    t.wait_for("亡くなった方から追加します");
    add_member(&mut t, "山本　茂", "19480302", "1", None);
    t.wait_for("[主][故]");
    add_member(&mut t, "山本　和子", "19500719", "2", Some("2"));
    let s = t.wait_for("[届]");
    assert!(!s.contains("[故][届]") && !s.contains("[届][故]"), "{s}");
    t.clerk("Enter"); // to 確認
    let s = t.wait_for("ていましたか");
    assert!(
        s.contains("故 山本"),
        "past tense, the deceased marked:\n{s}"
    );
    t.answer_questions(|who, q| {
        let about_him = who == "山本　茂";
        let yes = (about_him
            && ((q.contains("年金") && q.contains("受け取って"))
                || q.contains("印鑑登録")
                || q.contains("土地や建物")
                || q.contains("水道")))
            || q.contains("死亡届");
        yes.then_some("1")
    });
    let s = t.wait_for("4 手続一覧");
    assert!(
        s.contains("後期高齢者医療") && s.contains("印鑑登録の廃止"),
        "{s}"
    );
    finish_and_print(&mut t);
    let code = closed_case(&db);
    assert!(
        printed_pages(&code) >= 4,
        "the bereaved family's bundle printed"
    );
    t.clerk_keys
}

/// F10 in the middle of a case asks; the case stays unfinished, is offered at the next start,
/// and D discards it there (the store keeps only the anonymous record).
fn quit_then_discard_from_the_start(dir: &Path) {
    let db = dir.join("discard.db");
    let cfg = config(dir);
    let args = [
        "--config",
        cfg.as_str(),
        "--db",
        db.to_str().unwrap(),
        "--today",
        "2026-04-06",
    ];
    let t = Term::start("discard", &args);
    t.wait_for("1 受付");
    t.send(&["Tab", "Tab"]);
    t.send(&["-l", "北海道北見市"]);
    t.wait_for("北海道北見市");
    t.send(&["F10"]);
    t.wait_for("まだ完了していません");
    t.send(&["y"]);
    drop(t);
    let t = Term::start("discard", &args);
    t.wait_for("中断した受付");
    t.send(&["d"]);
    t.wait_for("を破棄しますか");
    t.send(&["y"]);
    t.wait_for("を破棄しました");
    let o = Command::new(BIN)
        .args(["cases", "list", "--json", "--db"])
        .arg(&db)
        .output()
        .unwrap();
    let v: serde_json::Value = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&o.stderr)));
    let cases = v.as_array().unwrap();
    assert!(
        cases.iter().any(|c| c["status"] == "discarded"),
        "the abandoned case is discarded: {v}"
    );
}

#[test]
fn counter_flows_end_to_end() {
    if !services_ready() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let card = one_person_move_in_with_a_card(dir.path());
    let qr = four_person_move_within_from_qr(dir.path());
    let death = death_with_a_sensitive_question(dir.path());
    let family = family_of_four_typed_by_hand(dir.path());
    let death_hand = death_typed_by_hand(dir.path());
    quit_then_discard_from_the_start(dir.path());
    let doc = format!(
        "# Clerk keystrokes per flow\n\n\
         Written by `cargo test --test tui_e2e` (tmux end to end at 100 x 30, real pcscd + vpcd, QR \
         parts typed as a keyboard scanner types them, SQLite store, cups-pdf printer). Counted from the \
         first key of the case to the Enter that closes it (完了); the key that starts the next case \
         belongs to that case. The PIN, the resident's answers on the resident-facing view and the \
         scanner's typing are not counted; a typed name, address or date counts as one.\n\n\
         | flow | clerk keystrokes | goal |\n|---|---|---|\n\
         | 1-person 転入 with a My Number card | {card} | ≤ 10 |\n\
         | family of four 転入, typed by hand | {family} | ≤ 60 |\n\
         | death of a 78-year-old survived by a spouse, typed by hand | {death_hand} | ≤ 30 |\n\
         | 4-person 転居 from 2+ QR codes | {qr} | |\n\
         | death (おくやみ) from QR, with a sensitive question | {death} | |\n\n\
         The flows key by key are in `tests/tui_e2e.rs`; `tests/tui_flows.rs` counts the same flows \
         on the fake services and checks the goals on every run.\n"
    );
    std::fs::write(root().join("docs/keystrokes.md"), doc).unwrap();
    eprintln!(
        "clerk keystrokes: card {card}, family {family}, death by hand {death_hand}, qr {qr}, death {death}"
    );
    assert!(
        card <= 10,
        "1-person 転入 with a card: {card} clerk keys (goal ≤ 10)"
    );
    assert!(
        family <= 60,
        "family of four by hand: {family} clerk keys (goal ≤ 60)"
    );
    assert!(
        death_hand <= 30,
        "death by hand: {death_hand} clerk keys (goal ≤ 30)"
    );
}
