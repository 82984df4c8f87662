//! `broadcheck explore`: stateright's web Explorer on a model.
//!
//! stateright serves `./ui/*` from the working directory when such files exist, in place of its
//! own bundled UI. To make sure the user sees the real Explorer, the server runs from a fresh,
//! empty directory. Binding errors are reported as input errors before stateright gets the
//! address (it would panic on them).

use crate::checker::Spec;
use crate::error::{Error, Result};
use std::net::{SocketAddr, TcpListener};

/// Serves the Explorer on `addr` until the process is killed.
pub fn serve<M>(model: M, addr: SocketAddr, ready: &dyn Fn(&str)) -> Result<()>
where
    M: Spec + Send + 'static,
    M::State: PartialEq,
    M::Action: PartialEq,
{
    // Fail cleanly if the port is taken.
    drop(TcpListener::bind(addr).map_err(|e| Error::Io(format!("cannot listen on {addr}: {e}")))?);
    let dir = std::env::temp_dir().join(format!("broadcheck-explorer-{}", std::process::id()));
    std::fs::create_dir_all(&dir)
        .and_then(|()| std::env::set_current_dir(&dir))
        .map_err(|e| Error::Io(format!("cannot prepare {}: {e}", dir.display())))?;
    ready(&format!("http://{addr}/"));
    stateright::Model::checker(model).serve(addr);
    Ok(())
}
