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

use crate::engine::checker::{Spec, Step};
use crate::engine::property::PropDef;
use crate::runtime::bits::PSet;
use crate::runtime::protocol::Pid;
use crate::runtime::reduce::Rename;
use std::collections::BTreeSet;
use std::fmt::{self, Debug};
use std::hash::Hash;

/// A value of the binary domain (`attack`/`retreat`, `commit`/`abort`).
pub type Val = u8;

/// Which faults the faulty processes have.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
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
    type State: Clone + Debug + Hash + Eq + Send + Sync;
    type Msg: Clone + Debug + Hash + Eq + Ord + Send + Sync;

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
#[derive(Clone, PartialEq, Eq, Hash)]
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
struct Receipt<P: RoundProtocol> {
    /// The messages, sorted by sender.
    inbox: Vec<(Pid, P::Msg)>,
    /// The receiver's state afterwards.
    state: P::State,
    decision: Option<Val>,
}

/// A step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
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
    fn by_receiver(&self, s: &RState<P>) -> bool {
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
    fn received_last_round(&self, s: &RState<P>, p: Pid) -> bool {
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
    fn receive_one(&self, s: &RState<P>, p: Pid) -> Receipt<P> {
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
    fn all_inits(&self) -> Vec<RState<P>> {
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
    fn renamed_start(
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
    fn round_messages(&self, s: &RState<P>) -> Vec<(Pid, Pid, P::Msg)> {
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

    fn role(&self, s: &RState<P>, p: Pid) -> &'static str {
        match self.env.kind {
            FaultKind::Byzantine if s.faulty.contains(p) => " (traitor)",
            FaultKind::Crash if s.crashed.contains(p) || s.crashing.contains(p) => " (crashed)",
            _ => "",
        }
    }
}

/// What a run ends with: every process's decision, who decided twice, who crashed.
type Outcome = (Vec<Option<Val>>, u16, u16);

/// The outcomes of every run from each state explored so far.
type Memo<P> = std::collections::HashMap<RState<P>, std::rc::Rc<BTreeSet<Outcome>>>;

impl<P: RoundProtocol> Rounds<P> {
    /// Audits the facts the reductions rely on, over the unreduced state graph; the list of
    /// failures. With at most `max_states` states the whole graph is explored and every claim
    /// is checked exactly; beyond that, only [`RoundProtocol::faulty_receipts_matter`] is
    /// checked, on the states explored.
    /// - `faulty_receipts_matter() == false`: a traitor's slots are the same in every reachable
    ///   state as in its initial state.
    /// - `silence_is_default()`: whatever a run can end with after a traitor stays silent in a
    ///   slot, it can also end with after the traitor sends one of the slot's messages.
    /// - `classes()`: when a renaming in the group maps an initial state onto another one of
    ///   the model (the two are then merged), the outcomes of the image are the renamed
    ///   outcomes.
    pub fn audit(&self, max_states: usize) -> Vec<String> {
        self.audit_report(max_states).0
    }

    /// [`Rounds::audit`], and whether the whole unreduced graph fitted in `max_states` (only
    /// then are the silence and symmetry claims checked).
    pub fn audit_report(&self, max_states: usize) -> (Vec<String>, bool) {
        use stateright::Model;
        let plain = Rounds {
            proto: self.proto.clone(),
            env: self.env.clone(),
            props: Vec::new(),
            reduce: crate::engine::reductions::Reductions::default(),
            reads: Reads::default(),
        };
        let mut problems = Vec::new();
        let inits = plain.all_inits();
        let mut memo: Memo<P> = Memo::new();
        let mut complete = true;
        for s in &inits {
            if plain.outcomes(s, &mut memo, max_states).is_none() {
                complete = false;
                break;
            }
        }
        if !self.proto.faulty_receipts_matter() {
            for s in memo.keys() {
                for p in s.faulty.iter() {
                    let r = s.round.min(self.proto.rounds(&self.env));
                    let start = self.proto.init(&self.env, p, s.inputs[p as usize]);
                    let now = self
                        .proto
                        .byzantine_slots(&self.env, p, &s.procs[p as usize], r);
                    if now != self.proto.byzantine_slots(&self.env, p, &start, r) {
                        problems.push(format!(
                            "faulty_receipts_matter() is false, but traitor p{p}'s round-{r} slots depend on what it received ({:?})",
                            s.procs[p as usize]
                        ));
                        return (problems, complete);
                    }
                }
            }
        }
        for s in memo.keys() {
            for p in self.env.procs() {
                if !self.proto.decides(&self.env, p) && s.decision[p as usize].is_some() {
                    problems.push(format!(
                        "decides(p{p}) is false, but p{p} decides in a reachable state"
                    ));
                    return (problems, complete);
                }
            }
        }
        if !complete {
            return (problems, complete);
        }
        let get = |memo: &Memo<P>, t: &RState<P>| -> std::rc::Rc<BTreeSet<Outcome>> {
            memo.get(t).cloned().unwrap_or_default()
        };
        if self.proto.silence_is_default() && self.env.kind == FaultKind::Byzantine {
            for s in memo.keys() {
                let mut acts = Vec::new();
                plain.actions(s, &mut acts);
                let (silent, sent): (Vec<_>, Vec<_>) = acts
                    .into_iter()
                    .filter(|a| matches!(a, RAction::Send { .. }))
                    .partition(|a| matches!(a, RAction::Send { msg: None, .. }));
                let Some(silent) = silent.into_iter().next() else {
                    continue;
                };
                let mut covered = BTreeSet::new();
                for a in sent {
                    if let Some(t) = plain.next_state(s, a) {
                        covered.extend(get(&memo, &t).iter().cloned());
                    }
                }
                let quiet = plain
                    .next_state(s, silent.clone())
                    .map(|t| get(&memo, &t))
                    .unwrap_or_default();
                if let Some(o) = quiet.iter().find(|o| !covered.contains(*o)) {
                    problems.push(format!(
                        "silence_is_default() is true, but after {} a run can end with decisions {:?} that no message in that slot allows",
                        plain.format_action(&silent),
                        o.0
                    ));
                    return (problems, complete);
                }
            }
        }
        if let Some(class) = self.proto.classes(&self.env) {
            for g in crate::runtime::reduce::group(self.env.n, &class) {
                for s in &inits {
                    let (faulty, inputs) = self.renamed_start(s, &g);
                    // An image outside the model (e.g. `traitors` names one placement) is never
                    // merged with `s`, so only images inside it need the same outcomes.
                    let Some(image) = inits
                        .iter()
                        .find(|t| t.faulty == faulty && t.inputs == inputs)
                    else {
                        continue;
                    };
                    let renamed: BTreeSet<Outcome> = get(&memo, s)
                        .iter()
                        .map(|(dec, twice, crashed)| {
                            let mut d = vec![None; dec.len()];
                            for p in self.env.procs() {
                                d[g.pid(p) as usize] = dec[p as usize];
                            }
                            (d, PSet(*twice).rename(&g).0, PSet(*crashed).rename(&g).0)
                        })
                        .collect();
                    if renamed != *get(&memo, image) {
                        problems.push(format!(
                            "classes(): renaming {g:?} does not map the outcomes of traitors {:?}, inputs {:?} onto those of its image",
                            s.faulty, s.inputs
                        ));
                        return (problems, complete);
                    }
                }
            }
        }
        (problems, complete)
    }

    /// The outcomes of every run from `s` (memoized); `None` once `memo` outgrows `budget`.
    fn outcomes(
        &self,
        s: &RState<P>,
        memo: &mut Memo<P>,
        budget: usize,
    ) -> Option<std::rc::Rc<BTreeSet<Outcome>>> {
        use stateright::Model;
        if let Some(o) = memo.get(s) {
            return Some(o.clone());
        }
        if memo.len() >= budget {
            return None;
        }
        let mut acts = Vec::new();
        self.actions(s, &mut acts);
        let mut out = BTreeSet::new();
        if acts.is_empty() {
            out.insert((s.decision.clone(), s.decided_twice.0, s.crashed.0));
        }
        for a in acts {
            if let Some(t) = self.next_state(s, a) {
                out.extend(self.outcomes(&t, memo, budget)?.iter().cloned());
            }
        }
        let out = std::rc::Rc::new(out);
        memo.insert(s.clone(), out.clone());
        Some(out)
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
        crate::engine::checker::stateright_properties(self)
    }
}

impl<P: RoundProtocol> Spec for Rounds<P> {
    fn props(&self) -> &[PropDef<Self>] {
        &self.props
    }

    fn reduce(&self) -> crate::engine::reductions::Reductions {
        self.reduce
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

    fn render_step(&self, prev: &RState<P>, a: &RAction<P::Msg>, next: &RState<P>) -> Step {
        let env = &self.env;
        let mut effects = Vec::new();
        let action = match a {
            RAction::Crash { p, now: true } => {
                format!(
                    "round {}: p{p} crashes (its messages of this round may be lost)",
                    prev.round
                )
            }
            RAction::Crash { p, now: false } => {
                format!("round {}: p{p} does not crash yet", prev.round)
            }
            RAction::Send { from, to, msg } => {
                let what = match msg {
                    Some(m) => self.proto.show(env, m),
                    None => "nothing".to_string(),
                };
                let verb = if self.env.kind == FaultKind::Crash {
                    if msg.is_some() {
                        "still sends"
                    } else {
                        "never sends (lost)"
                    }
                } else {
                    "tells"
                };
                format!(
                    "round {}: p{from}{} {verb} p{to}: {what}",
                    prev.round,
                    self.role(prev, *from)
                )
            }
            RAction::Receive { p, round } => {
                let Receipt {
                    inbox,
                    state: st,
                    decision: v,
                } = self.receive_one(prev, *p);
                // Messages a step chose (and showed): a traitor's, or a crashing process's.
                let chosen = |from: Pid| match env.kind {
                    FaultKind::Byzantine => prev.faulty.contains(from),
                    FaultKind::Crash => prev.crashing.contains(from),
                };
                let mut by_sender: Vec<(Pid, Vec<String>)> = Vec::new();
                for (from, m) in &inbox {
                    if chosen(*from) {
                        continue; // shown at the step that chose it
                    }
                    let shown = self.proto.show(env, m);
                    match by_sender.iter_mut().find(|(q, _)| q == from) {
                        Some((_, ms)) => ms.push(shown),
                        None => by_sender.push((*from, vec![shown])),
                    }
                }
                for (from, ms) in by_sender {
                    effects.push(format!("p{from} tells p{p}: {}", ms.join(", ")));
                }
                if let Some(v) = v {
                    effects.push(format!(
                        "p{p}{} decides {}: {}",
                        self.role(next, *p),
                        env.name(v),
                        self.proto.explain(env, *p, &st)
                    ));
                }
                format!(
                    "round {round}: p{p} receives every message of the round sent to it (last round, receiver by receiver)"
                )
            }
            RAction::EndRound { round } if self.by_receiver(prev) => {
                format!("end of round {round}: every receiver has had its messages")
            }
            RAction::EndRound { round } => {
                let silent = match env.kind {
                    FaultKind::Byzantine => prev.faulty,
                    FaultKind::Crash => PSet(prev.crashed.0 | prev.crashing.0),
                };
                for p in PSet::all(env.n).minus(silent).iter() {
                    let sends = self.proto.sends(env, p, &prev.procs[p as usize], *round);
                    let mut by_msg: Vec<(String, Vec<String>)> = Vec::new();
                    for (to, m) in sends {
                        let shown = self.proto.show(env, &m);
                        match by_msg.iter_mut().find(|(x, _)| *x == shown) {
                            Some((_, tos)) => tos.push(format!("p{to}")),
                            None => by_msg.push((shown, vec![format!("p{to}")])),
                        }
                    }
                    for (m, tos) in by_msg {
                        effects.push(format!("p{p} tells {}: {m}", tos.join(", ")));
                    }
                }
                for p in env.procs() {
                    if let (None, Some(v)) = (prev.decision[p as usize], next.decision[p as usize])
                    {
                        effects.push(format!(
                            "p{p}{} decides {}: {}",
                            self.role(next, p),
                            env.name(v),
                            self.proto.explain(env, p, &next.procs[p as usize])
                        ));
                    }
                }
                format!("end of round {round}: every message of the round is delivered")
            }
        };
        Step { action, effects }
    }

    fn render_init(&self, s: &RState<P>) -> Vec<String> {
        let env = &self.env;
        let faulty: Vec<String> = s.faulty.iter().map(|p| format!("p{p}")).collect();
        let faulty = if faulty.is_empty() {
            "none".to_string()
        } else {
            faulty.join(", ")
        };
        let what = match env.kind {
            FaultKind::Byzantine => "traitors",
            FaultKind::Crash => "processes that may crash",
        };
        let inputs: Vec<String> = env
            .procs()
            .filter_map(|p| s.inputs[p as usize].map(|v| format!("p{p}: {}", env.name(v))))
            .collect();
        vec![format!(
            "0. {what}: {faulty}; inputs: {}",
            inputs.join(", ")
        )]
    }

    fn render_end(&self, s: &RState<P>) -> Vec<String> {
        let env = &self.env;
        let mut lines = Vec::new();
        for p in env.procs() {
            let input = s.inputs[p as usize]
                .map(|v| format!("input {}, ", env.name(v)))
                .unwrap_or_default();
            let status = match s.decision[p as usize] {
                Some(v) => format!("decided {}", env.name(v)),
                None => "decided nothing".into(),
            };
            // Receiver by receiver, the last round's messages are forgotten once received:
            // the reasons are shown at the step where p received them.
            let last = self.proto.rounds(env);
            let why = if !self.received_last_round(s, p) {
                self.proto.explain(env, p, &s.procs[p as usize])
            } else if s.decision[p as usize].is_some() {
                format!("its reasons are at the step where it received round {last}")
            } else {
                format!("what it received in round {last} is not kept (receiver by receiver, only decisions are)")
            };
            lines.push(format!("p{p}{}: {input}{status} — {why}", self.role(s, p)));
        }
        lines
    }

    fn processes(&self) -> usize {
        self.env.n as usize
    }

    fn events(
        &self,
        prev: &RState<P>,
        a: &RAction<P::Msg>,
        next: &RState<P>,
    ) -> Vec<crate::engine::chart::Event> {
        use crate::engine::chart::Event;
        let env = &self.env;
        let mut ev = Vec::new();
        match a {
            RAction::Crash { p, now: true } => ev.push(Event::Note {
                at: *p,
                text: format!("CRASH (round {})", prev.round),
            }),
            RAction::Crash { .. } => {}
            RAction::Send { from, to, msg } => {
                if msg.is_none() && env.kind == FaultKind::Crash {
                    ev.push(Event::Msg {
                        from: *from,
                        to: *to,
                        label: format!("round {} message", prev.round),
                        lost: true,
                    });
                }
            }
            RAction::Receive { p, .. } => {
                for (from, m) in self.receive_one(prev, *p).inbox {
                    ev.push(Event::Msg {
                        from,
                        to: *p,
                        label: self.proto.show(env, &m),
                        lost: false,
                    });
                }
                if let (None, Some(v)) = (prev.decision[*p as usize], next.decision[*p as usize]) {
                    ev.push(Event::Note {
                        at: *p,
                        text: format!("decide {}", env.name(v)),
                    });
                }
            }
            RAction::EndRound { .. } if self.by_receiver(prev) => {}
            RAction::EndRound { .. } => {
                for (from, to, m) in self.round_messages(prev) {
                    ev.push(Event::Msg {
                        from,
                        to,
                        label: self.proto.show(env, &m),
                        lost: false,
                    });
                }
                for p in env.procs() {
                    if let (None, Some(v)) = (prev.decision[p as usize], next.decision[p as usize])
                    {
                        ev.push(Event::Note {
                            at: p,
                            text: format!("decide {}", env.name(v)),
                        });
                    }
                }
            }
        }
        ev
    }

    fn start_events(&self, s: &RState<P>) -> Vec<crate::engine::chart::Event> {
        let what = match self.env.kind {
            FaultKind::Byzantine => "TRAITOR",
            FaultKind::Crash => "may crash",
        };
        s.faulty
            .iter()
            .map(|p| crate::engine::chart::Event::Note {
                at: p,
                text: what.to_string(),
            })
            .collect()
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

/// A chain of process ids: the relay path of an oral message, or the signatures of a signed
/// one. Always starts with the commander p0. At most 7 long.
#[derive(Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Chain {
    len: u8,
    ids: [Pid; 7],
}

impl Chain {
    pub const MAX: usize = 7;

    /// The chain `[p]`.
    pub fn root(p: Pid) -> Chain {
        let mut ids = [0; 7];
        ids[0] = p;
        Chain { len: 1, ids }
    }
    /// This chain followed by `p` (callers keep chains under [`Chain::MAX`]).
    pub fn then(mut self, p: Pid) -> Chain {
        self.ids[self.len as usize] = p;
        self.len += 1;
        self
    }
    pub fn len(&self) -> usize {
        self.len as usize
    }
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
    pub fn ids(&self) -> &[Pid] {
        &self.ids[..self.len as usize]
    }
    pub fn contains(&self, p: Pid) -> bool {
        self.ids().contains(&p)
    }
    pub fn last(&self) -> Pid {
        self.ids[self.len.saturating_sub(1) as usize]
    }
    pub fn first(&self) -> Pid {
        self.ids[0]
    }
    /// No process appears twice.
    pub fn distinct(&self) -> bool {
        let ids = self.ids();
        ids.iter().enumerate().all(|(i, p)| !ids[..i].contains(p))
    }
    /// Every chain of `len` distinct processes among `0..n` starting with p0 and avoiding `me`.
    pub fn all(n: u8, len: usize, me: Pid) -> Vec<Chain> {
        let mut out = vec![Chain::root(0)];
        for _ in 1..len {
            out = out
                .into_iter()
                .flat_map(|c| {
                    (0..n)
                        .filter(move |&p| p != me && !c.contains(p))
                        .map(move |p| c.then(p))
                })
                .collect();
        }
        if me == 0 {
            return Vec::new();
        }
        out
    }
}

impl fmt::Debug for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ids: Vec<String> = self.ids().iter().map(|p| p.to_string()).collect();
        write!(f, "{}", ids.join(":"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::reductions::Reductions;
    use crate::models::params::RunSpec;
    use crate::test_util::*;

    /// Delegates to `inner` but makes the claims it is told to, and with `bias` set, that
    /// lieutenant always decides attack (an asymmetry).
    #[derive(Clone, Debug, PartialEq, Eq, Hash)]
    struct Liar<P> {
        inner: P,
        silence: bool,
        receipts_matter: bool,
        classes: Option<Vec<u32>>,
        bias: Option<Pid>,
    }

    impl<P: RoundProtocol> RoundProtocol for Liar<P> {
        type State = P::State;
        type Msg = P::Msg;
        fn rounds(&self, env: &REnv) -> u8 {
            self.inner.rounds(env)
        }
        fn has_input(&self, env: &REnv, me: Pid) -> bool {
            self.inner.has_input(env, me)
        }
        fn init(&self, env: &REnv, me: Pid, input: Option<Val>) -> P::State {
            self.inner.init(env, me, input)
        }
        fn sends(&self, env: &REnv, me: Pid, st: &P::State, round: u8) -> Vec<(Pid, P::Msg)> {
            self.inner.sends(env, me, st, round)
        }
        fn byzantine_slots(
            &self,
            env: &REnv,
            me: Pid,
            st: &P::State,
            round: u8,
        ) -> Vec<(Pid, Vec<P::Msg>)> {
            self.inner.byzantine_slots(env, me, st, round)
        }
        fn receive(
            &self,
            env: &REnv,
            me: Pid,
            st: &mut P::State,
            round: u8,
            inbox: &[(Pid, P::Msg)],
        ) -> Option<Val> {
            let v = self.inner.receive(env, me, st, round, inbox);
            if self.bias == Some(me) {
                return v.map(|_| 0);
            }
            v
        }
        fn explain(&self, env: &REnv, me: Pid, st: &P::State) -> String {
            self.inner.explain(env, me, st)
        }
        fn show(&self, env: &REnv, msg: &P::Msg) -> String {
            self.inner.show(env, msg)
        }
        fn silence_is_default(&self) -> bool {
            self.silence
        }
        fn faulty_receipts_matter(&self) -> bool {
            self.receipts_matter
        }
        fn decides(&self, env: &REnv, me: Pid) -> bool {
            self.inner.decides(env, me)
        }
        fn classes(&self, _env: &REnv) -> Option<Vec<u32>> {
            self.classes.clone()
        }
    }

    fn audit<P: RoundProtocol>(
        entry: &crate::models::entry::RoundEntry<P>,
        n: u32,
        f: u32,
        liar: impl Fn(P) -> Liar<P>,
    ) -> Vec<String> {
        let spec = RunSpec::of(entry.info.name, n, f, &[]);
        let (m, _) = entry.system(&spec).expect("builds");
        let m = Rounds {
            proto: liar(m.proto),
            env: m.env,
            props: Vec::new(),
            reduce: Reductions::default(),
            reads: m.reads,
        };
        m.audit(100_000)
    }

    fn honest<P: RoundProtocol>(p: P) -> Liar<P> {
        Liar {
            silence: p.silence_is_default(),
            receipts_matter: p.faulty_receipts_matter(),
            classes: None,
            bias: None,
            inner: p,
        }
    }

    #[test]
    fn the_audit_passes_the_honest_claims() {
        let om = &crate::models::agreement::om::ENTRY;
        let sm = &crate::models::agreement::sm::ENTRY;
        let lieutenants = Some(vec![0, 1, 1, 1]);
        let p = audit(om, 4, 1, |p| Liar {
            classes: lieutenants.clone(),
            ..honest(p)
        });
        assert_eq!(p, Vec::<String>::new());
        let p = audit(sm, 4, 2, |p| Liar {
            classes: lieutenants.clone(),
            ..honest(p)
        });
        assert_eq!(p, Vec::<String>::new());
    }

    /// The audit runs to completion (every claim checked) on a configuration of each protocol
    /// that declares something, OM(2) included, and finds nothing wrong.
    #[test]
    fn the_audit_completes_on_each_declaring_protocol() {
        for (model, n, f, params) in [
            ("om", 4, 1, vec![]),
            ("om", 4, 2, vec![("m", "2")]),
            ("sm", 4, 2, vec![]),
            ("majority-consensus", 4, 1, vec![]),
        ] {
            let spec = RunSpec {
                reduce: Reductions {
                    por: true,
                    symmetry: true,
                },
                ..RunSpec::of(model, n, f, &params)
            };
            let entry = crate::app::registry::Registry::builtin()
                .find(model)
                .expect("known");
            let problems = entry.audit(&spec, 200_000).expect("builds");
            assert_eq!(problems, Vec::<String>::new(), "{model} n={n} f={f}");
        }
        let spec = RunSpec::of("om", 4, 2, &[("m", "2")]);
        let (m, _) = crate::models::agreement::om::ENTRY
            .system(&spec)
            .expect("builds");
        assert_eq!(m.audit_report(200_000), (Vec::new(), true));
    }

    /// A property that singles out p0 keeps p0 out of the renamings, even for a protocol whose
    /// processes are all alike.
    #[test]
    fn symmetry_fixes_p0_when_a_property_names_it() {
        let both = Reductions {
            por: true,
            symmetry: true,
        };
        for props in [&["C1", "C4"][..], &["IC2"][..]] {
            let plain = RunSpec {
                properties: props.iter().map(|p| p.to_string()).collect(),
                ..RunSpec::of("majority-consensus", 3, 1, &[])
            };
            let reduced = RunSpec {
                reduce: both,
                ..plain.clone()
            };
            let entry = crate::app::registry::Registry::builtin()
                .find("majority-consensus")
                .expect("known");
            let opts = crate::engine::checker::Options::default();
            let a = entry.check(&plain, &opts).expect("valid");
            let b = entry.check(&reduced, &opts).expect("valid");
            for p in props {
                assert_eq!(
                    prop(&a, p).status.name(),
                    prop(&b, p).status.name(),
                    "{p}:\n{}",
                    b.to_text()
                );
            }
        }
    }

    /// The audit is not vacuous: each claim, made falsely, is caught.
    #[test]
    fn the_audit_catches_dishonest_claims() {
        let om = &crate::models::agreement::om::ENTRY;
        let sm = &crate::models::agreement::sm::ENTRY;
        // SM: a traitor may relay only the signed chains it received.
        let p = audit(sm, 3, 1, |p| Liar {
            receipts_matter: false,
            ..honest(p)
        });
        assert!(
            p.iter().any(|e| e.contains("faulty_receipts_matter")),
            "{p:?}"
        );
        // SM: a traitorous commander's silence is not one of its signed orders.
        let p = audit(sm, 4, 1, |p| Liar {
            silence: true,
            ..honest(p)
        });
        assert!(p.iter().any(|e| e.contains("silence_is_default")), "{p:?}");
        // OM with p1 biased: lieutenants are no longer interchangeable.
        let p = audit(om, 4, 1, |p| Liar {
            classes: Some(vec![0, 1, 1, 1]),
            bias: Some(1),
            ..honest(p)
        });
        assert!(p.iter().any(|e| e.contains("classes()")), "{p:?}");
    }

    fn reduced(n: u32, f: u32, reduce: Reductions) -> crate::app::report::Report {
        let spec = RunSpec {
            reduce,
            ..RunSpec::of("om", n, f, &[])
        };
        crate::app::registry::Registry::builtin()
            .find("om")
            .expect("om")
            .check(&spec, &crate::engine::checker::Options::default())
            .expect("valid")
    }

    #[test]
    fn om_reductions_keep_verdicts_and_pin_counts() {
        let both = Reductions {
            por: true,
            symmetry: true,
        };
        for (reduce, states) in [
            (Reductions::default(), 326),
            (
                Reductions {
                    por: true,
                    symmetry: false,
                },
                164,
            ),
            (
                Reductions {
                    por: false,
                    symmetry: true,
                },
                234,
            ),
            (both, 128),
        ] {
            let r = reduced(4, 1, reduce);
            assert_statuses(&r, &[("IC1", "holds"), ("IC2", "holds"), ("TERM", "holds")]);
            assert_eq!(r.unique_states, states, "{reduce:?}");
        }
        // Three generals: the same counterexample, one receiver at a time.
        let r = reduced(3, 1, both);
        assert_statuses(&r, &[("IC1", "holds"), ("IC2", "violated")]);
        assert_trace(
            &r,
            "IC2",
            &[
                "end of round 1: every message of the round is delivered",
                "round 2: p1 (traitor) tells p2: \"p0 said retreat\"",
                "round 2: p2 receives every message of the round sent to it (last round, receiver by receiver)",
            ],
        );
        let last = &prop(&r, "IC2").trace[2].effects;
        assert_eq!(
            last,
            &["p2 decides retreat: from p0 directly: attack; p1 says p0 said: retreat → 1-1 tie → default retreat"]
        );
    }
}
