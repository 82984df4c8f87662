//! The application: the command line, model files and `verify`, reports, sequence charts, the
//! Explorer and the bench.

pub mod bench;
pub mod cli;
pub mod diagram;
pub mod explorer;
pub mod modelfile;
pub mod registry;
pub mod report;
pub mod scaffold;
pub mod verify;
