//! How a state is written to disk and read back: the frontier of a search beyond RAM
//! ([`crate::engine::disk`]) and checkpoints ([`crate::engine::checkpoint`]) store states this
//! way. A model opts in through [`Spec::store`](crate::engine::spec::Spec::store); the
//! runtime's models all do, since their states are [`Stored`] (serde, in postcard's compact
//! varint encoding).

use serde::de::DeserializeOwned;
use serde::Serialize;

/// A value that can be written to disk and read back (derive `serde::Serialize` and
/// `serde::Deserialize`).
pub trait Stored: Serialize + DeserializeOwned {}
impl<T: Serialize + DeserializeOwned> Stored for T {}

/// Appends the encoding of `v` to `out`; false if it cannot be encoded.
pub fn encode<T: Serialize>(v: &T, out: &mut Vec<u8>) -> bool {
    match postcard::to_extend(v, std::mem::take(out)) {
        Ok(buf) => {
            *out = buf;
            true
        }
        Err(_) => false,
    }
}

/// Reads a value back from its encoding; `None` if `bytes` is not one.
pub fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    postcard::from_bytes(bytes).ok()
}

/// What a model that can store its states provides (see [`crate::engine::spec::Spec::store`]).
pub struct StateCodec<S> {
    pub encode: fn(&S, &mut Vec<u8>) -> bool,
    pub decode: fn(&[u8]) -> Option<S>,
}

impl<S: Stored> StateCodec<S> {
    /// The serde codec.
    pub fn serde() -> Self {
        StateCodec {
            encode: |s, out| encode(s, out),
            decode: |b| decode(b),
        }
    }
}
