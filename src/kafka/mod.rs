//! `clausec kafka`: the stream engine as a Kafka consumer group (feature
//! `kafka`, off by default: librdkafka is a C build).
//!
//! The one place besides the command line and the loader that does IO: it
//! talks to the brokers and writes checkpoint files. The engine is
//! [`crate::stream`], unchanged, one [`crate::stream::Runner`] with one
//! shard per assigned partition ([`partition`]); [`checkpoint`] wraps its
//! checkpoint format with the partition's identity and input offset;
//! [`member`] is the consumer-group loop. Topic layout, keys, the clock
//! policy for idle partitions and what exactly-once rests on:
//! docs/scaling.md.

pub mod checkpoint;
pub mod member;
pub mod partition;
