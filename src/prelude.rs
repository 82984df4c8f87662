//! What a protocol author needs, in one import: `use broadcheck::prelude::*;`.
//!
//! - the algorithm side: [`Protocol`] (the `upon event` handlers), [`Env`], [`Out`], ids
//!   ([`Pid`], [`MsgId`]), process and message sets ([`PSet`], [`MSet`]), the `[DATA, m]`
//!   message [`Data`], renamings for symmetry ([`Perm`], [`Rename`]);
//! - the model side: [`Entry`] and [`ModelInfo`] (what `list` shows), [`ParamSpec`] and
//!   [`Params`] (the model's own parameters);
//! - properties: [`PropMeta`], [`PropDef`], [`Kind`], and the catalogue's textbook properties
//!   ([`props`]) for the claims; the runtime's state as properties read it ([`System`],
//!   [`SysState`], [`History`]);
//! - the tool: [`Registry`] and [`main_with`], the whole command line for your models.

pub use crate::app::cli::main_with;
pub use crate::app::registry::{ModelEntry, Registry};
pub use crate::engine::property::{Kind, PropDef, PropMeta};
pub use crate::error::{Error, Result};
pub use crate::models::entry::{Entry, ModelInfo};
pub use crate::models::params::{ParamSpec, Params};
pub use crate::props;
pub use crate::runtime::bits::{MSet, PSet};
pub use crate::runtime::history::History;
pub use crate::runtime::protocol::{Data, Env, MsgId, Out, Pid, Protocol};
pub use crate::runtime::reduce::{Perm, Rename};
pub use crate::runtime::system::{SysState, System};
