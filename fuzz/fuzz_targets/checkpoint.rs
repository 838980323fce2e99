//! The checkpoint decoder: for any bytes it returns a runner or a typed
//! `CheckpointError`, never panics, and never allocates for a count the
//! bytes cannot hold. The checksum would refuse almost every input before
//! the structure is read, so most inputs are sealed with a correct checksum
//! first: an edited copy of a real checkpoint (accounts, deadlines, a
//! pending event) or the bytes as they come.
#![no_main]

use clausec::eval::Program;
use clausec::stream::catalog::Catalog;
use clausec::stream::checkpoint::{self, OutputMark};
use clausec::stream::{hash_bytes, Options, Runner};
use clausec::vocab::Reading;
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

const DEMO: &str = include_str!("../../tests/it/data/eval_demo.clause");

fn options() -> Options {
    Options { shards: 2, ..Options::default() }
}

fn program() -> &'static Program {
    static P: OnceLock<Program> = OnceLock::new();
    P.get_or_init(|| Program::compile_str("demo.clause", DEMO).expect("demo compiles"))
}

fn line(account: &str, at: &str, event: &str) -> String {
    format!(r#"{{"account":"{account}","product":"demo","at":"{at}","event":"{event}"}}"#)
}

/// A checkpoint with state in both shards.
fn valid() -> &'static [u8] {
    static V: OnceLock<Vec<u8>> = OnceLock::new();
    V.get_or_init(|| {
        let mut r = Runner::new(Catalog::new(program().clone(), Reading::CustomerSafe), options());
        let lines = [
            line("a", "2024-06-01T10:00:00+08:00", "arrears"),
            line("b", "2024-06-01T10:00:00+08:00", "arrears"),
            line("c", "2024-06-01T10:00:30+08:00", "expiry"),
            line("a", "2024-06-01T10:00:40+08:00", "payment"),
        ];
        r.push(&lines, false);
        checkpoint::encode(&r, OutputMark { bytes: 0 })
    })
}

/// `bytes` with its last 8 bytes replaced by the checksum of the rest.
fn seal(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() >= 8 {
        let body = bytes.len() - 8;
        let sum = hash_bytes(&bytes[..body]).to_le_bytes();
        bytes[body..].copy_from_slice(&sum);
    }
    bytes
}

fn decode(bytes: &[u8]) {
    let catalog = Catalog::new(program().clone(), Reading::CustomerSafe);
    if let Ok(restored) = checkpoint::decode(bytes, catalog, options()) {
        // What decodes is a runner that checkpoints and decodes again.
        let again = checkpoint::encode(&restored.runner, restored.output);
        let catalog = Catalog::new(program().clone(), Reading::CustomerSafe);
        assert!(checkpoint::decode(&again, catalog, options()).is_ok());
    }
    let _ = checkpoint::header(bytes);
}

fuzz_target!(|data: &[u8]| {
    let rest = data.get(1..).unwrap_or(&[]);
    match data.first().copied().unwrap_or(0) % 3 {
        0 => decode(rest),
        1 => decode(&seal(rest.to_vec())),
        _ => {
            // (offset, xor) pairs applied to the valid checkpoint, then a cut.
            let mut bytes = valid().to_vec();
            for edit in rest.chunks_exact(3) {
                let at = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % bytes.len();
                bytes[at] ^= edit[2];
            }
            if rest.len() % 3 == 1 {
                bytes.truncate(usize::from(rest[rest.len() - 1]) * bytes.len() / 255);
                bytes.extend_from_slice(&[0; 8]);
            }
            decode(&seal(bytes));
        }
    }
});
