//! # Oral Messages OM(m): the Byzantine generals
//!
//! Lamport, Shostak, Pease, "The Byzantine Generals Problem", *ACM TOPLAS* 4(3), 1982, §3,
//! **Algorithm OM(m)**; seed notes 004 ("Magic formula: agreement can't be reached with N ≤ 3f in
//! an unsigned environment").
//!
//! A commander (p0) sends an order to n−1 lieutenants, of whom up to m may be traitors, and so
//! may the commander. Oral messages can be forged and altered by traitors, but their absence is
//! detected (synchronous rounds), and a missing value counts as `retreat`.
//!
//! ```text
//! OM(0):
//!   (1) The commander sends his value to every lieutenant.
//!   (2) Each lieutenant uses the value he receives from the commander, or RETREAT if none.
//! OM(m), m > 0:
//!   (1) The commander sends his value to every lieutenant.
//!   (2) For each i, let v_i be the value lieutenant i receives from the commander, or RETREAT
//!       if none. Lieutenant i acts as the commander in OM(m−1) to send v_i to each of the
//!       n−2 other lieutenants.
//!   (3) For each i and each j ≠ i, let v_j be the value lieutenant i received from lieutenant
//!       j in step (2) (using OM(m−1)), or RETREAT if none. Lieutenant i uses
//!       majority(v_1, …, v_{n−1}).
//! ```
//!
//! Here the recursion runs as m+1 synchronous rounds over message *paths* (exponential
//! information gathering): in round r a process relays each value it received in round r−1,
//! labelled with the path it travelled, to every process not yet on the path. After the last
//! round, lieutenant i resolves the tree bottom-up:
//! `resolve(q) = majority(received(q), resolve(q·j) for j ∉ q, j ≠ i)` (a leaf is its received
//! value). It decides `resolve(p0)`. `majority` with no strict majority, a tie included, is
//! `retreat`.
//!
//! **IC1** (loyal lieutenants agree) and **IC2** (a loyal commander is obeyed) hold when
//! n > 3m, with at most m traitors. With n = 3 and one traitor:
//! - a traitorous lieutenant makes a loyal one see `attack` from the commander and `retreat`
//!   relayed by the traitor: a tie, so it retreats against the loyal commander's `attack`, and
//!   **IC2** fails;
//! - a traitorous commander cannot break **IC1**, because each loyal lieutenant sees the same
//!   two values and ties fall to the default.

use crate::error::{Error, Result};
use crate::models::entry::ModelInfo;
use crate::models::entry::RoundEntry;
use crate::models::params::{ParamSpec, Params};
use crate::props::{IC1, IC2, TERM};
use crate::runtime::chain::Chain;
use crate::runtime::protocol::Pid;
use crate::runtime::rounds::{FaultKind, REnv, RoundProtocol, Val};
use std::fmt;

pub const ATTACK: Val = 0;
pub const RETREAT: Val = 1;

/// OM(m).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Om {
    pub m: u8,
}

/// A lieutenant's received values, by path; the commander's order.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct OmState {
    pub order: Option<Val>,
    pub got: Vec<(Chain, Val)>,
}

impl fmt::Debug for OmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(o) = self.order {
            write!(f, "order {o}; ")?;
        }
        write!(f, "received {:?}", self.got)
    }
}

/// The value `v` that travelled along `path` (the last process on the path sent it).
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct OmMsg {
    pub path: Chain,
    pub v: Val,
}

/// Majority with ties (and nothing) going to RETREAT.
pub fn majority(vals: &[Val]) -> Val {
    let attack = vals.iter().filter(|v| **v == ATTACK).count();
    if 2 * attack > vals.len() {
        ATTACK
    } else {
        RETREAT
    }
}

impl Om {
    fn received(st: &OmState, q: Chain) -> Val {
        st.got
            .iter()
            .find(|(p, _)| *p == q)
            .map_or(RETREAT, |(_, v)| *v)
    }

    /// The values lieutenant `me` takes the majority of for path `q`: its own (received) one,
    /// then one per other lieutenant not on the path.
    fn vector(&self, n: u8, me: Pid, st: &OmState, q: Chain) -> Vec<(Pid, Val)> {
        let mut v = vec![(me, Self::received(st, q))];
        for j in (0..n).filter(|j| *j != me && !q.contains(*j)) {
            v.push((j, self.resolve(n, me, st, q.then(j))));
        }
        v
    }

    fn resolve(&self, n: u8, me: Pid, st: &OmState, q: Chain) -> Val {
        if q.len() > self.m as usize {
            return Self::received(st, q);
        }
        let vals: Vec<Val> = self.vector(n, me, st, q).iter().map(|(_, v)| *v).collect();
        majority(&vals)
    }
}

impl RoundProtocol for Om {
    type State = OmState;
    type Msg = OmMsg;

    fn rounds(&self, _env: &REnv) -> u8 {
        self.m + 1
    }

    fn has_input(&self, _env: &REnv, me: Pid) -> bool {
        me == 0
    }

    fn init(&self, _env: &REnv, _me: Pid, input: Option<Val>) -> OmState {
        OmState {
            order: input,
            got: Vec::new(),
        }
    }

    // (1) the commander sends his value; (2) lieutenants relay as commanders of OM(m−1).
    fn sends(&self, env: &REnv, me: Pid, st: &OmState, round: u8) -> Vec<(Pid, OmMsg)> {
        let mut out = Vec::new();
        if round == 1 {
            if me == 0 {
                let v = st.order.unwrap_or(RETREAT);
                for l in 1..env.n {
                    out.push((
                        l,
                        OmMsg {
                            path: Chain::root(0),
                            v,
                        },
                    ));
                }
            }
            return out;
        }
        for q in Chain::all(env.n, round as usize - 1, me) {
            let v = Self::received(st, q);
            let path = q.then(me);
            for j in (1..env.n).filter(|j| !path.contains(*j)) {
                out.push((j, OmMsg { path, v }));
            }
        }
        out
    }

    // A traitor may put any value, or nothing, in each message it would send.
    fn byzantine_slots(
        &self,
        env: &REnv,
        me: Pid,
        st: &OmState,
        round: u8,
    ) -> Vec<(Pid, Vec<OmMsg>)> {
        self.sends(env, me, st, round)
            .into_iter()
            .map(|(to, m)| {
                let opts = [ATTACK, RETREAT]
                    .iter()
                    .map(|&v| OmMsg { path: m.path, v })
                    .collect();
                (to, opts)
            })
            .collect()
    }

    // Receiving step (1)/(2); after the last round, step (3).
    fn receive(
        &self,
        env: &REnv,
        me: Pid,
        st: &mut OmState,
        round: u8,
        inbox: &[(Pid, OmMsg)],
    ) -> Option<Val> {
        for (from, m) in inbox {
            let valid = m.path.len() == round as usize
                && m.path.last() == *from
                && m.path.first() == 0
                && !m.path.contains(me);
            if valid && !st.got.iter().any(|(p, _)| *p == m.path) {
                st.got.push((m.path, m.v));
            }
        }
        st.got.sort();
        (me != 0 && round == self.m + 1).then(|| self.resolve(env.n, me, st, Chain::root(0)))
    }

    fn explain(&self, env: &REnv, me: Pid, st: &OmState) -> String {
        if me == 0 {
            return "the commander".into();
        }
        let vec = self.vector(env.n, me, st, Chain::root(0));
        let parts: Vec<String> = vec
            .iter()
            .map(|(j, v)| {
                if *j == me {
                    format!("from p0 directly: {}", env.name(*v))
                } else if self.m == 1 {
                    format!("p{j} says p0 said: {}", env.name(*v))
                } else {
                    format!("via p{j} (OM({})): {}", self.m - 1, env.name(*v))
                }
            })
            .collect();
        let vals: Vec<Val> = vec.iter().map(|(_, v)| *v).collect();
        let attack = vals.iter().filter(|v| **v == ATTACK).count();
        let retreat = vals.len() - attack;
        let how = if attack == retreat {
            format!("{attack}-{retreat} tie → default {}", env.name(RETREAT))
        } else {
            format!(
                "majority {} ({attack} attack, {retreat} retreat)",
                env.name(majority(&vals))
            )
        };
        format!("{} → {how}", parts.join("; "))
    }

    // "A missing value counts as RETREAT": `received` reads an absent path as RETREAT, so a
    // traitor's silence and its RETREAT are the same to every receiver, now and when relayed.
    fn silence_is_default(&self) -> bool {
        true
    }

    // Only lieutenants decide (the commander's `receive` returns no decision).
    fn decides(&self, _env: &REnv, me: Pid) -> bool {
        me != 0
    }

    // A traitor's slots are its relay paths (`Chain::all`), whatever values it received.
    fn faulty_receipts_matter(&self) -> bool {
        false
    }

    // The commander is distinguished; the lieutenants run the same code and `majority` does
    // not look at who sent what.
    fn classes(&self, env: &REnv) -> Option<Vec<u32>> {
        Some(env.procs().map(|p| u32::from(p != 0)).collect())
    }

    fn show(&self, env: &REnv, m: &OmMsg) -> String {
        let ids = m.path.ids();
        let mut s = env.name(m.v).to_string();
        for p in ids[..ids.len() - 1].iter().rev() {
            s = format!("\"p{p} said {s}\"");
        }
        s
    }
}

const M: ParamSpec = ParamSpec {
    key: "m",
    default: "f",
    values: &[],
    help: "recursion depth OM(m): the number of traitors the algorithm is built to tolerate (default: f)",
};

pub const TRAITORS: ParamSpec = ParamSpec {
    key: "traitors",
    default: "any",
    values: &[],
    help: "which processes may be the f traitors: any (every placement), commander, lieutenants, or a list of ids",
};

/// Reads the `m` of OM(m) or SM(m) (default: f), checking that the chains fit.
pub fn read_m(p: &Params, algo: &str) -> Result<u8> {
    let m = match p.get("m") {
        "f" => u32::from(p.f),
        _ => p.get_int("m", 0, Chain::MAX as u32 - 2)?,
    };
    if m as usize + 1 >= Chain::MAX || m + 1 >= u32::from(p.n) {
        return Err(Error::input(format!(
            "{algo}(m) needs m + 1 < n and m <= {} (got m = {m}, n = {})",
            Chain::MAX - 2,
            p.n
        )));
    }
    Ok(m as u8)
}

fn build(p: &Params) -> Result<Om> {
    Ok(Om {
        m: read_m(p, "OM")?,
    })
}

pub static ENTRY: RoundEntry<Om> = RoundEntry {
    info: ModelInfo {
        name: "om",
        title: "Oral Messages OM(m), Byzantine generals",
        source: "Lamport-Shostak-Pease 1982, Algorithm OM(m)",
        fault_model: "Byzantine (oral messages), synchronous",
        tolerance: "n > 3m and f <= m",
        tolerates: |p| build(p).is_ok_and(|om| 3 * om.m < p.n && p.f <= om.m),
        claims: &[&IC1, &IC2, &TERM],
        params: &[M, TRAITORS],
        uses_detector: false,
        default_n: 4,
    },
    kind: FaultKind::Byzantine,
    names: ["attack", "retreat"],
    default: RETREAT,
    default_f: 1,
    build,
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::*;

    #[test]
    fn majority_ties_retreat() {
        assert_eq!(majority(&[ATTACK, RETREAT]), RETREAT);
        assert_eq!(majority(&[ATTACK, ATTACK, RETREAT]), ATTACK);
        assert_eq!(majority(&[]), RETREAT);
    }

    #[test]
    fn three_generals_cannot_beat_one_traitor() {
        let r = run("om", 3, 1, &[], &[]);
        assert!(!r.within_tolerance);
        assert_statuses(
            &r,
            &[("IC1", "holds"), ("IC2", "violated"), ("TERM", "holds")],
        );
        let p = prop(&r, "IC2");
        assert_eq!(
            p.why.as_deref(),
            Some("the commander p0 is loyal and ordered attack, but loyal lieutenant p2 decided retreat")
        );
        assert_eq!(p.start, ["0. traitors: p1; inputs: p0: attack"]);
        let actions: Vec<&str> = p.trace.iter().map(|s| s.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "end of round 1: every message of the round is delivered",
                "round 2: p1 (traitor) tells p2: \"p0 said retreat\"",
                "end of round 2: every message of the round is delivered",
            ]
        );
        assert_eq!(p.trace[0].effects, ["p0 tells p1, p2: attack"]);
        let last = &p.trace[2].effects;
        assert!(
            last.iter().any(|e| e
                == "p2 decides retreat: from p0 directly: attack; p1 says p0 said: retreat → 1-1 tie → default retreat"),
            "{last:?}"
        );
    }

    #[test]
    fn traitorous_commander_cannot_split_three() {
        let r = run("om", 3, 1, &[("traitors", "commander")], &["IC1", "IC2"]);
        assert_statuses(&r, &[("IC1", "holds"), ("IC2", "holds")]);
    }

    #[test]
    fn four_generals_tolerate_one_traitor() {
        let r = run("om", 4, 1, &[], &[]);
        assert!(r.within_tolerance);
        assert_statuses(&r, &[("IC1", "holds"), ("IC2", "holds"), ("TERM", "holds")]);
    }

    #[test]
    fn om0_with_a_traitor_commander_splits_the_lieutenants() {
        let r = run(
            "om",
            3,
            1,
            &[("m", "0"), ("traitors", "commander")],
            &["IC1"],
        );
        assert_statuses(&r, &[("IC1", "violated")]);
    }
}
