//! Helpers for mj's end-to-end tests (in `tests/tests/`).

use std::future::Future;
use std::task::{Context, Poll, Waker};

/// Polls `future` to completion without a runtime: for futures whose transport never
/// really waits (a manual clock, canned answers).
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = Context::from_waker(Waker::noop());
    loop {
        if let Poll::Ready(out) = future.as_mut().poll(&mut cx) {
            return out;
        }
    }
}
