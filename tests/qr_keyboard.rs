//! The keyboard-scan detector on recorded key sequences (`fixtures/qr/keys/*.keys`): scans
//! interleaved with a clerk's typing, Caps Lock, a scan cut short, a fast typist's "md".
//!
//! A recording has one key per line: `<ms> <S|T> <key>`, where `S` is the scanner and `T` the
//! clerk, and `<key>` is `Enter`, `U+XXXX`, or the character itself. Its `.expect` file holds
//! what the UI must receive: `{"typed": "…", "scans": ["MDG1…"]}` (Enter typed as `\n`).
//! The recordings are written by `write_recordings` (ignored; the timings model a USB HID
//! scanner at 2–9 ms per key and people at 60–300 ms per key).

use madoguchi::intake::Vocabulary;
use madoguchi::qr::keyboard::{KeyFeed, ScanDetector, ScanKey};
use madoguchi::qr::{Assembler, Feed};
use std::path::PathBuf;

fn keys_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("fixtures/qr/keys")
}

fn family_parts() -> Vec<String> {
    std::fs::read_to_string(keys_dir().join("../family.parts.txt"))
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn parse_key(tok: &str) -> ScanKey {
    if tok == "Enter" {
        ScanKey::Enter
    } else if let Some(hex) = tok.strip_prefix("U+") {
        ScanKey::Char(char::from_u32(u32::from_str_radix(hex, 16).unwrap()).unwrap())
    } else {
        let mut cs = tok.chars();
        let c = cs.next().unwrap();
        assert!(cs.next().is_none(), "one key per line: {tok:?}");
        ScanKey::Char(c)
    }
}

fn key_token(k: ScanKey) -> String {
    match k {
        ScanKey::Enter => "Enter".into(),
        ScanKey::Char(c) if c.is_whitespace() || c == 'U' => format!("U+{:04X}", c as u32),
        ScanKey::Char(c) => c.to_string(),
    }
}

fn push(typed: &mut String, keys: &[ScanKey]) {
    for k in keys {
        match k {
            ScanKey::Char(c) => typed.push(*c),
            ScanKey::Enter => typed.push('\n'),
        }
    }
}

/// Replays a recording the way the TUI drives the detector: every key, and a tick every
/// 10 ms of idle time (the UI loop's poll), plus one second after the end.
fn replay(rec: &str) -> (String, Vec<String>) {
    let mut d = ScanDetector::new();
    let mut typed = String::new();
    let mut scans = Vec::new();
    let mut clock = 0u64;
    let mut last_key = 0u64;
    for line in rec
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut f = line.split_whitespace();
        let at: u64 = f.next().unwrap().parse().unwrap();
        let _who = f.next().unwrap();
        let key = parse_key(f.next().unwrap());
        while clock + 10 < at {
            clock += 10;
            push(&mut typed, &d.tick(clock));
        }
        assert!(at >= last_key, "recordings are in time order");
        last_key = at;
        clock = at;
        match d.feed(key, at) {
            KeyFeed::Pass(keys) => push(&mut typed, &keys),
            KeyFeed::Hold => {}
            KeyFeed::Scan(s) => scans.push(s),
        }
    }
    for _ in 0..100 {
        clock += 10;
        push(&mut typed, &d.tick(clock));
    }
    assert!(!d.is_holding(), "nothing is held forever");
    (typed, scans)
}

#[test]
fn every_recording_gives_the_expected_typing_and_scans() {
    let mut n = 0;
    let mut rd: Vec<_> = std::fs::read_dir(keys_dir())
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .collect();
    rd.sort();
    for path in rd
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "keys"))
    {
        let rec = std::fs::read_to_string(&path).unwrap();
        let expect: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(path.with_extension("expect")).unwrap())
                .unwrap();
        let (typed, scans) = replay(&rec);
        assert_eq!(
            typed,
            expect["typed"].as_str().unwrap(),
            "{}: typing",
            path.display()
        );
        let want: Vec<String> = expect["scans"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_string())
            .collect();
        assert_eq!(scans, want, "{}: scans", path.display());
        // Every typing key of the recording reaches the UI, in order, untouched.
        let clerk: String = rec
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some("T"))
            .map(|l| match parse_key(l.split_whitespace().nth(2).unwrap()) {
                ScanKey::Char(c) => c,
                ScanKey::Enter => '\n',
            })
            .collect();
        assert!(
            is_subsequence(&clerk, &typed),
            "{}: the clerk's keys are all there",
            path.display()
        );
        n += 1;
    }
    assert!(n >= 5, "{n} recordings");
}

fn is_subsequence(needle: &str, hay: &str) -> bool {
    let mut h = hay.chars();
    needle.chars().all(|c| h.any(|x| x == c))
}

#[test]
fn scans_amid_typing_assemble_into_the_household() {
    let rec = std::fs::read_to_string(keys_dir().join("scans-amid-typing.keys")).unwrap();
    let (_, scans) = replay(&rec);
    let mut a = Assembler::new(Vocabulary::core());
    let mut done = false;
    for s in &scans {
        done |= matches!(a.feed(s), Ok(Feed::Complete(_)));
    }
    assert!(done);
}

// ---- recordings ----

struct Rec {
    t: u64,
    lines: Vec<String>,
    seed: u32,
}

impl Rec {
    fn new() -> Self {
        Rec {
            t: 1000,
            lines: Vec::new(),
            seed: 12345,
        }
    }
    fn jitter(&mut self, lo: u64, hi: u64) -> u64 {
        self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
        lo + u64::from(self.seed >> 16) % (hi - lo + 1)
    }
    fn key(&mut self, who: &str, k: ScanKey) {
        self.lines
            .push(format!("{} {who} {}", self.t, key_token(k)));
    }
    fn scan(&mut self, text: &str, enter: bool) {
        for c in text.chars() {
            self.key("S", ScanKey::Char(c));
            self.t += self.jitter(2, 9);
        }
        if enter {
            self.key("S", ScanKey::Enter);
        }
    }
    fn type_(&mut self, text: &str, lo: u64, hi: u64) {
        for c in text.chars() {
            self.t += self.jitter(lo, hi);
            let k = if c == '\n' {
                ScanKey::Enter
            } else {
                ScanKey::Char(c)
            };
            self.key("T", k);
        }
    }
    fn pause(&mut self, ms: u64) {
        self.t += ms;
    }
    fn write(&self, name: &str, comment: &str, typed: &str, scans: &[String]) {
        let mut s = format!("# {comment}\n");
        for l in &self.lines {
            s.push_str(l);
            s.push('\n');
        }
        std::fs::write(keys_dir().join(format!("{name}.keys")), s).unwrap();
        let e = serde_json::json!({ "typed": typed, "scans": scans });
        std::fs::write(
            keys_dir().join(format!("{name}.expect")),
            serde_json::to_string_pretty(&e).unwrap() + "\n",
        )
        .unwrap();
    }
}

#[test]
#[ignore]
fn write_recordings() {
    std::fs::create_dir_all(keys_dir()).unwrap();
    let parts = family_parts();
    let lower = |p: &str| format!("mdg1{}", &p[4..]);

    let mut r = Rec::new();
    r.type_("yamada md 0120", 70, 250);
    r.pause(400);
    r.scan(&parts[1], true);
    r.type_("md5 mm\n", 60, 200);
    r.pause(300);
    r.scan(&lower(&parts[0]), true);
    r.type_("Mdg1 09012345678\n", 80, 220);
    r.write(
        "scans-amid-typing",
        "a clerk types (including md, mm, Mdg1 and digits) between two scans; the second with Caps Lock on",
        "yamada md 0120md5 mm\nMdg1 09012345678\n",
        &[parts[1].clone(), parts[0].clone()],
    );

    let mut r = Rec::new();
    r.scan(&lower(&parts[0]), true);
    r.pause(500);
    r.scan(&lower(&parts[1]), true);
    r.write(
        "caps-lock",
        "Caps Lock on: the scanner types mdg1",
        "",
        &parts,
    );

    let mut r = Rec::new();
    r.type_("abc", 90, 150);
    r.pause(300);
    r.scan(&parts[0][..700], false);
    r.pause(2000);
    r.type_("x\n", 100, 150);
    r.write(
        "scan-cut-short",
        "a scan cut short (no Enter): released as typing after the timeout, nothing lost",
        &format!("abc{}x\n", &parts[0][..700]),
        &[],
    );

    let mut r = Rec::new();
    r.type_("09012345678\n0312345678\n", 45, 120);
    r.write(
        "digits-typing",
        "a clerk typing phone numbers quickly: never held",
        "09012345678\n0312345678\n",
        &[],
    );

    let mut r = Rec::new();
    r.type_("mdmdmd m\nMDG1 admin\nmdg10101\n", 25, 38);
    r.write(
        "fast-typist-md",
        "a very fast typist (25-38 ms per key) typing md, MDG1 and a short mdg1 number: all typed, in order",
        "mdmdmd m\nMDG1 admin\nmdg10101\n",
        &[],
    );

    // The UI reads keys between redraws: the scanner's keys arrive in clumps, 45 ms apart.
    let mut r = Rec::new();
    for (k, c) in parts[1].chars().enumerate() {
        r.key("S", ScanKey::Char(c));
        if k % 16 == 15 {
            r.pause(45);
        }
    }
    r.key("S", ScanKey::Enter);
    r.write(
        "scan-through-slow-redraws",
        "a busy UI reads the scanner's keys in clumps 45 ms apart: still one scan",
        "",
        &[parts[1].clone()],
    );

    let mut r = Rec::new();
    r.type_("m", 100, 100);
    r.pause(5);
    r.scan(&parts[0], true);
    r.write(
        "typed-m-then-scan",
        "the clerk's m just before a scan starts: the m is typed, the scan still taken",
        "m",
        &[parts[0].clone()],
    );
}
