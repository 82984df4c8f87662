//! # Total order broadcast with a fixed sequencer
//!
//! Seed notes 004 ("Total ordering with a sequencer: when a process wants to multicast, it asks
//! the sequencer for a sequence number; the order is the same as the sequence"); Coulouris et
//! al., *Distributed Systems*, §15.4.3; Kleppmann's lecture notes. Messages are then spread by
//! reliable broadcast (the Lazy RB layer, fail-stop).
//!
//! ```text
//! upon event ⟨tob, Broadcast | m⟩ do  send [REQ, m] to the sequencer;
//! upon [REQ, m] from p (at the sequencer) do  send [NUM, m, next] to p;  next := next + 1;
//! upon [NUM, m, k] do  trigger ⟨rb, Broadcast | [ORDER, k, m]⟩;
//! upon event ⟨rb, Deliver | s, [ORDER, k, m]⟩ do
//!     holdback := holdback ∪ {(k, m)};
//!     while exists (k', m') ∈ holdback with k' = delivered_count do
//!         trigger ⟨tob, Deliver | m'⟩;  delivered_count := delivered_count + 1;
//! ```
//!
//! Claims **RB1–RB4** and **TOB5 total order** without crashes. It is a single point of
//! failure: when the sequencer crashes, requests go unanswered and **RB1 validity** is lost.
//! A sender that crashes after its number was assigned, before broadcasting, leaves a gap in
//! the numbering that blocks every later message too.
//! Requests from one sender may reach the sequencer out of order, so it is not FIFO either:
//! **FRB5** fails (compare [`crate::models::order::fifo_total_order`]).

use crate::error::{Error, Result};
use crate::models::broadcast::lazy_rb::{LazyLayer, Payload};
use crate::models::entry::{Entry, ModelInfo};
use crate::models::params::{ParamSpec, Params};
use crate::props::{RB1, RB2, RB3, RB4, TOB5};
use crate::runtime::protocol::{Env, MsgId, Out, Pid, Protocol};
use std::fmt;

/// Fixed-sequencer total order; `sequencer` is its process id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Sequencer {
    pub sequencer: Pid,
}

/// `[ORDER, k, m]`, rb-broadcast by `by`.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Ordered {
    pub k: u8,
    pub m: MsgId,
    pub by: Pid,
}

impl Payload for Ordered {
    fn id(&self) -> MsgId {
        self.m
    }
    fn sender(&self) -> Pid {
        self.by
    }
}

/// Wire messages.
#[derive(
    Copy, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub enum SeqMsg {
    Req(MsgId),
    Num(MsgId, u8),
    Order(Ordered),
}

impl fmt::Debug for SeqMsg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SeqMsg::Req(m) => write!(f, "[REQ {m}]"),
            SeqMsg::Num(m, k) => write!(f, "[NUM {m} #{k}]"),
            SeqMsg::Order(o) => write!(f, "[ORDER #{} {}]", o.k, o.m),
        }
    }
}

impl fmt::Debug for Ordered {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{} {}", self.k, self.m)
    }
}

/// Local state: the RB layer, the sequencer's counter, the hold-back queue.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct SeqState {
    pub rb: LazyLayer<Ordered>,
    /// Next number to hand out (sequencer only).
    pub next: u8,
    /// Number of the next message to deliver.
    pub delivered: u8,
    pub holdback: Vec<Ordered>,
}

/// Wraps an ordered payload for the RB layer.
pub fn order(o: Ordered) -> SeqMsg {
    SeqMsg::Order(o)
}

/// upon event ⟨rb, Deliver | s, [ORDER, k, m]⟩: hold `o` back, then deliver in number order
/// (`next` is the number of the next message to deliver).
pub fn receive_order(
    rb: &mut LazyLayer<Ordered>,
    next: &mut u8,
    holdback: &mut Vec<Ordered>,
    env: &Env,
    out: &mut Out<SeqMsg>,
    o: Ordered,
) {
    if !rb.on_data(env, out, order, &o) {
        return;
    }
    holdback.push(o);
    holdback.sort();
    while let Some(i) = holdback.iter().position(|x| x.k == *next) {
        let x = holdback.remove(i);
        *next += 1;
        out.deliver(x.m);
    }
}

impl Protocol for Sequencer {
    type State = SeqState;
    type Msg = SeqMsg;

    fn init(&self, env: &Env, _me: Pid) -> SeqState {
        SeqState {
            rb: LazyLayer::new(env),
            next: 0,
            delivered: 0,
            holdback: Vec::new(),
        }
    }

    // upon event ⟨tob, Broadcast | m⟩
    fn on_broadcast(
        &self,
        _env: &Env,
        _me: Pid,
        _st: &mut SeqState,
        m: MsgId,
        out: &mut Out<SeqMsg>,
    ) {
        out.send(self.sequencer, SeqMsg::Req(m));
    }

    fn on_receive(
        &self,
        env: &Env,
        me: Pid,
        st: &mut SeqState,
        from: Pid,
        msg: &SeqMsg,
        out: &mut Out<SeqMsg>,
    ) {
        match *msg {
            // upon [REQ, m] from p (at the sequencer)
            SeqMsg::Req(m) if me == self.sequencer => {
                out.send(from, SeqMsg::Num(m, st.next));
                st.next += 1;
            }
            SeqMsg::Req(_) => {}
            // upon [NUM, m, k]
            SeqMsg::Num(m, k) => st.rb.broadcast(env, out, order, Ordered { k, m, by: me }),
            // upon event ⟨rb, Deliver | s, [ORDER, k, m]⟩
            SeqMsg::Order(o) => {
                receive_order(&mut st.rb, &mut st.delivered, &mut st.holdback, env, out, o)
            }
        }
    }

    fn on_crash(&self, env: &Env, _me: Pid, st: &mut SeqState, p: Pid, out: &mut Out<SeqMsg>) {
        st.rb.on_crash(env, out, order, p);
    }

    fn uses_detector(&self) -> bool {
        true
    }
}

pub const SEQUENCER: ParamSpec = ParamSpec {
    key: "sequencer",
    default: "last",
    values: &[],
    help: "the sequencer's id, or 'last' (p(n-1))",
};

/// Reads the `sequencer` parameter.
pub fn read_sequencer(p: &Params) -> Result<Pid> {
    match p.get("sequencer") {
        "last" => Ok(p.n - 1),
        v => match v.strip_prefix('p').unwrap_or(v).parse::<Pid>() {
            Ok(s) if s < p.n => Ok(s),
            _ => Err(Error::input(format!(
                "parameter sequencer must be 'last' or an id below n = {} (got '{v}')",
                p.n
            ))),
        },
    }
}

pub static ENTRY: Entry<Sequencer> = Entry {
    info: ModelInfo {
        name: "sequencer-total-order",
        title: "Total order broadcast with a fixed sequencer",
        source: "seed notes 004; Coulouris et al. §15.4.3",
        fault_model: "fail-stop (perfect failure detector); the sequencer must not crash",
        tolerance: "f = 0 (the sequencer is a single point of failure)",
        tolerates: |p| p.f == 0,
        claims: &[&RB1, &RB2, &RB3, &RB4, &TOB5],
        params: &[SEQUENCER],
        uses_detector: true,
        default_n: 3,
    },
    build: |p: &Params| {
        Ok(Sequencer {
            sequencer: read_sequencer(p)?,
        })
    },
};

#[cfg(test)]
mod tests {
    use crate::test_util::*;

    #[test]
    fn total_order_without_crashes() {
        let r = run("sequencer-total-order", 3, 0, &[("senders", "0,1")], &[]);
        assert_statuses(&r, &[("TOB5", "holds"), ("RB1", "holds"), ("RB4", "holds")]);
    }

    #[test]
    fn sequencer_crash_loses_validity() {
        let r = run("sequencer-total-order", 3, 1, &[], &["RB1"]);
        assert_statuses(&r, &[("RB1", "violated")]);
        let actions: Vec<&str> = prop(&r, "RB1")
            .trace
            .iter()
            .map(|s| s.action.as_str())
            .collect();
        assert_eq!(
            actions,
            [
                "p0 broadcasts m0.1",
                "p2 crashes",
                "failure detector tells p0: p2 crashed",
                "failure detector tells p1: p2 crashed",
            ]
        );
    }

    #[test]
    fn not_fifo() {
        let r = run("sequencer-total-order", 3, 0, &[("msgs", "2")], &["FRB5"]);
        assert_statuses(&r, &[("FRB5", "violated")]);
    }
}
