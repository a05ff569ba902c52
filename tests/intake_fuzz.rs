//! The core fuzz targets' bodies on stable (`fuzz/core`): replayed over their committed seed
//! corpora and over generated inputs (proptest). A panic here is a parser bug. CI also runs the
//! real coverage-guided targets briefly (`scripts/fuzz-smoke`).

mod fuzz_corpus;
use fuzz_corpus::corpus;

use madoguchi::intake::fuzzing;
use madoguchi::rules::lang::fuzz_condition;
use proptest::prelude::*;

#[test]
fn intake_corpus() {
    let seeds = corpus("intake_parse");
    for s in &seeds {
        fuzzing::intake(s);
    }
    // The corpus holds valid intakes (deep paths) as well as refused ones.
    let vocab = madoguchi::intake::Vocabulary::core();
    let ok = seeds
        .iter()
        .filter(|s| {
            madoguchi::intake::parse_intake(std::str::from_utf8(s).unwrap(), &vocab).is_ok()
        })
        .count();
    assert!(ok >= 4 && ok < seeds.len(), "{ok} of {}", seeds.len());
}

#[test]
fn condition_corpus() {
    let seeds = corpus("condition_parse");
    for s in &seeds {
        fuzz_condition(s);
    }
    // The conditions of the shipped set are in the corpus and parse.
    let ok = seeds
        .iter()
        .filter(|s| madoguchi::rules::lang::parse(std::str::from_utf8(s).unwrap()).is_ok())
        .count();
    assert!(ok >= 20, "{ok}");
}

/// Bytes of a seed intake with a few of them changed: mostly-valid documents reach the deep
/// paths of the parser.
fn mutated_intake() -> impl Strategy<Value = Vec<u8>> {
    let seeds = corpus("intake_parse");
    (
        0..seeds.len(),
        proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
    )
        .prop_map(move |(i, edits)| {
            let mut s = seeds[i].clone();
            for (at, b) in edits {
                let k = at.index(s.len().max(1));
                if k < s.len() {
                    s[k] = b;
                }
            }
            s
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn intake_never_panics(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        fuzzing::intake(&data);
    }

    #[test]
    fn mutated_intakes_never_panic(data in mutated_intake()) {
        fuzzing::intake(&data);
    }

    #[test]
    fn conditions_never_panic(src in "[a-z_.()\\[\\]\"0-9<>=!, ]{0,200}") {
        fuzz_condition(src.as_bytes());
    }

    #[test]
    fn nested_conditions_never_overflow(depth in 0usize..3000, kind in 0u8..3) {
        let src = match kind {
            0 => format!("{}true{}", "(".repeat(depth), ")".repeat(depth)),
            1 => format!("{}true", "not ".repeat(depth)),
            _ => format!("{}true{}", "any(members, ".repeat(depth), ")".repeat(depth)),
        };
        fuzz_condition(src.as_bytes());
        prop_assert_eq!(
            madoguchi::rules::lang::parse(&src).is_ok(),
            depth < madoguchi::rules::lang::MAX_NESTING,
        );
    }
}
