//! What a step shows on a message sequence chart: one lifeline per process (numbered from 0),
//! messages between them and notes at one of them. Models produce these events
//! ([`crate::engine::spec::Narrate::events`]); the application renders them (Mermaid, SVG).

use crate::engine::outcome::Path;
use crate::engine::spec::Reported;

/// A lifeline: a process number.
pub type Lane = u8;

/// One thing a chart shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message from `from` to `to`, received in this step (or lost).
    Msg {
        from: Lane,
        to: Lane,
        label: String,
        lost: bool,
    },
    /// Something that happens at one process (a broadcast, a delivery, a crash, a decision).
    Note { at: Lane, text: String },
}

/// The events of a whole path, in order, closing with its final losses.
pub fn events<M: Reported>(m: &M, path: &Path<M>) -> Vec<Event> {
    let mut ev = m.start_events(&path.init);
    let mut prev = &path.init;
    for (a, next) in &path.steps {
        ev.extend(m.events(prev, a, next));
        prev = next;
    }
    ev.extend(m.end_events(path.last()));
    ev
}
