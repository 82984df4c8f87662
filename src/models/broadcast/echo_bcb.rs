//! # Authenticated Echo Broadcast (Cachin–Guerraoui–Rodrigues 2011, Alg. 3.16)
//!
//! Byzantine consistent broadcast: asynchronous processes, authenticated perfect links, and up
//! to `t` Byzantine processes (the book's f; here `t` is what the algorithm assumes and `f`
//! what the run injects). The sender sends its message to all; every process echoes the first
//! SEND it gets from the sender; a process delivers m once more than (N + t)/2 processes
//! echoed m. Two such quorums share more than t processes, so at least one correct process,
//! which echoed only one message: correct processes never deliver different messages
//! (consistency), even from a Byzantine sender. Nothing makes them all deliver (no totality:
//! that is Double-Echo Broadcast's READY phase).
//!
//! ```text
//! upon event ⟨bcb, Init⟩ do
//!     sentecho := FALSE; delivered := FALSE; echos := [⊥]^N;
//! upon event ⟨bcb, Broadcast | m⟩ do                       // only process s
//!     forall q ∈ Π do trigger ⟨al, Send | q, [SEND, m]⟩;
//! upon event ⟨al, Deliver | p, [SEND, m]⟩ such that p = s and sentecho = FALSE do
//!     sentecho := TRUE;
//!     forall q ∈ Π do trigger ⟨al, Send | q, [ECHO, m]⟩;
//! upon event ⟨al, Deliver | p, [ECHO, m]⟩ do
//!     if echos[p] = ⊥ then echos[p] := m;
//! upon exists m ≠ ⊥ such that #({p ∈ Π | echos[p] = m}) > (N + t)/2 and delivered = FALSE do
//!     delivered := TRUE;
//!     trigger ⟨bcb, Deliver | s, m⟩;
//! ```
//!
//! One instance per sender (`senders`, one message each); the sender's message is `m s.1`.
//!
//! **The adversary** (`faults=byzantine`, every placement of up to `f` Byzantine processes,
//! the sender included; [`crate::runtime::faults`]). A Byzantine process runs no algorithm. It
//! may send, to each correct process, at any time or never: `[ECHO, m s.1]` and `[ECHO, m s.2]`
//! for every sender s, and, if it is a sender itself, `[SEND, m s.1]` and `[SEND, m s.2]`.
//! That is enough: the handlers only read the first SEND from s and the first ECHO from each
//! process, so more copies change nothing; two values are all that equivocation needs (a
//! third value would only split the echoes further, which two values already do); a value
//! that is neither is an echo for nobody's quorum, which silence covers. It cannot forge a
//! correct process's messages (authenticated links) nor start an instance for a process that
//! is not a sender (an instance of its own is independent of the checked ones).
//!
//! **Claims** BCB1 validity, BCB2 no duplication, BCB3 integrity, BCB4 consistency for
//! N > 3t and f ≤ t. The N > 3t boundary shows as **validity**, not consistency: a quorum of
//! more than (N + t)/2 intersects another in a correct process for any N, but at N ≤ 3t it is
//! larger than the N − t correct processes, so a silent Byzantine process leaves a correct sender's message
//! undelivered forever (n = 3, t = f = 1). With `t` below the injected f (`t=0`, f = 1, n = 3)
//! the quorum shrinks to 2 and a Byzantine sender that sends different messages to p1 and p2
//! and echoes each to its receiver makes them deliver different messages: **BCB4** fails.

use crate::error::{Error, Result};
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::props::{BCB1, BCB2, BCB3, BCB4};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::reduce::{Perm, Rename};
use std::fmt;

/// The wire messages. `by` is the echoing process (the link's authenticated sender).
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum BcbMsg {
    /// `[SEND, m]` (from m's sender).
    Send(MsgId),
    /// `[ECHO, m]` from `by`.
    Echo { by: Pid, m: MsgId },
}

impl fmt::Debug for BcbMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BcbMsg::Send(m) => write!(f, "[SEND {m}]"),
            BcbMsg::Echo { m, .. } => write!(f, "[ECHO {m}]"),
        }
    }
}

impl Rename for BcbMsg {
    fn rename(&self, p: &Perm) -> BcbMsg {
        match *self {
            BcbMsg::Send(m) => BcbMsg::Send(m.rename(p)),
            BcbMsg::Echo { by, m } => BcbMsg::Echo {
                by: p.pid(by),
                m: m.rename(p),
            },
        }
    }
}

/// One sender's instance at one process.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Instance {
    pub sentecho: bool,
    pub delivered: bool,
    /// `echos[p]`.
    pub echos: Vec<Option<MsgId>>,
}

/// A process's state: one instance per process id (only senders' are ever used).
pub type BcbState = Vec<Instance>;

/// Authenticated Echo Broadcast, with the number of Byzantine processes it assumes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EchoBcb {
    pub t: u8,
}

impl EchoBcb {
    /// `#echoes > (N + t)/2`.
    fn quorum(&self, env: &Env, count: usize) -> bool {
        2 * count > env.n as usize + self.t as usize
    }
}

impl Protocol for EchoBcb {
    type State = BcbState;
    type Msg = BcbMsg;

    // upon event ⟨bcb, Init⟩
    fn init(&self, env: &Env, _me: Pid) -> BcbState {
        let one = Instance {
            sentecho: false,
            delivered: false,
            echos: vec![None; env.n as usize],
        };
        vec![one; env.n as usize]
    }

    // upon event ⟨bcb, Broadcast | m⟩
    fn on_broadcast(
        &self,
        env: &Env,
        _me: Pid,
        _st: &mut BcbState,
        m: MsgId,
        out: &mut Out<BcbMsg>,
    ) {
        for q in env.procs() {
            out.send(q, BcbMsg::Send(m));
        }
    }

    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut BcbState,
        from: Pid,
        msg: &BcbMsg,
        out: &mut Out<BcbMsg>,
    ) {
        match *msg {
            // upon event ⟨al, Deliver | p, [SEND, m]⟩ such that p = s and sentecho = FALSE
            BcbMsg::Send(m) => {
                let inst = &mut st[m.origin as usize];
                if from != m.origin || inst.sentecho {
                    return;
                }
                inst.sentecho = true;
                for q in env.procs() {
                    out.send(q, BcbMsg::Echo { by: me, m });
                }
            }
            // upon event ⟨al, Deliver | p, [ECHO, m]⟩
            BcbMsg::Echo { m, .. } => {
                let inst = &mut st[m.origin as usize];
                if inst.delivered || inst.echos[from as usize].is_some() {
                    return;
                }
                inst.echos[from as usize] = Some(m);
                // upon exists m such that #echos = m > (N + t)/2 and delivered = FALSE
                let count = inst.echos.iter().filter(|e| **e == Some(m)).count();
                if self.quorum(env, count) {
                    inst.delivered = true;
                    out.deliver(m);
                }
            }
        }
    }

    fn ignores(&self, st: &BcbState, msg: &BcbMsg) -> bool {
        match *msg {
            BcbMsg::Send(m) => st[m.origin as usize].sentecho,
            BcbMsg::Echo { by, m } => {
                let inst = &st[m.origin as usize];
                inst.delivered || inst.echos[by as usize].is_some()
            }
        }
    }

    fn rename_state(&self, st: &BcbState, perm: &Perm) -> Option<BcbState> {
        let mut out = st.clone();
        for (s, inst) in st.iter().enumerate() {
            out[perm.pid(s as Pid) as usize] = Instance {
                sentecho: inst.sentecho,
                delivered: inst.delivered,
                echos: rename_votes(&inst.echos, perm),
            };
        }
        Some(out)
    }

    fn rename_msg(&self, msg: &BcbMsg, perm: &Perm) -> Option<BcbMsg> {
        Some(msg.rename(perm))
    }

    fn byzantine() -> bool {
        true
    }

    fn byzantine_messages(&self, env: &Env, b: Pid) -> Vec<BcbMsg> {
        let mut v = Vec::new();
        for s in env.procs().filter(|s| env.quota[*s as usize] > 0) {
            for seq in [0, 1] {
                let m = MsgId { origin: s, seq };
                if s == b {
                    v.push(BcbMsg::Send(m));
                }
                v.push(BcbMsg::Echo { by: b, m });
            }
        }
        v
    }

    fn extra_properties(
    ) -> Vec<crate::engine::property::PropDef<crate::runtime::system::System<Self>>> {
        crate::props::consistent_catalogue::<Self>()
    }
}

/// A per-process vote vector (`echos`, `readys`) with processes renamed: entry p moves to
/// `perm(p)` and the message it holds is renamed too.
pub fn rename_votes(v: &[Option<MsgId>], perm: &Perm) -> Vec<Option<MsgId>> {
    let mut out = v.to_vec();
    for (p, e) in v.iter().enumerate() {
        out[perm.pid(p as Pid) as usize] = e.map(|m| m.rename(perm));
    }
    out
}

/// Refuses more than one message per sender: the Byzantine broadcasts are one-shot.
pub fn one_shot(p: &Params, model: &str) -> Result<()> {
    if p.quota()?.iter().any(|q| *q > 1) {
        return Err(Error::input(format!(
            "{model} is one-shot: each sender broadcasts one message (msgs=1)"
        )));
    }
    Ok(())
}

pub const T: ParamSpec = ParamSpec {
    key: "t",
    default: "f",
    values: &[],
    help: "Byzantine processes the algorithm assumes (its quorum is > (n+t)/2); 'f' = as many as injected",
};

/// Reads `t` (default: the injected f).
pub fn read_t(p: &Params) -> Result<u8> {
    match p.get("t") {
        "f" => Ok(p.f),
        _ => Ok(p.get_int("t", 0, u32::from(p.n))? as u8),
    }
}

pub static ENTRY: Entry<EchoBcb> = Entry {
    info: ModelInfo {
        name: "echo-bcb",
        title: "Authenticated Echo Broadcast (Byzantine consistent broadcast)",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.16",
        fault_model: "Byzantine (authenticated links), asynchronous",
        tolerance: "n > 3t and f <= t",
        tolerates: |p| read_t(p).is_ok_and(|t| p.n > 3 * t && p.f <= t),
        claims: &[&BCB1, &BCB2, &BCB3, &BCB4],
        params: &[T],
        uses_detector: false,
        default_n: 4,
    },
    build: |p: &Params| {
        let t = read_t(p)?;
        one_shot(p, "echo-bcb")?;
        Ok(EchoBcb { t })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn consistent_with_one_byzantine_of_four() {
        // Unreduced the same verdicts take 6.2 M states (models/echo-bcb-n4-f1-byzantine-holds).
        let r = run_reduced("echo-bcb", 4, 1, &[("faults", "byzantine")], &[]);
        assert_statuses(
            &r,
            &[
                ("BCB1", "holds"),
                ("BCB2", "holds"),
                ("BCB3", "holds"),
                ("BCB4", "holds"),
            ],
        );
        assert!(r.exhaustive);
        assert_eq!(prop_witness(&r, "BCB1"), "witnessed");
    }

    #[test]
    fn three_processes_cannot_gather_the_quorum() {
        let r = run(
            "echo-bcb",
            3,
            1,
            &[("faults", "byzantine")],
            &["BCB1", "BCB4"],
        );
        assert_statuses(&r, &[("BCB1", "violated"), ("BCB4", "holds")]);
    }

    #[test]
    fn a_quorum_for_no_byzantine_lets_the_sender_equivocate() {
        let r = run(
            "echo-bcb",
            3,
            1,
            &[("faults", "byzantine"), ("t", "0")],
            &["BCB4"],
        );
        assert_statuses(&r, &[("BCB4", "violated")]);
        let why = prop(&r, "BCB4").why.clone().unwrap_or_default();
        assert!(
            why.contains("p0 made them deliver different messages"),
            "{why}"
        );
    }
}
