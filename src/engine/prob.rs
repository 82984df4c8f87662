//! Exact probabilities over the state graph: the model as a Markov decision process.
//!
//! A model with random steps (gossip targets, lossy links) mixes two kinds of branching:
//!
//! - **nondeterministic** choices that an *adversary* makes: which message is delivered next,
//!   who crashes and when, what the failure detector says, when timers fire;
//! - **probabilistic** choices that *nature* makes: which `k` targets a process picks, whether a
//!   fair-loss link drops a message. Each outcome has a weight, and the outcomes of one decision
//!   sum to 1.
//!
//! [`Stochastic::chance`] tells them apart, action by action. The outcomes that share a `group`
//! in a state form one probability distribution; every other action is a choice of the
//! adversary. A run ends when the adversary stops at a quiescent state (no obligatory step left).
//!
//! # What is computed
//! For a property φ, the probability that a run satisfies it: a safety property must hold in
//! every state of the run, a liveness property in the state where the run ends (terminal-state
//! semantics, as in [`crate::engine::checker`]). Because the adversary's choices are not random, the
//! answer is a pair:
//!
//! - `min`: the probability under the *worst* scheduler, `min_σ P_σ(φ)`;
//! - `max`: under the *best* one, `max_σ P_σ(φ)`.
//!
//! When they coincide the probability does not depend on the schedule (e.g. infect-and-die gossip
//! without a TTL: who ends up infected does not depend on the order of deliveries) and the report
//! says so.
//!
//! # Algorithm
//! Backward induction over the explored graph, in depth-first post-order, with exact rational
//! arithmetic (`num-rational` over big integers, so no rounding anywhere):
//!
//! ```text
//! V(s) = 0                                  if s violates the safety property
//! V(s) = opt { stop(s) if s is quiescent } ∪ { Σ_{o ∈ g} p(o) · V(next(s, o)) | g a group }
//! stop(s) = 1 if the liveness property holds at s (safety: 1), else 0
//! ```
//!
//! with `opt = min` for the worst scheduler and `max` for the best. This is exact only if the
//! graph is acyclic (every run is finite); a cycle is reported as an error, not approximated.
//! Memory: one fingerprint and two rationals per state; time: one expansion per state.
//!
//! A bounded exploration (`--max-states`, `--timeout`) gives each cut-off state the interval
//! `[0, 1]`, so the result is an interval that contains both the minimum and the maximum; it is
//! printed as such and never as an exact value.

use crate::engine::fingerprint::Fingerprinter;
use crate::engine::property::{Kind, PropDef, PropMeta};
use crate::engine::spec::Spec;
use crate::error::{Error, Result};
use num_bigint::BigInt;
use num_rational::BigRational;
use num_traits::{One, Signed, ToPrimitive, Zero};
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::time::{Duration, Instant};

/// A small exact probability `num / den` (reduced), for weights and parameters.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash)]
pub struct Ratio {
    pub num: u64,
    pub den: u64,
}

impl Ratio {
    pub const ZERO: Ratio = Ratio { num: 0, den: 1 };
    pub const ONE: Ratio = Ratio { num: 1, den: 1 };

    /// `num / den`, reduced. `den` must not be 0.
    pub fn new(num: u64, den: u64) -> Ratio {
        let g = num_integer::gcd(num, den).max(1);
        Ratio {
            num: num / g,
            den: den / g,
        }
    }

    /// `1 − self`.
    pub fn complement(self) -> Ratio {
        Ratio::new(self.den - self.num, self.den)
    }

    pub fn to_f64(self) -> f64 {
        self.num as f64 / self.den as f64
    }

    pub fn big(self) -> BigRational {
        BigRational::new(BigInt::from(self.num), BigInt::from(self.den))
    }

    /// A probability in `[0, 1]` written as a fraction (`1/10`) or a decimal (`0.1`, at most 9
    /// decimals).
    pub fn parse(what: &str, s: &str) -> Result<Ratio> {
        let bad = || {
            Error::input(format!(
                "{what} must be a probability between 0 and 1, as a fraction (1/10) or a decimal (0.1) (got '{s}')"
            ))
        };
        let t = s.trim();
        if t.is_empty() || t == "." {
            return Err(bad());
        }
        let r = if let Some((a, b)) = t.split_once('/') {
            let a: u64 = a.trim().parse().map_err(|_| bad())?;
            let b: u64 = b.trim().parse().map_err(|_| bad())?;
            if b == 0 || b > 1_000_000_000 {
                return Err(bad());
            }
            Ratio::new(a, b)
        } else {
            let (int, frac) = t.split_once('.').unwrap_or((t, ""));
            if frac.len() > 9 || !frac.chars().all(|c| c.is_ascii_digit()) {
                return Err(bad());
            }
            let int: u64 = if int.is_empty() {
                0
            } else {
                int.parse().map_err(|_| bad())?
            };
            let den = 10u64.pow(frac.len() as u32);
            let f: u64 = if frac.is_empty() {
                0
            } else {
                frac.parse().map_err(|_| bad())?
            };
            Ratio::new(int.saturating_mul(den).saturating_add(f), den)
        };
        if r.num > r.den {
            return Err(bad());
        }
        Ok(r)
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.den == 1 {
            write!(f, "{}", self.num)
        } else {
            write!(f, "{}/{}", self.num, self.den)
        }
    }
}

/// Who resolves an action: the adversary, or chance.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum Chance {
    /// The adversary (scheduler, crashes, detector) picks this action, or not.
    Choice,
    /// One outcome of a random decision: the actions of one `group` in a state are the outcomes
    /// of that decision, and their `p` sum to 1.
    Random { group: u32, p: Ratio },
}

/// A model whose actions are either the adversary's or chance's.
pub trait Stochastic: Spec {
    fn chance(&self, s: &Self::State, a: &Self::Action) -> Chance;
}

/// Bounds of a probability computation.
#[derive(Clone, Debug, Default)]
pub struct ProbOptions {
    pub max_states: Option<usize>,
    pub timeout: Option<Duration>,
}

/// The probability that a run satisfies one property.
#[derive(Clone, Debug)]
pub struct Probability {
    pub meta: &'static PropMeta,
    /// Under the worst scheduler (a lower bound of it when `!exhaustive`).
    pub min: BigRational,
    /// Under the best scheduler (an upper bound of it when `!exhaustive`).
    pub max: BigRational,
    pub exhaustive: bool,
    pub states: usize,
    /// States where chance moves (random targets, losses).
    pub chance_states: usize,
    /// States where the adversary has more than one option.
    pub choice_states: usize,
    pub elapsed: Duration,
}

impl Probability {
    /// Whether every scheduler gives the same probability.
    pub fn scheduler_independent(&self) -> bool {
        self.exhaustive && self.min == self.max
    }
}

/// What `broadcheck prob` prints.
#[derive(Clone, Debug)]
pub struct ProbReport {
    pub model: &'static str,
    pub title: &'static str,
    pub source: &'static str,
    pub params: std::collections::BTreeMap<String, String>,
    pub results: Vec<Probability>,
}

impl ProbReport {
    pub fn to_text(&self) -> String {
        use std::fmt::Write as _;
        let mut s = format!("{} — {} ({})\n", self.model, self.title, self.source);
        let params: Vec<String> = self
            .params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        let _ = writeln!(s, "parameters: {}", params.join(" "));
        for r in &self.results {
            let name = r.meta.name;
            if !r.exhaustive {
                let _ = writeln!(
                    s,
                    "P[{name}] lies between {} and {} (bounded run: not every state was explored)",
                    show(&r.min),
                    show(&r.max)
                );
            } else if r.min == r.max {
                let _ = writeln!(s, "P[{name}] = {}", show(&r.min));
                let _ = writeln!(
                    s,
                    "  the same under every scheduler: delivery order, timers and crashes do not change it"
                );
            } else {
                let _ = writeln!(s, "P[{name}] depends on the scheduler:");
                let _ = writeln!(s, "  worst scheduler: {}", show(&r.min));
                let _ = writeln!(s, "  best scheduler:  {}", show(&r.max));
                let omission = self
                    .params
                    .get("faults")
                    .is_some_and(|k| k.as_str() != "crash");
                let _ = writeln!(
                    s,
                    "  (the adversary picks the delivery order, when timers fire, and {})",
                    if omission {
                        "which processes (up to f) are faulty and what they omit"
                    } else {
                        "up to f crashes"
                    }
                );
                if !omission && self.params.get("f").is_some_and(|f| f != "0") {
                    let _ = writeln!(
                        s,
                        "  (with crashes, a scheduler may crash the source before it broadcasts: agreement then holds vacuously)"
                    );
                }
            }
            let _ = writeln!(
                s,
                "  {}: {} states ({} with a random choice, {} with a choice of the scheduler), {:.2} s",
                if r.exhaustive { "exact" } else { "bounded" },
                r.states,
                r.chance_states,
                r.choice_states,
                r.elapsed.as_secs_f64()
            );
        }
        s
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "model": self.model,
            "title": self.title,
            "source": self.source,
            "params": self.params,
            "results": self.results.iter().map(|r| serde_json::json!({
                "property": r.meta.name,
                "id": r.meta.id,
                "min": fraction(&r.min),
                "max": fraction(&r.max),
                "min_decimal": to_f64(&r.min),
                "max_decimal": to_f64(&r.max),
                "scheduler_independent": r.scheduler_independent(),
                "exhaustive": r.exhaustive,
                "states": r.states,
                "chance_states": r.chance_states,
                "choice_states": r.choice_states,
                "seconds": r.elapsed.as_secs_f64(),
            })).collect::<Vec<_>>(),
        })
    }

    /// `1/2` when scheduler-independent, else `MIN..MAX`; the form model files pin.
    pub fn pinned(r: &Probability) -> String {
        if r.min == r.max {
            fraction(&r.min)
        } else {
            format!("{}..{}", fraction(&r.min), fraction(&r.max))
        }
    }
}

/// `3/8 (0.375000)`.
pub fn show(r: &BigRational) -> String {
    format!("{} ({})", fraction(r), decimal(r, 6))
}

/// `3/8`, `0`, `1`.
pub fn fraction(r: &BigRational) -> String {
    if r.denom().is_one() {
        r.numer().to_string()
    } else {
        format!("{}/{}", r.numer(), r.denom())
    }
}

/// The decimal expansion of `r ∈ [0, 1]`, rounded to `digits` places.
pub fn decimal(r: &BigRational, digits: u32) -> String {
    let scale = BigInt::from(10u32).pow(digits);
    let scaled = (r * BigRational::from_integer(scale.clone()))
        .round()
        .to_integer();
    let int = &scaled / &scale;
    let frac = (&scaled % &scale).abs();
    format!(
        "{}.{:0>width$}",
        int,
        frac.to_string(),
        width = digits as usize
    )
}

/// Parses `3/8` or `1` or `0` into an exact rational (for expected values in model files).
pub fn parse_exact(s: &str) -> Option<BigRational> {
    let t = s.trim();
    let (a, b) = t.split_once('/').unwrap_or((t, "1"));
    let a: BigInt = a.trim().parse().ok()?;
    let b: BigInt = b.trim().parse().ok()?;
    if b.is_zero() || a.is_negative() || b.is_negative() {
        return None;
    }
    let r = BigRational::new(a, b);
    (r <= BigRational::one()).then_some(r)
}

pub fn to_f64(r: &BigRational) -> f64 {
    r.to_f64().unwrap_or(f64::NAN)
}

/// One state on the depth-first stack: its successors grouped into decisions.
struct Frame<S> {
    fp: u64,
    /// The value of stopping here, if the state is quiescent (or has no step).
    stop: Option<bool>,
    /// `(group, weight, successor fingerprint)`; `group = None` for an adversary's action.
    succ: Vec<(Option<u32>, Ratio, u64)>,
    /// Successors still to visit.
    todo: Vec<(S, u64)>,
}

/// Computes the minimum and maximum probability that a run of `m` satisfies `prop`.
pub fn probability<M: Stochastic>(
    m: &M,
    prop: &PropDef<M>,
    opts: &ProbOptions,
) -> Result<Probability> {
    if prop.meta.kind == Kind::Reachability {
        return Err(Error::input(format!(
            "{} is not a property of runs; name a safety or liveness property",
            prop.meta.name
        )));
    }
    let start = Instant::now();
    let fpr = Fingerprinter::default();
    let mut memo: HashMap<u64, (BigRational, BigRational)> = HashMap::new();
    let mut on_stack: HashSet<u64> = HashSet::new();
    let mut stack: Vec<Frame<M::State>> = Vec::new();
    let mut exhaustive = true;
    let (mut chance_states, mut choice_states) = (0usize, 0usize);
    let zero = BigRational::zero();
    let one = BigRational::one();

    let mut roots = Vec::new();
    for s in m.init_states() {
        let fp = fpr.fp(&s);
        roots.push(fp);
        if memo.contains_key(&fp) {
            continue;
        }
        // Expands `s`: either a leaf value in `memo`, or a new frame.
        let mut visit = |s: M::State,
                         fp: u64,
                         memo: &mut HashMap<u64, (BigRational, BigRational)>,
                         on_stack: &mut HashSet<u64>,
                         stack: &mut Vec<Frame<M::State>>|
         -> Result<()> {
            if on_stack.contains(&fp) {
                return Err(Error::input(
                    "the state graph has a cycle, so runs need not end; exact probabilities need a bounded model (a TTL, a round limit, or a finite retry budget)",
                ));
            }
            if memo.contains_key(&fp) {
                return Ok(());
            }
            if prop.meta.kind == Kind::Safety && (prop.check)(m, &s).is_some() {
                memo.insert(fp, (zero.clone(), zero.clone()));
                return Ok(());
            }
            let cut = opts
                .max_states
                .is_some_and(|x| memo.len() + stack.len() >= x)
                || opts.timeout.is_some_and(|t| start.elapsed() >= t)
                || {
                    crate::engine::stop::note_states(memo.len());
                    crate::engine::stop::requested().is_some()
                };
            if cut {
                exhaustive = false;
                memo.insert(fp, (zero.clone(), one.clone()));
                return Ok(());
            }
            let mut actions = Vec::new();
            m.actions(&s, &mut actions);
            let quiescent = m.quiescent(&s) || actions.is_empty();
            let stop = quiescent.then(|| match prop.meta.kind {
                Kind::Liveness => (prop.check)(m, &s).is_none(),
                _ => true,
            });
            let mut succ = Vec::new();
            let mut todo = Vec::new();
            let mut groups = HashSet::new();
            let mut choices = usize::from(stop.is_some());
            for a in actions {
                let ch = m.chance(&s, &a);
                let Some(t) = m.next_state(&s, a) else {
                    continue;
                };
                let tfp = fpr.fp(&t);
                match ch {
                    Chance::Choice => {
                        choices += 1;
                        succ.push((None, Ratio::ONE, tfp));
                    }
                    Chance::Random { group, p } => {
                        if groups.insert(group) {
                            choices += 1;
                        }
                        succ.push((Some(group), p, tfp));
                    }
                }
                todo.push((t, tfp));
            }
            if !groups.is_empty() {
                chance_states += 1;
            }
            if choices > 1 {
                choice_states += 1;
            }
            todo.reverse();
            on_stack.insert(fp);
            stack.push(Frame {
                fp,
                stop,
                succ,
                todo,
            });
            Ok(())
        };
        visit(s, fp, &mut memo, &mut on_stack, &mut stack)?;
        while let Some(top) = stack.last_mut() {
            if let Some((t, tfp)) = top.todo.pop() {
                visit(t, tfp, &mut memo, &mut on_stack, &mut stack)?;
                continue;
            }
            let Some(frame) = stack.pop() else { break };
            on_stack.remove(&frame.fp);
            let v = combine(&frame, &memo, prop.meta)?;
            memo.insert(frame.fp, v);
        }
    }
    // Several initial states: the adversary picks one.
    let mut min: Option<BigRational> = None;
    let mut max: Option<BigRational> = None;
    for fp in roots {
        if let Some((lo, hi)) = memo.get(&fp) {
            min = Some(min.map_or(lo.clone(), |x| x.min(lo.clone())));
            max = Some(max.map_or(hi.clone(), |x| x.max(hi.clone())));
        }
    }
    Ok(Probability {
        meta: prop.meta,
        min: min.unwrap_or_else(BigRational::zero),
        max: max.unwrap_or_else(BigRational::zero),
        exhaustive,
        states: memo.len(),
        chance_states,
        choice_states,
        elapsed: start.elapsed(),
    })
}

/// `V(s)` from the values of the successors.
fn combine<S>(
    f: &Frame<S>,
    memo: &HashMap<u64, (BigRational, BigRational)>,
    meta: &PropMeta,
) -> Result<(BigRational, BigRational)> {
    let mut options: Vec<(BigRational, BigRational)> = Vec::new();
    if let Some(ok) = f.stop {
        let v = if ok {
            BigRational::one()
        } else {
            BigRational::zero()
        };
        options.push((v.clone(), v));
    }
    let value = |fp: &u64| {
        memo.get(fp).cloned().ok_or_else(|| {
            Error::input(format!(
                "internal error: a successor has no value while computing {}",
                meta.id
            ))
        })
    };
    let mut groups: Vec<(u32, BigRational, BigRational, BigRational)> = Vec::new();
    for (g, p, fp) in &f.succ {
        let (lo, hi) = value(fp)?;
        match g {
            None => options.push((lo, hi)),
            Some(g) => {
                let w = p.big();
                let i = match groups.iter().position(|x| x.0 == *g) {
                    Some(i) => i,
                    None => {
                        groups.push((
                            *g,
                            BigRational::zero(),
                            BigRational::zero(),
                            BigRational::zero(),
                        ));
                        groups.len() - 1
                    }
                };
                groups[i].1 += &w * lo;
                groups[i].2 += &w * hi;
                groups[i].3 += w;
            }
        }
    }
    for (g, lo, hi, total) in groups {
        if !total.is_one() {
            return Err(Error::input(format!(
                "internal error: the outcomes of random decision {g} have total probability {} instead of 1",
                fraction(&total)
            )));
        }
        options.push((lo, hi));
    }
    let mut it = options.into_iter();
    let Some(first) = it.next() else {
        return Ok((BigRational::zero(), BigRational::zero()));
    };
    Ok(it.fold(first, |(lo, hi), (l, h)| (lo.min(l), hi.max(h))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_parse_exactly() {
        assert_eq!(Ratio::parse("loss", "1/10").unwrap(), Ratio::new(1, 10));
        assert_eq!(Ratio::parse("loss", "0.25").unwrap(), Ratio::new(1, 4));
        assert_eq!(Ratio::parse("loss", "0").unwrap(), Ratio::ZERO);
        assert_eq!(Ratio::parse("loss", "1").unwrap(), Ratio::ONE);
        assert_eq!(Ratio::new(2, 4).to_string(), "1/2");
        assert_eq!(Ratio::new(1, 4).complement().to_string(), "3/4");
        for bad in ["", "x", "1/0", "3/2", "1.5", "-0.1", "0.1234567891"] {
            assert!(Ratio::parse("loss", bad).is_err(), "{bad}");
        }
    }

    /// Dropping ignored messages (a bisimulation quotient) must not change any probability.
    #[test]
    fn dropping_ignored_messages_preserves_probabilities() {
        use crate::models::entry::Entry;
        use crate::models::params::RunSpec;
        use crate::runtime::protocol::Protocol;
        fn both<P: Protocol>(e: &Entry<P>, n: u32, f: u32, kv: &[(&str, &str)]) {
            let spec = RunSpec {
                properties: vec!["PRB4".into(), "PRB2".into()],
                ..RunSpec::of(e.info.name, n, f, kv)
            };
            let (mut m, _) = e.system(&spec).unwrap();
            let opts = ProbOptions::default();
            let full: Vec<_> = m
                .props
                .iter()
                .map(|d| probability(&m, d, &opts).unwrap())
                .collect();
            m.drop_ignored = true;
            let reduced: Vec<_> = m
                .props
                .iter()
                .map(|d| probability(&m, d, &opts).unwrap())
                .collect();
            for (a, b) in full.iter().zip(&reduced) {
                assert_eq!(
                    (&a.min, &a.max),
                    (&b.min, &b.max),
                    "{} {kv:?} {}",
                    e.info.name,
                    a.meta.id
                );
                assert!(
                    b.states < a.states || a.states < 20,
                    "{} {kv:?}",
                    e.info.name
                );
            }
        }
        use crate::models::gossip::*;
        both(&eager_gossip::ENTRY, 4, 0, &[("fanout", "2")]);
        both(&eager_gossip::ENTRY, 4, 1, &[("fanout", "1"), ("ttl", "2")]);
        both(
            &eager_gossip::ENTRY,
            4,
            0,
            &[("fanout", "1"), ("exclude_sender", "true"), ("loss", "1/3")],
        );
        both(&random_walk::ENTRY, 4, 0, &[("ttl", "3")]);
        both(&lazy_push_gossip::ENTRY, 3, 1, &[("fanout", "1")]);
        both(&pull_gossip::ENTRY, 3, 0, &[("rounds", "1")]);
        both(&anti_entropy::ENTRY, 3, 0, &[("rounds", "1")]);
    }

    #[test]
    fn decimals_round() {
        let r = BigRational::new(BigInt::from(1), BigInt::from(3));
        assert_eq!(decimal(&r, 6), "0.333333");
        assert_eq!(
            show(&BigRational::new(2.into(), 3.into())),
            "2/3 (0.666667)"
        );
        assert_eq!(decimal(&BigRational::one(), 3), "1.000");
        assert_eq!(
            parse_exact("3/8"),
            Some(BigRational::new(3.into(), 8.into()))
        );
        assert_eq!(parse_exact("9/8"), None);
        assert_eq!(parse_exact("x"), None);
    }
}
