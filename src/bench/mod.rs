//! `broadcheck bench`: fixed workloads, measured.
pub mod baseline;
#[cfg(test)]
mod size_probe {
    #[test]
    #[ignore]
    fn sizes() {
        use crate::models::eager_rb::EagerRb;
        eprintln!(
            "sys {} hist {} beats {} net {} procs {}",
            std::mem::size_of::<crate::system::SysState<EagerRb>>(),
            std::mem::size_of::<crate::history::History>(),
            std::mem::size_of::<Option<crate::heartbeat::Beats>>(),
            std::mem::size_of::<crate::network::Net<crate::models::Data>>(),
            std::mem::size_of::<smallvec::SmallVec<[crate::bits::MSet; 4]>>(),
        );
    }
}
