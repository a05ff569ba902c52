//! Statistics for measuring the counter's effect (効果測定, field notes N08 and §1.8): cases
//! per event kind and day, procedures and forms per case, counters per household, and the
//! median and 90th percentile of the time per step and per case.
//!
//! Definitions (also in `docs/store.md`), chosen to be computable by hand:
//! - a case's **day** is the JST date it was opened; `since` keeps cases opened on or after it;
//! - **time per step**: from the step before it in the order opened → card read → QR read →
//!   determined → printed → closed, skipping steps that did not happen (a QR case has no card
//!   read); a negative interval (steps done out of that order) is left out;
//! - **time per case**: opened → closed, closed cases only;
//! - **median**: the middle value, or the mean of the two middle values; **p90**: nearest
//!   rank, the ⌈0.9·n⌉-th smallest value;
//! - procedures, forms and counters per case count cases that have a determination.

use super::{AnonRecord, Step};
use chrono::{DateTime, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt::Write;
use unicode_width::UnicodeWidthStr;

pub use super::flow::Summary;

/// One day of the chart and the day table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct DayRow {
    pub date: NaiveDate,
    pub cases: usize,
    pub per_kind: BTreeMap<String, usize>,
    /// Time per case (seconds) of the day's closed cases.
    pub case_seconds: Summary,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct StepRow {
    pub step: Step,
    pub seconds: Summary,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Stats {
    pub since: Option<NaiveDate>,
    pub cases: usize,
    pub closed: usize,
    /// Event kinds present, in the spec's order (`unknown` last: intake not saved yet).
    pub kinds: Vec<String>,
    pub per_kind: BTreeMap<String, usize>,
    pub days: Vec<DayRow>,
    pub procedures_per_case: Summary,
    pub forms_per_case: Summary,
    pub counters_per_household: Summary,
    pub household_size: Summary,
    pub step_seconds: Vec<StepRow>,
    pub case_seconds: Summary,
    /// The same kind of case as a published measurement (field notes §1.8), side by side.
    pub anchors: Vec<AnchorRow>,
    /// Across counters: per counter and section, reception → last section, waiting.
    pub flow: super::flow::FlowStats,
}

/// A measured baseline from another town and this counter's figure for the same cases.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct AnchorRow {
    pub label: &'static str,
    pub event_kind: &'static str,
    pub household_size: i64,
    /// Before (handwritten) and after, in seconds, as published.
    pub before_seconds: f64,
    pub after_seconds: f64,
    /// Time per case (opened → closed) of this counter's matching closed cases.
    pub measured: Summary,
}

/// 北見市's measurements of its 書かない窓口 (field notes §1.8, S4:7122–7130): the anchors the
/// project aims to meet (N01).
const ANCHORS: [(&str, &str, i64, f64, f64); 2] = [
    ("北見市 1人の転入", "move_in", 1, 360.0, 210.0),
    ("北見市 4人の転居", "move_within", 4, 420.0, 150.0),
];

const UNKNOWN: &str = "unknown";

fn seconds(from: &str, to: &str) -> Option<f64> {
    let a = DateTime::parse_from_rfc3339(from).ok()?;
    let b = DateTime::parse_from_rfc3339(to).ok()?;
    let s = (b - a).num_seconds();
    (s >= 0).then_some(s as f64)
}

/// A counter or section name as a CSV field (quoted when it holds a comma or a quote).
fn csv_key(k: &str) -> String {
    if k.contains([',', '"', '\n']) {
        format!("\"{}\"", k.replace('"', "\"\""))
    } else {
        k.to_string()
    }
}

fn kind_label(k: &str) -> &str {
    crate::intake::EventKind::parse(k).map_or("未入力", |k| k.label_ja())
}

/// Computes the statistics of `records` opened on or after `since`.
pub fn compute(records: &[AnonRecord], since: Option<NaiveDate>) -> Stats {
    let day_of = |r: &AnonRecord| {
        r.steps
            .opened_at
            .get(..10)
            .and_then(crate::calendar::parse_date)
    };
    let rs: Vec<&AnonRecord> = records
        .iter()
        .filter(|r| match (since, day_of(r)) {
            (Some(s), Some(d)) => d >= s,
            (Some(_), None) => false,
            (None, _) => true,
        })
        .collect();
    let kind = |r: &AnonRecord| r.event_kind.clone().unwrap_or_else(|| UNKNOWN.into());
    let case_secs = |r: &AnonRecord| seconds(&r.steps.opened_at, r.steps.closed_at.as_deref()?);

    let mut per_kind: BTreeMap<String, usize> = BTreeMap::new();
    // Per day: cases, cases per kind, seconds per closed case.
    type DayAcc = (usize, BTreeMap<String, usize>, Vec<f64>);
    let mut days: BTreeMap<NaiveDate, DayAcc> = BTreeMap::new();
    for r in &rs {
        *per_kind.entry(kind(r)).or_default() += 1;
        if let Some(d) = day_of(r) {
            let e = days.entry(d).or_default();
            e.0 += 1;
            *e.1.entry(kind(r)).or_default() += 1;
            e.2.extend(case_secs(r));
        }
    }
    let mut kinds: Vec<String> = crate::intake::EventKind::VALUES
        .iter()
        .filter(|k| per_kind.contains_key(**k))
        .map(|k| k.to_string())
        .collect();
    let others: Vec<String> = per_kind
        .keys()
        .filter(|k| !kinds.contains(k))
        .cloned()
        .collect();
    kinds.extend(others);

    let determined: Vec<&&AnonRecord> = rs
        .iter()
        .filter(|r| r.steps.determined_at.is_some())
        .collect();
    let count =
        |f: fn(&AnonRecord) -> usize| Summary::of(determined.iter().map(|r| f(r) as f64).collect());

    let step_seconds = Step::ALL
        .iter()
        .map(|&step| {
            let v = rs
                .iter()
                .filter_map(|r| {
                    let at = r.steps.get(step)?;
                    let prev = Step::ALL
                        .iter()
                        .take_while(|s| **s != step)
                        .filter_map(|s| r.steps.get(*s))
                        .last()
                        .unwrap_or(&r.steps.opened_at);
                    seconds(prev, at)
                })
                .collect();
            StepRow {
                step,
                seconds: Summary::of(v),
            }
        })
        .collect();

    Stats {
        flow: super::flow::compute(&rs),
        since,
        cases: rs.len(),
        closed: rs.iter().filter(|r| r.steps.closed_at.is_some()).count(),
        kinds,
        per_kind,
        days: days
            .into_iter()
            .map(|(date, (cases, per_kind, secs))| DayRow {
                date,
                cases,
                per_kind,
                case_seconds: Summary::of(secs),
            })
            .collect(),
        procedures_per_case: count(|r| r.procedures.len()),
        forms_per_case: count(|r| r.forms.len()),
        counters_per_household: count(|r| r.counters.len()),
        household_size: Summary::of(
            rs.iter()
                .filter_map(|r| r.household_size)
                .map(|n| n as f64)
                .collect(),
        ),
        step_seconds,
        case_seconds: Summary::of(rs.iter().filter_map(|r| case_secs(r)).collect()),
        anchors: ANCHORS
            .iter()
            .map(|&(label, event_kind, size, before, after)| AnchorRow {
                label,
                event_kind,
                household_size: size,
                before_seconds: before,
                after_seconds: after,
                measured: Summary::of(
                    rs.iter()
                        .filter(|r| {
                            r.event_kind.as_deref() == Some(event_kind)
                                && r.household_size == Some(size)
                        })
                        .filter_map(|r| case_secs(r))
                        .collect(),
                ),
            })
            .collect(),
    }
}

/// "3分05秒" (rounded to the second).
pub fn mmss(secs: f64) -> String {
    let s = secs.round() as i64;
    format!("{}分{:02}秒", s / 60, s % 60)
}

/// A number with at most two decimals and no trailing zeros ("2", "2.5", "2.33").
pub fn num(x: f64) -> String {
    let s = format!("{x:.2}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Pads to a display width (full-width characters count 2).
fn pad(s: &str, w: usize, right: bool) -> String {
    let fill = " ".repeat(w.saturating_sub(UnicodeWidthStr::width(s)));
    if right {
        format!("{fill}{s}")
    } else {
        format!("{s}{fill}")
    }
}

fn table(out: &mut String, head: &[String], rows: &[Vec<String>]) {
    let mut w: Vec<usize> = head.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.width());
        }
    }
    let line = |cells: &[String]| -> String {
        let s: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| pad(c, w[i], i > 0))
            .collect();
        format!("  {}\n", s.join("  ").trim_end())
    };
    out.push_str(&line(head));
    for r in rows {
        out.push_str(&line(r));
    }
}

impl Stats {
    /// The Japanese report printed by `madoguchi stats`.
    pub fn table_ja(&self) -> String {
        let mut s = String::new();
        let range = self
            .since
            .map_or("全期間".to_string(), |d| format!("{d} 以降"));
        let _ = writeln!(
            s,
            "効果測定 ({range})  受付 {}件 (完了 {}件)",
            self.cases, self.closed
        );
        if self.cases == 0 {
            s.push_str("  該当する案件はありません。\n");
            return s;
        }
        let _ = writeln!(s, "\n■ 日別・届出別の件数");
        let mut head = vec!["日付".to_string()];
        head.extend(self.kinds.iter().map(|k| kind_label(k).to_string()));
        head.push("計".into());
        let mut rows: Vec<Vec<String>> = self
            .days
            .iter()
            .map(|d| {
                let mut r = vec![d.date.to_string()];
                r.extend(
                    self.kinds
                        .iter()
                        .map(|k| d.per_kind.get(k).copied().unwrap_or(0).to_string()),
                );
                r.push(d.cases.to_string());
                r
            })
            .collect();
        let mut total = vec!["計".to_string()];
        total.extend(self.kinds.iter().map(|k| self.per_kind[k].to_string()));
        total.push(self.cases.to_string());
        rows.push(total);
        table(&mut s, &head, &rows);

        let _ = writeln!(s, "\n■ 1件あたり");
        let head: Vec<String> = ["", "件数", "平均", "中央値", "90%値"]
            .map(String::from)
            .to_vec();
        let row = |name: &str, x: &Summary| {
            vec![
                name.to_string(),
                x.n.to_string(),
                num(x.mean),
                num(x.median),
                num(x.p90),
            ]
        };
        table(
            &mut s,
            &head,
            &[
                row("手続数", &self.procedures_per_case),
                row("様式数", &self.forms_per_case),
                row("窓口数 (世帯あたり)", &self.counters_per_household),
                row("世帯人数", &self.household_size),
            ],
        );

        let _ = writeln!(s, "\n■ 所要時間 (前の段階から)");
        let head: Vec<String> = ["", "件数", "平均", "中央値", "90%値"]
            .map(String::from)
            .to_vec();
        let trow = |name: &str, x: &Summary| {
            if x.n == 0 {
                vec![
                    name.to_string(),
                    "0".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                ]
            } else {
                vec![
                    name.to_string(),
                    x.n.to_string(),
                    mmss(x.mean),
                    mmss(x.median),
                    mmss(x.p90),
                ]
            }
        };
        let mut rows: Vec<Vec<String>> = self
            .step_seconds
            .iter()
            .map(|r| trow(r.step.label_ja(), &r.seconds))
            .collect();
        rows.push(trow("1件全体 (受付→完了)", &self.case_seconds));
        table(&mut s, &head, &rows);

        let _ = writeln!(s, "\n■ 先行事例との比較 (1件全体、中央値)");
        let head: Vec<String> = ["", "先行事例 手書き→導入後", "この窓口", "件数"]
            .map(String::from)
            .to_vec();
        let rows: Vec<Vec<String>> = self
            .anchors
            .iter()
            .map(|a| {
                vec![
                    a.label.to_string(),
                    format!("{} → {}", mmss(a.before_seconds), mmss(a.after_seconds)),
                    if a.measured.n == 0 {
                        "-".into()
                    } else {
                        mmss(a.measured.median)
                    },
                    a.measured.n.to_string(),
                ]
            })
            .collect();
        table(&mut s, &head, &rows);
        self.flow_table_ja(&mut s);
        s
    }

    /// The figures across counters (issue #15), when any case went through a section.
    fn flow_table_ja(&self, s: &mut String) {
        let f = &self.flow;
        if f.cases_per_section.is_empty() && f.cases_per_counter.keys().all(|k| k == "-") {
            return;
        }
        let _ = writeln!(s, "\n■ 窓口・課ごとの件数");
        let head: Vec<String> = ["", "件数"].map(String::from).to_vec();
        let mut rows: Vec<Vec<String>> = f
            .cases_per_counter
            .iter()
            .map(|(k, n)| vec![format!("受付窓口 {k}"), n.to_string()])
            .collect();
        rows.extend(
            f.cases_per_section
                .iter()
                .map(|(k, n)| vec![format!("担当課 {k}"), n.to_string()]),
        );
        rows.extend(
            f.marks_per_counter
                .iter()
                .map(|(k, n)| vec![format!("処理記録 {k}"), n.to_string()]),
        );
        table(s, &head, &rows);
        let _ = writeln!(
            s,
            "\n■ 課をまたぐ所要時間  (全課完了 {}件、処理中 {}件)",
            f.complete, f.in_progress
        );
        let head: Vec<String> = ["", "件数", "平均", "中央値", "90%値"]
            .map(String::from)
            .to_vec();
        let trow = |name: &str, x: &Summary| {
            if x.n == 0 {
                vec![
                    name.to_string(),
                    "0".into(),
                    "-".into(),
                    "-".into(),
                    "-".into(),
                ]
            } else {
                vec![
                    name.to_string(),
                    x.n.to_string(),
                    mmss(x.mean),
                    mmss(x.median),
                    mmss(x.p90),
                ]
            }
        };
        table(
            s,
            &head,
            &[
                trow("受付→最後の課", &f.reception_to_last_section),
                trow("課と課の間の待ち", &f.waiting_between_sections),
            ],
        );
    }

    /// Long-format CSV (`metric,key,n,value`): one figure a line, easy to pivot in a
    /// spreadsheet. Seconds for times.
    pub fn csv(&self) -> String {
        let mut s = String::from("metric,key,n,value\n");
        let _ = writeln!(s, "cases,total,,{}", self.cases);
        let _ = writeln!(s, "cases,closed,,{}", self.closed);
        for k in &self.kinds {
            let _ = writeln!(s, "cases_per_kind,{k},,{}", self.per_kind[k]);
        }
        for d in &self.days {
            let _ = writeln!(s, "cases_per_day,{},,{}", d.date, d.cases);
            for (k, n) in &d.per_kind {
                let _ = writeln!(s, "cases_per_day_kind,{} {k},,{n}", d.date);
            }
        }
        let mut summary = |metric: &str, x: &Summary| {
            for (key, v) in [("mean", x.mean), ("median", x.median), ("p90", x.p90)] {
                let _ = writeln!(s, "{metric},{key},{},{}", x.n, num(v));
            }
        };
        summary("procedures_per_case", &self.procedures_per_case);
        summary("forms_per_case", &self.forms_per_case);
        summary("counters_per_household", &self.counters_per_household);
        summary("household_size", &self.household_size);
        for r in &self.step_seconds {
            summary(&format!("seconds_to_{}", r.step.as_str()), &r.seconds);
        }
        summary("seconds_per_case", &self.case_seconds);
        for a in &self.anchors {
            summary(
                &format!("seconds_per_case {} {}", a.event_kind, a.household_size),
                &a.measured,
            );
        }
        for d in &self.days {
            summary(&format!("seconds_per_case {}", d.date), &d.case_seconds);
        }
        let f = &self.flow;
        summary(
            "seconds_reception_to_last_section",
            &f.reception_to_last_section,
        );
        summary(
            "seconds_waiting_between_sections",
            &f.waiting_between_sections,
        );
        for (k, n) in &f.cases_per_counter {
            let _ = writeln!(s, "cases_per_counter,{},,{n}", csv_key(k));
        }
        for (k, n) in &f.cases_per_section {
            let _ = writeln!(s, "cases_per_section,{},,{n}", csv_key(k));
        }
        for (k, n) in &f.marks_per_counter {
            let _ = writeln!(s, "marks_per_counter,{},,{n}", csv_key(k));
        }
        let _ = writeln!(s, "cases_complete,all_sections,,{}", f.complete);
        let _ = writeln!(s, "cases_in_progress,some_section,,{}", f.in_progress);
        s
    }

    /// A chart for a report: cases per day (bars) and the median time per case per day
    /// (bars, minutes, with the p90 as a tick). Plain SVG with no script or external font, so
    /// it pastes into a word processor.
    pub fn svg(&self) -> String {
        let (w, h) = (860.0_f64, 600.0_f64);
        let (left, right) = (70.0, 20.0);
        let plot_w = w - left - right;
        let n = self.days.len().max(1) as f64;
        let slot = plot_w / n;
        let bar = (slot * 0.7).max(1.0);
        let mut s = String::new();
        let _ = writeln!(
            s,
            r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" font-family="'Noto Sans CJK JP','IPAexGothic','Yu Gothic','Meiryo',sans-serif" font-size="12">"#
        );
        let _ = writeln!(s, r#"<rect width="{w}" height="{h}" fill="white"/>"#);
        let range = self
            .since
            .map_or("全期間".to_string(), |d| format!("{d} 以降"));
        let _ = writeln!(
            s,
            r#"<text x="{left}" y="24" font-size="16" font-weight="bold">窓口の効果測定 ({range}) 受付 {} 件</text>"#,
            self.cases
        );
        let max_cases = self.days.iter().map(|d| d.cases).max().unwrap_or(0) as f64;
        let mins: Vec<f64> = self
            .days
            .iter()
            .map(|d| d.case_seconds.median / 60.0)
            .collect();
        let p90s: Vec<f64> = self
            .days
            .iter()
            .map(|d| d.case_seconds.p90 / 60.0)
            .collect();
        let max_min = p90s.iter().cloned().fold(0.0, f64::max);
        // (title, top, values, p90 ticks, axis maximum, colour)
        type Panel<'a> = (&'a str, f64, Vec<f64>, Option<&'a Vec<f64>>, f64, &'a str);
        let panels: [Panel; 2] = [
            (
                "日別の受付件数 (件)",
                60.0,
                self.days.iter().map(|d| d.cases as f64).collect(),
                None,
                max_cases,
                "#4472c4",
            ),
            (
                "1件あたりの所要時間 (受付→完了、中央値・分、線は90%値)",
                340.0,
                mins,
                Some(&p90s),
                max_min,
                "#ed7d31",
            ),
        ];
        let ph = 200.0;
        for (title, top, vals, ticks, max, color) in panels.iter() {
            let _ = writeln!(
                s,
                r#"<text x="{left}" y="{}" font-size="14">{title}</text>"#,
                top - 12.0
            );
            let base = top + ph;
            // Case counts get whole-number ticks (four steps), minutes any round value.
            let max = if ticks.is_none() {
                (nice_max(*max) / 4.0).ceil() * 4.0
            } else {
                nice_max(*max)
            };
            for i in 0..=4 {
                let v = max * f64::from(i) / 4.0;
                let y = base - ph * f64::from(i) / 4.0;
                let _ = writeln!(
                    s,
                    r##"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" stroke="#ddd"/><text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"##,
                    w - right,
                    left - 6.0,
                    y + 4.0,
                    num(v)
                );
            }
            let _ = writeln!(
                s,
                r##"<line x1="{left}" y1="{base}" x2="{:.1}" y2="{base}" stroke="#333"/>"##,
                w - right
            );
            for (i, v) in vals.iter().enumerate() {
                let x = left + slot * i as f64 + (slot - bar) / 2.0;
                let bh = if max > 0.0 { ph * v / max } else { 0.0 };
                let _ = writeln!(
                    s,
                    r#"<rect x="{x:.1}" y="{:.1}" width="{bar:.1}" height="{bh:.1}" fill="{color}"><title>{} {}</title></rect>"#,
                    base - bh,
                    self.days[i].date,
                    num(*v)
                );
                if let Some(t) = ticks {
                    let ty = base - if max > 0.0 { ph * t[i] / max } else { 0.0 };
                    let _ = writeln!(
                        s,
                        r##"<line x1="{x:.1}" y1="{ty:.1}" x2="{:.1}" y2="{ty:.1}" stroke="#333" stroke-width="2"/>"##,
                        x + bar
                    );
                }
            }
            // Date labels: at most ~15, so they never overlap.
            let every = (self.days.len() / 15).max(1);
            for (i, d) in self.days.iter().enumerate().filter(|(i, _)| i % every == 0) {
                let x = left + slot * (i as f64 + 0.5);
                let _ = writeln!(
                    s,
                    r#"<text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="10">{}</text>"#,
                    base + 14.0,
                    d.date.format("%m/%d")
                );
            }
        }
        let _ = writeln!(
            s,
            r##"<text x="{left}" y="{:.1}" font-size="10" fill="#555">日付は受付日 (日本時間)。所要時間は完了した案件の受付から完了まで。madoguchi stats で作成。</text>"##,
            h - 14.0
        );
        s.push_str("</svg>\n");
        s
    }
}

/// A round axis maximum above `x` (1, 2, 5 × 10ⁿ), at least 1.
fn nice_max(x: f64) -> f64 {
    if x <= 1.0 {
        return 1.0;
    }
    let p = 10f64.powf(x.log10().floor());
    for m in [1.0, 2.0, 5.0, 10.0] {
        if m * p >= x {
            return m * p;
        }
    }
    10.0 * p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries() {
        let s = Summary::of(vec![5.0, 1.0, 3.0, 2.0, 4.0]);
        assert_eq!((s.n, s.mean, s.median, s.p90), (5, 3.0, 3.0, 5.0));
        let s = Summary::of((1..=10).map(f64::from).collect());
        assert_eq!((s.median, s.p90), (5.5, 9.0));
        let s = Summary::of(vec![7.0]);
        assert_eq!((s.median, s.p90), (7.0, 7.0));
        assert_eq!(Summary::of(vec![]).n, 0);
        assert_eq!(mmss(125.4), "2分05秒");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(3.0), "3");
        assert_eq!(nice_max(7.0), 10.0);
        assert_eq!(nice_max(12.0), 20.0);
    }
}
