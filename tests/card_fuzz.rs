//! The fuzz targets' bodies on stable: over the committed corpus (`fuzz/corpus/card_*`) and
//! over random bytes (proptest). A panic here is a parser bug.

mod fuzz_corpus;
use fuzz_corpus::corpus;

use madoguchi::card::fuzzing;
use proptest::prelude::*;

#[test]
fn record_corpus() {
    let seeds = corpus("card_record");
    for s in &seeds {
        fuzzing::record(s);
    }
    // The golden record is in the corpus and parses.
    assert!(seeds
        .iter()
        .any(|s| madoguchi::card::record::parse_basic4(s)
            .is_ok_and(|b| b.name == "山田\u{3000}太郎")));
}

#[test]
fn response_corpus() {
    for s in corpus("card_response") {
        fuzzing::response(&s);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn record_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        fuzzing::record(&data);
    }

    #[test]
    fn response_never_panics(data in proptest::collection::vec(any::<u8>(), 0..400)) {
        fuzzing::response(&data);
    }

    /// Mostly-valid answers reach the deep paths: status words drawn from the spec's table.
    #[test]
    fn response_with_plausible_status_words(
        answers in proptest::collection::vec(
            (proptest::collection::vec(any::<u8>(), 0..12),
             prop_oneof![Just([0x90u8, 0x00]), Just([0x63, 0xC2]), Just([0x63, 0xC0]), Just([0x61, 0x05]),
                          Just([0x6C, 0x03]), Just([0x69, 0x84]), Just([0x6A, 0x82]), Just([0x62, 0x82]), any::<[u8; 2]>()]),
            0..20)
    ) {
        let mut data = Vec::new();
        for (body, sw) in answers {
            data.push((body.len() + 2) as u8);
            data.extend_from_slice(&body);
            data.extend_from_slice(&sw);
        }
        fuzzing::response(&data);
    }
}
