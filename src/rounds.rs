//! The synchronous-rounds runtime, for agreement algorithms (Byzantine generals, vote-collecting
//! consensus). It implements stateright's [`Model`], like [`crate::system`], and is searched by
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

use crate::bits::PSet;
use crate::checker::{Spec, Step};
use crate::properties::PropDef;
use crate::protocol::Pid;
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

/// A step.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum RAction<M> {
    /// Crash faults: whether `p` crashes at the start of this round.
    Crash { p: Pid, now: bool },
    /// A faulty process fills a slot: `msg` or nothing.
    Send { from: Pid, to: Pid, msg: Option<M> },
    /// Every message of the round is delivered.
    EndRound { round: u8 },
}

/// A round-based model.
pub struct Rounds<P: RoundProtocol> {
    pub proto: P,
    pub env: REnv,
    pub props: Vec<PropDef<Rounds<P>>>,
    /// The reductions asked for; neither applies to this runtime (see [`Rounds::reductions`]).
    pub reduce: crate::params::Reductions,
}

enum Choice<M> {
    Crash(Pid),
    Slot(Pid, Pid, Vec<M>),
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
                for p in s.faulty.iter() {
                    for (to, opts) in
                        self.proto
                            .byzantine_slots(&self.env, p, &s.procs[p as usize], r)
                    {
                        v.push(Choice::Slot(p, to, opts));
                    }
                }
            }
        }
        v
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

impl<P: RoundProtocol> stateright::Model for Rounds<P> {
    type State = RState<P>;
    type Action = RAction<P::Msg>;

    fn init_states(&self) -> Vec<RState<P>> {
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
                actions.push(RAction::Send {
                    from: *from,
                    to: *to,
                    msg: None,
                });
            }
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
            RAction::EndRound { round } => {
                let msgs = self.round_messages(s);
                t.crashed = PSet(t.crashed.0 | t.crashing.0);
                t.crashing = PSet::EMPTY;
                for p in self.env.procs() {
                    if t.crashed.contains(p) {
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
                        if t.decision[p as usize].is_some() {
                            t.decided_twice.insert(p);
                        }
                        t.decision[p as usize] = Some(v);
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
        }
    }

    fn properties(&self) -> Vec<stateright::Property<Self>> {
        crate::checker::stateright_properties(self)
    }

    fn as_svg(&self, path: stateright::Path<Self::State, Self::Action>) -> Option<String> {
        crate::diagram::explorer_svg(self, path)
    }
}

impl<P: RoundProtocol> Spec for Rounds<P> {
    fn props(&self) -> &[PropDef<Self>] {
        &self.props
    }

    fn reduce(&self) -> crate::params::Reductions {
        self.reduce
    }

    /// Said, not silently skipped: the synchronous-rounds runtime has no interleavings to
    /// reduce (a round's messages are delivered in one step, a traitor's slots are filled in a
    /// fixed order), and its states are not renamed.
    fn reductions(&self) -> Vec<String> {
        let mut v = Vec::new();
        if self.reduce.por {
            v.push("por: not applicable: synchronous rounds have no interleavings (each round is delivered in one step)".into());
        }
        if self.reduce.symmetry {
            v.push(
                "symmetry: not applied: the synchronous-rounds runtime does not rename its states"
                    .into(),
            );
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
            lines.push(format!(
                "p{p}{}: {input}{status} — {}",
                self.role(s, p),
                self.proto.explain(env, p, &s.procs[p as usize])
            ));
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
    ) -> Vec<crate::diagram::Event> {
        use crate::diagram::Event;
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

    fn start_events(&self, s: &RState<P>) -> Vec<crate::diagram::Event> {
        let what = match self.env.kind {
            FaultKind::Byzantine => "TRAITOR",
            FaultKind::Crash => "may crash",
        };
        s.faulty
            .iter()
            .map(|p| crate::diagram::Event::Note {
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

// ---------------------------------------------------------------------------------------------
// Registry glue.

use crate::error::{Error, Result};
use crate::params::{ParamSpec, Params, RunSpec};
use crate::registry::{Builder, ModelInfo};

/// A round-based model the CLI can run.
pub struct RoundEntry<P: RoundProtocol> {
    pub info: ModelInfo,
    pub kind: FaultKind,
    pub names: [&'static str; 2],
    pub default: Val,
    pub default_f: u8,
    pub build: fn(&Params) -> Result<P>,
}

impl<P: RoundProtocol> RoundEntry<P> {
    /// Builds the model for `spec`, validating every parameter.
    pub fn system(&self, spec: &RunSpec) -> Result<(Rounds<P>, Params)> {
        let info = &self.info;
        let params = Params::resolve(
            info.name,
            spec.n.unwrap_or(u32::from(info.default_n)),
            spec.f.unwrap_or(u32::from(self.default_f)),
            &spec.params,
            &Builder::params(self),
        )?;
        let (n, f) = (params.n, params.f);
        let placements = match self.kind {
            FaultKind::Crash => placements(n, f, |_| true),
            FaultKind::Byzantine => {
                let which = params.get("traitors");
                let sets = match which {
                    "any" => placements(n, f, |_| true),
                    "commander" => placements(n, f, |s| s.contains(0)),
                    "lieutenants" => placements(n, f, |s| !s.contains(0)),
                    list => {
                        let mut set = PSet::EMPTY;
                        for part in list.split(',') {
                            let part = part.trim();
                            match part.strip_prefix('p').unwrap_or(part).parse::<Pid>() {
                                Ok(p) if p < n && !set.contains(p) => {
                                    set.insert(p);
                                }
                                _ => {
                                    return Err(Error::input(format!(
                                        "parameter traitors must be any, commander, lieutenants or ids below n = {n} (got '{list}')"
                                    )))
                                }
                            }
                        }
                        if set.len() != f as usize {
                            return Err(Error::input(format!(
                                "traitors = {list} names {} process(es) but f = {f}",
                                set.len()
                            )));
                        }
                        vec![set]
                    }
                };
                if sets.is_empty() {
                    return Err(Error::input(format!(
                        "no placement of f = {f} traitor(s) among n = {n} matches traitors = {which}"
                    )));
                }
                sets
            }
        };
        let env = REnv {
            n,
            f,
            kind: self.kind,
            placements,
            names: self.names,
            default: self.default,
        };
        let proto = (self.build)(&params)?;
        let available = crate::properties::agreement_catalogue::<P>();
        let names = spec.property_names(info.claims);
        let props = crate::properties::select(&available, &names, false)?;
        Ok((
            Rounds {
                proto,
                env,
                props,
                reduce: spec.reduce,
            },
            params,
        ))
    }
}

impl<P: RoundProtocol> Builder for RoundEntry<P> {
    type Model = Rounds<P>;

    fn info(&self) -> &ModelInfo {
        &self.info
    }

    fn params(&self) -> Vec<&'static ParamSpec> {
        self.info.params.iter().collect()
    }

    fn default_f(&self) -> u8 {
        self.default_f
    }

    fn build(&self, spec: &RunSpec) -> Result<(Rounds<P>, Params)> {
        self.system(spec)
    }
}
