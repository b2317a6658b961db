//! Registry and enrollment signatures.

use crate::fixtures::*;
use vrs_protocol::federation::{EnrollmentError, RegistryError};
use vrs_protocol::{
    Address, CoordinatorEntry, Enrollment, PeerIdBytes, Registry, RegistryEntry, SignedEnrollment, SignedRegistry,
};

pub fn entry(c: &str, key: u8) -> RegistryEntry {
    RegistryEntry {
        municipality: code(c),
        peer_id: PeerIdBytes::new(vec![key; 38]).unwrap(),
        signing_key: signer(key).public_key(),
        encryption_key: decryption(key).public_key(),
    }
}

pub fn registry() -> Registry {
    Registry {
        version: 3,
        issued_at_ms: T0,
        coordinator: CoordinatorEntry {
            peer_id: PeerIdBytes::new(vec![0xc0; 38]).unwrap(),
            signing_key: signer(0xc0).public_key(),
            encryption_key: decryption(0xc0).public_key(),
        },
        // Unsorted on purpose: signing sorts.
        nodes: vec![entry("141003", 1), entry("131016", 2), entry("011002", 3)],
    }
}

#[test]
fn signed_registry_verifies_and_looks_up() {
    let national = signer(0xaa);
    let signed = SignedRegistry::sign(&national, registry()).unwrap();
    let r = signed.verify(&national.public_key()).unwrap();
    assert_eq!(r.nodes[0].municipality, code("011002"));
    assert_eq!(r.node(code("131016")).unwrap().signing_key, signer(2).public_key());
    assert_eq!(r.node_by_peer(&[1; 38]).unwrap().municipality, code("141003"));
    assert_eq!(r.keys(Address::Coordinator).unwrap().0, signer(0xc0).public_key());
    assert!(r.node(code("271004")).is_none());
}

#[test]
fn tampered_or_foreign_registry_is_refused() {
    let national = signer(0xaa);
    let signed = SignedRegistry::sign(&national, registry()).unwrap();
    assert_eq!(signed.verify(&signer(0xbb).public_key()), Err(RegistryError::BadSignature));
    let mut t = signed.clone();
    t.registry.nodes[1].encryption_key = decryption(9).public_key(); // key substitution
    assert_eq!(t.verify(&national.public_key()), Err(RegistryError::BadSignature));
    let mut t = signed.clone();
    t.registry.nodes.pop(); // silently dropping a node
    assert_eq!(t.verify(&national.public_key()), Err(RegistryError::BadSignature));
    assert_eq!(signed.verify_newer(&national.public_key(), 4), Err(RegistryError::Rollback { have: 4, got: 3 }));
    assert!(signed.verify_newer(&national.public_key(), 3).is_ok());
}

#[test]
fn duplicate_codes_cannot_be_signed() {
    let mut r = registry();
    r.nodes.push(entry("131016", 5));
    assert_eq!(SignedRegistry::sign(&signer(0xaa), r), Err(RegistryError::NotCanonical));
}

#[test]
fn registry_json_and_wire_round_trip() {
    let national = signer(0xaa);
    let signed = SignedRegistry::sign(&national, registry()).unwrap();
    let json = serde_json::to_string(&signed).unwrap();
    let back: SignedRegistry = serde_json::from_str(&json).unwrap();
    back.verify(&national.public_key()).unwrap();
    let req = vrs_protocol::RegistryRequest::Push(Box::new(signed));
    assert_eq!(vrs_protocol::RegistryRequest::from_bytes(&req.to_bytes()).unwrap(), req);
}

fn enrollment(key: u8) -> Enrollment {
    Enrollment {
        municipality: code("131016"),
        peer_id: PeerIdBytes::new(vec![2; 38]).unwrap(),
        signing_key: signer(key).public_key(),
        encryption_key: decryption(key).public_key(),
        created_at_ms: T0,
    }
}

#[test]
fn enrollment_is_self_signed() {
    let e = SignedEnrollment::sign(&signer(2), enrollment(2)).unwrap();
    let json = serde_json::to_string_pretty(&e).unwrap();
    assert!(json.contains("\"municipality\": \"131016\""), "{json}");
    let back: SignedEnrollment = serde_json::from_str(&json).unwrap();
    assert_eq!(back.verify().unwrap().municipality, code("131016"));
    assert_eq!(SignedEnrollment::sign(&signer(3), enrollment(2)), Err(EnrollmentError::KeyMismatch));
    let mut t = e.clone();
    t.enrollment.municipality = code("141003"); // claiming another municipality
    assert_eq!(t.verify(), Err(EnrollmentError::BadSignature));
}

#[test]
fn checkpoint_signature() {
    let cp = checkpoint(&signer(2));
    assert!(cp.verify(&signer(2).public_key()).is_ok());
    assert!(cp.verify(&signer(1).public_key()).is_err());
    let mut t = cp.clone();
    t.checkpoint.entries += 1;
    assert!(t.verify(&signer(2).public_key()).is_err());
}
