//! The bus that carries callbacks between the processes of one deployment (several
//! replicas of an app behind a load balancer): the server calls back whichever replica the
//! balancer picks, and the task's waiter may be in another.

use std::fmt;

/// Where [`Hooks`](crate::Hooks) pass on each callback they accept, so that every process
/// sharing the hook's URL and secret learns of it.
///
/// A callback is checked (secret path, scope, body) by the process it reaches, then
/// published; each other process takes it with [`Hooks::deliver`](crate::Hooks::deliver),
/// which wakes its own waits. `mj-postgres` has one on PostgreSQL's `LISTEN/NOTIFY`.
pub trait HookBus: Send + Sync + fmt::Debug {
    /// Publishes a callback these hooks accepted: the pool member's scope it came for
    /// (`None`: the hooks themselves) and its body as received. Called on the receiver's
    /// thread before it answers the server, so that an acknowledged callback is never
    /// lost to the other processes; it should be quick.
    fn publish(&self, scope: Option<&str>, body: &[u8]) -> std::io::Result<()>;
}
