//! `broadcheck new NAME`: a new crate that checks the user's own algorithm beside the built-in
//! models. The files are templates kept beside this one (`templates/`); the algorithm skeleton
//! is Basic Broadcast, a first version whose RB4 counterexample the user sees at once.

use crate::app::registry::{is_model_name, MODEL_NAME_RULE};
use crate::error::{Error, Result};
use std::path::{Path, PathBuf};

/// Where the new crate's `broadcheck` dependency comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Dependency {
    /// A local checkout of broadcheck.
    Path(PathBuf),
    /// A git repository URL.
    Git(String),
}

impl Dependency {
    fn toml(&self) -> String {
        let quote = |s: &str| format!("\"{}\"", s.replace('\\', "\\\\").replace('"', "\\\""));
        match self {
            Dependency::Path(p) => format!("path = {}", quote(&p.display().to_string())),
            Dependency::Git(url) => format!("git = {}", quote(url)),
        }
    }
}

/// What `new` writes: (path inside the crate, contents).
pub fn files(name: &str, dep: &Dependency) -> Result<Vec<(PathBuf, String)>> {
    if !is_model_name(name) {
        return Err(Error::input(format!(
            "'{name}' is not a model name: use {MODEL_NAME_RULE} (e.g. my-rb)"
        )));
    }
    let ty: String = name
        .split('-')
        .map(|w| {
            let mut c = w.chars();
            c.next()
                .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
                .unwrap_or_default()
        })
        .collect();
    let title = format!("{ty}: my broadcast algorithm");
    let fill = |t: &str| {
        t.replace("{{name}}", name)
            .replace("{{type}}", &ty)
            .replace("{{title}}", &title)
            .replace("{{dep}}", &dep.toml())
    };
    Ok(vec![
        (
            "Cargo.toml".into(),
            fill(include_str!("templates/Cargo.toml.txt")),
        ),
        (
            "src/main.rs".into(),
            fill(include_str!("templates/main.rs.txt")),
        ),
        (
            format!("models/{name}-claims-hold.toml").into(),
            fill(include_str!("templates/holds.toml.txt")),
        ),
        (
            format!("models/{name}-crash-violates-rb4.toml").into(),
            fill(include_str!("templates/violates.toml.txt")),
        ),
        (
            "README.md".into(),
            fill(include_str!("templates/README.md.txt")),
        ),
        (
            ".github/workflows/verify.yml".into(),
            include_str!("templates/verify.yml.txt").to_string(),
        ),
        (".gitignore".into(), "/target\n".into()),
    ])
}

/// Writes the crate into `dir` (which must not exist, or be an empty directory); the crate's
/// name and model name are `name`. Returns the files written.
pub fn create(dir: &Path, name: &str, dep: &Dependency) -> Result<Vec<PathBuf>> {
    let files = files(name, dep)?;
    match std::fs::read_dir(dir) {
        Ok(mut it) => {
            if it.next().is_some() {
                return Err(Error::input(format!(
                    "{} exists and is not empty; choose a new directory",
                    dir.display()
                )));
            }
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
        Err(e) => {
            return Err(Error::input(format!("cannot use {}: {e}", dir.display())));
        }
    }
    let mut written = Vec::new();
    for (rel, text) in files {
        let path = dir.join(&rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)
                .map_err(|e| Error::Io(format!("cannot create {}: {e}", parent.display())))?;
        }
        std::fs::write(&path, text)
            .map_err(|e| Error::Io(format!("cannot write {}: {e}", path.display())))?;
        written.push(rel);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_dependencies() {
        assert!(files("My_RB", &Dependency::Git("x".into())).is_err());
        assert!(files("-rb", &Dependency::Git("x".into())).is_err());
        let f = files("my-rb", &Dependency::Path("/a \"b\"".into())).expect("valid");
        let cargo = &f[0].1;
        assert!(
            cargo.contains(r#"broadcheck = { path = "/a \"b\"" }"#),
            "{cargo}"
        );
        let main = &f[1].1;
        assert!(main.contains("pub struct MyRb;") && main.contains("name: \"my-rb\""));
    }

    #[test]
    fn refuses_a_non_empty_directory() {
        let dir = std::env::temp_dir().join(format!("broadcheck-new-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("tmp");
        let dep = Dependency::Git("x".into());
        create(&dir, "my-rb", &dep).expect("empty dir is fine");
        let err = create(&dir, "my-rb", &dep).expect_err("not empty now");
        assert!(err.to_string().contains("not empty"), "{err}");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
