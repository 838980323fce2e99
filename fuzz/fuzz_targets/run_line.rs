//! `clausec run`'s line parser: for any bytes, the fast path and serde_json
//! give the same record or the same error, and an instant the hand-written
//! reader accepts is the instant chrono reads, and `eval::parse_instant`'s
//! in the supported range (out of it, an `OutOfRange` error).
#![no_main]

use clausec::stream::record::{fast_instant, parse_line, parse_line_serde};
use libfuzzer_sys::fuzz_target;

/// A valid line, to splice fuzz bytes into: most random bytes are not
/// JSON, and the fast path only takes lines shaped like this one.
const LINE: &str = r#"{"account":"a1","product":"log_service","billing":"postpaid","at":"2024-06-01T10:00:00+08:00","event":"arrears","amount":"1.50"}"#;

fn check_instant(s: &str) {
    if let Some(t) = fast_instant(s) {
        let chrono = chrono::DateTime::parse_from_rfc3339(s).map(|d| d.timestamp());
        assert_eq!(chrono, Ok(t), "fast instant {s:?} disagrees with chrono");
        let slow = clausec::eval::parse_instant(s).map(|d| d.timestamp());
        if clausec::compile::layout::accepted(t) {
            assert_eq!(slow, Ok(t), "fast instant {s:?} disagrees with parse_instant");
        } else {
            assert!(
                matches!(slow, Err(clausec::eval::InstantError::OutOfRange(_))),
                "{s:?} is out of range, parse_instant says {slow:?}"
            );
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data.get(1..).unwrap_or(&[])) else {
        return;
    };
    let line = match data.first().copied().unwrap_or(0) % 3 {
        // the bytes as a line
        0 => text.to_string(),
        // the bytes as the `at` value of a valid line
        1 => LINE.replace("2024-06-01T10:00:00+08:00", text),
        // the bytes as the account name
        _ => LINE.replace("\"a1\"", &format!("\"{text}\"")),
    };
    assert_eq!(parse_line(&line), parse_line_serde(&line), "{line:?}");
    check_instant(text);
});
