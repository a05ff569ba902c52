//! `madoguchi determine` as scripts and outside tests use it (shared/spec/cli.md).

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

fn run(args: &[&str], stdin: Option<&str>) -> (i32, String, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_madoguchi"));
    cmd.args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

const FAMILY: &str = "procedures/tests/mi-03-family-of-four.intake.json";

#[test]
fn json_has_the_spec_shape_and_is_byte_identical() {
    let (code, out, err) = run(
        &[
            "determine",
            "--intake",
            FAMILY,
            "--format",
            "json",
            "--today",
            "2026-04-06",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let (_, again, _) = run(
        &[
            "determine",
            "--intake",
            FAMILY,
            "--format",
            "json",
            "--today",
            "2026-04-06",
        ],
        None,
    );
    assert_eq!(out, again, "deterministic output");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert!(v["procedure_set"]["digest"]
        .as_str()
        .unwrap()
        .starts_with("sha256:"));
    assert_eq!(
        v["event"],
        serde_json::json!({"kind": "move_in", "date": "2026-04-01"})
    );
    let procs = v["procedures"].as_array().unwrap();
    let nhi = procs.iter().find(|p| p["id"] == "nhi.enroll").unwrap();
    let keys: Vec<&str> = nhi
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "id",
            "name",
            "kind",
            "section",
            "counter",
            "members",
            "deadline",
            "deadline_text",
            "basis",
            "reasons",
            "bring",
            "forms"
        ]
    );
    assert_eq!(nhi["name"], "国民健康保険 加入");
    assert_eq!(nhi["section"], "保険年金課");
    assert_eq!(nhi["counter"], "2番窓口");
    assert_eq!(nhi["members"], serde_json::json!(["m2"]));
    assert_eq!(nhi["deadline"], "2026-04-15");
    assert_eq!(nhi["deadline_text"], "令和8年4月15日(水)まで");
    assert!(nhi["reasons"][0]
        .as_str()
        .unwrap()
        .starts_with("山田　花子 (m2): "));
    assert_eq!(nhi["forms"], serde_json::json!(["nhi"]));
    // Household procedures list no members; ordered by counter, then deadline.
    assert_eq!(procs[0]["id"], "resident.move_in");
    assert_eq!(procs[0]["members"], serde_json::json!([]));
    let counters: Vec<&str> = procs
        .iter()
        .map(|p| p["counter"].as_str().unwrap())
        .collect();
    let order = |c: &str| c.trim_end_matches("番窓口").parse::<u32>().unwrap_or(99);
    assert!(
        counters.windows(2).all(|w| order(w[0]) <= order(w[1])),
        "{counters:?}"
    );
    // 速やかに has no date.
    let med = procs
        .iter()
        .find(|p| p["id"] == "child_medical.apply")
        .unwrap();
    assert_eq!(med["deadline"], Value::Null);
    assert!(med["deadline_text"]
        .as_str()
        .unwrap()
        .starts_with("速やかに"));
    // 児童手当: the 15-day rule counts from the planned move-out date.
    let ca = procs
        .iter()
        .find(|p| p["id"] == "child_allowance.claim")
        .unwrap();
    assert_eq!(ca["deadline"], "2026-04-15");
    // Excluded entries carry a reason naming the member.
    let ex = v["excluded"].as_array().unwrap();
    let e = ex
        .iter()
        .find(|e| e["id"] == "nhi.enroll" && e["members"] == serde_json::json!(["m1"]))
        .unwrap();
    assert_eq!(e["reason"], "山田　太郎 (m1): 被用者保険 (本人) に加入");
}

#[test]
fn pending_lists_the_questions_that_matter() {
    let (code, out, err) = run(
        &[
            "determine",
            "--intake",
            "procedures/tests/mi-04-april-first-cohort.intake.json",
            "--format",
            "json",
        ],
        None,
    );
    assert_eq!(code, 0, "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(
        v["pending"],
        serde_json::json!([{ "id": "school.transfer_in", "members": ["m2"],
            "questions": [{ "member": "m2", "fact": "public_school", "text": "公立の小学校・中学校に通いますか",
                "screen": "children" }] }])
    );
}

#[test]
fn text_report_is_japanese_for_clerks() {
    let (code, out, _) = run(
        &["determine", "--intake", FAMILY, "--today", "2026-04-06"],
        None,
    );
    assert_eq!(code, 0);
    assert!(out.contains("■ 必要な手続"));
    assert!(out.contains("【2番窓口 保険年金課】"));
    assert!(out.contains("期限: 令和8年4月15日(水)まで"));
    assert!(out.contains("■ 対象外と判断した手続"));
}

#[test]
fn stdin_and_bad_input() {
    let text = std::fs::read_to_string(format!("{}/{FAMILY}", env!("CARGO_MANIFEST_DIR"))).unwrap();
    let (code, out, _) = run(
        &["determine", "--intake", "-", "--format", "json"],
        Some(&text),
    );
    assert_eq!(code, 0);
    assert!(out.contains("\"procedures\""));

    let bad = text.replace("\"2015-04-01\"", "\"2015-02-30\"");
    let (code, _, err) = run(&["determine", "--intake", "-"], Some(&bad));
    assert_eq!(code, 2);
    assert!(
        err.contains("household.members[2].birth_date: \"2015-02-30\" is not a date"),
        "{err}"
    );

    let number = text.replacen(
        "\"name\": \"山田　太郎\"",
        "\"my_number\": \"123456789018\", \"name\": \"山田　太郎\"",
        1,
    );
    let (code, _, err) = run(&["determine", "--intake", "-"], Some(&number));
    assert_eq!(code, 2);
    assert!(
        err.contains("household.members[0].my_number") && err.contains("個人番号"),
        "{err}"
    );

    let (code, _, err) = run(&["determine", "--intake", "no/such/file.json"], None);
    assert_eq!(code, 2);
    assert!(err.contains("no/such/file.json"));

    let (code, _, _) = run(&["determine"], None);
    assert_eq!(code, 2, "usage errors exit 2");
}

#[test]
fn a_broken_procedure_set_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("municipality.toml"), "[set]\nname = 1\n").unwrap();
    let (code, _, err) = run(
        &[
            "determine",
            "--intake",
            FAMILY,
            "--procedures",
            dir.path().to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(code, 2);
    assert!(err.contains("municipality.toml:"), "{err}");
}
