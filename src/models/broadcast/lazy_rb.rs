//! # Lazy Reliable Broadcast
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.2 "Lazy Reliable Broadcast"**, fail-stop; seed notes 000 ("RB:
//! Lazy Reliable broadcast (fail-stop)": relay only if the sender crashed).
//!
//! Messages are relayed only when their sender is detected as crashed by the perfect failure
//! detector P, so fault-free runs cost one best-effort broadcast.
//!
//! ```text
//! upon event ⟨rb, Init⟩ do
//!     correct := Π;  from[p] := ∅ for all p ∈ Π;
//! upon event ⟨rb, Broadcast | m⟩ do
//!     trigger ⟨beb, Broadcast | [DATA, self, m]⟩;
//! upon event ⟨beb, Deliver | p, [DATA, s, m]⟩ do
//!     if m ∉ from[s] then
//!         trigger ⟨rb, Deliver | s, m⟩;
//!         from[s] := from[s] ∪ {m};
//!         if s ∉ correct then trigger ⟨beb, Broadcast | [DATA, s, m]⟩;
//! upon event ⟨P, Crash | p⟩ do
//!     correct := correct \ {p};
//!     forall m ∈ from[p] do trigger ⟨beb, Broadcast | [DATA, p, m]⟩;
//! ```
//!
//! Claims **RB1–RB4** with a perfect detector, for any number of crashes. What each half of P
//! buys (`detector=` parameter):
//! - without *strong completeness* (`incomplete`), a crashed sender is never detected, nobody
//!   relays, and **RB4 agreement** fails;
//! - without *strong accuracy* (`inaccurate`), false suspicions only cause extra relays: the
//!   properties still hold (CGR §3.3.3 says as much).

use crate::models::broadcast::beb::beb_broadcast;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::Params;
use crate::props::{RB1, RB2, RB3, RB4};
use crate::runtime::bits::PSet;
use crate::runtime::protocol::Data;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::reduce::{Perm, Rename};
use std::fmt::Debug;
use std::hash::Hash;

/// What the reliable broadcast layer carries: anything that names the application message it
/// belongs to.
pub trait Payload: Clone + Debug + Hash + Eq + Ord {
    /// The application message this payload is about (the layer delivers each id once).
    fn id(&self) -> MsgId;
    /// The process that rb-broadcast it (the `s` of `[DATA, s, m]`), whose crash triggers
    /// relaying. Usually the message's origin.
    fn sender(&self) -> Pid {
        self.id().origin
    }
}

impl Payload for Data {
    fn id(&self) -> MsgId {
        self.0
    }
}

/// Lazy Reliable Broadcast as a building block for the broadcasts built on reliable broadcast
/// (FIFO, causal, total order). `from` keeps the delivered payloads (the union of the
/// pseudo-code's `from[s]`), to relay them when their sender crashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LazyLayer<T> {
    pub correct: PSet,
    pub from: Vec<T>,
}

impl<T: Payload> LazyLayer<T> {
    // upon event ⟨rb, Init⟩
    pub fn new(env: &Env) -> Self {
        LazyLayer {
            correct: PSet::all(env.n),
            from: Vec::new(),
        }
    }

    // upon event ⟨rb, Broadcast | m⟩: trigger ⟨beb, Broadcast | [DATA, self, m]⟩
    pub fn broadcast<M: Clone>(&self, env: &Env, out: &mut Out<M>, wrap: fn(T) -> M, t: T) {
        beb_broadcast(env, out, wrap(t));
    }

    /// upon event ⟨beb, Deliver | p, [DATA, s, m]⟩: returns whether the layer rb-delivers `t`
    /// (the caller then triggers its own handler).
    pub fn on_data<M: Clone>(
        &mut self,
        env: &Env,
        out: &mut Out<M>,
        wrap: fn(T) -> M,
        t: &T,
    ) -> bool {
        let m = t.id();
        if self.from.iter().any(|x| x.id() == m) {
            return false;
        }
        self.from.push(t.clone());
        self.from.sort();
        if !self.correct.contains(t.sender()) {
            beb_broadcast(env, out, wrap(t.clone()));
        }
        true
    }

    /// Whether a receipt of `t` is a no-op, now and later: `t` was rb-delivered already
    /// (`from` only grows).
    pub fn ignores(&self, t: &T) -> bool {
        let m = t.id();
        self.from.iter().any(|x| x.id() == m)
    }

    // upon event ⟨P, Crash | p⟩
    pub fn on_crash<M: Clone>(&mut self, env: &Env, out: &mut Out<M>, wrap: fn(T) -> M, p: Pid) {
        self.correct.remove(p);
        for t in self.from.iter().filter(|t| t.sender() == p) {
            beb_broadcast(env, out, wrap(t.clone()));
        }
    }
}

impl<T: Payload + Rename> Rename for LazyLayer<T> {
    fn rename(&self, p: &Perm) -> Self {
        LazyLayer {
            correct: self.correct.rename(p),
            from: self.from.rename(p),
        }
    }
}

/// Lazy Reliable Broadcast: the layer, delivering what it rb-delivers.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct LazyRb;

fn same(d: Data) -> Data {
    d
}

impl Protocol for LazyRb {
    type State = LazyLayer<Data>;
    type Msg = Data;

    // upon event ⟨rb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> LazyLayer<Data> {
        LazyLayer::new(env)
    }

    // upon event ⟨rb, Broadcast | m⟩
    fn on_broadcast(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut LazyLayer<Data>,
        m: MsgId,
        out: &mut Out<Data>,
    ) {
        st.broadcast(env, out, same, Data(m));
    }

    fn ignores(&self, st: &LazyLayer<Data>, msg: &Data) -> bool {
        st.ignores(msg)
    }

    fn rename_state(&self, st: &LazyLayer<Data>, perm: &Perm) -> Option<LazyLayer<Data>> {
        Some(st.rename(perm))
    }

    fn rename_msg(&self, msg: &Data, perm: &Perm) -> Option<Data> {
        Some(msg.rename(perm))
    }

    // upon event ⟨beb, Deliver | p, [DATA, s, m]⟩
    fn on_receive(
        &self,
        env: &Env,
        _me: Pid,
        st: &mut LazyLayer<Data>,
        _from: Pid,
        msg: &Data,
        out: &mut Out<Data>,
    ) {
        if st.on_data(env, out, same, msg) {
            out.deliver(msg.0);
        }
    }

    // upon event ⟨P, Crash | p⟩
    fn on_crash(&self, env: &Env, _me: Pid, st: &mut LazyLayer<Data>, p: Pid, out: &mut Out<Data>) {
        st.on_crash(env, out, same, p);
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub static ENTRY: Entry<LazyRb> = Entry {
    info: ModelInfo {
        name: "lazy-rb",
        title: "Lazy Reliable Broadcast",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.2",
        fault_model: "fail-stop (perfect failure detector)",
        tolerance: "any f, with a perfect failure detector",
        tolerates: |_| true,
        claims: &[&RB1, &RB2, &RB3, &RB4],
        params: &[],
        uses_detector: true,
        default_n: 3,
    },
    build: |_: &Params| Ok(LazyRb),
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn reliable_with_perfect_detector() {
        let r = run(
            "lazy-rb",
            3,
            1,
            &[],
            &["RB1", "RB2", "RB3", "RB4", "PFD1", "PFD2"],
        );
        assert_statuses(
            &r,
            &[
                ("RB1", "holds"),
                ("RB2", "holds"),
                ("RB3", "holds"),
                ("RB4", "holds"),
                ("PFD1", "holds"),
                ("PFD2", "holds"),
            ],
        );
    }

    #[test]
    fn incomplete_detector_breaks_agreement() {
        let r = run("lazy-rb", 3, 1, &[("detector", "incomplete")], &["RB4"]);
        assert_statuses(&r, &[("RB4", "violated")]);
        assert_trace(
            &r,
            "RB4",
            &[
                "p0 broadcasts m0.1",
                "p0 crashes",
                "p1 receives [DATA m0.1] from p0",
            ],
        );
        let end = &prop(&r, "RB4").end;
        assert!(
            end.iter().any(
                |l| l == "the crash of p0 is reported to p1: never: the detector is incomplete"
            ),
            "{end:?}"
        );
    }

    #[test]
    fn inaccurate_detector_is_harmless_but_inaccurate() {
        let r = run(
            "lazy-rb",
            3,
            1,
            &[("detector", "inaccurate")],
            &["RB4", "PFD2"],
        );
        assert_statuses(&r, &[("RB4", "holds"), ("PFD2", "violated")]);
    }
}
