//! The commands that check a model or read a check: `check`, `verify`, `replay`, `explore`,
//! `list`, `audit`, `new`.

use super::args::*;
use super::runs::workers;
use super::{json, out};
use crate::app::modelfile::ModelFile;
use crate::app::registry::{ModelEntry, Registry};
use crate::app::verify;
use crate::engine::outcome::{Options, Strategy};
use crate::error::{Error, Result};
use crate::models::params::RunSpec;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};

/// Writes a chart of `handle` if `--diagram KIND FILE` was given.
fn write_diagram(
    entry: &dyn ModelEntry,
    spec: &RunSpec,
    handle: Option<&str>,
    diagram: &[String],
) -> Result<()> {
    let [kind, file] = diagram else {
        return Ok(());
    };
    let svg = match kind.as_str() {
        "svg" => true,
        "mermaid" => false,
        other => {
            return Err(Error::input(format!(
                "--diagram kind must be mermaid or svg (got '{other}')"
            )))
        }
    };
    let Some(h) = handle else {
        super::say(&format!(
            "note: no counterexample, so no diagram written to {file}"
        ));
        return Ok(());
    };
    let text = entry.diagram(spec, h, svg)?;
    std::fs::write(file, text).map_err(|e| Error::Io(format!("cannot write {file}: {e}")))
}

/// States audited before `check --reduce` runs.
const AUDIT_BEFORE_REDUCING: usize = 20_000;

pub(super) fn audit(a: AuditArgs, reg: &Registry) -> Result<i32> {
    let (entry, mut spec, _) = resolve(reg, &a.target)?;
    if a.target.reduce.is_empty() {
        spec.reduce = crate::engine::reductions::Reductions {
            por: true,
            symmetry: true,
        };
    }
    let problems = entry.audit(&spec, a.max_states)?;
    let name = entry.info().name;
    if problems.is_empty() {
        out(&format!(
            "audit {name}: every reduction claim holds on the first {} states of this configuration\n",
            a.max_states
        ))?;
        Ok(0)
    } else {
        let mut s = format!("audit {name}: {} broken claim(s)\n", problems.len());
        for p in &problems {
            s += &format!("  - {p}\n");
        }
        out(&s)?;
        Ok(1)
    }
}

/// The error for a check that died of a panicking model: its message, with the step that
/// panicked and the replay handle of the trace before it (found by a guarded second search).
fn located_panic(
    entry: &dyn ModelEntry,
    spec: &RunSpec,
    payload: Box<dyn std::any::Any + Send>,
) -> Error {
    let msg = payload
        .downcast_ref::<String>()
        .cloned()
        .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
        .unwrap_or_else(|| "a panic".into());
    let what = msg
        .strip_prefix("model error: ")
        .map_or_else(|| format!("the model panicked: {msg}"), str::to_string);
    match entry.locate_panic(spec) {
        Ok(Some((handle, step))) => Error::input(format!(
            "model error: {what}; at the step '{step}' after trace {handle} ('{} replay {} [the same --n, --f, -p]{} {handle}' shows the trace)",
            crate::app::report::program(),
            entry.info().name,
            match spec.reduce.names().join(",") {
                r if r.is_empty() => String::new(),
                r => format!(" --reduce {r}"),
            }
        )),
        _ => Error::input(format!("model error: {what}")),
    }
}

/// `--reduce auto`: the largest set of reductions (all, else partial-order alone, else
/// symmetry alone) whose claims pass the audit on this configuration; sets it in `spec` and
/// says in the report's words what was chosen and why the rest was not.
fn auto_reductions(entry: &dyn ModelEntry, spec: &mut RunSpec) -> Result<Vec<String>> {
    use crate::engine::reductions::Reductions;
    let candidates = [
        Reductions {
            por: true,
            symmetry: true,
        },
        Reductions {
            por: true,
            symmetry: false,
        },
        Reductions {
            por: false,
            symmetry: true,
        },
    ];
    let can = entry.supported_reductions(spec)?;
    if !can.por && !can.symmetry {
        spec.reduce = Reductions::default();
        return Ok(vec![
            "auto: none (this model implements no reduction)".into()
        ]);
    }
    let mut refused = Vec::new();
    for r in candidates
        .into_iter()
        .filter(|r| (!r.por || can.por) && (!r.symmetry || can.symmetry))
    {
        spec.reduce = r;
        match entry.audit(spec, AUDIT_BEFORE_REDUCING)?.first() {
            None => {
                let mut notes = vec![format!(
                    "auto: {} (the claims {} rely on pass the audit on the first {AUDIT_BEFORE_REDUCING} states; --reduce none explores the raw graph)",
                    r.names().join(" and "),
                    if r.por && r.symmetry { "they" } else { "it" },
                )];
                notes.extend(refused);
                return Ok(notes);
            }
            Some(p) => refused.push(format!("auto: not {}: {p}", r.names().join("+"))),
        }
    }
    spec.reduce = Reductions::default();
    refused.push("auto: no reduction (every candidate breaks a claim the audit checks)".into());
    Ok(refused)
}

/// Refuses reductions on a model whose audit fails (one line naming the first broken claim).
fn audit_before_reducing(entry: &dyn ModelEntry, spec: &RunSpec) -> Result<()> {
    if !spec.reduce.por && !spec.reduce.symmetry {
        return Ok(());
    }
    let problems = entry.audit(spec, AUDIT_BEFORE_REDUCING)?;
    match problems.first() {
        None => Ok(()),
        Some(p) => Err(Error::input(format!(
            "--reduce refused: {} breaks a reduction claim: {p} (see '{} audit {}')",
            entry.info().name,
            crate::app::report::program(),
            entry.info().name
        ))),
    }
}

pub(super) fn new_crate(a: NewArgs) -> Result<i32> {
    use crate::app::scaffold::{create, Dependency};
    let name = a
        .dir
        .file_name()
        .and_then(|n| n.to_str())
        .ok_or_else(|| Error::input(format!("{} has no usable name", a.dir.display())))?
        .to_string();
    let dep = match (a.path, a.git) {
        (Some(p), _) => Dependency::Path(
            std::fs::canonicalize(&p)
                .map_err(|e| Error::input(format!("--path {}: {e}", p.display())))?,
        ),
        (None, Some(url)) => Dependency::Git(url),
        (None, None) => {
            return Err(Error::input(
                "say where broadcheck comes from: --path DIR (a local checkout) or --git URL",
            ))
        }
    };
    let written = create(&a.dir, &name, &dep)?;
    let mut s = format!("created {} ({name}):\n", a.dir.display());
    for f in written {
        s += &format!("  {}\n", f.display());
    }
    s += &format!(
        "next:\n  cd {}\n  cargo run --release -- check {name} --n 3 --f 1 -P RB4\n  cargo run --release -- verify\n",
        a.dir.display()
    );
    out(&s)?;
    Ok(0)
}

pub(super) fn replay(a: ReplayArgs, reg: &Registry) -> Result<i32> {
    let (entry, spec, _) = resolve(reg, &a.target)?;
    let report = entry.replay(&spec, &a.handle)?;
    write_diagram(entry, &spec, Some(&a.handle), &a.diagram)?;
    out(&match a.format {
        Format::Text => report.to_text(),
        Format::Json => json(&report)?,
    })?;
    // A replay proves nothing holds: it shows a violation (1) or that the trace is not a
    // counterexample, which leaves the property unknown (1).
    Ok(1)
}

/// Resolves a target into a model and a run spec (a model file's settings, overridden by flags).
/// `--reduce auto`.
fn wants_auto(t: &Target) -> bool {
    !t.reduce.is_empty() && t.reduce.iter().all(|r| r.trim() == "auto")
}

/// Resolves a target for a command that takes the reductions it is told.
pub(super) fn resolve(
    reg: &Registry,
    t: &Target,
) -> Result<(&'static dyn ModelEntry, RunSpec, Option<ModelFile>)> {
    resolve_with(reg, t, false)
}

/// Resolves a target; `auto`: the command accepts `--reduce auto` (check).
fn resolve_with(
    reg: &Registry,
    t: &Target,
    auto: bool,
) -> Result<(&'static dyn ModelEntry, RunSpec, Option<ModelFile>)> {
    // A bare name is a model name; a path looks like one (a `/` or a `.toml` ending).
    let is_file = t.target.ends_with(".toml") || t.target.contains('/');
    if !is_file && Path::new(&t.target).exists() && reg.find(&t.target).is_err() {
        return Err(Error::input(format!(
            "'{}' is not a model name; to run the file of that name, write ./{}",
            t.target, t.target
        )));
    }
    let (mut spec, file) = if is_file {
        let mf = ModelFile::load(Path::new(&t.target))?;
        (mf.run_spec()?, Some(mf))
    } else {
        (
            RunSpec {
                model: t.target.clone(),
                ..RunSpec::default()
            },
            None,
        )
    };
    let entry = reg.find(&spec.model)?;
    if t.n.is_some() {
        spec.n = t.n;
    }
    if t.f.is_some() {
        spec.f = t.f;
    }
    spec.add_params(&t.params)?;
    if !t.properties.is_empty() {
        spec.properties = t.properties.clone();
    }
    if wants_auto(t) {
        // Only check chooses reductions itself; the others replay what they are told.
        if !auto {
            return Err(Error::input(
                "--reduce auto is check's default; here name the reductions (por, symmetry, all, none)",
            ));
        }
    } else if !t.reduce.is_empty() {
        spec.reduce = crate::engine::reductions::Reductions::parse(&t.reduce)?;
    }
    Ok((entry, spec, file))
}

pub(super) fn check(a: CheckArgs, reg: &Registry) -> Result<i32> {
    let (entry, mut spec, file) = resolve_with(reg, &a.target, true)?;
    let mut opts = match &file {
        Some(mf) => mf.options()?,
        None => Options::default(),
    };
    if let Some(s) = a.strategy {
        opts.strategy = match s {
            StrategyArg::Bfs => Strategy::Bfs,
            StrategyArg::Dfs => Strategy::Dfs,
        };
    }
    opts.threads = workers("--threads", Some(a.threads))?;
    if std::io::stderr().is_terminal() && std::env::var_os("CI").is_none() {
        opts.progress = Some(show_progress);
    }
    if a.max_depth.is_some() {
        opts.max_depth = a.max_depth;
    }
    if a.max_states.is_some() {
        opts.max_states = a.max_states;
    }
    if let Some(t) = a.timeout {
        opts.timeout = Some(crate::app::modelfile::seconds("--timeout", t)?);
    }
    if let Some(b) = a.fingerprint_bits {
        opts.fingerprint_bits = crate::app::modelfile::fingerprint_bits("--fingerprint-bits", b)?;
    }
    if let Some(dir) = &a.disk {
        if opts.strategy != Strategy::Bfs {
            return Err(Error::input(
                "--disk searches breadth-first: it needs --strategy bfs",
            ));
        }
        if opts.max_states.is_some() {
            return Err(Error::input(
                "--disk counts states once per level; it does not take --max-states",
            ));
        }
        if dir.as_os_str().is_empty() {
            return Err(Error::input("--disk needs a directory"));
        }
        if dir.exists() && !dir.is_dir() {
            return Err(Error::input(format!(
                "--disk {}: not a directory",
                dir.display()
            )));
        }
        opts.disk = Some(crate::engine::outcome::DiskOptions {
            dir: dir.clone(),
            memory: None,
        });
    }
    if let [kind, _] = a.diagram.as_slice() {
        if kind != "svg" && kind != "mermaid" {
            return Err(Error::input(format!(
                "--diagram kind must be mermaid or svg (got '{kind}')"
            )));
        }
    }
    // Sound reductions are on by default (`--reduce auto`): every one whose audit passes. A
    // model file states its own (none unless it says), since it pins the count of what it
    // states.
    let explicit = if wants_auto(&a.target) {
        false
    } else {
        !a.target.reduce.is_empty() || file.is_some()
    };
    // The audit steps the model too: a panicking model is located there as in the check.
    let prepared = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        if explicit {
            audit_before_reducing(entry, &spec).map(|()| Vec::new())
        } else {
            auto_reductions(entry, &mut spec)
        }
    }));
    let auto_notes = match prepared {
        Ok(notes) => notes?,
        Err(payload) => return Err(located_panic(entry, &spec, payload)),
    };
    if let Some(limit) = file
        .as_ref()
        .map(|f| f.memory_limit())
        .transpose()?
        .flatten()
    {
        // The file's budget, unless the command line set a lower one.
        let now = crate::engine::stop::budget().unwrap_or(u64::MAX);
        crate::engine::stop::set_budget(limit.min(now));
    }
    if let Some(dir) = &a.checkpoint {
        opts.checkpoint = Some(super::resume::checkpoint_options(
            dir,
            a.checkpoint_every,
            &spec,
            &opts,
        )?);
    }
    let checked =
        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| entry.check(&spec, &opts)));
    let mut report = match checked {
        Ok(r) => r?,
        Err(payload) => return Err(located_panic(entry, &spec, payload)),
    };
    report.reductions.splice(0..0, auto_notes);
    if opts.progress.is_some() {
        eprint!("\r\x1b[K");
    }
    let first = report
        .properties
        .iter()
        .find(|p| p.status == crate::engine::outcome::Status::Violated)
        .and_then(|p| p.handle.clone());
    write_diagram(entry, &spec, first.as_deref(), &a.diagram)?;
    print_report(&report, a.format)
}

/// Prints a check's report; its exit code (a signal's, or 0 if every property holds, else 1).
pub(super) fn print_report(report: &crate::app::report::Report, format: Format) -> Result<i32> {
    out(&match format {
        Format::Text => report.to_text(),
        Format::Json => json(report)?,
    })?;
    if let Some(crate::engine::stop::Request::Signal(signal)) = crate::engine::stop::requested() {
        return Ok(signal.exit_code());
    }
    Ok(if report.all_hold() { 0 } else { 1 })
}

/// The progress line on stderr (terminals only).
pub(super) fn show_progress(p: &crate::engine::outcome::Progress) {
    let secs = p.elapsed.as_secs_f64();
    let rate = p.states as f64 / secs.max(1e-9);
    eprint!(
        "\r{} states, {} unique, {:.0} states/s, depth {}, {:.0} s   ",
        p.states, p.unique_states, rate, p.depth, secs
    );
}

pub(super) fn verify_cmd(
    reg: &Registry,
    paths: Vec<PathBuf>,
    format: Format,
    junit: Option<PathBuf>,
    jobs: Option<usize>,
    reduce: &[String],
) -> Result<i32> {
    let reduce = if reduce.is_empty() {
        None
    } else {
        Some(crate::engine::reductions::Reductions::parse(reduce)?)
    };
    let paths = if paths.is_empty() {
        vec![PathBuf::from("models")]
    } else {
        paths
    };
    let files = verify::collect(&paths)?;
    let results = verify::verify_all(reg, &files, workers("--jobs", jobs)?, reduce)?;
    if let Some(path) = &junit {
        std::fs::write(path, verify::junit(&results))
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
    }
    let mismatches: usize = results
        .iter()
        .map(|r| r.rows.iter().filter(|x| !x.ok).count())
        .sum();
    let signal = match crate::engine::stop::requested() {
        Some(crate::engine::stop::Request::Signal(signal)) => Some(signal),
        _ => None,
    };
    match format {
        Format::Json => out(&json(&results)?)?,
        Format::Text => {
            let mut s = String::new();
            let fw = results
                .iter()
                .map(|r| r.path.len())
                .max()
                .unwrap_or(4)
                .max(4);
            let pw = results
                .iter()
                .flat_map(|r| r.rows.iter().map(|x| x.what.len()))
                .max()
                .unwrap_or(8)
                .max(8);
            let label = |r: &verify::FileResult| {
                let p = &r.report.params;
                format!("{} n={} f={}", r.report.model, p["n"], p["f"])
            };
            let mw = results
                .iter()
                .map(|r| label(r).len())
                .max()
                .unwrap_or(5)
                .max(5);
            s += &format!(
                "{:<fw$}  {:<mw$}  {:<pw$}  {:<11}  {:<11}\n",
                "FILE", "MODEL", "CHECK", "EXPECTED", "ACTUAL"
            );
            let checks: usize = results.iter().map(|r| r.rows.len()).sum();
            for r in &results {
                let rep = &r.report;
                let model = label(r);
                for (i, row) in r.rows.iter().enumerate() {
                    let (file, m) = if i == 0 {
                        (r.path.as_str(), model.as_str())
                    } else {
                        ("", "")
                    };
                    let mark = if row.ok { "ok" } else { "MISMATCH" };
                    s += &format!(
                        "{file:<fw$}  {m:<mw$}  {:<pw$}  {:<11}  {:<11}  {mark}\n",
                        row.what, row.expected, row.actual
                    );
                }
                let scope = if rep.exhaustive {
                    "exhaustive".to_string()
                } else if let Some(b) = &rep.bound {
                    format!("bounded: {b}")
                } else {
                    "stopped early".into()
                };
                s += &format!(
                    "{:<fw$}  {:<mw$}  ({scope}, {:.2} s)\n",
                    "", "", rep.seconds
                );
            }
            s += &format!(
                "\nverify: {} file(s), {checks} check(s), {mismatches} mismatch(es)\n",
                results.len()
            );
            out(&s)?;
        }
    }
    if let Some(sig) = signal {
        super::say(&format!("verify: interrupted by {}", sig.name()));
        return Ok(sig.exit_code());
    }
    Ok(if mismatches == 0 { 0 } else { 1 })
}

pub(super) fn explore(a: ExploreArgs, reg: &Registry) -> Result<i32> {
    let (entry, spec, _) = resolve(reg, &a.target)?;
    let ip: std::net::IpAddr = a
        .bind
        .parse()
        .map_err(|_| Error::input(format!("--bind expects an IP address (got '{}')", a.bind)))?;
    let addr = std::net::SocketAddr::new(ip, a.port);
    if !ip.is_loopback() {
        super::say(&format!(
            "warning: the Explorer has no authentication; on {ip} anyone who can reach this machine can use it"
        ));
    }
    let suffix = match &a.trace {
        Some(h) => {
            let r = entry.replay(&spec, h)?;
            r.properties
                .iter()
                .find_map(|p| p.explorer_path.clone())
                .unwrap_or_default()
        }
        None => String::new(),
    };
    entry.explore(&spec, addr, a.max_states, &|line| {
        if line.starts_with("http") {
            super::say(&format!(
                "Explorer for {} at {line}{suffix}  (Ctrl-C to stop)",
                spec.model
            ));
        } else {
            super::say(line);
        }
    })?;
    // The Explorer stops on a signal only.
    Ok(match crate::engine::stop::requested() {
        Some(crate::engine::stop::Request::Signal(s)) => s.exit_code(),
        _ => 0,
    })
}

pub(super) fn list(reg: &Registry, format: Format) -> Result<String> {
    #[derive(serde::Serialize)]
    struct ParamOut {
        key: &'static str,
        default: String,
        values: Vec<&'static str>,
        help: &'static str,
    }
    #[derive(serde::Serialize)]
    struct ModelOut {
        name: &'static str,
        title: &'static str,
        source: &'static str,
        fault_model: &'static str,
        /// The process fault kinds `f` can inject.
        fault_kinds: Vec<&'static str>,
        tolerance: &'static str,
        claims: Vec<&'static str>,
        /// Every property the model can be checked against, by ID.
        properties: Vec<&'static str>,
        params: Vec<ParamOut>,
    }
    #[derive(serde::Serialize)]
    struct PropOut {
        id: &'static str,
        aliases: &'static [&'static str],
        name: &'static str,
        kind: &'static str,
        definition: &'static str,
    }
    let models: Vec<ModelOut> = reg
        .entries()
        .iter()
        .map(|e| {
            let i = e.info();
            let default_f = e.default_f();
            let mut params = vec![
                ParamOut {
                    key: "n",
                    default: i.default_n.to_string(),
                    values: vec![],
                    help: "number of processes (1-16)",
                },
                ParamOut {
                    key: "f",
                    default: default_f.to_string(),
                    values: vec![],
                    help: "faults injected (0-n): crashes, or traitors for Byzantine models",
                },
            ];
            params.extend(e.params().into_iter().map(|p| ParamOut {
                key: p.key,
                default: p.default.to_string(),
                values: p.values.to_vec(),
                help: p.help,
            }));
            ModelOut {
                name: i.name,
                title: i.title,
                source: i.source,
                fault_model: i.fault_model,
                fault_kinds: e.fault_kinds(),
                tolerance: i.tolerance,
                claims: i.claims.iter().map(|c| c.name).collect(),
                properties: e.catalogue().iter().map(|p| p.id).collect(),
                params,
            }
        })
        .collect();
    let props: Vec<PropOut> = reg
        .catalogue()
        .into_iter()
        .map(|p| PropOut {
            id: p.id,
            aliases: p.aliases,
            name: p.name,
            kind: p.kind.name(),
            definition: p.about,
        })
        .collect();
    if format == Format::Json {
        #[derive(serde::Serialize)]
        struct All {
            models: Vec<ModelOut>,
            properties: Vec<PropOut>,
        }
        return json(&All {
            models,
            properties: props,
        });
    }
    let mut s = String::from("MODELS\n");
    for m in &models {
        s += &format!("\n  {:<18} {} ({})\n", m.name, m.title, m.source);
        s += &format!(
            "  {:<18} faults: {}; tolerates {}; injects: {}\n",
            "",
            m.fault_model,
            m.tolerance,
            m.fault_kinds.join(", ")
        );
        s += &format!("  {:<18} claims: {}\n", "", m.claims.join(", "));
        for p in &m.params {
            let vals = if p.values.is_empty() {
                String::new()
            } else {
                format!(" [{}]", p.values.join("|"))
            };
            s += &format!(
                "  {:<18}   --{} {}  (default {}){vals}: {}\n",
                "",
                if p.key == "n" || p.key == "f" {
                    p.key
                } else {
                    "param"
                },
                if p.key == "n" || p.key == "f" {
                    "N".to_string()
                } else {
                    format!("{}=…", p.key)
                },
                p.default,
                p.help
            );
        }
    }
    s += "\nPROPERTIES (a model can be checked against any property of its runtime: a broadcast model against any broadcast property, an agreement model against any agreement property; `list --format json` gives each model's)\n\n";
    for p in &props {
        s += &format!("  {:<28} {:<9} {}\n", p.name, p.kind, p.definition);
    }
    Ok(s)
}
