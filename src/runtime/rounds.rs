//! The synchronous-rounds runtime, for agreement algorithms (Byzantine generals, vote-collecting
//! consensus). It implements stateright's [`Model`](stateright::Model), like [`crate::runtime::system`], and is searched by
//! the same checker.
//!
//! # A run
//! - **Initial states** enumerate every *placement* of the `f` faulty processes (restricted by the
//!   `traitors` parameter) and every input (the commander's order, or every process's vote).
//!   One check therefore covers every placement, and traces say who the traitor is.
//! - **A round** `r = 1 … R`: correct processes compute their messages from their state
//!   (deterministically). Faulty processes are where all the nondeterminism is. They fill their
//!   message *slots* one choice per step, in a fixed order:
//!   - A **Byzantine** traitor gets, for each message a loyal process would send (one slot per
//!     receiver and content), the choice of any value of the domain, or sending nothing. So
//!     different receivers can get different values, and some get none. For signed messages
//!     the options are only what signatures allow.
//!   - A **crash-stop** process may crash at the start of any round. In that round each of its
//!     messages is either sent or lost (a crash cuts a broadcast), and afterwards it is silent.
//! - **End of round**: all messages are delivered at once (synchronous links). Each receiving
//!   process runs its round handler, which may decide.
//!
//! After round R the run is over. The state graph is a finite tree of depth R × (slots + 1), so
//! liveness ("every correct process decides") is judged at terminal states, soundly.

use crate::engine::property::PropDef;
use crate::engine::spec::Spec;
use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;
use crate::runtime::reduce::Rename;
use std::fmt::{self, Debug};
use std::hash::Hash;

/// A value of the binary domain (`attack`/`retreat`, `commit`/`abort`).
pub type Val = u8;

/// Which faults the faulty processes have.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum FaultKind {
    Byzantine,
    Crash,
}

/// Fixed parameters of a run.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct REnv {
    pub n: u8,
    pub f: u8,
    pub kind: FaultKind,
    /// The faulty sets to explore (each of size f).
    pub placements: Vec<PSet>,
    /// Names of the two values, and the default value.
    pub names: [&'static str; 2],
    pub default: Val,
}

impl REnv {
    pub fn name(&self, v: Val) -> &'static str {
        self.names[v as usize & 1]
    }
    pub fn procs(&self) -> impl Iterator<Item = Pid> {
        0..self.n
    }
}

/// A synchronous round-based algorithm.
pub trait RoundProtocol: Clone + Debug + Hash + Eq + Send + Sync + 'static {
    /// `Stored` (derive `serde::Serialize, serde::Deserialize`) lets a search keep states on
    /// disk and in checkpoints.
    type State: Clone + Debug + Hash + Eq + Send + Sync + crate::engine::codec::Stored;
    type Msg: Clone + Debug + Hash + Eq + Ord + Send + Sync + crate::engine::codec::Stored;

    /// Number of rounds.
    fn rounds(&self, env: &REnv) -> u8;
    /// Whether process `me` has an input (the commander's order, a vote).
    fn has_input(&self, env: &REnv, me: Pid) -> bool;
    fn init(&self, env: &REnv, me: Pid, input: Option<Val>) -> Self::State;
    /// Messages a correct `me` sends in `round` (1-based).
    fn sends(&self, env: &REnv, me: Pid, st: &Self::State, round: u8) -> Vec<(Pid, Self::Msg)>;
    /// What a Byzantine `me` may send in `round`: slots, each a receiver and the messages it may
    /// put in that slot (it may also leave it empty).
    fn byzantine_slots(
        &self,
        env: &REnv,
        me: Pid,
        st: &Self::State,
        round: u8,
    ) -> Vec<(Pid, Vec<Self::Msg>)>;
    /// Handles the messages of `round` (sorted by sender); returns a decision if one is taken.
    fn receive(
        &self,
        env: &REnv,
        me: Pid,
        st: &mut Self::State,
        round: u8,
        inbox: &[(Pid, Self::Msg)],
    ) -> Option<Val>;
    /// Why `me` decided as it did (or why it did not), for traces.
    fn explain(&self, env: &REnv, me: Pid, st: &Self::State) -> String;
    /// Renders a message with value names.
    fn show(&self, env: &REnv, msg: &Self::Msg) -> String;

    // Facts the reductions (`--reduce`) rely on. The defaults claim nothing.

    /// Whether a traitor sending nothing in a slot is, to every receiver and in every later
    /// round, the same as sending the default value there (oral messages: "a missing value
    /// counts as RETREAT"). Then `por` does not offer silence as a separate choice.
    fn silence_is_default(&self) -> bool {
        false
    }
    /// Whether what a Byzantine process receives can change what it may send later. When it
    /// cannot ([`RoundProtocol::byzantine_slots`] ignores the state), `por` does not choose the
    /// messages traitors send each other, unless a checked property reads traitors' decisions.
    fn faulty_receipts_matter(&self) -> bool {
        true
    }
    /// Whether `me` ever decides (OM and SM: the commander does not). With `por`, the last
    /// round is not delivered to a process that never decides.
    fn decides(&self, _env: &REnv, _me: Pid) -> bool {
        true
    }
    /// Symmetry classes (`class[p]` for each process): processes of one class may be renamed
    /// into each other without changing what the algorithm does. `None`: no symmetry.
    fn classes(&self, _env: &REnv) -> Option<Vec<u32>> {
        None
    }
}

/// A global state.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct RState<P: RoundProtocol> {
    /// Current round; `rounds + 1` once the run is over.
    pub round: u8,
    pub faulty: PSet,
    /// Crash faults: processes that crashed in an earlier round.
    pub crashed: PSet,
    /// Crash faults: processes crashing in this round.
    pub crashing: PSet,
    pub procs: Vec<P::State>,
    /// Ghost: inputs, decisions, processes that decided twice.
    pub inputs: Vec<Option<Val>>,
    pub decision: Vec<Option<Val>>,
    pub decided_twice: PSet,
    /// Messages fixed so far this round: (from, to, msg), sorted.
    pub outbox: Vec<(Pid, Pid, P::Msg)>,
    /// Next choice of this round.
    pub cursor: u16,
}

impl<P: RoundProtocol> RState<P> {
    /// Records that `p` decides `v` (a second decision is noted, for C3).
    fn decide(&mut self, p: Pid, v: Val) {
        if self.decision[p as usize].is_some() {
            self.decided_twice.insert(p);
        }
        self.decision[p as usize] = Some(v);
    }
}

/// What one process receives in a round, and what it makes of it.
pub(super) struct Receipt<P: RoundProtocol> {
    /// The messages, sorted by sender.
    pub(super) inbox: Vec<(Pid, P::Msg)>,
    /// The receiver's state afterwards.
    pub(super) state: P::State,
    pub(super) decision: Option<Val>,
}

/// A step.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum RAction<M> {
    /// Crash faults: whether `p` crashes at the start of this round.
    Crash { p: Pid, now: bool },
    /// A faulty process fills a slot: `msg` or nothing.
    Send { from: Pid, to: Pid, msg: Option<M> },
    /// Every message of the round is delivered.
    EndRound { round: u8 },
    /// Last round, `--reduce por`: every message of the round to `p` is delivered, as soon as
    /// the traitors' slots for `p` are filled.
    Receive { p: Pid, round: u8 },
}

/// A round-based model.
pub struct Rounds<P: RoundProtocol> {
    pub proto: P,
    pub env: REnv,
    pub props: Vec<PropDef<Rounds<P>>>,
    /// The reductions asked for; neither applies to this runtime (see [`Rounds::reductions`]).
    pub reduce: crate::engine::reductions::Reductions,
    /// What the checked properties read, as far as the reductions care.
    pub reads: Reads,
}

/// What the checked properties read, as far as the reductions care; set by whoever picks the
/// properties (the catalogue is a layer up).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Reads {
    /// A property speaks of the commander p0 apart from the lieutenants (IC1, IC2, TERM):
    /// symmetry keeps p0 fixed.
    pub commander: bool,
    /// A property reads the decisions of faulty processes (C2 validity, C3 integrity): `por`
    /// keeps the traitors' messages to traitors.
    pub faulty_decisions: bool,
}

enum Choice<M> {
    Crash(Pid),
    Slot(Pid, Pid, Vec<M>),
    Receive(Pid),
}

impl<P: RoundProtocol> Rounds<P> {
    pub fn done(&self, s: &RState<P>) -> bool {
        s.round > self.proto.rounds(&self.env)
    }

    /// Processes that behave correctly (not faulty, or crash-faulty but not crashed).
    pub fn correct(&self, s: &RState<P>) -> PSet {
        match self.env.kind {
            FaultKind::Byzantine => PSet::all(self.env.n).minus(s.faulty),
            FaultKind::Crash => PSet::all(self.env.n).minus(s.crashed),
        }
    }

    /// This round's choices, in order: crash decisions, then the faulty processes' slots.
    fn choices(&self, s: &RState<P>) -> Vec<Choice<P::Msg>> {
        let mut v = Vec::new();
        let r = s.round;
        match self.env.kind {
            FaultKind::Crash => {
                for p in s.faulty.minus(s.crashed).iter() {
                    v.push(Choice::Crash(p));
                }
                for p in s.crashing.iter() {
                    for (to, m) in self.proto.sends(&self.env, p, &s.procs[p as usize], r) {
                        v.push(Choice::Slot(p, to, vec![m]));
                    }
                }
            }
            FaultKind::Byzantine => {
                let skip_faulty = self.skips_traitor_receipts();
                for p in s.faulty.iter() {
                    for (to, opts) in
                        self.proto
                            .byzantine_slots(&self.env, p, &s.procs[p as usize], r)
                    {
                        if !(skip_faulty && s.faulty.contains(to)) {
                            v.push(Choice::Slot(p, to, opts));
                        }
                    }
                }
            }
        }
        if self.by_receiver(s) {
            // Receiver by receiver: p's slots, then p receives. The crash decisions stay first
            // (they are taken at the start of the round).
            // Slots to processes that do not receive are dropped.
            let receivers = self.receivers(s);
            let (mut out, mut slots): (Vec<_>, Vec<_>) =
                v.into_iter().partition(|c| matches!(c, Choice::Crash(_)));
            let to = |c: &Choice<P::Msg>| match c {
                Choice::Slot(_, to, _) => *to,
                _ => 0,
            };
            slots.retain(|c| receivers.contains(to(c)));
            slots.sort_by_key(to); // stable: each receiver's slots keep their order
            let mut slots = slots.into_iter().peekable();
            for q in receivers.iter() {
                while let Some(c) = slots.next_if(|c| to(c) == q) {
                    out.push(c);
                }
                out.push(Choice::Receive(q));
            }
            return out;
        }
        v
    }

    /// `por`, last round: messages are delivered receiver by receiver, each as soon as its
    /// slots are filled. Sound because nothing follows the last round: a receiver's decision
    /// depends only on the round's start state and the messages sent to it, and the traitors'
    /// choices for different receivers are independent. Nothing received is kept but the
    /// decision (the receivers' states stay as they were at the start of the round).
    pub(super) fn by_receiver(&self, s: &RState<P>) -> bool {
        self.reduce.por && s.round == self.proto.rounds(&self.env)
    }

    /// `por`: a traitor's silence is not offered when it equals the default value.
    fn drops_silence(&self) -> bool {
        self.reduce.por && self.env.kind == FaultKind::Byzantine && self.proto.silence_is_default()
    }

    /// Whether a checked property reads the decisions of faulty processes (C2 validity and C3
    /// integrity read every process's).
    fn reads_faulty_decisions(&self) -> bool {
        self.reads.faulty_decisions
    }

    /// `por`: traitors' messages to traitors are not chosen (they cannot change a later slot,
    /// and no checked property reads a traitor's decision).
    fn skips_traitor_receipts(&self) -> bool {
        self.reduce.por
            && self.env.kind == FaultKind::Byzantine
            && !self.proto.faulty_receipts_matter()
            && !self.reads_faulty_decisions()
    }

    /// Whether `p` has had its last-round `Receive` step in `s` (receiver by receiver only):
    /// its state is then the one from the start of that round.
    pub(super) fn received_last_round(&self, s: &RState<P>, p: Pid) -> bool {
        let last = self.proto.rounds(&self.env);
        if !self.reduce.por || s.round < last {
            return false;
        }
        if s.round > last {
            return self.receivers(s).contains(p);
        }
        let at = self
            .choices(s)
            .iter()
            .position(|c| matches!(c, Choice::Receive(q) if *q == p));
        at.is_some_and(|i| i < s.cursor as usize)
    }

    /// The processes that receive this round's messages, once the crash decisions are taken.
    fn receivers(&self, s: &RState<P>) -> PSet {
        let mut out = PSet::all(self.env.n).minus(PSet(s.crashed.0 | s.crashing.0));
        for p in self.env.procs() {
            if !self.proto.decides(&self.env, p) {
                out.remove(p);
            }
        }
        if self.skips_traitor_receipts() {
            out = out.minus(s.faulty);
        }
        out
    }

    /// What `p` receives this round, sorted by sender; its state after receiving; its decision.
    pub(super) fn receive_one(&self, s: &RState<P>, p: Pid) -> Receipt<P> {
        let inbox: Vec<(Pid, P::Msg)> = self
            .round_messages(s)
            .into_iter()
            .filter(|(_, to, _)| *to == p)
            .map(|(from, _, m)| (from, m))
            .collect();
        let mut st = s.procs[p as usize].clone();
        let v = self.proto.receive(&self.env, p, &mut st, s.round, &inbox);
        Receipt {
            inbox,
            state: st,
            decision: v,
        }
    }

    /// `symmetry`: the symmetry group of the processes, when the protocol declares one.
    fn group(&self) -> Option<Vec<crate::runtime::reduce::Perm>> {
        if !self.reduce.symmetry {
            return None;
        }
        Some(crate::runtime::reduce::group(self.env.n, &self.classes()?))
    }

    /// The protocol's symmetry classes, with p0 in a class of its own when a checked property
    /// singles it out (IC1, IC2 and TERM speak of the commander p0 and the lieutenants).
    fn classes(&self) -> Option<Vec<u32>> {
        let mut class = self.proto.classes(&self.env)?;
        if self.reads.commander {
            class[0] = u32::MAX;
        }
        Some(class)
    }

    /// Every initial state: placements × inputs.
    pub(super) fn all_inits(&self) -> Vec<RState<P>> {
        let env = &self.env;
        let with_input: Vec<Pid> = env
            .procs()
            .filter(|&p| self.proto.has_input(env, p))
            .collect();
        let mut out = Vec::new();
        for &faulty in &env.placements {
            for bits in 0u32..(1 << with_input.len()) {
                let mut inputs = vec![None; env.n as usize];
                for (i, &p) in with_input.iter().enumerate() {
                    inputs[p as usize] = Some(((bits >> i) & 1) as Val);
                }
                out.push(RState {
                    round: 1,
                    faulty,
                    crashed: PSet::EMPTY,
                    crashing: PSet::EMPTY,
                    procs: env
                        .procs()
                        .map(|p| self.proto.init(env, p, inputs[p as usize]))
                        .collect(),
                    inputs,
                    decision: vec![None; env.n as usize],
                    decided_twice: PSet::EMPTY,
                    outbox: Vec::new(),
                    cursor: 0,
                });
            }
        }
        out
    }

    /// The placement and inputs of initial state `s` renamed by `g`.
    pub(super) fn renamed_start(
        &self,
        s: &RState<P>,
        g: &crate::runtime::reduce::Perm,
    ) -> (PSet, Vec<Option<Val>>) {
        let mut inputs = vec![None; s.inputs.len()];
        for p in self.env.procs() {
            inputs[g.pid(p) as usize] = s.inputs[p as usize];
        }
        (s.faulty.rename(g), inputs)
    }

    /// `symmetry`: one initial state per orbit of (placement, inputs) under the protocol's
    /// symmetry group ([`Rounds::classes`]). Sound because the group maps runs to runs and the
    /// checked properties are invariant under it (C1–C4 under any renaming; IC1, IC2 and TERM
    /// under those fixing p0, which the group then does); an initial state's runs are,
    /// renamed, those of every state in its orbit.
    fn orbit_representatives(&self, inits: Vec<RState<P>>) -> Vec<RState<P>> {
        let Some(group) = self.group() else {
            return inits;
        };
        let key = |s: &RState<P>, g: &crate::runtime::reduce::Perm| {
            let (faulty, inputs) = self.renamed_start(s, g);
            (faulty.0, inputs)
        };
        let mut seen = std::collections::HashSet::new();
        inits
            .into_iter()
            .filter(|s| {
                let canonical = group.iter().map(|g| key(s, g)).min();
                canonical.is_some_and(|k| seen.insert(k))
            })
            .collect()
    }

    /// Every message of this round: the chosen ones plus those of correct processes.
    pub(super) fn round_messages(&self, s: &RState<P>) -> Vec<(Pid, Pid, P::Msg)> {
        let mut all = s.outbox.clone();
        let silent = match self.env.kind {
            FaultKind::Byzantine => s.faulty,
            FaultKind::Crash => PSet(s.crashed.0 | s.crashing.0),
        };
        for p in PSet::all(self.env.n).minus(silent).iter() {
            for (to, m) in self
                .proto
                .sends(&self.env, p, &s.procs[p as usize], s.round)
            {
                all.push((p, to, m));
            }
        }
        all.sort();
        all
    }

    pub(super) fn role(&self, s: &RState<P>, p: Pid) -> &'static str {
        match self.env.kind {
            FaultKind::Byzantine if s.faulty.contains(p) => " (traitor)",
            FaultKind::Crash if s.crashed.contains(p) || s.crashing.contains(p) => " (crashed)",
            _ => "",
        }
    }
}

impl<P: RoundProtocol> stateright::Model for Rounds<P> {
    type State = RState<P>;
    type Action = RAction<P::Msg>;

    fn init_states(&self) -> Vec<RState<P>> {
        self.orbit_representatives(self.all_inits())
    }

    fn actions(&self, s: &RState<P>, actions: &mut Vec<RAction<P::Msg>>) {
        if self.done(s) {
            return;
        }
        let choices = self.choices(s);
        match choices.get(s.cursor as usize) {
            None => actions.push(RAction::EndRound { round: s.round }),
            Some(Choice::Crash(p)) => {
                let budget_left = s.crashed.len() + s.crashing.len() < self.env.f as usize;
                actions.push(RAction::Crash { p: *p, now: false });
                if budget_left {
                    actions.push(RAction::Crash { p: *p, now: true });
                }
            }
            Some(Choice::Slot(from, to, opts)) => {
                for m in opts {
                    actions.push(RAction::Send {
                        from: *from,
                        to: *to,
                        msg: Some(m.clone()),
                    });
                }
                if !self.drops_silence() {
                    actions.push(RAction::Send {
                        from: *from,
                        to: *to,
                        msg: None,
                    });
                }
            }
            Some(Choice::Receive(p)) => actions.push(RAction::Receive {
                p: *p,
                round: s.round,
            }),
        }
    }

    fn next_state(&self, s: &RState<P>, a: RAction<P::Msg>) -> Option<RState<P>> {
        let mut t = s.clone();
        match a {
            RAction::Crash { p, now } => {
                if now {
                    t.crashing.insert(p);
                }
                t.cursor += 1;
            }
            RAction::Send { from, to, msg } => {
                if let Some(m) = msg {
                    t.outbox.push((from, to, m));
                    t.outbox.sort();
                }
                t.cursor += 1;
            }
            RAction::Receive { p, .. } => {
                if let Some(v) = self.receive_one(s, p).decision {
                    t.decide(p, v);
                }
                // Forget what p received: only its decision matters after the last round.
                t.outbox.retain(|(_, to, _)| *to != p);
                t.cursor += 1;
            }
            RAction::EndRound { round } => {
                let msgs = self.round_messages(s);
                t.crashed = PSet(t.crashed.0 | t.crashing.0);
                t.crashing = PSet::EMPTY;
                // Receiver by receiver, everyone has received already.
                let delivered = self.by_receiver(s);
                for p in self.env.procs() {
                    if delivered || t.crashed.contains(p) {
                        continue;
                    }
                    let inbox: Vec<(Pid, P::Msg)> = msgs
                        .iter()
                        .filter(|(_, to, _)| *to == p)
                        .map(|(from, _, m)| (*from, m.clone()))
                        .collect();
                    if let Some(v) =
                        self.proto
                            .receive(&self.env, p, &mut t.procs[p as usize], round, &inbox)
                    {
                        t.decide(p, v);
                    }
                }
                t.outbox.clear();
                t.cursor = 0;
                t.round += 1;
            }
        }
        Some(t)
    }

    fn format_action(&self, a: &RAction<P::Msg>) -> String {
        match a {
            RAction::Crash { p, now: true } => format!("p{p} crashes"),
            RAction::Crash { p, now: false } => format!("p{p} keeps running"),
            RAction::Send {
                from,
                to,
                msg: Some(m),
            } => {
                format!("p{from}→p{to}: {}", self.proto.show(&self.env, m))
            }
            RAction::Send {
                from,
                to,
                msg: None,
            } => format!("p{from}→p{to}: nothing"),
            RAction::EndRound { round } => format!("end of round {round}"),
            RAction::Receive { p, round } => format!("p{p} receives round {round}"),
        }
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::engine::stateright_view::stateright_properties(self)
    }
}

impl<P: RoundProtocol> Spec for Rounds<P> {
    fn props(&self) -> &[PropDef<Self>] {
        &self.props
    }

    fn supported_reductions(&self) -> crate::engine::reductions::Reductions {
        crate::engine::reductions::Reductions {
            por: true,
            symmetry: true,
        }
    }
    fn reduce(&self) -> crate::engine::reductions::Reductions {
        self.reduce
    }
    fn store(&self) -> Option<crate::engine::codec::StateCodec<Self::State>> {
        Some(crate::engine::codec::StateCodec::serde())
    }

    /// What each asked-for reduction does here, said rather than silently applied or skipped.
    fn reductions(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.reduce.por {
            v.push(
                "por: the last round is delivered receiver by receiver; each receiver decides as soon as the traitors' slots for it are filled, and keeps only its decision"
                    .into(),
            );
            if self.drops_silence() {
                v.push(format!(
                    "por: a traitor's silence is not offered as a separate choice (a missing value counts as {})",
                    self.env.name(self.env.default)
                ));
            }
            if self.skips_traitor_receipts() {
                v.push("por: messages between traitors are not chosen (what a traitor receives cannot change what it may send, and no checked property reads a traitor's decision)".into());
            } else if self.env.kind == FaultKind::Byzantine && !self.proto.faulty_receipts_matter()
            {
                v.push("por: messages between traitors are still chosen: a checked property (C2 or C3) reads traitors' decisions".into());
            }
        }
        if self.reduce.symmetry {
            match self.classes() {
                None => v.push(
                    "symmetry: not applied: this algorithm declares no interchangeable processes"
                        .into(),
                ),
                Some(class) => {
                    let all = self.all_inits().len();
                    let kept = self.orbit_representatives(self.all_inits()).len();
                    v.push(format!(
                        "symmetry: initial states (traitor placement, inputs) up to renaming within {}: {all} → {kept}",
                        crate::runtime::reduce::describe_classes(self.env.n, &class)
                    ));
                }
            }
        }
        v
    }

    fn quiescent(&self, s: &RState<P>) -> bool {
        self.done(s)
    }

    fn liveness_method(&self) -> &'static str {
        "terminal-state: judged after the last round; sound because synchronous rounds make the \
         state graph a finite tree"
    }
}

impl<P: RoundProtocol> fmt::Debug for RState<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "round {}; faulty {:?}; crashed {:?}",
            self.round, self.faulty, self.crashed
        )?;
        for (p, st) in self.procs.iter().enumerate() {
            writeln!(
                f,
                "p{p}: input {:?}, decision {:?}: {st:?}",
                self.inputs[p], self.decision[p]
            )?;
        }
        write!(f, "chosen this round: {:?}", self.outbox)
    }
}

/// All subsets of `{0..n}` of size `f`, filtered by `keep`.
pub fn placements(n: u8, f: u8, keep: impl Fn(PSet) -> bool) -> Vec<PSet> {
    (0u32..(1 << n))
        .map(|b| PSet(b as u16))
        .filter(|s| s.len() == f as usize && keep(*s))
        .collect()
}
