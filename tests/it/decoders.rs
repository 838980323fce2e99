//! The decoders of untrusted bytes under random input, on the stable
//! toolchain (the fuzz targets `checkpoint` and `run_line` in fuzz/ are
//! the long-running versions of the same properties):
//!
//! * the checkpoint decoder: random bytes, random bit flips and cuts of a
//!   real checkpoint — sealed with a correct checksum too, so the structure
//!   is read and not only the checksum — decode or give a
//!   `CheckpointError`, never a panic; a count claiming more than the file
//!   holds is refused before anything is allocated for it;
//! * `run`'s line parser: the fast path and serde_json agree on generated
//!   lines, and the hand-written instant reader agrees with chrono and
//!   `eval::parse_instant` whenever it accepts.

use clausec::eval::{InstantError, Program};
use clausec::stream::catalog::Catalog;
use clausec::stream::checkpoint::{self, CheckpointError, OutputMark};
use clausec::stream::record::{fast_instant, parse_line, parse_line_serde};
use clausec::stream::{hash_bytes, Options, Runner};
use clausec::vocab::Reading;
use proptest::prelude::*;
use std::sync::OnceLock;

const DEMO: &str = include_str!("data/eval_demo.clause");

fn program() -> &'static Program {
    static P: OnceLock<Program> = OnceLock::new();
    P.get_or_init(|| Program::compile_str("demo.clause", DEMO).expect("demo compiles"))
}

fn options() -> Options {
    Options {
        shards: 2,
        ..Options::default()
    }
}

fn catalog() -> Catalog {
    Catalog::new(program().clone(), Reading::CustomerSafe)
}

fn line(account: &str, billing: &str, at: &str, event: &str, amount: Option<&str>) -> String {
    let amount = amount.map_or(String::new(), |a| format!(r#","amount":"{a}""#));
    format!(
        r#"{{"account":"{account}","product":"demo","billing":"{billing}","at":"{at}","event":"{event}"{amount}}}"#
    )
}

/// A checkpoint with something in every part: accounts in both shards,
/// both billing modes (two machines), deadlines, and events accepted but
/// not yet applied (within `--max-lateness` of the last), one with an
/// amount.
fn valid() -> &'static [u8] {
    static V: OnceLock<Vec<u8>> = OnceLock::new();
    V.get_or_init(|| {
        let mut r = Runner::new(catalog(), options());
        let lines = [
            line(
                "a",
                "postpaid",
                "2024-06-01T10:00:00+08:00",
                "arrears",
                None,
            ),
            line(
                "b",
                "postpaid",
                "2024-06-01T10:00:00+08:00",
                "arrears",
                None,
            ),
            line("c", "prepaid", "2024-06-03T10:00:00+08:00", "expiry", None),
            line(
                "d",
                "postpaid",
                "2024-06-05T10:00:00+08:00",
                "arrears",
                None,
            ),
            line(
                "a",
                "postpaid",
                "2024-06-05T10:00:30+08:00",
                "payment",
                Some("12.50"),
            ),
            line(
                "账户",
                "prepaid",
                "2024-06-05T10:00:40+08:00",
                "expiry",
                None,
            ),
        ];
        let b = r.push(&lines, false);
        assert!(b.errors.is_empty(), "{:?}", b.errors);
        assert!(r.queued() > 0, "no deadline in the checkpoint");
        let bytes = checkpoint::encode(&r, OutputMark { bytes: 7 });
        assert!(checkpoint::decode(&bytes, catalog(), options()).is_ok());
        bytes
    })
}

/// `bytes` with its last 8 bytes replaced by the checksum of the rest, as
/// the encoder writes it.
fn seal(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() >= 8 {
        let body = bytes.len() - 8;
        let sum = hash_bytes(&bytes[..body]).to_le_bytes();
        bytes[body..].copy_from_slice(&sum);
    }
    bytes
}

/// Decodes `bytes`: an error is a `CheckpointError` (the type says so), a
/// success is a runner that checkpoints and decodes again. A panic fails
/// the property.
fn decodes_or_errs(bytes: &[u8]) -> Result<(), CheckpointError> {
    let _ = checkpoint::header(bytes);
    let restored = checkpoint::decode(bytes, catalog(), options())?;
    let again = checkpoint::encode(&restored.runner, restored.output);
    assert!(
        checkpoint::decode(&again, catalog(), options()).is_ok(),
        "a decoded checkpoint did not survive encoding again"
    );
    Ok(())
}

/// Byte offsets of every count (`u64` length) in a version-2 checkpoint,
/// named, found by walking the format of src/stream/checkpoint.rs.
fn counts(b: &[u8]) -> Vec<(String, usize)> {
    struct Walk<'a> {
        b: &'a [u8],
        at: usize,
        found: Vec<(String, usize)>,
    }
    impl Walk<'_> {
        fn skip(&mut self, n: usize) {
            self.at += n;
            assert!(self.at <= self.b.len(), "walked past the end");
        }
        fn u64(&mut self) -> u64 {
            let v = u64::from_le_bytes(self.b[self.at..self.at + 8].try_into().expect("8 bytes"));
            self.skip(8);
            v
        }
        fn count(&mut self, name: &str) -> usize {
            self.found.push((name.to_string(), self.at));
            self.u64() as usize
        }
        fn bytes(&mut self, name: &str) {
            let n = self.count(name);
            self.skip(n);
        }
        fn words(&mut self, name: &str) {
            let n = self.count(name);
            self.skip(4 * n);
        }
        fn opt_i64(&mut self) {
            let tag = self.b[self.at];
            self.skip(1 + if tag == 1 { 8 } else { 0 });
        }
    }
    let mut w = Walk {
        b,
        at: 0,
        found: Vec::new(),
    };
    w.skip(8 + 4 + 8); // magic, version, max_lateness
    w.opt_i64(); // until
    w.skip(8); // max_line_bytes
    w.bytes("reading");
    let shards = w.count("shards");
    w.skip(6 * 8); // lines, input hash, output bytes, actions, errors, watermark
    let machines = w.count("machines");
    for m in 0..machines {
        w.bytes(&format!("machine {m} product"));
        w.bytes(&format!("machine {m} billing"));
        let values = w.count(&format!("machine {m} variants"));
        for v in 0..values {
            w.bytes(&format!("machine {m} variant {v}"));
        }
        for field in ["agreement", "version"] {
            w.bytes(&format!("machine {m} {field}"));
        }
        w.skip(8); // fingerprint
    }
    for s in 0..shards {
        w.bytes(&format!("shard {s} names"));
        w.words(&format!("shard {s} name ends"));
        let tables = w.count(&format!("shard {s} tables"));
        for t in 0..tables {
            w.words(&format!("shard {s} table {t}"));
        }
        let queued = w.count(&format!("shard {s} deadlines"));
        w.skip(10 * queued);
        let pending = w.count(&format!("shard {s} pending events"));
        for _ in 0..pending {
            w.skip(8 + 8 + 2 + 4 + 2); // at, line, machine, record, event
            let tag = w.b[w.at];
            w.skip(1 + if tag == 1 { 16 } else { 0 }); // amount
            w.opt_i64(); // until
        }
    }
    assert_eq!(
        w.at + 8,
        b.len(),
        "the walk does not end at the checksum: format changed?"
    );
    w.found
}

/// A count claiming 2^40 entries (or more than any file) is refused as
/// corrupt, at once: every count is checked against the bytes left before
/// anything is allocated for it (an allocation of 2^40 records would abort
/// the test process; u64::MAX would overflow a capacity and panic).
#[test]
fn counts_beyond_the_file_are_refused_before_anything_is_allocated() {
    let bytes = valid();
    let counts = counts(bytes);
    // the walk found every kind of count, the deadlines and pending events included
    for part in [
        "reading",
        "shards",
        "machines",
        "names",
        "tables",
        "deadlines",
        "pending",
    ] {
        assert!(
            counts.iter().any(|(n, _)| n.contains(part)),
            "no {part} count found"
        );
    }
    let started = std::time::Instant::now();
    for (name, at) in &counts {
        let left = (bytes.len() - at - 8) as u64;
        for claim in [
            1u64 << 40,
            u64::MAX,
            1 << 32,
            u64::from(u32::MAX) + 1,
            left + 1,
        ] {
            let mut bad = bytes.to_vec();
            bad[*at..at + 8].copy_from_slice(&claim.to_le_bytes());
            let bad = seal(bad);
            match checkpoint::decode(&bad, catalog(), options()) {
                Err(CheckpointError::Corrupt(_)) => {}
                other => panic!("{name} = {claim}: {:?}", other.map(|_| "decoded")),
            }
        }
    }
    // Refused at once, not after reading or allocating gigabytes.
    assert!(started.elapsed().as_secs() < 30, "{:?}", started.elapsed());
}

/// Sealed again after a flip, a checkpoint reaches the structure checks:
/// every byte flipped in turn gives checkpoints that still decode (a flip
/// in a plain value such as the watermark) and refusals for many different
/// reasons, so the properties below exercise the decoder, not only its
/// checksum.
#[test]
fn sealed_flips_reach_the_structure_checks() {
    let good = valid();
    let (mut decoded, mut reasons) = (0, std::collections::BTreeSet::new());
    for i in 12..good.len() - 8 {
        let mut bytes = good.to_vec();
        bytes[i] ^= 0x01;
        match decodes_or_errs(&seal(bytes)) {
            Ok(()) => decoded += 1,
            Err(e) => {
                reasons.insert(e.to_string());
            }
        }
    }
    assert!(decoded >= 10, "{decoded} sealed flips decoded");
    assert!(
        reasons.len() >= 6,
        "only {} reasons: {reasons:#?}",
        reasons.len()
    );
}

fn flip_strategy() -> impl Strategy<Value = (Vec<(usize, u8)>, Option<usize>)> {
    let len = valid().len();
    (
        prop::collection::vec((0..len, 0u8..8), 1..6),
        prop::option::weighted(0.25, 0..len),
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(3_000))]

    /// Random bytes, alone or behind a checkpoint's magic and version,
    /// sealed or not: decoded or refused, never a panic.
    #[test]
    fn random_bytes_decode_or_err(
        body in prop::collection::vec(any::<u8>(), 0..600),
        framed in any::<bool>(),
    ) {
        let mut bytes = if framed { valid()[..12].to_vec() } else { Vec::new() };
        bytes.extend_from_slice(&body);
        let _ = decodes_or_errs(&bytes);
        let _ = decodes_or_errs(&seal(bytes));
    }

    /// Bit flips (one or several) and cuts of a real checkpoint: refused by
    /// the checksum as they are; sealed again, the structure itself decodes
    /// or is refused, never panics.
    #[test]
    fn flipped_and_cut_checkpoints_decode_or_err((flips, cut) in flip_strategy()) {
        let good = valid();
        let mut bytes = good.to_vec();
        for (i, bit) in &flips {
            bytes[*i] ^= 1 << bit;
        }
        if let Some(n) = cut {
            bytes.truncate(n);
        }
        if bytes != good {
            prop_assert!(checkpoint::decode(&bytes, catalog(), options()).is_err());
        }
        let _ = decodes_or_errs(&seal(bytes));
    }
}

/// Pieces a generated line is made of: the known keys and others, values
/// of every JSON kind, instants near and off the fast reader's shape,
/// strings with escapes and control characters.
fn key() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("account".to_string()),
        Just("product".to_string()),
        Just("billing".to_string()),
        Just("at".to_string()),
        Just("event".to_string()),
        Just("amount".to_string()),
        Just("until".to_string()),
        Just("note".to_string()),
        "[a-z]{1,6}",
    ]
}

/// An instant: mostly in the supported range and in the fast reader's
/// shape, otherwise with every number drawn past its range, other
/// separators and zones.
fn instant() -> impl Strategy<Value = String> {
    prop_oneof![3 => plausible_instant(), 2 => wild_instant()]
}

fn plausible_instant() -> impl Strategy<Value = String> {
    (
        (1995u32..2140, 1u32..13, 1u32..32),
        (0u32..24, 0u32..60, 0u32..60),
        prop_oneof![
            Just("Z".to_string()),
            (
                prop_oneof![Just('+'), Just('-')],
                0u32..15,
                prop_oneof![Just(0u32), Just(30), Just(45)]
            )
                .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
        ],
    )
        .prop_map(|((y, mo, d), (h, mi, s), zone)| {
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{zone}")
        })
}

fn wild_instant() -> impl Strategy<Value = String> {
    (
        (0u32..10_000, 0u32..14, 0u32..33),
        (0u32..26, 0u32..62, 0u32..62),
        prop_oneof![
            Just("Z".to_string()),
            Just("z".to_string()),
            Just("-00:00".to_string()),
            (prop_oneof![Just('+'), Just('-')], 0u32..26, 0u32..62)
                .prop_map(|(s, h, m)| format!("{s}{h:02}:{m:02}")),
            "[+-Z0-9:.]{0,7}",
        ],
        prop_oneof![Just('T'), Just('t'), Just(' ')],
    )
        .prop_map(|((y, mo, d), (h, mi, s), zone, t)| {
            format!("{y:04}-{mo:02}-{d:02}{t}{h:02}:{mi:02}:{s:02}{zone}")
        })
}

fn value() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => instant().prop_map(|s| format!("\"{s}\"")),
        2 => "[a-z0-9_.-]{0,8}".prop_map(|s| format!("\"{s}\"")),
        1 => Just("\"postpaid\"".to_string()),
        1 => Just("\"-1.5\"".to_string()),
        1 => "\\PC{0,6}".prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        1 => "[a\"\\\\\\t\u{1}é]{0,6}".prop_map(|s| format!("\"{s}\"")),
        1 => prop_oneof![Just("null"), Just("1.5"), Just("{}"), Just("[]"), Just("true")]
            .prop_map(str::to_string),
    ]
}

fn generated_line() -> impl Strategy<Value = String> {
    (
        prop::collection::vec((key(), value()), 0..9),
        prop_oneof![Just(""), Just(" "), Just(",")],
        prop_oneof![4 => Just(""), 1 => Just(" "), 1 => Just("}"), 1 => Just("x")],
        prop::option::weighted(0.2, any::<prop::sample::Index>()),
    )
        .prop_map(|(fields, sep_space, tail, cut)| {
            let body: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("\"{k}\":{sep_space}{v}"))
                .collect();
            let mut l = format!("{{{}}}{tail}", body.join(","));
            if let Some(ix) = cut {
                let mut n = ix.index(l.len() + 1);
                while !l.is_char_boundary(n) {
                    n -= 1;
                }
                l.truncate(n);
            }
            l
        })
}

/// A line in the common shape, which the fast path does take.
fn common_line() -> impl Strategy<Value = String> {
    (
        "[a-z0-9账户-]{1,8}",
        prop_oneof![Just("postpaid"), Just("prepaid"), Just("monthly")],
        instant(),
        prop::option::of("-?[0-9]{1,4}(\\.[0-9]{1,3})?"),
    )
        .prop_map(|(account, billing, at, amount)| {
            line(&account, billing, &at, "arrears", amount.as_deref())
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(5_000))]

    /// The fast path and serde_json: the same record or the same error.
    #[test]
    fn the_fast_line_parser_agrees_with_serde(l in prop_oneof![generated_line(), common_line()]) {
        prop_assert_eq!(parse_line(&l), parse_line_serde(&l), "{}", l);
    }

    /// An instant the fast reader accepts is chrono's, and parse_instant's
    /// when it is in the supported range (out of it, parse_instant says so).
    #[test]
    fn fast_instants_agree_with_chrono(s in instant()) {
        if let Some(t) = fast_instant(&s) {
            let chrono = chrono::DateTime::parse_from_rfc3339(&s).map(|d| d.timestamp());
            prop_assert_eq!(chrono.ok(), Some(t), "{}", s);
            let slow = clausec::eval::parse_instant(&s).map(|d| d.timestamp());
            if clausec::compile::layout::accepted(t) {
                prop_assert_eq!(slow, Ok(t), "{}", s);
            } else {
                prop_assert!(matches!(slow, Err(InstantError::OutOfRange(_))), "{}: {:?}", s, slow);
            }
        }
    }
}

/// The generators reach accepted lines, refused lines and instants the
/// fast reader takes: the properties above do not pass by feeding one
/// branch only.
#[test]
fn the_generators_reach_accepted_and_refused_lines_and_fast_instants() {
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;
    let mut runner = TestRunner::deterministic();
    let (mut fast_ok, mut errors, mut instants) = (0, 0, 0);
    for _ in 0..2_000 {
        let l = common_line().new_tree(&mut runner).expect("tree").current();
        fast_ok += usize::from(parse_line(&l).is_ok());
        let g = generated_line()
            .new_tree(&mut runner)
            .expect("tree")
            .current();
        errors += usize::from(parse_line(&g).is_err());
        let s = instant().new_tree(&mut runner).expect("tree").current();
        instants += usize::from(fast_instant(&s).is_some());
    }
    assert!(fast_ok > 100, "{fast_ok} common lines parsed");
    assert!(errors > 100, "{errors} generated lines refused");
    assert!(
        instants > 50,
        "{instants} instants taken by the fast reader"
    );
}
