//! # broadcheck
//!
//! An exhaustive model checker, on [stateright], for the broadcast and agreement algorithms
//! that distributed-systems courses teach.
//!
//! The folders are the layers; imports point down:
//! - [`engine`]: the search (visited set, fair-cycle liveness, exact probabilities); it knows
//!   nothing of broadcast;
//! - [`runtime`]: what an algorithm runs on: asynchronous message passing with crash-stop
//!   faults, network kinds, failure detectors, the delivery history; synchronous rounds;
//! - [`props`]: the property catalogue (textbook IDs), defined once;
//! - [`models`]: one file per algorithm, grouped by family, and the model entries;
//! - [`app`]: the command line, model files and `verify`, reports, charts, the Explorer, bench;
//! - [`overlay`] and [`sim`]: gossip overlays and Monte Carlo simulation at scale.
//!
//! ## Your own algorithm
//!
//! A crate of yours depends on broadcheck, writes its algorithm as a [`prelude::Protocol`],
//! describes it in an [`prelude::Entry`], and runs the whole command line (`check`, `verify`,
//! `replay`, `explore`, `audit`, …) with the built-in models and its own. Here is Basic
//! Broadcast (Cachin–Guerraoui–Rodrigues Alg. 3.1), complete:
//!
//! ```
//! use broadcheck::prelude::*;
//!
//! #[derive(Clone, Debug, PartialEq, Eq, Hash)]
//! pub struct MyBeb;
//!
//! impl Protocol for MyBeb {
//!     type State = MSet; // delivered
//!     type Msg = Data;
//!
//!     // upon event ⟨beb, Init⟩
//!     fn init(&self, _env: &Env, _me: Pid) -> MSet {
//!         MSet::EMPTY
//!     }
//!     // upon event ⟨beb, Broadcast | m⟩: forall q ∈ Π do trigger ⟨pl, Send | q, m⟩
//!     fn on_broadcast(&self, env: &Env, _me: Pid, _st: &mut MSet, m: MsgId, out: &mut Out<Data>) {
//!         for q in env.procs() {
//!             out.send(q, Data(m));
//!         }
//!     }
//!     // upon event ⟨pl, Deliver | p, m⟩: trigger ⟨beb, Deliver | p, m⟩
//!     fn on_receive(&self, _env: &Env, _me: Pid, st: &mut MSet, _from: Pid, msg: &Data, out: &mut Out<Data>) {
//!         st.insert(msg.0);
//!         out.deliver(msg.0);
//!     }
//! }
//!
//! pub static MY_BEB: Entry<MyBeb> = Entry {
//!     info: ModelInfo {
//!         name: "my-beb",
//!         title: "My Basic Broadcast",
//!         source: "Cachin-Guerraoui-Rodrigues 2011, Alg. 3.1",
//!         fault_model: "fail-silent",
//!         tolerance: "any f",
//!         tolerates: |_| true,
//!         claims: &[&props::BEB1, &props::RB2, &props::RB3],
//!         params: &[],
//!         uses_detector: false,
//!         default_n: 3,
//!     },
//!     build: |_| Ok(MyBeb),
//! };
//!
//! // The handlers are plain functions: test them directly.
//! let env = Env { n: 3, f: 0, quota: vec![1, 0, 0] };
//! let mut out = Out::default();
//! MyBeb.on_broadcast(&env, 0, &mut MSet::EMPTY, MsgId { origin: 0, seq: 0 }, &mut out);
//! assert_eq!(out.sends().len(), 3);
//!
//! // The whole CLI for the built-ins and this model (in `main`):
//! let reg = Registry::builtin().with(&MY_BEB);
//! assert!(reg.find("my-beb").is_ok());
//! // std::process::exit(main_with(reg));
//! ```
//!
//! `broadcheck new NAME` writes such a crate, with model files and a CI workflow;
//! `docs/own-algorithm.md` walks through one from a wrong first version to the fix.

pub mod actor;
pub mod app;
pub mod engine;
pub mod error;
pub mod models;
pub mod overlay;
pub mod prelude;
pub mod props;
pub mod runtime;
pub mod sim;

#[cfg(test)]
pub(crate) mod test_util;
