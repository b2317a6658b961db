//! Who is in the federation: nodes enroll with a self-signed document; the coordinator
//! admits them into a registry signed by the national registry key, which every peer
//! verifies before trusting any key in it.

mod enrollment;
mod file;
mod peer_id;
mod registry;
mod registry_protocol;

pub use enrollment::{Enrollment, EnrollmentError, SignedEnrollment};
pub use file::FederationFile;
pub use peer_id::PeerIdBytes;
pub use registry::{CoordinatorEntry, Registry, RegistryEntry, RegistryError, SignedRegistry};
pub use registry_protocol::{RegistryRequest, RegistryResponse};
