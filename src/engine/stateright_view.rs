//! The run's properties as stateright [`Property`]s, for the Explorer. stateright takes plain
//! `fn` pointers, so each property index gets its own monomorphized function reading
//! `props()[I]`.

use crate::engine::property::Kind;
use crate::engine::spec::Spec;
use stateright::{Expectation, Model, Property};

pub trait AsSpec {
    type Spec: Spec;
    fn as_spec(&self) -> &Self::Spec;
}

impl<M: Spec> AsSpec for M {
    type Spec = M;
    fn as_spec(&self) -> &M {
        self
    }
}

/// A [`Model`] whose states are its spec's.
pub trait SpecModel: AsSpec + Model<State = <<Self as AsSpec>::Spec as Model>::State> {}
impl<V: AsSpec + Model<State = <<V as AsSpec>::Spec as Model>::State>> SpecModel for V {}

fn sr_always<V: SpecModel, const I: usize>(v: &V, s: &V::State) -> bool {
    let m = v.as_spec();
    let Some(d) = m.props().get(I) else {
        return true;
    };
    if d.meta.kind == Kind::Liveness && !m.quiescent(s) {
        return true;
    }
    (d.check)(m, s).is_none()
}

fn sr_witness<V: SpecModel, const I: usize>(v: &V, s: &V::State) -> bool {
    let m = v.as_spec();
    m.props()
        .get(I)
        .and_then(|d| d.witness)
        .is_some_and(|w| m.quiescent(s) && w(m, s))
}

type Cond<V> = fn(&V, &<V as Model>::State) -> bool;

macro_rules! conds {
    ($f:ident, $($i:literal)*) => { [$($f::<V, $i> as Cond<V>),*] };
}

/// Most properties one run can show in the Explorer.
pub const MAX_EXPLORER_PROPS: usize = 16;

/// The run's properties as stateright [`Property`]s: safety and liveness as `always` (liveness
/// only constrains quiescent states), witnesses as `sometimes`.
pub fn stateright_properties<V: SpecModel>(view: &V) -> Vec<Property<V>> {
    let always: [Cond<V>; MAX_EXPLORER_PROPS] =
        conds!(sr_always, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let witness: [Cond<V>; MAX_EXPLORER_PROPS] =
        conds!(sr_witness, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15);
    let mut v = Vec::new();
    for (i, d) in view
        .as_spec()
        .props()
        .iter()
        .enumerate()
        .take(MAX_EXPLORER_PROPS)
    {
        v.push(Property {
            expectation: Expectation::Always,
            name: d.meta.name,
            condition: always[i],
        });
        if d.witness.is_some() {
            v.push(Property {
                expectation: Expectation::Sometimes,
                name: d.meta.witness,
                condition: witness[i],
            });
        }
    }
    v
}
