//! Whether the coordinator has admitted this node on the link as it is now. The transport
//! coming up proves nothing: a coordinator that does not know the node lets the TLS
//! handshake finish and closes the connection right after. Only an answer from the
//! coordinator, or a request from it, on the same connection says the node is in.

use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Admission {
    state: Mutex<State>,
}

#[derive(Debug, Default)]
struct State {
    /// Counts transport changes, so that proof from an earlier connection counts for nothing.
    connection: u64,
    admitted: bool,
}

impl Admission {
    /// The transport came up: not admitted yet. Returns the connection's number.
    pub fn transport_up(&self) -> u64 {
        let mut s = self.lock();
        s.connection += 1;
        s.admitted = false;
        s.connection
    }

    /// The transport went down.
    pub fn transport_down(&self) {
        let mut s = self.lock();
        s.connection += 1;
        s.admitted = false;
    }

    /// The coordinator answered or asked on connection `connection`.
    pub fn proved_on(&self, connection: u64) {
        let mut s = self.lock();
        if s.connection == connection {
            s.admitted = true;
        }
    }

    /// The coordinator asked something on the current connection.
    pub fn proved_now(&self) {
        self.lock().admitted = true;
    }

    pub fn is_admitted(&self) -> bool {
        self.lock().admitted
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::Admission;

    #[test]
    fn only_proof_on_the_current_connection_admits() {
        let a = Admission::default();
        let first = a.transport_up();
        assert!(!a.is_admitted(), "a handshake alone is not admission");
        a.transport_down();
        a.proved_on(first);
        assert!(!a.is_admitted(), "an answer from a closed connection");
        let second = a.transport_up();
        a.proved_on(second);
        assert!(a.is_admitted());
        a.transport_down();
        assert!(!a.is_admitted());
        a.transport_up();
        a.proved_now();
        assert!(a.is_admitted());
    }
}
