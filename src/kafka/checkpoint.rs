//! A partition's checkpoint: the engine's state in the format of
//! [`crate::stream::checkpoint`] (account tables, deadline queue, events
//! accepted but not yet applied, watermark), wrapped with what makes it
//! safe to resume from on another member: the topic and partition it
//! belongs to, the next input offset, the reading, a fingerprint of the
//! agreement's clause files, and a checksum over all of it.
//!
//! One file per partition in the state directory, `<topic>.<partition>.ckpt`,
//! written to a temporary name, synced and renamed, so a crash leaves the
//! old or the new checkpoint, never part of one. Any checkpoint is a
//! consistent cut (state after exactly the records before its offset), so
//! resuming from an older one than the newest only re-emits actions a sink
//! deduplicates by key.

use super::partition::Partition;
use crate::stream::catalog::Catalog;
use crate::stream::checkpoint::{self as core, OutputMark};
use crate::stream::Options;
use std::io::Write;
use std::path::{Path, PathBuf};

const MAGIC: &[u8; 8] = b"CLAUSECP";
const VERSION: u32 = 1;

/// What a checkpoint must match to be resumed from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Identity {
    pub topic: String,
    pub partition: i32,
    /// [`fingerprint`] of the agreement's clause files.
    pub agreement: u64,
}

/// A fingerprint of the agreement: its clause files' texts, in load order.
pub fn fingerprint(map: &crate::source::SourceMap) -> u64 {
    let mut h = 0u64;
    for (_, f) in map.files() {
        h = crate::stream::Runner::hash_line(h, crate::stream::hash_bytes(f.text.as_bytes()));
    }
    h
}

/// Serialises a partition's engine and position.
pub fn encode(id: &Identity, p: &Partition) -> Vec<u8> {
    let mut w = Vec::new();
    w.extend_from_slice(MAGIC);
    w.extend_from_slice(&VERSION.to_le_bytes());
    w.extend_from_slice(&id.agreement.to_le_bytes());
    put_bytes(&mut w, id.topic.as_bytes());
    w.extend_from_slice(&id.partition.to_le_bytes());
    w.extend_from_slice(&p.next_offset.to_le_bytes());
    put_bytes(&mut w, p.runner.catalog.reading().name().as_bytes());
    put_bytes(&mut w, &core::encode(&p.runner, OutputMark { bytes: 0 }));
    let sum = crate::stream::hash_bytes(&w);
    w.extend_from_slice(&sum.to_le_bytes());
    w
}

fn put_bytes(w: &mut Vec<u8>, b: &[u8]) {
    w.extend_from_slice(&(b.len() as u64).to_le_bytes());
    w.extend_from_slice(b);
}

struct Reader<'a>(&'a [u8]);

const CORRUPT: &str = "checkpoint is truncated or corrupt";

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], String> {
        if self.0.len() < n {
            return Err(CORRUPT.into());
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Ok(a)
    }
    fn arr<const N: usize>(&mut self) -> Result<[u8; N], String> {
        let mut a = [0u8; N];
        a.copy_from_slice(self.take(N)?);
        Ok(a)
    }
    fn bytes(&mut self) -> Result<&'a [u8], String> {
        let n = usize::try_from(u64::from_le_bytes(self.arr()?)).map_err(|_| CORRUPT)?;
        self.take(n)
    }
}

/// Rebuilds a partition from a checkpoint, refusing one taken for another
/// topic, partition, agreement or reading, with other options, or damaged.
pub fn decode(
    bytes: &[u8],
    id: &Identity,
    catalog: Catalog,
    options: Options,
) -> Result<Partition, String> {
    let body_len = bytes.len().checked_sub(8).ok_or(CORRUPT)?;
    let (body, sum) = bytes.split_at(body_len);
    let mut s = [0u8; 8];
    s.copy_from_slice(sum);
    let mut r = Reader(body);
    if r.take(8)? != MAGIC {
        return Err("not a clausec partition checkpoint".into());
    }
    if u64::from_le_bytes(s) != crate::stream::hash_bytes(body) {
        return Err("checkpoint checksum does not match: it is damaged".into());
    }
    let version = u32::from_le_bytes(r.arr()?);
    if version != VERSION {
        return Err(format!(
            "checkpoint version {version}; this clausec reads {VERSION}"
        ));
    }
    let agreement = u64::from_le_bytes(r.arr()?);
    let topic = r.bytes()?;
    let partition = i32::from_le_bytes(r.arr()?);
    if (topic, partition) != (id.topic.as_bytes(), id.partition) {
        return Err(format!(
            "checkpoint belongs to `{}` partition {partition}, not `{}` partition {}",
            String::from_utf8_lossy(topic),
            id.topic,
            id.partition
        ));
    }
    if agreement != id.agreement {
        return Err(
            "checkpoint was taken with other clause files; resuming would mix two agreements"
                .into(),
        );
    }
    let next_offset = i64::from_le_bytes(r.arr()?);
    let reading = r.bytes()?;
    if reading != catalog.reading().name().as_bytes() {
        return Err(format!(
            "checkpoint was taken with --reading {}",
            String::from_utf8_lossy(reading)
        ));
    }
    let engine = r.bytes()?;
    if !r.0.is_empty() || next_offset < 0 {
        return Err(CORRUPT.into());
    }
    let restored = core::decode(
        engine,
        catalog,
        Options {
            shards: 1,
            ..options
        },
    )
    .map_err(|e| e.to_string())?;
    if restored.runner.shards.len() != 1 {
        return Err(CORRUPT.into());
    }
    Ok(Partition {
        runner: restored.runner,
        next_offset,
    })
}

/// Checkpoint files in one directory.
#[derive(Clone, Debug)]
pub struct StateDir {
    pub dir: PathBuf,
}

impl StateDir {
    pub fn path(&self, topic: &str, partition: i32) -> PathBuf {
        self.dir.join(format!("{topic}.{partition}.ckpt"))
    }

    /// The checkpoint's bytes, `None` if there is none yet.
    pub fn read(&self, topic: &str, partition: i32) -> Result<Option<Vec<u8>>, String> {
        let path = self.path(topic, partition);
        match std::fs::read(&path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!("cannot read `{}`: {e}", path.display())),
        }
    }

    /// Replaces the checkpoint atomically (temporary file, sync, rename,
    /// sync of the directory).
    pub fn write(&self, topic: &str, partition: i32, bytes: &[u8]) -> Result<(), String> {
        let path = self.path(topic, partition);
        let tmp = self
            .dir
            .join(format!(".{topic}.{partition}.{}.tmp", std::process::id()));
        let fail = |p: &Path, e: std::io::Error| format!("cannot write `{}`: {e}", p.display());
        let written = std::fs::File::create(&tmp).and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        });
        if let Err(e) = written {
            let _ = std::fs::remove_file(&tmp);
            return Err(fail(&tmp, e));
        }
        std::fs::rename(&tmp, &path).map_err(|e| fail(&path, e))?;
        if let Ok(d) = std::fs::File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}
