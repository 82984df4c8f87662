//! # Eager (push) probabilistic broadcast: gossip
//!
//! Cachin, Guerraoui, Rodrigues, *Introduction to Reliable and Secure Distributed Programming*
//! (2nd ed., 2011), **Algorithm 3.9 "Eager Probabilistic Broadcast"**; seed notes 001 ("A simple
//! gossip algorithm", "Probabilistic Reliable Broadcast", PRB1–PRB4).
//!
//! ```text
//! upon event ⟨pb, Init⟩ do delivered := ∅;
//! procedure gossip(msg) is
//!     forall t ∈ picktargets(k) do trigger ⟨fll, Send | t, msg⟩;
//! upon event ⟨pb, Broadcast | m⟩ do
//!     delivered := delivered ∪ {m};
//!     trigger ⟨pb, Deliver | self, m⟩;
//!     gossip([GOSSIP, self, m, R]);
//! upon event ⟨fll, Deliver | p, [GOSSIP, s, m, r]⟩ do
//!     if m ∉ delivered then
//!         delivered := delivered ∪ {m};
//!         trigger ⟨pb, Deliver | s, m⟩;
//!     if r > 1 then gossip([GOSSIP, s, m, r − 1]);     -- forward=every (CGR)
//! function picktargets(k) returns k distinct processes of Π \ {self}, uniformly at random
//! ```
//!
//! By default a process forwards only the *first* time it receives m (`forward=first`, "infect
//! and die", the seed's simple gossip), with no round limit: every run ends because each process
//! forwards at most once. `forward=every` is CGR's text literally, and needs a `ttl`.
//!
//! Options: `fanout` = k (the seed's t), `ttl` = R, `exclude_sender` (never send back to the
//! process the message came from), `loss` (fair-loss links), `overlay` (partial views instead of
//! Π), crash-stop faults with `--f`.
//!
//! **PRB1–PRB3** hold always. **PRB4 agreement** holds only with high probability: with
//! `t < n − 1` the checker finds a run in which some process never hears the rumour, and
//! `broadcheck prob` says exactly how likely agreement is. Self-check (derived by hand): n = 3,
//! t = 1, no faults: p0 tells one of p1, p2 (say p1), and p1 tells p2 with probability 1/2 — so
//! P = 1/2; with `exclude_sender=true`, p1 can only tell p2, so P = 1.

use crate::error::Error;
use crate::models::entry::{Entry, ModelInfo};
use crate::models::gossip::peers::{self, Peers, EXCLUDE_SENDER, FANOUT, LOSS, OVERLAY, TTL};
use crate::models::params::{ParamSpec, Params};
use crate::props::{PRB1, PRB2, PRB3};
use crate::runtime::bits::MSet;
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use crate::runtime::reduce::{Perm, Rename};
use std::fmt;

/// When a process forwards.
#[derive(Copy, Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum Forward {
    /// On first receipt only (infect and die).
    First,
    /// On every receipt while the round counter allows (CGR Alg. 3.9; random walks).
    Every,
}

/// Eager probabilistic broadcast.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct EagerGossip {
    /// k: targets per gossip.
    pub fanout: u8,
    /// R: `None` = unlimited.
    pub ttl: Option<u8>,
    pub forward: Forward,
    pub exclude_sender: bool,
    pub peers: Peers,
}

/// `[GOSSIP, s, m, r]` (the origin `s` is part of the message id).
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct GossipMsg {
    pub m: MsgId,
    pub r: Option<u8>,
}

impl fmt::Debug for GossipMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.r {
            Some(r) => write!(f, "[GOSSIP {} r={r}]", self.m),
            None => write!(f, "[GOSSIP {}]", self.m),
        }
    }
}

impl EagerGossip {
    // procedure gossip(msg)
    fn gossip(&self, out: &mut Out<GossipMsg>, me: Pid, from: Option<Pid>, msg: GossipMsg) {
        let avoid = from.filter(|_| self.exclude_sender);
        self.peers.gossip(out, me, avoid, self.fanout, msg);
    }
}

impl Protocol for EagerGossip {
    /// `delivered`.
    type State = MSet;
    type Msg = GossipMsg;

    // upon event ⟨pb, Init⟩
    fn init(&self, _env: &Env, _me: Pid) -> MSet {
        MSet::EMPTY
    }

    // upon event ⟨pb, Broadcast | m⟩
    fn on_broadcast(
        &self,
        _env: &Env,
        me: Pid,
        delivered: &mut MSet,
        m: MsgId,
        out: &mut Out<GossipMsg>,
    ) {
        delivered.insert(m);
        out.deliver(m);
        self.gossip(out, me, None, GossipMsg { m, r: self.ttl });
    }

    /// A delivered message is ignored for good when only the first receipt forwards, or when
    /// its round counter is spent.
    fn ignores(&self, delivered: &MSet, msg: &GossipMsg) -> bool {
        delivered.contains(msg.m) && (self.forward == Forward::First || msg.r == Some(1))
    }

    /// Symmetric only over the full overlay (every process knows every other).
    fn rename_state(&self, delivered: &MSet, perm: &Perm) -> Option<MSet> {
        self.peers.is_full().then(|| delivered.rename(perm))
    }

    fn rename_msg(&self, msg: &GossipMsg, perm: &Perm) -> Option<GossipMsg> {
        self.peers.is_full().then(|| GossipMsg {
            m: msg.m.rename(perm),
            r: msg.r,
        })
    }

    // upon event ⟨fll, Deliver | p, [GOSSIP, s, m, r]⟩
    fn on_receive(
        &self,
        _env: &Env,
        me: Pid,
        delivered: &mut MSet,
        from: Pid,
        msg: &GossipMsg,
        out: &mut Out<GossipMsg>,
    ) {
        let first = delivered.insert(msg.m);
        if first {
            out.deliver(msg.m);
        }
        let again = match self.forward {
            Forward::First => first,
            Forward::Every => true,
        };
        match msg.r {
            None if again => self.gossip(out, me, Some(from), *msg),
            Some(r) if again && r > 1 => {
                let next = GossipMsg {
                    m: msg.m,
                    r: Some(r - 1),
                };
                self.gossip(out, me, Some(from), next);
            }
            _ => {}
        }
    }
}

const FORWARD: ParamSpec = ParamSpec {
    key: "forward",
    default: "first",
    values: &["first", "every"],
    help: "first = forward on first receipt only (infect and die); every = on every receipt while r > 1 (CGR Alg. 3.9; needs ttl)",
};

/// Builds the protocol from the gossip parameters (shared with `flood` and `random-walk`).
pub fn build(p: &Params, fanout: u8, forward: Forward) -> crate::error::Result<EagerGossip> {
    let ttl = peers::ttl(p)?;
    if forward == Forward::Every && ttl.is_none() {
        return Err(Error::input(
            "forwarding on every receipt needs a ttl, or runs would never end",
        ));
    }
    Ok(EagerGossip {
        fanout,
        ttl,
        forward,
        exclude_sender: peers::flag(p, "exclude_sender")?,
        peers: Peers::from_params(p)?,
    })
}

/// The claims of every gossip model: PRB4 is only probable, so it is not claimed.
pub const CLAIMS: &[&crate::engine::property::PropMeta] = &[&PRB1, &PRB2, &PRB3];

pub static ENTRY: Entry<EagerGossip> = Entry {
    info: ModelInfo {
        name: "eager-gossip",
        title: "Eager Probabilistic Broadcast (push gossip)",
        source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.9; seed 001",
        fault_model: "crash-stop, fair-loss links",
        tolerance: "PRB4 only with high probability (see prob)",
        tolerates: |_| true,
        claims: CLAIMS,
        params: &[FANOUT, TTL, FORWARD, EXCLUDE_SENDER, LOSS, OVERLAY],
        uses_detector: false,
        default_n: 4,
    },
    build: |p: &Params| {
        let forward = match p.get("forward") {
            "every" => Forward::Every,
            _ => Forward::First,
        };
        build(p, peers::fanout(p)?, forward)
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn infect_and_die_can_miss_a_process() {
        let r = run("eager-gossip", 3, 0, &[("fanout", "1")], &["PRB4"]);
        assert_statuses(&r, &[("PRB4", "violated")]);
        assert_trace(
            &r,
            "PRB4",
            &[
                "p0 broadcasts m0.1",
                "p0 picks p1 at random among {p1, p2} (probability 1/2)",
                "p1 receives [GOSSIP m0.1] from p0",
                "p1 picks p0 at random among {p0, p2} (probability 1/2)",
                "p0 receives [GOSSIP m0.1] from p1",
            ],
        );
        assert_eq!(
            prop(&r, "PRB4").why.as_deref(),
            Some("correct p0 delivered m0.1, but correct p2 never delivers it")
        );
    }

    #[test]
    fn safety_always_holds() {
        let r = run("eager-gossip", 4, 1, &[("fanout", "2")], &[]);
        assert_statuses(
            &r,
            &[("PRB1", "holds"), ("PRB2", "holds"), ("PRB3", "holds")],
        );
        assert!(r.exhaustive);
    }

    /// P(everyone is infected) for infect-and-die gossip without a TTL, by brute force: every
    /// process draws its t-subset of the others up front (a draw matters only if the process
    /// gets infected), and we count the draw vectors whose infection graph reaches everyone
    /// from p0. Independent of the model, the runtime and the prob engine.
    fn enumerate(n: usize, t: usize) -> (u64, u64) {
        let subsets: Vec<Vec<u16>> = (0..n)
            .map(|p| {
                (0u16..1 << n)
                    .filter(|s| s.count_ones() as usize == t && s & (1 << p) == 0)
                    .collect()
            })
            .collect();
        let c = subsets[0].len() as u64;
        let total = c.pow(n as u32);
        let mut good = 0u64;
        for code in 0..total {
            let mut x = code;
            let draw: Vec<u16> = (0..n)
                .map(|p| {
                    let d = subsets[p][(x % c) as usize];
                    x /= c;
                    d
                })
                .collect();
            let mut infected: u16 = 1;
            let mut frontier = vec![0usize];
            while let Some(p) = frontier.pop() {
                let new = draw[p] & !infected;
                infected |= new;
                frontier.extend((0..n).filter(|q| new & (1 << q) != 0));
            }
            good += u64::from(infected.count_ones() as usize == n);
        }
        (good, total)
    }

    #[test]
    fn exact_probabilities_match_brute_force() {
        use num_bigint::BigInt;
        use num_rational::BigRational;
        for (n, t) in [(3, 1), (4, 1), (4, 2), (5, 1), (5, 2), (5, 3)] {
            let p = exact("eager-gossip", n, 0, &[("fanout", &t.to_string())], "PRB4");
            let (good, total) = enumerate(n as usize, t);
            let want = BigRational::new(BigInt::from(good), BigInt::from(total));
            assert_eq!(
                (p.min.clone(), p.max.clone()),
                (want.clone(), want),
                "n={n} t={t}"
            );
        }
        // The issue's self-check.
        let p = exact("eager-gossip", 3, 0, &[("fanout", "1")], "PRB4");
        assert_eq!(crate::engine::prob::fraction(&p.min), "1/2");
        assert!(p.scheduler_independent());
    }

    #[test]
    fn lazy_push_spreads_like_eager_push() {
        for (n, t) in [(3, 1), (4, 1), (4, 2)] {
            let fan = t.to_string();
            let e = exact("eager-gossip", n, 0, &[("fanout", &fan)], "PRB4");
            let l = exact("lazy-push-gossip", n, 0, &[("fanout", &fan)], "PRB4");
            assert_eq!((e.min, e.max), (l.min, l.max), "n={n} t={t}");
        }
        // ... but it needs three messages to survive where push needs one.
        let e = exact(
            "eager-gossip",
            3,
            0,
            &[("fanout", "2"), ("loss", "1/2")],
            "PRB4",
        );
        let l = exact(
            "lazy-push-gossip",
            3,
            0,
            &[("fanout", "2"), ("loss", "1/2")],
            "PRB4",
        );
        assert!(l.max < e.min);
    }

    #[test]
    fn a_ttl_makes_the_scheduler_matter() {
        // n=4, t=1, R=3 with sendback allowed: which copy reaches a process first decides how
        // far it may still go, so the worst and the best scheduler differ.
        let p = exact(
            "eager-gossip",
            4,
            0,
            &[("fanout", "2"), ("ttl", "2")],
            "PRB4",
        );
        assert!(p.min < p.max, "{} {}", p.min, p.max);
        // Crashes are the adversary's too: with f=1 it can crash a relay.
        let q = exact("eager-gossip", 4, 1, &[("fanout", "2")], "PRB4");
        let r = exact("eager-gossip", 4, 0, &[("fanout", "2")], "PRB4");
        assert!(q.min < r.min);
    }

    #[test]
    fn not_sending_back_closes_the_gap_at_n3() {
        let r = run(
            "eager-gossip",
            3,
            0,
            &[("fanout", "1"), ("exclude_sender", "true")],
            &["PRB4"],
        );
        assert_statuses(&r, &[("PRB4", "holds")]);
    }
}
