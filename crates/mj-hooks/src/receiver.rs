//! The standalone receiver: a listener thread, a thread per connection (at most
//! [`MAX_CONNECTIONS`]), each serving one callback under the crate's limits.

use std::fmt;
use std::io;
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use mj_client::Hooks;
use mj_proto::plan::Callback;

use crate::MAX_CONNECTIONS;
use crate::exchange::{answer, serve_one};

/// What sees every callback the hooks took, after them and before the caller is
/// answered: `mj listen` prints them. It runs on the connection's thread.
pub type Tap = Arc<dyn Fn(&Callback) + Send + Sync>;

/// Listens for a server's callbacks on a thread of its own and feeds them to its
/// [`Hooks`]; stops when dropped. It needs no runtime, so it serves the async client as
/// well as the blocking one.
///
/// ```
/// use mj_hooks::HookReceiver;
///
/// let receiver = HookReceiver::start("127.0.0.1:0", None)?;
/// // Callbacks come to http://127.0.0.1:PORT/mj-hook/<secret>.
/// assert!(receiver.hooks().url().starts_with(&format!("http://{}/mj-hook/", receiver.local_addr())));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// Each request is answered as [`Callback::status`] says: 204 for a task, 400 for a body
/// that is not one, 404 for any path but the hook's (its body unread); 405 for a method
/// other than POST, 413 for a body over [`MAX_CALLBACK_BODY`](crate::MAX_CALLBACK_BODY)
/// (declared, or read so far of a chunked one), 408 when its head is not in within
/// [`HEAD_TIMEOUT`](crate::HEAD_TIMEOUT) or all of it within
/// [`READ_TIMEOUT`](crate::READ_TIMEOUT), 503 past [`MAX_CONNECTIONS`]. Nothing it logs
/// or answers holds the hook's secret path or the API key.
pub struct HookReceiver {
    hooks: Hooks,
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl HookReceiver {
    /// Listens on `listen` (`127.0.0.1:0` picks a free port) for callbacks to
    /// `public_url`, the base the server must reach (`None`: `http://` and the bound
    /// address, right when the server runs on this machine). The hook's path is drawn
    /// from the OS's randomness.
    pub fn start(listen: impl ToSocketAddrs, public_url: Option<&str>) -> io::Result<Self> {
        Self::start_tapped(listen, public_url, Arc::new(|_: &Callback| {}))
    }

    /// [`start`](Self::start), with `tap` seeing every callback the hooks took.
    pub fn start_tapped(listen: impl ToSocketAddrs, public_url: Option<&str>, tap: Tap) -> io::Result<Self> {
        let listener = TcpListener::bind(listen)?;
        let addr = listener.local_addr()?;
        let hooks = Hooks::listening(addr, public_url, crate::secret()?)
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))?;
        Self::serve(listener, hooks, tap)
    }

    /// Listens on `listen` for the callbacks of `hooks`, which the caller made: the
    /// replicas of a deployment behind one load balancer make theirs with the same
    /// public URL and secret, so whichever replica a callback reaches takes it (and
    /// passes it on with a bus: [`Hooks::with_bus`]).
    ///
    /// ```
    /// use mj_hooks::{HookReceiver, Hooks, Hub};
    ///
    /// let shared_secret: u128 = 0x5eed; // the same on every replica; from a secret store
    /// let hooks = Hooks::new(Hub::new("https://app.example.com", shared_secret)?);
    /// let receiver = HookReceiver::feeding("127.0.0.1:0", hooks.clone())?;
    /// assert_eq!(receiver.hooks(), hooks);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn feeding(listen: impl ToSocketAddrs, hooks: Hooks) -> io::Result<Self> {
        Self::serve(TcpListener::bind(listen)?, hooks, Arc::new(|_: &Callback| {}))
    }

    fn serve(listener: TcpListener, hooks: Hooks, tap: Tap) -> io::Result<Self> {
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let thread = {
            let (hooks, stop) = (hooks.clone(), stop.clone());
            std::thread::Builder::new().name("mj-hooks".into()).spawn(move || serve(&listener, &hooks, &stop, &tap))?
        };
        Ok(Self { hooks, addr, stop, thread: Some(thread) })
    }

    /// The hooks this receiver feeds: give them to the client's `Settings::hooks`.
    pub fn hooks(&self) -> Hooks {
        self.hooks.clone()
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }
}

impl fmt::Debug for HookReceiver {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HookReceiver").field("hooks", &self.hooks).field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Drop for HookReceiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the accept; the loop then sees the flag.
        let _ = TcpStream::connect_timeout(&wake_addr(self.addr), Duration::from_secs(1));
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Where to connect to wake a listener bound to `addr` (an unspecified address is
/// reached on loopback).
fn wake_addr(addr: SocketAddr) -> SocketAddr {
    let mut to = addr;
    if to.ip().is_unspecified() {
        to.set_ip(if addr.is_ipv4() { [127, 0, 0, 1].into() } else { std::net::Ipv6Addr::LOCALHOST.into() });
    }
    to
}

fn serve(listener: &TcpListener, hooks: &Hooks, stop: &AtomicBool, tap: &Tap) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            return;
        }
        let Ok(mut stream) = stream else {
            // Out of descriptors, most likely: give the open connections time to end.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if active.load(Ordering::SeqCst) >= MAX_CONNECTIONS {
            let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
            let _ = answer(&mut stream, 503);
            continue;
        }
        active.fetch_add(1, Ordering::SeqCst);
        let (hooks, tap, count) = (hooks.clone(), tap.clone(), active.clone());
        let spawned = std::thread::Builder::new().name("mj-hook".into()).spawn(move || {
            let _ = serve_one(&mut stream, &hooks, |callback| tap(callback));
            let _ = stream.shutdown(Shutdown::Both);
            count.fetch_sub(1, Ordering::SeqCst);
        });
        if spawned.is_err() {
            active.fetch_sub(1, Ordering::SeqCst);
        }
    }
}
