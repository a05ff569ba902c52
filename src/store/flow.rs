//! Statistics across counters (issue #15; the figures 横須賀 and 北見 report for their
//! one-stop counters): cases per counter and per section, the time from reception to the last
//! section, and the waiting between sections.
//!
//! Definitions (also in `docs/store.md`), from the anonymous record only:
//! - a case's **counter** is the counter that opened it (reception); a case counts for a
//!   **section** when at least one of its applied procedures belongs to that section;
//! - a section **served** a case between its first and its last mark (done or set aside);
//!   sections are ordered by their first mark;
//! - **reception → last section**: from the case's opening to the latest such mark, for
//!   cases that are complete (nothing pending);
//! - **waiting between sections**: from one section's last mark to the next section's first
//!   mark (0 when they overlap), every consecutive pair of every case.

use super::AnonRecord;
use chrono::DateTime;
use serde::Serialize;
use std::collections::BTreeMap;

/// The figures across counters.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct FlowStats {
    /// Cases per counter that opened them (`-`: not recorded, e.g. before version 3).
    pub cases_per_counter: BTreeMap<String, usize>,
    /// Cases per section (with at least one applied procedure there).
    pub cases_per_section: BTreeMap<String, usize>,
    /// Status changes per counter that made them.
    pub marks_per_counter: BTreeMap<String, usize>,
    /// Cases with procedures whose statuses are all done or set aside.
    pub complete: usize,
    /// Cases with at least one pending procedure.
    pub in_progress: usize,
    /// Seconds from reception to the last section's last mark (complete cases).
    pub reception_to_last_section: Summary,
    /// Seconds between one section's last mark and the next section's first mark.
    pub waiting_between_sections: Summary,
}

fn secs(from: &str, to: &str) -> Option<f64> {
    let a = DateTime::parse_from_rfc3339(from).ok()?;
    let b = DateTime::parse_from_rfc3339(to).ok()?;
    Some((b - a).num_seconds() as f64)
}

pub fn compute(records: &[&AnonRecord]) -> FlowStats {
    let mut f = FlowStats::default();
    let (mut to_last, mut waits) = (vec![], vec![]);
    for r in records {
        *f.cases_per_counter
            .entry(r.counter.clone().unwrap_or_else(|| "-".into()))
            .or_default() += 1;
        let mut sections: Vec<&String> = r.sections.iter().collect();
        sections.sort();
        sections.dedup();
        for s in &sections {
            *f.cases_per_section.entry((*s).clone()).or_default() += 1;
        }
        for m in &r.marks {
            *f.marks_per_counter.entry(m.counter.clone()).or_default() += 1;
        }
        if r.sections.is_empty() {
            continue;
        }
        // The latest status per procedure decides whether the case is complete.
        let mut latest: BTreeMap<&str, &str> = BTreeMap::new();
        for m in &r.marks {
            latest.insert(&m.procedure, &m.status);
        }
        let procedures = r.sections.len();
        let resolved = latest.values().filter(|s| **s != "pending").count();
        let complete = resolved >= procedures;
        if complete {
            f.complete += 1;
        } else {
            f.in_progress += 1;
        }
        // Per section: first and last mark that resolved something.
        let mut span: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
        for m in r.marks.iter().filter(|m| m.status != "pending") {
            let e = span.entry(&m.section).or_insert((&m.at, &m.at));
            if m.at.as_str() < e.0 {
                e.0 = &m.at;
            }
            if m.at.as_str() > e.1 {
                e.1 = &m.at;
            }
        }
        let mut spans: Vec<(&str, &str)> = span.into_values().collect();
        spans.sort();
        if complete {
            if let Some(last) = spans.iter().map(|s| s.1).max() {
                to_last.extend(secs(&r.steps.opened_at, last).filter(|s| *s >= 0.0));
            }
        }
        for w in spans.windows(2) {
            waits.extend(secs(w[0].1, w[1].0).map(|s| s.max(0.0)));
        }
    }
    f.reception_to_last_section = Summary::of(to_last);
    f.waiting_between_sections = Summary::of(waits);
    f
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::{AnonMark, StepTimes};

    fn mark(p: &str, section: &str, status: &str, counter: &str, at: &str) -> AnonMark {
        AnonMark {
            procedure: p.into(),
            section: section.into(),
            status: status.into(),
            counter: counter.into(),
            at: at.into(),
        }
    }

    #[test]
    fn figures_by_hand() {
        let t = |hm: &str| format!("2026-04-06T{hm}:00+09:00");
        // Case 1: opened 10:00 at 1番; 市民課 10:05, 保険年金課 10:20–10:30: complete.
        let a = AnonRecord {
            counter: Some("1番窓口".into()),
            steps: StepTimes {
                opened_at: t("10:00"),
                ..Default::default()
            },
            sections: vec!["市民課".into(), "保険年金課".into(), "保険年金課".into()],
            marks: vec![
                mark("a", "市民課", "done", "1番窓口", &t("10:05")),
                mark("b", "保険年金課", "done", "2番窓口", &t("10:20")),
                mark("c", "保険年金課", "set_aside", "2番窓口", &t("10:30")),
            ],
            ..Default::default()
        };
        // Case 2: opened 11:00 at 1番; one of two done: in progress.
        let b = AnonRecord {
            counter: Some("1番窓口".into()),
            steps: StepTimes {
                opened_at: t("11:00"),
                ..Default::default()
            },
            sections: vec!["市民課".into(), "子育て支援課".into()],
            marks: vec![mark("a", "市民課", "done", "1番窓口", &t("11:10"))],
            ..Default::default()
        };
        let f = compute(&[&a, &b]);
        assert_eq!(f.cases_per_counter["1番窓口"], 2);
        assert_eq!(f.cases_per_section["市民課"], 2);
        assert_eq!(f.cases_per_section["保険年金課"], 1);
        assert_eq!(f.marks_per_counter["2番窓口"], 2);
        assert_eq!((f.complete, f.in_progress), (1, 1));
        // 10:00 → 10:30
        assert_eq!(f.reception_to_last_section.n, 1);
        assert_eq!(f.reception_to_last_section.median, 1800.0);
        // 市民課 last 10:05 → 保険年金課 first 10:20
        assert_eq!(f.waiting_between_sections.n, 1);
        assert_eq!(f.waiting_between_sections.median, 900.0);
    }
}

/// n, mean, median and p90 of a list of numbers (all zero when n = 0).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: f64,
    pub median: f64,
    pub p90: f64,
}

impl Summary {
    pub fn of(mut v: Vec<f64>) -> Summary {
        let n = v.len();
        if n == 0 {
            return Summary::default();
        }
        v.sort_by(f64::total_cmp);
        let median = if n % 2 == 1 {
            v[n / 2]
        } else {
            (v[n / 2 - 1] + v[n / 2]) / 2.0
        };
        // Nearest rank: ⌈0.9·n⌉ in integers, so 0.9·10 is exactly 9.
        let rank = (9 * n).div_ceil(10);
        Summary {
            n,
            mean: v.iter().sum::<f64>() / n as f64,
            median,
            p90: v[rank - 1],
        }
    }
}
