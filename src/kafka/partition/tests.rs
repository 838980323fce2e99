use super::*;
use crate::eval::Program;
use crate::kafka::checkpoint::{self, Identity};
use crate::stream::workload::{format_event, profiles, Generator, DEFAULT_START};
use crate::vocab::Reading;
use std::collections::BTreeSet;

const LATENESS: i64 = 60;
const DAYS: u32 = 60;

fn program() -> Program {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("clauses/aliyun-2024");
    let (map, diags) = crate::load::load_all(&[dir]).expect("loads");
    Program::from_checked(crate::frontend::front_end(&map, diags)).expect("checks")
}

fn workload(program: &Program, accounts: u64) -> Vec<String> {
    let ps = profiles(program);
    Generator::new(ps.clone(), accounts, DAYS, 11, DEFAULT_START)
        .map(|e| format_event(&ps[e.profile as usize], &e))
        .collect()
}

fn options() -> Options {
    Options {
        max_lateness: LATENESS,
        until: None,
        shards: 1,
        ..Options::default()
    }
}

fn partition(program: &Program) -> Partition {
    Partition::new(
        Catalog::new(program.clone(), Reading::CustomerSafe),
        options(),
    )
}

fn until() -> i64 {
    DEFAULT_START + i64::from(DAYS) * 86_400
}

/// The input records: the lines, then a clock record that moves the
/// frontier just past `until()`.
fn records(lines: &[String]) -> Vec<String> {
    let mut v = lines.to_vec();
    v.push(clock_record(until() + LATENESS + 1));
    v
}

fn feed(p: &mut Partition, values: &[String], from: usize, chunk: usize) -> Emitted {
    let mut out = Emitted::default();
    let recs: Vec<Record<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            offset: i as i64,
            key: None,
            value: Some(v.as_bytes()),
        })
        .collect();
    for c in recs[from..].chunks(chunk) {
        p.process(c, &mut out);
    }
    out
}

/// `clausec run`'s engine over the same lines, flushed to `until()`.
fn run_output(program: &Program, lines: &[String]) -> Vec<String> {
    let mut r = Runner::new(
        Catalog::new(program.clone(), Reading::CustomerSafe),
        Options {
            until: Some(until()),
            ..options()
        },
    );
    let mut out = r.push(lines, false).output;
    out.push_str(&r.finish().output);
    out.lines().map(str::to_string).collect()
}

#[test]
fn a_partition_emits_what_run_emits_with_keys_independent_of_batching() {
    let program = program();
    let lines = workload(&program, 300);
    let values = records(&lines);
    let expected = run_output(&program, &lines);
    assert!(expected.len() > 200, "only {} actions", expected.len());
    let mut reference: Option<Vec<Action>> = None;
    for chunk in [1, 7, 1000, values.len()] {
        let mut p = partition(&program);
        let out = feed(&mut p, &values, 0, chunk);
        assert!(out.dead.is_empty(), "{:?}", out.dead.first());
        let values: Vec<String> = out.actions.iter().map(|a| a.value.clone()).collect();
        assert_eq!(values, expected, "chunk {chunk}");
        let keys: BTreeSet<&str> = out.actions.iter().map(|a| a.key.as_str()).collect();
        assert_eq!(keys.len(), out.actions.len(), "keys are unique");
        match &reference {
            None => reference = Some(out.actions),
            Some(r) => assert_eq!(&out.actions, r, "chunk {chunk}"),
        }
    }
}

#[test]
fn resuming_from_a_checkpoint_re_emits_the_same_keyed_actions() {
    let program = program();
    let lines = workload(&program, 200);
    let values = records(&lines);
    let id = Identity {
        topic: "billing-events".into(),
        partition: 3,
        agreement: 42,
    };
    let mut whole = partition(&program);
    let all = feed(&mut whole, &values, 0, 97).actions;
    for cut in [1, values.len() / 3, values.len() - 1] {
        let mut p = partition(&program);
        let before = feed(&mut p, &values[..cut], 0, 50).actions;
        let saved = checkpoint::encode(&id, &p);
        // The member goes on past the checkpoint, then dies: what it emitted
        // after the checkpoint is emitted again by the next owner.
        let _lost = feed(&mut p, &values[..cut + (values.len() - cut) / 2], cut, 50);
        let mut next = checkpoint::decode(
            &saved,
            &id,
            Catalog::new(program.clone(), Reading::CustomerSafe),
            options(),
        )
        .expect("decodes");
        assert_eq!(next.next_offset, cut as i64);
        // The new owner is handed records from before its offset too.
        let after = feed(&mut next, &values, 0, 64).actions;
        let mut resumed = before;
        resumed.extend(after);
        assert_eq!(resumed, all, "cut at {cut}");
    }
}

#[test]
fn checkpoints_of_another_partition_agreement_or_reading_or_damaged_are_refused() {
    let program = program();
    let lines = workload(&program, 20);
    let mut p = partition(&program);
    feed(&mut p, &lines, 0, 100);
    let id = Identity {
        topic: "billing-events".into(),
        partition: 0,
        agreement: 7,
    };
    let bytes = checkpoint::encode(&id, &p);
    let catalog = |r| Catalog::new(program.clone(), r);
    let decode = |b: &[u8], id: &Identity, r| checkpoint::decode(b, id, catalog(r), options());
    assert!(decode(&bytes, &id, Reading::CustomerSafe).is_ok());
    let other = |f: &dyn Fn(&mut Identity)| {
        let mut i = id.clone();
        f(&mut i);
        decode(&bytes, &i, Reading::CustomerSafe).unwrap_err()
    };
    assert!(other(&|i| i.partition = 1).contains("partition 0"));
    assert!(other(&|i| i.topic = "x".into()).contains("`billing-events`"));
    assert!(other(&|i| i.agreement = 8).contains("other clause files"));
    let e = decode(&bytes, &id, Reading::Earliest).unwrap_err();
    assert!(e.contains("--reading customer-safe"), "{e}");
    for at in [9, 40, bytes.len() / 2, bytes.len() - 1] {
        let mut bad = bytes.clone();
        bad[at] ^= 0x10;
        let e = decode(&bad, &id, Reading::CustomerSafe).unwrap_err();
        assert!(e.contains("checksum") || e.contains("corrupt"), "{at}: {e}");
    }
    assert!(decode(&bytes[..bytes.len() - 3], &id, Reading::CustomerSafe).is_err());
}

#[test]
fn bad_records_become_dead_letters_with_their_reasons_and_the_rest_goes_on() {
    let program = program();
    let ev = |account: &str, product: &str, at: &str, event: &str| {
        format!(
            r#"{{"account":"{account}","product":"{product}","billing":"postpaid","at":"{at}","event":"{event}"}}"#
        )
    };
    let good = ev("a1", "log_service", "2024-06-01T10:00:00+08:00", "arrears");
    let values: Vec<Option<Vec<u8>>> = vec![
        Some(good.clone().into_bytes()),
        Some(b"{\"account\":\"a\xff\"}".to_vec()),
        None,
        Some(b"  ".to_vec()),
        Some(b"{not json".to_vec()),
        Some(
            ev(
                "a2",
                "no_such_product",
                "2024-06-01T10:00:00+08:00",
                "arrears",
            )
            .into_bytes(),
        ),
        Some(ev("a3", "log_service", "2024-06-03T10:00:00+08:00", "arrears").into_bytes()),
        Some(ev("a4", "log_service", "2024-06-01T10:00:00+08:00", "arrears").into_bytes()),
        Some(br#"{"clock":"yesterday"}"#.to_vec()),
        Some(clock_record(DEFAULT_START + 30 * 86_400).into_bytes()),
    ];
    let recs: Vec<Record<'_>> = values
        .iter()
        .enumerate()
        .map(|(i, v)| Record {
            offset: 100 + i as i64,
            key: Some(b"k".as_slice()),
            value: v.as_deref(),
        })
        .collect();
    let mut p = partition(&program);
    let mut out = Emitted::default();
    p.process(&recs, &mut out);
    let dead: Vec<(Option<i64>, &str)> = out
        .dead
        .iter()
        .map(|d| (d.offset, d.reason.as_str()))
        .collect();
    let expect = [
        (101, "not UTF-8"),
        (102, "no value"),
        (103, "empty"),
        (104, "bad event"),
        (105, "no_such_product"),
        (107, "earlier than the latest instant"),
        (108, "`clock`"),
    ];
    assert_eq!(dead.len(), expect.len(), "{dead:?}");
    for ((o, reason), (eo, ereason)) in dead.iter().zip(expect) {
        assert_eq!(*o, Some(eo), "{dead:?}");
        assert!(reason.contains(ereason), "{eo}: {reason}");
    }
    // Each dead letter carries its record.
    assert_eq!(out.dead[0].value.as_deref(), values[1].as_deref());
    assert_eq!(out.dead[3].key.as_deref(), Some(b"k".as_slice()));
    // The good accounts went on: a1 and a3 are suspended and purged.
    let accounts: BTreeSet<&str> = out.actions.iter().map(|a| a.account.as_str()).collect();
    assert_eq!(accounts, BTreeSet::from(["a1", "a3"]));
    assert_eq!(p.next_offset, 110);
}

fn rec(offset: i64, value: &str) -> Record<'_> {
    Record {
        offset,
        key: None,
        value: Some(value.as_bytes()),
    }
}

#[test]
fn a_clock_record_fires_the_deadlines_of_an_idle_partition() {
    let program = program();
    let arrears = r#"{"account":"idle","product":"log_service","billing":"postpaid","at":"2024-06-01T10:00:00+08:00","event":"arrears"}"#;
    let mut p = partition(&program);
    let mut out = Emitted::default();
    p.process(&[rec(0, arrears)], &mut out);
    assert!(out.actions.is_empty() && out.dead.is_empty());
    let clock = clock_record(DEFAULT_START + 20 * 86_400);
    p.process(&[rec(1, &clock)], &mut out);
    let actions: Vec<&str> = out.actions.iter().map(|a| a.value.as_str()).collect();
    assert!(
        actions.iter().any(|a| a.contains("\"purge\"")),
        "{actions:#?}"
    );
    assert!(out.actions.iter().all(|a| a.account == "idle"));
    // A clock record never moves the clock back.
    let back = clock_record(DEFAULT_START);
    let w = p.runner.watermark;
    p.process(&[rec(2, &back)], &mut out);
    assert_eq!(p.runner.watermark, w);
}

#[test]
fn a_step_placed_before_its_trigger_gets_a_key_of_its_own() {
    let at = 1_717_200_000;
    let plain = action_key("a", "p", "postpaid", "2024-06-01T00:00:00Z", 0, at, at);
    assert_eq!(plain, r#"["a","p","postpaid","2024-06-01T00:00:00Z","0"]"#);
    let early = action_key("a", "p", "postpaid", "2024-06-01T00:00:00Z", 0, at, at + 60);
    assert_eq!(
        early,
        format!(
            r#"["a","p","postpaid","2024-06-01T00:00:00Z","0@{}"]"#,
            at + 60
        )
    );
    assert_ne!(plain, early);
}
