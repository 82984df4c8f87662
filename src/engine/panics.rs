//! Where a model panics: after a search died of a panicking handler, a second, guarded
//! breadth-first search finds the first state (in BFS order) and step whose successor panics,
//! so that the report names the step and the trace to it, not just the panic's message.

use crate::engine::fingerprint::Fingerprinter;
use crate::engine::outcome::{replay, Path};
use crate::engine::spec::Spec;
use std::collections::{HashMap, VecDeque};
use std::panic::{catch_unwind, AssertUnwindSafe};

/// A step that panics: the path to the state it leaves, the index of the step among that
/// state's actions, and the step in words.
pub struct PanicStep<M: stateright::Model> {
    pub path: Path<M>,
    pub action: usize,
    pub described: String,
}

/// The first step (in BFS order, within `max_states` states) whose successor panics.
pub fn first_panic<M: Spec>(m: &M, max_states: usize) -> Option<PanicStep<M>> {
    let fpr = Fingerprinter::default();
    let mut parent: HashMap<u64, u64> = HashMap::new();
    let mut queue = VecDeque::new();
    for s in m.init_states() {
        let f = m.fingerprint(&fpr, &s);
        if parent.insert(f, 0).is_none() {
            queue.push_back((s, f));
        }
    }
    while let Some((s, f)) = queue.pop_front() {
        let mut actions = Vec::new();
        if catch_unwind(AssertUnwindSafe(|| m.actions(&s, &mut actions))).is_err() {
            // The state itself cannot list its steps: report the step that led to it.
            return None;
        }
        for (i, a) in actions.into_iter().enumerate() {
            let described = m.format_action(&a);
            match catch_unwind(AssertUnwindSafe(|| m.next_state(&s, a))) {
                Err(_) => {
                    let mut chain = vec![f];
                    let mut cur = f;
                    while let Some(&p) = parent.get(&cur).filter(|&&p| p != 0) {
                        chain.push(p);
                        cur = p;
                    }
                    chain.reverse();
                    let path = replay(m, &fpr, &chain)?;
                    return Some(PanicStep {
                        path,
                        action: i,
                        described,
                    });
                }
                Ok(Some(t)) => {
                    let g = m.fingerprint(&fpr, &t);
                    if parent.len() < max_states && !parent.contains_key(&g) {
                        parent.insert(g, f);
                        queue.push_back((t, g));
                    }
                }
                Ok(None) => {}
            }
        }
    }
    None
}
