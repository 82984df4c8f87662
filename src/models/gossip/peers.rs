//! What the gossip models share: their parameters, the membership each process picks targets
//! from (full, or an [`crate::overlay`]), and `picktargets`. The random choice itself is the
//! runtime's ([`crate::runtime::protocol::Out::send_random`]), so that every model's random steps are
//! weighted the same way and [`crate::engine::prob`] can compute exact probabilities.

use crate::error::{Error, Result};
use crate::models::params::{ParamSpec, Params};
use crate::overlay::OverlaySpec;
use crate::runtime::bits::PSet;
use crate::runtime::protocol::{Out, Pid};

pub const FANOUT: ParamSpec = ParamSpec {
    key: "fanout",
    default: "1",
    values: &[],
    help: "gossip targets t picked at random at each forward (1 to n-1)",
};
pub const TTL: ParamSpec = ParamSpec {
    key: "ttl",
    default: "none",
    values: &[],
    help: "rounds R (CGR's R): the origin sends with R, a receiver forwards only if R > 1, with R-1 ('none' = no limit)",
};
pub const EXCLUDE_SENDER: ParamSpec = ParamSpec {
    key: "exclude_sender",
    default: "false",
    values: &["false", "true"],
    help: "true = never pick the process the message came from (seed 001)",
};
pub const LOSS: ParamSpec = ParamSpec {
    key: "loss",
    default: "0",
    values: &[],
    help: "fair-loss links: probability that a message is lost (1/10 or 0.1)",
};
pub const OVERLAY: ParamSpec = ParamSpec {
    key: "overlay",
    default: "full",
    values: &[],
    help: "who a process knows: full | ring:K | kout:K:SEED | cyclon:K:SEED[:ROUNDS]",
};
pub const ROUNDS: ParamSpec = ParamSpec {
    key: "rounds",
    default: "2",
    values: &[],
    help: "timer rounds per process (bounds the run so that it ends)",
};

/// Who each process may pick as a gossip target.
#[derive(Clone, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Peers {
    /// `views[p]`: the processes `p` knows (never `p` itself).
    pub views: Vec<PSet>,
}

impl Peers {
    /// Every process knows every other (the `full` overlay): renaming processes maps the
    /// overlay onto itself.
    pub fn is_full(&self) -> bool {
        let all = PSet::all(self.views.len() as u8);
        self.views
            .iter()
            .enumerate()
            .all(|(p, v)| *v == all.minus(PSet(1 << p)))
    }

    /// From the `overlay` parameter.
    pub fn from_params(p: &Params) -> Result<Peers> {
        let spec = OverlaySpec::parse(p.get("overlay"))?;
        let n = p.n;
        let views = match spec.build(u32::from(n))? {
            None => (0..n)
                .map(|q| {
                    let mut s = PSet::all(n);
                    s.remove(q);
                    s
                })
                .collect(),
            Some(ov) => ov
                .views
                .iter()
                .map(|v| {
                    let mut s = PSet::EMPTY;
                    for &q in v {
                        s.insert(q as Pid);
                    }
                    s
                })
                .collect(),
        };
        Ok(Peers { views })
    }

    /// `picktargets(k)` then send: `msg` to `k` random peers of `me`, never to `avoid`.
    pub fn gossip<M: Clone>(&self, out: &mut Out<M>, me: Pid, avoid: Option<Pid>, k: u8, msg: M) {
        let mut among = self.views[me as usize];
        if let Some(a) = avoid {
            among.remove(a);
        }
        out.send_random(among, k, msg);
    }
}

/// The `fanout` parameter, `1 ≤ t ≤ n − 1`.
pub fn fanout(p: &Params) -> Result<u8> {
    Ok(parse_fanout(p.get("fanout"), u32::from(p.n))? as u8)
}

/// The `ttl` parameter: `None` for no limit.
pub fn ttl(p: &Params) -> Result<Option<u8>> {
    Ok(parse_ttl(p.get("ttl"), 16)?.map(|r| r as u8))
}

/// The `rounds` parameter.
pub fn rounds(p: &Params) -> Result<u8> {
    Ok(p.get_int("rounds", 1, 8)? as u8)
}

/// A boolean parameter (absent = false).
pub fn flag(p: &Params, key: &str) -> Result<bool> {
    parse_flag(key, p.get(key))
}

/// `fanout` for `n` processes.
pub fn parse_fanout(v: &str, n: u32) -> Result<u32> {
    let hi = n.saturating_sub(1).max(1);
    match v.trim().parse::<u32>() {
        Ok(t) if (1..=hi).contains(&t) => Ok(t),
        _ => Err(Error::input(format!(
            "parameter fanout must be an integer between 1 and {hi} (n - 1) (got '{v}')"
        ))),
    }
}

/// `ttl`: `none` (or absent) or `1..=max`.
pub fn parse_ttl(v: &str, max: u32) -> Result<Option<u32>> {
    match v.trim() {
        "none" | "" => Ok(None),
        t => match t.parse::<u32>() {
            Ok(r) if (1..=max).contains(&r) => Ok(Some(r)),
            _ => Err(Error::input(format!(
                "parameter ttl must be 'none' or an integer between 1 and {max} (got '{v}')"
            ))),
        },
    }
}

/// `true` / `false` (absent = false).
pub fn parse_flag(key: &str, v: &str) -> Result<bool> {
    match v {
        "true" => Ok(true),
        "false" | "" => Ok(false),
        v => Err(Error::input(format!(
            "parameter {key} must be true or false (got '{v}')"
        ))),
    }
}
