//! Model parameters: the shared ones (`n`, `f`, senders, messages, network, detector) and each
//! model's own. Every value is validated; an unknown key or a bad value is an input error, never
//! a silent default.

use crate::engine::reductions::Reductions;
use crate::error::{Error, Result};
use crate::runtime::protocol::{Pid, MAX_MSGS, MAX_PROCS};
use std::collections::BTreeMap;

/// A parameter a model accepts.
#[derive(Debug)]
pub struct ParamSpec {
    pub key: &'static str,
    pub default: &'static str,
    /// Allowed values; empty means free-form (validated by the model).
    pub values: &'static [&'static str],
    pub help: &'static str,
}

/// Parameters every broadcast model accepts.
pub const COMMON: &[ParamSpec] = &[
    ParamSpec {
        key: "senders",
        default: "0",
        values: &[],
        help: "processes that broadcast: comma-separated ids (e.g. 0,2) or 'all'",
    },
    ParamSpec {
        key: "msgs",
        default: "1",
        values: &[],
        help: "messages each sender broadcasts (1-4)",
    },
    ParamSpec {
        key: "network",
        default: "bag",
        values: crate::runtime::network::NetKind::NAMES,
        help: "bag = unordered; fifo = per-pair FIFO; dup = unordered, each message may be delivered twice",
    },
    ParamSpec {
        key: "faults",
        default: "crash",
        values: crate::runtime::faults::Faults::NAMES,
        help: "what the f faulty processes do: crash = crash-stop; send-omission = omit any of their sends; omission = omit any sends and receipts; byzantine = run no algorithm and send anything (echo-bcb, double-echo-brb); every placement of up to f faulty processes explored",
    },
];

/// The failure-detector parameter of fail-stop models.
pub const DETECTOR: ParamSpec = ParamSpec {
    key: "detector",
    default: "perfect",
    values: crate::runtime::detector::Detector::NAMES,
    help: "perfect; incomplete = may never report a crash; inaccurate = may report live processes; heartbeat = Exclude on Timeout with explicit time (see hb_*)",
};

/// Timing of `detector=heartbeat`.
pub const HEARTBEAT: &[ParamSpec] = &[
    ParamSpec {
        key: "hb_delay",
        default: "1",
        values: &[],
        help: "heartbeat: synchrony bound, ticks within which a heartbeat message is delivered (1-4)",
    },
    ParamSpec {
        key: "hb_timeout",
        default: "2",
        values: &[],
        help: "heartbeat: timeout Δ in ticks (1-8); accurate iff Δ ≥ 2 × hb_delay",
    },
    ParamSpec {
        key: "hb_periods",
        default: "2",
        values: &[],
        help: "heartbeat: periods before heartbeats stop (2-4); crashes happen while a full period remains",
    },
];

/// What the user asked for: a model, `n`, `f`, parameters and properties.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RunSpec {
    pub model: String,
    pub n: Option<u32>,
    pub f: Option<u32>,
    pub params: BTreeMap<String, String>,
    /// Property names; empty means the properties the model claims.
    pub properties: Vec<String>,
    /// State-space reductions to apply.
    pub reduce: Reductions,
}

impl RunSpec {
    /// `model` with `n`, `f` and parameters; the claimed properties, no reductions.
    pub fn of(model: &str, n: u32, f: u32, params: &[(&str, &str)]) -> RunSpec {
        RunSpec {
            model: model.to_string(),
            n: Some(n),
            f: Some(f),
            params: params
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..RunSpec::default()
        }
    }

    /// The properties to check: the ones asked for, or else the ones the algorithm claims.
    pub fn property_names(&self, claims: &[&crate::engine::property::PropMeta]) -> Vec<String> {
        if self.properties.is_empty() {
            claims.iter().map(|c| c.id.to_string()).collect()
        } else {
            self.properties.clone()
        }
    }

    /// Adds `KEY=VALUE` strings from the command line (a key given twice is an error).
    pub fn add_params(&mut self, kvs: &[String]) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for kv in kvs {
            let (k, v) = kv
                .split_once('=')
                .ok_or_else(|| Error::input(format!("--param expects KEY=VALUE, got '{kv}'")))?;
            // White space is refused around the key and the value (a typo, or a non-breaking
            // space pasted in); inside a list value, after a comma, it is the list's business.
            let spaced = k.chars().any(char::is_whitespace)
                || v.starts_with(char::is_whitespace)
                || v.ends_with(char::is_whitespace)
                || v.chars().any(|c| c.is_whitespace() && c != ' ')
                || v.split(',').skip(1).any(|x| x.trim_start().contains(' '))
                || v.split(',').next().is_some_and(|x| x.contains(' '));
            if spaced {
                return Err(Error::input(format!(
                    "--param '{}' contains white space: write KEY=VALUE with none",
                    kv.escape_debug()
                )));
            }
            if k.is_empty() || v.is_empty() {
                return Err(Error::input(format!(
                    "--param '{kv}' needs both a key and a value (KEY=VALUE)"
                )));
            }
            if k == "n" || k == "f" {
                return Err(Error::input(format!("use --{k} instead of --param {k}=…")));
            }
            if !seen.insert(k) {
                return Err(Error::input(format!("--param {k} is given twice")));
            }
            self.params.insert(k.to_string(), v.to_string());
        }
        Ok(())
    }
}

/// Checks every key of `raw` against `specs` (and enumerated values), then fills defaults.
pub fn resolve_values(
    model: &str,
    raw: &BTreeMap<String, String>,
    specs: &[&ParamSpec],
) -> Result<BTreeMap<&'static str, String>> {
    let mut values = BTreeMap::new();
    for (k, v) in raw {
        let spec = specs.iter().find(|s| s.key == k).ok_or_else(|| {
            let known: Vec<&str> = specs.iter().map(|s| s.key).collect();
            Error::input(format!(
                "model {model} has no parameter '{k}' (known: n, f, {})",
                known.join(", ")
            ))
        })?;
        if !spec.values.is_empty() && !spec.values.contains(&v.as_str()) {
            return Err(Error::input(format!(
                "parameter {k} must be one of {} (got '{v}')",
                spec.values.join(", ")
            )));
        }
        values.insert(spec.key, v.clone());
    }
    for s in specs {
        values.entry(s.key).or_insert_with(|| s.default.to_string());
    }
    Ok(values)
}

/// Validated parameter values, defaults filled in.
#[derive(Clone, Debug)]
pub struct Params {
    pub n: u8,
    pub f: u8,
    values: BTreeMap<&'static str, String>,
}

impl Params {
    /// Checks `raw` against `specs` and fills defaults.
    pub fn resolve(
        model: &str,
        n: u32,
        f: u32,
        raw: &BTreeMap<String, String>,
        specs: &[&ParamSpec],
    ) -> Result<Params> {
        if n == 0 || n > u32::from(MAX_PROCS) {
            return Err(Error::input(format!(
                "n must be between 1 and {MAX_PROCS} (got {n})"
            )));
        }
        if f > n {
            return Err(Error::input(format!(
                "f = {f} exceeds n = {n}: at most n processes can crash"
            )));
        }
        let values = resolve_values(model, raw, specs)?;
        Ok(Params {
            n: n as u8,
            f: f as u8,
            values,
        })
    }

    /// A parameter's value (as given, or its default).
    pub fn get(&self, key: &str) -> &str {
        self.values.get(key).map_or("", String::as_str)
    }

    /// An integer parameter within `lo..=hi`.
    pub fn get_int(&self, key: &str, lo: u32, hi: u32) -> Result<u32> {
        let v = self.get(key);
        match v.parse::<u32>() {
            Ok(x) if (lo..=hi).contains(&x) => Ok(x),
            _ => Err(Error::input(format!(
                "parameter {key} must be an integer between {lo} and {hi} (got '{v}')"
            ))),
        }
    }

    /// The broadcast quota of each process, from `senders` and `msgs`.
    pub fn quota(&self) -> Result<Vec<u8>> {
        let msgs = self.get_int("msgs", 1, u32::from(MAX_MSGS))? as u8;
        let mut quota = vec![0u8; self.n as usize];
        let senders = self.get("senders");
        if senders == "all" {
            quota.fill(msgs);
            return Ok(quota);
        }
        for part in senders.split(',') {
            let part = part.trim();
            let part = part.strip_prefix('p').unwrap_or(part);
            match part.parse::<Pid>() {
                Ok(p) if p < self.n && quota[p as usize] == 0 => quota[p as usize] = msgs,
                _ => {
                    return Err(Error::input(format!(
                        "parameter senders must list distinct process ids below n = {} or be 'all' (got '{senders}')",
                        self.n
                    )))
                }
            }
        }
        Ok(quota)
    }

    /// Forgets a parameter that does not apply to this run (so reports and replay lines do not
    /// show it).
    pub fn forget(&mut self, key: &str) {
        self.values.remove(key);
    }

    /// All values, for reports.
    pub fn values(&self) -> &BTreeMap<&'static str, String> {
        &self.values
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(kv: &[(&str, &str)]) -> BTreeMap<String, String> {
        kv.iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn validates_n_f_and_keys() {
        let specs: Vec<&ParamSpec> = COMMON.iter().collect();
        let e = Params::resolve("beb", 0, 0, &raw(&[]), &specs).unwrap_err();
        assert_eq!(e.to_string(), "n must be between 1 and 16 (got 0)");
        let e = Params::resolve("beb", 3, 4, &raw(&[]), &specs).unwrap_err();
        assert!(e.to_string().starts_with("f = 4 exceeds n = 3"));
        let e = Params::resolve("beb", 3, 1, &raw(&[("fanout", "2")]), &specs).unwrap_err();
        assert!(e.to_string().contains("has no parameter 'fanout'"));
        let e = Params::resolve("beb", 3, 1, &raw(&[("network", "tcp")]), &specs).unwrap_err();
        assert!(e.to_string().contains("must be one of bag, fifo, dup"));
    }

    #[test]
    fn quota_from_senders() {
        let specs: Vec<&ParamSpec> = COMMON.iter().collect();
        let p = Params::resolve(
            "x",
            3,
            0,
            &raw(&[("senders", "0,p2"), ("msgs", "2")]),
            &specs,
        )
        .unwrap();
        assert_eq!(p.quota().unwrap(), vec![2, 0, 2]);
        let p = Params::resolve("x", 3, 0, &raw(&[("senders", "3")]), &specs).unwrap();
        assert!(p.quota().is_err());
        let p = Params::resolve("x", 3, 0, &raw(&[("msgs", "5")]), &specs).unwrap();
        assert!(p.quota().is_err());
    }
}
