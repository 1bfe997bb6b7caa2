//! The simulator as a transport: no socket, same answers, faults turned into the transport
//! errors a real client library would report.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use mj_proto::{
    AsyncTransport, HttpRequest, HttpResponse, RequestTimeout, Transport, TransportError, TransportErrorKind,
};

use crate::clock::Clock;
use crate::config::SimConfig;
use crate::simulator::{Delivery, Notification, Simulator};
use crate::stats::Stats;

/// An in-process [`Transport`] and [`AsyncTransport`] over a [`Simulator`].
///
/// ```
/// use mj_sim::mj_proto::{Transport, prelude::*};
/// use mj_sim::{SimConfig, SimTransport};
///
/// let transport = SimTransport::manual(SimConfig::new("http://sim.local"), 1_700_000_000_000);
/// let config = Config::new("http://sim.local")?;
/// let imagine = Imagine::new("a red fox");
/// let submitted = config.parse(&imagine, transport.send(config.build(&imagine)?)?)?;
/// transport.sleep(std::time::Duration::from_secs(60)); // instant: the clock is manual
/// let fetch = Fetch::new(&submitted.task_id);
/// let task = config.parse(&fetch, transport.send(config.build(&fetch)?)?)?.expect("exists");
/// assert_eq!(task.status, TaskStatus::Success);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone, Debug)]
pub struct SimTransport {
    sim: Arc<Mutex<Simulator>>,
    clock: Clock,
    timeout: Duration,
    /// An instant and the clock's reading then, to turn simulated time into instants.
    origin: (Instant, u64),
}

impl SimTransport {
    /// A transport over a new simulator on the system clock.
    pub fn new(config: SimConfig) -> Self {
        Self::with_clock(config, Clock::System)
    }

    /// A transport over a new simulator on a manual clock starting at `epoch_ms`.
    pub fn manual(config: SimConfig, epoch_ms: u64) -> Self {
        Self::with_clock(config, Clock::manual(epoch_ms))
    }

    /// A transport over a new simulator on `clock`.
    pub fn with_clock(config: SimConfig, clock: Clock) -> Self {
        let origin = (Instant::now(), clock.now_ms());
        Self { sim: Arc::new(Mutex::new(Simulator::new(config))), clock, timeout: Duration::from_secs(30), origin }
    }

    /// Answers later than `timeout` become timeouts (30 s unless set; a request's
    /// [`RequestTimeout`] shortens it, as in the real transports).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The clock the simulator runs on: advance it to make simulated time pass.
    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// The simulator's counters.
    pub fn stats(&self) -> Stats {
        self.lock().stats().clone()
    }

    /// Webhook POSTs due now (the in-process transport delivers none by itself).
    pub fn take_notifications(&self) -> Vec<Notification> {
        let now = self.clock.now_ms();
        self.lock().poll_notifications(now)
    }

    /// Runs `f` on the simulator.
    pub fn with_simulator<R>(&self, f: impl FnOnce(&mut Simulator) -> R) -> R {
        f(&mut self.lock())
    }

    /// The clock's time as an instant (simulated time on a manual clock).
    fn instant(&self) -> Instant {
        match self.clock {
            Clock::System => Instant::now(),
            Clock::Manual(_) => {
                self.origin.0 + Duration::from_millis(self.clock.now_ms().saturating_sub(self.origin.1))
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Simulator> {
        // A panic while holding the lock cannot leave the store half-written in a way
        // that matters to a test double, so a poisoned lock is taken over.
        self.sim.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// One exchange; `Some(delay)` when the answer is late and must be waited for.
    fn exchange(&self, request: &HttpRequest) -> (Result<HttpResponse, TransportError>, Option<Duration>) {
        let now = self.clock.now_ms();
        let timeout = RequestTimeout::of(request).map_or(self.timeout, |t| t.min(self.timeout));
        let reply = self.lock().handle(request, now);
        match reply.delivery {
            Delivery::Normal => (Ok(reply.response), None),
            Delivery::Slow(delay) if delay >= timeout => (
                Err(TransportError::new(TransportErrorKind::Timeout, "no answer within the timeout (simulated)")),
                Some(timeout),
            ),
            Delivery::Slow(delay) => (Ok(reply.response), Some(delay)),
            Delivery::Truncate => (
                Err(TransportError::new(
                    TransportErrorKind::Interrupted,
                    "the body ended early (simulated truncation)",
                )),
                None,
            ),
            Delivery::Reset => (
                Err(TransportError::new(TransportErrorKind::Interrupted, "connection reset by peer (simulated)")),
                None,
            ),
        }
    }
}

impl Transport for SimTransport {
    fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (result, delay) = self.exchange(&request);
        if let Some(delay) = delay {
            Transport::sleep(self, delay);
        }
        result
    }

    fn sleep(&self, duration: Duration) {
        match &self.clock {
            Clock::Manual(_) => self.clock.advance(duration),
            Clock::System => std::thread::sleep(duration),
        }
    }

    fn now(&self) -> Instant {
        self.instant()
    }
}

#[async_trait::async_trait]
impl AsyncTransport for SimTransport {
    async fn send(&self, request: HttpRequest) -> Result<HttpResponse, TransportError> {
        let (result, delay) = self.exchange(&request);
        if let Some(delay) = delay {
            AsyncTransport::sleep(self, delay).await;
        }
        result
    }

    async fn sleep(&self, duration: Duration) {
        match &self.clock {
            Clock::Manual(_) => self.clock.advance(duration),
            Clock::System => tokio::time::sleep(duration).await,
        }
    }

    fn now(&self) -> Instant {
        self.instant()
    }
}
