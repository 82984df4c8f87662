//! What an algorithm provides: a [`Protocol`] is a deterministic automaton per process, written
//! as the `upon event` handlers of the textbook pseudo-code. Everything around it (the network,
//! crash-stop faults, the failure detector, the delivery log) is the runtime's, in
//! [`crate::runtime::system`], and is shared by every model.

use crate::engine::codec::Stored;
use crate::engine::property::PropDef;
use crate::runtime::bits::PSet;
use crate::runtime::history::History;
use crate::runtime::reduce::Perm;
use crate::runtime::system::System;
use std::fmt::{self, Debug};
use std::hash::Hash;

/// A process id: `p0 … p15`.
pub type Pid = u8;

/// Largest number of processes a model may have (process sets are 16-bit).
pub const MAX_PROCS: u8 = 16;
/// Largest number of messages one process may broadcast (message sets are 64-bit).
pub const MAX_MSGS: u8 = 4;

/// The identity of an application message: the `seq`-th broadcast of process `origin`
/// (0-based; shown 1-based as `m{origin}.{seq+1}`, so `m0.1` is p0's first message).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
pub struct MsgId {
    pub origin: Pid,
    pub seq: u8,
}

/// One 16-bit write instead of two 8-bit ones: states hash many message ids.
impl std::hash::Hash for MsgId {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        h.write_u16(u16::from(self.origin) << 8 | u16::from(self.seq));
    }
}

impl MsgId {
    /// The bit of this message in an [`crate::runtime::bits::MSet`].
    pub fn bit(self) -> u8 {
        self.origin * MAX_MSGS + self.seq
    }
    pub fn from_bit(bit: u8) -> MsgId {
        MsgId {
            origin: bit / MAX_MSGS,
            seq: bit % MAX_MSGS,
        }
    }
}

impl fmt::Display for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "m{}.{}", self.origin, self.seq + 1)
    }
}

impl Debug for MsgId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The fixed parameters of one run, visible to every handler.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Env {
    /// Number of processes, `p0 … p(n-1)`.
    pub n: u8,
    /// Number of crash faults injected (at most), kept apart from what an algorithm tolerates.
    pub f: u8,
    /// `quota[p]`: how many messages process `p` broadcasts.
    pub quota: Vec<u8>,
}

impl Env {
    /// All process ids.
    pub fn procs(&self) -> impl Iterator<Item = Pid> {
        0..self.n
    }
    /// The least number of processes that is more than half of `n`.
    pub fn majority(&self) -> usize {
        self.n as usize / 2 + 1
    }
}

/// What a handler does besides updating its own state: sends, random sends and
/// application-level deliveries. The runtime applies them after the handler returns (one handler
/// = one atomic step; a random choice is resolved in the very next step, before anything else
/// can happen).
#[derive(Debug)]
pub struct Out<M> {
    pub(crate) sends: Vec<(Pid, M)>,
    pub(crate) randoms: Vec<(PSet, u8, M)>,
    pub(crate) delivers: Vec<MsgId>,
}

impl<M> Out<M> {
    /// Nothing sent, nothing delivered.
    pub fn is_empty(&self) -> bool {
        self.sends.is_empty() && self.randoms.is_empty() && self.delivers.is_empty()
    }
    /// The point-to-point sends, in order: `(to, msg)`.
    pub fn sends(&self) -> &[(Pid, M)] {
        &self.sends
    }
    /// The random sends: `(among, k, msg)`, `msg` to `k` processes picked in `among`.
    pub fn random_sends(&self) -> &[(PSet, u8, M)] {
        &self.randoms
    }
    /// The messages delivered to the application, in order.
    pub fn delivers(&self) -> &[MsgId] {
        &self.delivers
    }
}

impl<M> Default for Out<M> {
    fn default() -> Self {
        Out {
            sends: Vec::new(),
            randoms: Vec::new(),
            delivers: Vec::new(),
        }
    }
}

impl<M: Clone> Out<M> {
    /// `pl.Send(to, msg)`: hands `msg` to the point-to-point link towards `to`.
    pub fn send(&mut self, to: Pid, msg: M) {
        self.sends.push((to, msg));
    }
    /// `forall q ∈ picktargets(k) do pl.Send(q, msg)`: sends `msg` to `k` distinct processes
    /// chosen uniformly at random among `among` (all of them if there are at most `k`). The
    /// runtime explores every choice as a branch weighted by its probability, `1 / C(|among|, k)`,
    /// so that [`crate::engine::prob`] can compute exact probabilities.
    pub fn send_random(&mut self, among: PSet, k: u8, msg: M) {
        self.randoms.push((among, k, msg));
    }
    /// Triggers the algorithm's `Deliver` indication for `m`; recorded in the delivery log.
    pub fn deliver(&mut self, m: MsgId) {
        self.delivers.push(m);
    }
}

/// A broadcast algorithm, as per-process event handlers. Handlers must be deterministic; all
/// nondeterminism (scheduling, crashes, losses, detector output) belongs to the runtime.
pub trait Protocol: Clone + Debug + Hash + Eq + Send + Sync + 'static {
    /// Per-process local state. Keep it small: bitsets and small integers.
    /// `Stored` (derive `serde::Serialize, serde::Deserialize`) lets a search keep states on
    /// disk and in checkpoints.
    type State: Clone + Debug + Hash + Eq + Send + Sync + Stored;
    /// Wire messages. `Debug` is what traces show, so make it read like the pseudo-code
    /// (e.g. `DATA m0.1`).
    type Msg: Clone + Debug + Hash + Eq + Ord + Send + Sync + Stored;

    /// `upon event <Init>`.
    fn init(&self, env: &Env, me: Pid) -> Self::State;

    /// `upon event <Broadcast | m>` at the origin.
    fn on_broadcast(
        &self,
        env: &Env,
        me: Pid,
        st: &mut Self::State,
        m: MsgId,
        out: &mut Out<Self::Msg>,
    );

    /// `upon event <pl, Deliver | from, msg>`.
    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut Self::State,
        from: Pid,
        msg: &Self::Msg,
        out: &mut Out<Self::Msg>,
    );

    /// `upon event <P, Crash | who>` from the failure detector. Only called when
    /// [`Protocol::uses_detector`] is true.
    fn on_crash(
        &self,
        _env: &Env,
        _me: Pid,
        _st: &mut Self::State,
        _who: Pid,
        _out: &mut Out<Self::Msg>,
    ) {
    }

    /// Whether receiving `msg` in state `st` — *or in any later state of this process* — has
    /// no effect at all: no state change, no send, no delivery. It must stay true once true
    /// (e.g. "m is already delivered" under infect-and-die). Exact probability computation
    /// ([`crate::engine::prob`]) drops such messages from the network as soon as they are ignored: a
    /// state with them and the state without them are bisimilar (their deliveries are
    /// invisible steps that commute with everything), so probabilities are unchanged while
    /// the interleavings of useless deliveries disappear. The checker keeps them, so traces
    /// show every message.
    fn ignores(&self, _st: &Self::State, _msg: &Self::Msg) -> bool {
        false
    }

    /// Symmetry reduction ([`crate::runtime::reduce`]): `st` with processes renamed by `perm` (every
    /// process id and message id inside it, per-process vectors reordered). `None`, the
    /// default, means the protocol has no renaming, or this configuration is not symmetric
    /// (e.g. a gossip overlay): symmetry reduction is then not applied.
    fn rename_state(&self, _st: &Self::State, _perm: &Perm) -> Option<Self::State> {
        None
    }

    /// `msg` with processes renamed by `perm` (see [`Protocol::rename_state`]).
    fn rename_msg(&self, _msg: &Self::Msg, _perm: &Perm) -> Option<Self::Msg> {
        None
    }

    /// Processes the algorithm treats specially (a sequencer, a coordinator): symmetry
    /// reduction never renames them.
    fn distinguished(&self, _env: &Env) -> PSet {
        PSet::EMPTY
    }

    /// Whether `me`'s periodic timer is armed: the runtime then offers a `Tick` step, which is
    /// obligatory (weak fairness: the timer of a correct process eventually fires). Protocols
    /// that keep their state graph acyclic arm it a bounded number of times.
    fn timer_armed(&self, _env: &Env, _st: &Self::State) -> bool {
        false
    }

    /// `upon event ⟨Timeout⟩`: the periodic timer fired.
    fn on_timer(&self, _env: &Env, _me: Pid, _st: &mut Self::State, _out: &mut Out<Self::Msg>) {}

    /// Whether the algorithm relies on a failure detector (fail-stop algorithms do).
    fn uses_detector(&self) -> bool {
        false
    }

    /// Properties that only make sense for this algorithm (read its local state).
    fn extra_properties() -> Vec<PropDef<System<Self>>> {
        Vec::new()
    }

    /// Whether the algorithm can be run with Byzantine processes (`faults=byzantine`): it
    /// then lists their messages in [`Protocol::byzantine_messages`].
    fn byzantine() -> bool {
        false
    }

    /// Every message Byzantine process `b` may send (to any process, any number of times):
    /// the adversary of `faults=byzantine`. It must cover what matters: every kind of message,
    /// with every value that can make a difference, that the links let `b` send as itself.
    fn byzantine_messages(&self, _env: &Env, _b: Pid) -> Vec<Self::Msg> {
        Vec::new()
    }

    /// Whether the algorithm delivers broadcast messages. A consensus algorithm decides
    /// instead: `false` leaves the broadcast catalogue (RB1, …) out of its properties and the
    /// delivery table out of its traces, which show [`Protocol::describe_outcome`] instead.
    fn delivers() -> bool {
        true
    }

    /// How traces and charts name the application's request `m` at `p`, if not
    /// `p0 broadcasts m0.1` (a consensus algorithm: `p0 proposes 3`).
    fn describe_request(&self, _env: &Env, _p: Pid, _m: MsgId) -> Option<String> {
        None
    }

    /// Lines that say what the processes ended with, for the end of a trace (a consensus
    /// algorithm: who decided what); `hist` says who crashed or is faulty
    /// ([`History::label`]).
    fn describe_outcome(&self, _env: &Env, _procs: &[Self::State], _hist: &History) -> Vec<String> {
        Vec::new()
    }
}

/// The `[DATA, s, m]` message that the reliable broadcasts of CGR ch. 3 relay. The origin `s`
/// is part of the message id.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Data(pub MsgId);

impl crate::runtime::reduce::Rename for Data {
    fn rename(&self, p: &crate::runtime::reduce::Perm) -> Data {
        Data(self.0.rename(p))
    }
}

impl fmt::Debug for Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "[DATA {}]", self.0)
    }
}
