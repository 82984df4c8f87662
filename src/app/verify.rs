//! `broadcheck verify`: runs model files and compares each verdict with the expected one.

use crate::app::modelfile::ModelFile;
use crate::app::registry::Registry;
use crate::app::report::Report;
use crate::engine::outcome::Status;
use crate::engine::property::{is_witness_key, strip_witness, Kind};
use crate::error::{Error, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// One comparison: a property's verdict or the state count.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub what: String,
    pub expected: String,
    pub actual: String,
    pub ok: bool,
}

/// The result of one model file.
#[derive(Clone, Debug, Serialize)]
pub struct FileResult {
    pub path: String,
    pub description: String,
    pub ok: bool,
    pub rows: Vec<Row>,
    pub report: Report,
}

/// Expands directories into their `*.toml` files (sorted); files are kept as given.
pub fn collect(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let rd = std::fs::read_dir(p)
                .map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))?;
            let mut files: Vec<PathBuf> = rd
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| f.extension().is_some_and(|x| x == "toml"))
                .collect();
            files.sort();
            out.extend(files);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            return Err(Error::input(crate::app::modelfile::not_a_file(p)));
        }
    }
    if out.is_empty() {
        return Err(Error::input("no model files (*.toml) found"));
    }
    Ok(out)
}

/// Runs one model file, on a model of `reg`; with the file's reductions replaced by `reduce`
/// (if given): every verdict must come out the same. The unique-state pin is then not compared (it holds for the
/// file's own reductions only).
pub fn verify_file_with(
    reg: &Registry,
    path: &Path,
    reduce: Option<crate::engine::reductions::Reductions>,
) -> Result<FileResult> {
    let in_file = |e: Error| match e {
        Error::File { .. } => e,
        other => Error::File {
            path: path.display().to_string(),
            msg: other.to_string(),
        },
    };
    let mf = ModelFile::load(path)?;
    let mut spec = mf.run_spec().map_err(in_file)?;
    if let Some(r) = reduce {
        spec.reduce = r;
    }
    let opts = mf.options().map_err(in_file)?;
    let entry = reg.find(&mf.model).map_err(in_file)?;
    let report = entry.check(&spec, &opts).map_err(in_file)?;

    let mut rows = Vec::new();
    let mut pinned_as: Vec<(&str, bool, &str)> = Vec::new();
    for (key, want) in &mf.expect.properties {
        let witness = is_witness_key(key);
        let base = strip_witness(key);
        if let Some(meta) = entry.catalogue().into_iter().find(|m| m.matches(base)) {
            if let Some((other, ..)) = pinned_as
                .iter()
                .find(|(_, w, id)| *w == witness && *id == meta.id)
            {
                return Err(in_file(Error::input(format!(
                    "'{key}' and '{other}' pin the same property ({})",
                    meta.name
                ))));
            }
            pinned_as.push((key, witness, meta.id));
        }
        let found = report
            .properties
            .iter()
            .find(|p| (p.kind == Kind::Reachability.name()) == witness && p.meta.matches(base));
        let Some(p) = found else {
            return Err(in_file(Error::input(format!(
                "'{key}' has no witness (only liveness properties do)"
            ))));
        };
        rows.push(Row {
            what: p.name.clone(),
            expected: want.clone(),
            actual: p.status.name().to_string(),
            ok: p.status.name() == want,
        });
    }
    // Unpinned witnesses must be found wherever their property is expected to hold.
    for w in report
        .properties
        .iter()
        .filter(|p| p.kind == Kind::Reachability.name())
    {
        let pinned = mf
            .expect
            .properties
            .keys()
            .any(|k| is_witness_key(k) && w.meta.matches(strip_witness(k)));
        let base_holds = mf
            .expect
            .properties
            .iter()
            .any(|(k, v)| !is_witness_key(k) && w.meta.matches(k) && v == "holds");
        if !pinned && base_holds {
            rows.push(Row {
                what: w.name.clone(),
                expected: Status::Witnessed.name().into(),
                actual: w.status.name().into(),
                ok: w.status == Status::Witnessed,
            });
        }
    }
    if !mf.expect.probability.is_empty() {
        let spec = mf.prob_spec().map_err(in_file)?;
        let popts = mf.prob_options().map_err(in_file)?;
        let pr = entry.prob(&spec, &popts).map_err(in_file)?;
        for (key, want) in &mf.expect.probability {
            let found = pr.results.iter().find(|r| r.meta.matches(key));
            let Some(r) = found.filter(|_| !crate::engine::property::is_witness_key(key)) else {
                return Err(in_file(Error::input(format!(
                    "[expect.probability] '{key}' is not a property of runs of this model"
                ))));
            };
            let actual = if r.exhaustive {
                crate::engine::prob::ProbReport::pinned(r)
            } else {
                "unknown (bounded)".to_string()
            };
            let ok = r.exhaustive
                && crate::app::modelfile::parse_pinned(want)
                    == Some((r.min.clone(), r.max.clone()));
            rows.push(Row {
                what: format!("P[{}]", r.meta.name),
                expected: want.clone(),
                actual,
                ok,
            });
        }
    }
    if let Some(n) = mf.expect.unique_states.filter(|_| reduce.is_none()) {
        rows.push(Row {
            what: "unique states".into(),
            expected: n.to_string(),
            actual: report.unique_states.to_string(),
            ok: n == report.unique_states,
        });
    }
    Ok(FileResult {
        path: path.display().to_string(),
        description: mf.description.clone(),
        ok: rows.iter().all(|r| r.ok),
        rows,
        report,
    })
}

/// Runs model files on up to `workers` threads; results keep the order of `files`. With
/// `reduce`, every file runs with those reductions instead of its own (see
/// [`verify_file_with`]).
pub fn verify_all(
    reg: &Registry,
    files: &[PathBuf],
    workers: usize,
    reduce: Option<crate::engine::reductions::Reductions>,
) -> Result<Vec<FileResult>> {
    // Files run side by side under one process budget: the lowest any of them sets.
    for f in files {
        let lowest = ModelFile::load(f)
            .ok()
            .and_then(|mf| mf.memory_limit().ok().flatten());
        if let Some(limit) = lowest {
            let now = crate::engine::stop::budget().unwrap_or(u64::MAX);
            crate::engine::stop::set_budget(limit.min(now));
        }
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let slots: Vec<std::sync::Mutex<Option<Result<FileResult>>>> =
        files.iter().map(|_| std::sync::Mutex::new(None)).collect();
    std::thread::scope(|sc| {
        for _ in 0..workers.clamp(1, files.len().max(1)) {
            sc.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                let Some(f) = files.get(i) else { break };
                let r = verify_file_with(reg, f, reduce);
                if let Ok(mut slot) = slots[i].lock() {
                    *slot = Some(r);
                }
            });
        }
    });
    slots
        .into_iter()
        .map(|m| {
            m.into_inner()
                .ok()
                .flatten()
                .unwrap_or_else(|| Err(Error::Io("a verify worker failed".into())))
        })
        .collect()
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&apos;")
}

/// JUnit XML: one test suite per model file, one test case per check (property or count).
pub fn junit(results: &[FileResult]) -> String {
    let tests: usize = results.iter().map(|r| r.rows.len()).sum();
    let failures: usize = results
        .iter()
        .map(|r| r.rows.iter().filter(|x| !x.ok).count())
        .sum();
    let mut s = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    s += &format!(
        "<testsuites name=\"broadcheck verify\" tests=\"{tests}\" failures=\"{failures}\">\n"
    );
    for r in results {
        let fails = r.rows.iter().filter(|x| !x.ok).count();
        s += &format!(
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{fails}\" time=\"{:.3}\">\n",
            xml(&r.path),
            r.rows.len(),
            r.report.seconds
        );
        for row in &r.rows {
            s += &format!(
                "    <testcase classname=\"{}\" name=\"{}\" time=\"0\">",
                xml(&r.path),
                xml(&row.what)
            );
            if row.ok {
                s += "</testcase>\n";
            } else {
                s += &format!(
                    "\n      <failure message=\"expected {}, got {}\">{}</failure>\n    </testcase>\n",
                    xml(&row.expected),
                    xml(&row.actual),
                    xml(&r.description)
                );
            }
        }
        s += "  </testsuite>\n";
    }
    s += "</testsuites>\n";
    s
}
