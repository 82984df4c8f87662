//! # Signed Messages SM(m): the Byzantine generals with signatures
//!
//! Lamport, Shostak, Pease, "The Byzantine Generals Problem", *ACM TOPLAS* 4(3), 1982, §4,
//! **Algorithm SM(m)**; seed notes 004 ("the problem is that messages from the commander are
//! unsigned").
//!
//! Every message carries a chain of signatures `v:0:j1:…:jk`. Signatures are unforgeable: a
//! traitor can relay, withhold or mix the signed values it actually received (adding its own
//! signature), and sign any value of its own as commander, but it cannot forge a loyal process's
//! signature. Each lieutenant i keeps the set V_i of orders it has seen.
//!
//! ```text
//! (1) The commander signs and sends his value to every lieutenant.
//! (2) For each i:
//!   (A) If lieutenant i receives a message v:0 from the commander and has not yet received
//!       any order, then (i) V_i := {v}; (ii) he sends v:0:i to every other lieutenant.
//!   (B) If lieutenant i receives a message v:0:j1:…:jk and v is not in V_i, then
//!       (i) he adds v to V_i; (ii) if k < m, he sends v:0:j1:…:jk:i to every lieutenant
//!       other than j1, …, jk.
//! (3) When lieutenant i will receive no more messages, he obeys choice(V_i).
//! ```
//!
//! This model applies the bound `k < m` of (B)(ii) to the relay of (A)(ii) as well, so SM(0)
//! is "no relay round" (the commander's orders are never compared), by analogy with OM(0).
//!
//! Rounds are synchronous: a message signed by k+1 processes is accepted only in round k+1
//! (that is what "will receive no more messages" means after m+1 rounds). `choice(V)` is the
//! single element of V, or `retreat` when V is empty or has both values.
//!
//! **IC1** and **IC2** hold for any number of traitors (n ≥ m+2); in particular SM(1) with
//! n = 3 survives the traitor that defeats OM(1).
//!
//! Limit: traitors do not pool their keys. With f ≥ 2, a real adversary could also sign with a
//! fellow traitor's key; this model's traitors only use what each received itself.

use crate::error::Result;
use crate::models::entry::ModelInfo;
use crate::models::entry::RoundEntry;
use crate::models::params::{ParamSpec, Params};
use crate::props::{IC1, IC2, TERM};
use crate::runtime::chain::Chain;
use crate::runtime::protocol::Pid;
use crate::runtime::rounds::{FaultKind, REnv, RoundProtocol, Val};
use std::fmt;

use crate::models::agreement::om::{read_m, ATTACK, RETREAT, TRAITORS};

/// SM(m).
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Sm {
    pub m: u8,
}

/// A lieutenant's V_i (bit per value), the signed messages it accepted, and what it relays
/// next round.
#[derive(Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SmState {
    pub order: Option<Val>,
    pub vset: u8,
    pub seen: Vec<SmMsg>,
    pub relay: Vec<SmMsg>,
}

impl fmt::Debug for SmState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "V = {:#04b}; seen {:?}", self.vset, self.seen)
    }
}

/// `v:0:j1:…:jk`.
#[derive(
    Copy, Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct SmMsg {
    pub v: Val,
    pub sigs: Chain,
}

/// choice(V): the only element, or RETREAT.
pub fn choice(vset: u8) -> Val {
    match vset {
        0b01 => ATTACK,
        0b10 => RETREAT,
        _ => RETREAT,
    }
}

impl RoundProtocol for Sm {
    type State = SmState;
    type Msg = SmMsg;

    fn rounds(&self, _env: &REnv) -> u8 {
        self.m + 1
    }

    fn has_input(&self, _env: &REnv, me: Pid) -> bool {
        me == 0
    }

    fn init(&self, _env: &REnv, _me: Pid, input: Option<Val>) -> SmState {
        SmState {
            order: input,
            vset: 0,
            seen: Vec::new(),
            relay: Vec::new(),
        }
    }

    // (1) and (2)(A)(ii), (2)(B)(ii).
    fn sends(&self, env: &REnv, me: Pid, st: &SmState, round: u8) -> Vec<(Pid, SmMsg)> {
        let mut out = Vec::new();
        if round == 1 {
            if me == 0 {
                let v = st.order.unwrap_or(RETREAT);
                for l in 1..env.n {
                    out.push((
                        l,
                        SmMsg {
                            v,
                            sigs: Chain::root(0),
                        },
                    ));
                }
            }
            return out;
        }
        for m in &st.relay {
            let sigs = m.sigs.then(me);
            for l in (1..env.n).filter(|l| !sigs.contains(*l)) {
                out.push((l, SmMsg { v: m.v, sigs }));
            }
        }
        out
    }

    // A traitorous commander may sign either value (or both, or none) for each lieutenant; a
    // traitorous lieutenant may relay any chain it accepted last round, to anyone, or not.
    fn byzantine_slots(
        &self,
        env: &REnv,
        me: Pid,
        st: &SmState,
        round: u8,
    ) -> Vec<(Pid, Vec<SmMsg>)> {
        let mut out = Vec::new();
        if me == 0 {
            if round == 1 {
                for l in 1..env.n {
                    for v in [ATTACK, RETREAT] {
                        out.push((
                            l,
                            vec![SmMsg {
                                v,
                                sigs: Chain::root(0),
                            }],
                        ));
                    }
                }
            }
            return out;
        }
        for m in st
            .seen
            .iter()
            .filter(|m| m.sigs.len() + 1 == round as usize)
        {
            let sigs = m.sigs.then(me);
            for l in (1..env.n).filter(|l| !sigs.contains(*l)) {
                out.push((l, vec![SmMsg { v: m.v, sigs }]));
            }
        }
        out
    }

    // Only lieutenants decide (the commander's `receive` returns no decision).
    fn decides(&self, _env: &REnv, me: Pid) -> bool {
        me != 0
    }

    // The commander is distinguished; lieutenants are alike (`choice` looks at values only).
    fn classes(&self, env: &REnv) -> Option<Vec<u32>> {
        Some(env.procs().map(|p| u32::from(p != 0)).collect())
    }

    // (2)(A), (2)(B); after the last round, (3).
    fn receive(
        &self,
        _env: &REnv,
        me: Pid,
        st: &mut SmState,
        round: u8,
        inbox: &[(Pid, SmMsg)],
    ) -> Option<Val> {
        st.relay.clear();
        for (from, m) in inbox {
            let valid = me != 0
                && m.sigs.len() == round as usize
                && m.sigs.first() == 0
                && m.sigs.last() == *from
                && m.sigs.distinct()
                && !m.sigs.contains(me);
            if !valid {
                continue;
            }
            st.seen.push(*m);
            let bit = 1u8 << m.v;
            if st.vset & bit == 0 {
                st.vset |= bit;
                if m.sigs.len() <= self.m as usize {
                    st.relay.push(*m);
                }
            }
        }
        st.seen.sort();
        (me != 0 && round == self.m + 1).then(|| choice(st.vset))
    }

    fn explain(&self, env: &REnv, me: Pid, st: &SmState) -> String {
        if me == 0 {
            return "the commander".into();
        }
        let seen: Vec<String> = st
            .seen
            .iter()
            .map(|m| format!("{}:{:?}", env.name(m.v), m.sigs))
            .collect();
        let vs: Vec<&str> = [ATTACK, RETREAT]
            .iter()
            .filter(|v| st.vset & (1 << **v) != 0)
            .map(|v| env.name(*v))
            .collect();
        format!(
            "accepted [{}], V = {{{}}} → choice {}",
            seen.join(", "),
            vs.join(", "),
            env.name(choice(st.vset))
        )
    }

    fn show(&self, env: &REnv, m: &SmMsg) -> String {
        format!("{}:{:?}", env.name(m.v), m.sigs)
    }
}

const M: ParamSpec = ParamSpec {
    key: "m",
    default: "f",
    values: &[],
    help: "SM(m): rounds of relaying, the number of traitors tolerated (default: f)",
};

fn build(p: &Params) -> Result<Sm> {
    Ok(Sm {
        m: read_m(p, "SM")?,
    })
}

pub static ENTRY: RoundEntry<Sm> = RoundEntry {
    info: ModelInfo {
        name: "sm",
        title: "Signed Messages SM(m), Byzantine generals",
        source: "Lamport-Shostak-Pease 1982, Algorithm SM(m)",
        fault_model: "Byzantine (unforgeable signatures), synchronous",
        tolerance: "f <= m, any n >= m + 2",
        tolerates: |p| build(p).is_ok_and(|sm| p.f <= sm.m && sm.m + 2 <= p.n),
        claims: &[&IC1, &IC2, &TERM],
        params: &[M, TRAITORS],
        uses_detector: false,
        default_n: 3,
    },
    kind: FaultKind::Byzantine,
    names: ["attack", "retreat"],
    default: RETREAT,
    default_f: 1,
    build,
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn signatures_beat_one_traitor_with_three() {
        let r = run("sm", 3, 1, &[], &[]);
        assert!(r.exhaustive);
        assert_statuses(&r, &[("IC1", "holds"), ("IC2", "holds"), ("TERM", "holds")]);
    }

    #[test]
    fn sm0_is_not_enough() {
        // Without the relay round a traitorous commander splits the lieutenants.
        let r = run("sm", 3, 1, &[("m", "0")], &["IC1"]);
        assert_statuses(&r, &[("IC1", "violated")]);
    }
}
