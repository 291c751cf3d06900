//! The parser never panics: arbitrary text and mutations of a valid config only ever give a
//! config or an error.

mod common;
use proptest::prelude::*;
use std::path::Path;

fn parse(text: &str) {
    let _ = infrapipe::config::Config::parse(text, Path::new("fuzz.yaml"));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
        parse(&text);
    }

    #[test]
    fn yaml_shaped_text_never_panics(text in "([a-z_]{1,12}: ?(\\[|\\{|-|[0-9.e+-]{1,8}|[a-z@.()]{0,12}|'[^']{0,8}')?\n {0,4}){0,12}") {
        parse(&text);
    }

    #[test]
    fn mutated_example_never_panics(pos in 0usize..600, byte in any::<u8>(), cut in 0usize..600) {
        let base = std::fs::read(common::EXAMPLE).expect("example");
        let mut bytes = base.clone();
        let p = pos % bytes.len();
        bytes[p] = byte;
        bytes.truncate(cut.max(1).min(bytes.len()));
        parse(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn any_number_for_a_threshold_is_accepted_or_refused_cleanly(v in proptest::num::f64::ANY) {
        let yaml = format!("{}alarms:\n  cpu_high_percent: {v}\n", common::MINIMAL);
        parse(&yaml);
    }
}
