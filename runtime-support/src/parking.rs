//! `memory.atomic.wait` and `memory.atomic.notify`: a process-wide parking
//! lot keyed by the absolute address being waited on.
//!
//! A waiter checks the value and enqueues itself under the lot's lock, so
//! a notify that happens after the check always finds it. Each waiter
//! sleeps on its own condition variable; notify dequeues waiters in FIFO
//! order and wakes them.

use std::collections::HashMap;
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

#[derive(Default)]
struct Waiter {
    woken: Mutex<bool>,
    cond: Condvar,
}

static LOT: Mutex<Option<HashMap<usize, Vec<Arc<Waiter>>>>> = Mutex::new(None);

fn lot() -> std::sync::MutexGuard<'static, Option<HashMap<usize, Vec<Arc<Waiter>>>>> {
    LOT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Result of a wait, as wasm encodes it.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub(crate) enum WaitResult {
    Woken = 0,
    NotEqual = 1,
    TimedOut = 2,
    /// Not a wasm result: `interrupted()` became true while waiting (the
    /// caller traps).
    Interrupted = 3,
}

/// How often a wait that can be interrupted checks for it.
const INTERRUPT_POLL: Duration = Duration::from_millis(5);

/// Waits on `addr` while `still_expected()` holds when checked under the
/// lot's lock; `timeout` is in nanoseconds, negative meaning forever.
/// With `interrupted`, the wait also ends (within a few milliseconds) once
/// it returns true: a timeout or interrupt of the waiting call must not
/// wait for a notify that may never come.
pub(crate) fn wait(
    addr: usize,
    still_expected: impl FnOnce() -> bool,
    timeout: i64,
    interrupted: Option<&dyn Fn() -> bool>,
) -> WaitResult {
    let waiter = Arc::new(Waiter::default());
    {
        let mut guard = lot();
        if !still_expected() {
            return WaitResult::NotEqual;
        }
        guard
            .get_or_insert_with(HashMap::new)
            .entry(addr)
            .or_default()
            .push(waiter.clone());
    }
    let deadline = (timeout >= 0).then(|| Instant::now() + Duration::from_nanos(timeout as u64));
    let mut woken = waiter.woken.lock().unwrap_or_else(|e| e.into_inner());
    let mut result = WaitResult::TimedOut;
    while !*woken {
        if interrupted.is_some_and(|f| f()) {
            result = WaitResult::Interrupted;
            break;
        }
        let now = Instant::now();
        let slice = match (deadline, interrupted) {
            (Some(d), _) if now >= d => break,
            (Some(d), None) => Some(d - now),
            (Some(d), Some(_)) => Some((d - now).min(INTERRUPT_POLL)),
            (None, Some(_)) => Some(INTERRUPT_POLL),
            (None, None) => None,
        };
        woken = match slice {
            None => waiter.cond.wait(woken).unwrap_or_else(|e| e.into_inner()),
            Some(s) => {
                waiter
                    .cond
                    .wait_timeout(woken, s)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
        };
    }
    if *woken {
        return WaitResult::Woken;
    }
    drop(woken);
    // Timed out: leave the queue, unless a notify dequeued us meanwhile.
    let mut guard = lot();
    if let Some(queue) = guard.as_mut().and_then(|m| m.get_mut(&addr))
        && let Some(pos) = queue.iter().position(|w| Arc::ptr_eq(w, &waiter))
    {
        queue.remove(pos);
        if queue.is_empty() {
            guard.as_mut().expect("present").remove(&addr);
        }
        return result;
    }
    WaitResult::Woken
}

/// Wakes up to `count` waiters on `addr`; returns how many were woken.
pub(crate) fn notify(addr: usize, count: u32) -> u32 {
    let mut guard = lot();
    let Some(map) = guard.as_mut() else { return 0 };
    let Some(queue) = map.get_mut(&addr) else {
        return 0;
    };
    let n = (count as usize).min(queue.len());
    for waiter in queue.drain(..n) {
        *waiter.woken.lock().unwrap_or_else(|e| e.into_inner()) = true;
        waiter.cond.notify_one();
    }
    if queue.is_empty() {
        map.remove(&addr);
    }
    n as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn not_equal_and_timeout() {
        assert_eq!(wait(1, || false, -1, None), WaitResult::NotEqual);
        assert_eq!(wait(2, || true, 1_000_000, None), WaitResult::TimedOut);
        assert_eq!(notify(2, 1), 0);
    }

    #[test]
    fn interrupt_ends_an_untimed_wait() {
        use std::sync::atomic::{AtomicBool, Ordering};
        let flag = Arc::new(AtomicBool::new(false));
        let f = flag.clone();
        let t = std::thread::spawn(move || {
            let interrupted = move || f.load(Ordering::SeqCst);
            wait(4, || true, -1, Some(&interrupted))
        });
        std::thread::sleep(Duration::from_millis(20));
        flag.store(true, Ordering::SeqCst);
        assert_eq!(t.join().unwrap(), WaitResult::Interrupted);
        // It left the queue: nobody is there to wake.
        assert_eq!(notify(4, 1), 0);
        // A timed wait is interrupted too, and an interrupt that is
        // already pending ends the wait at once.
        let started = Instant::now();
        let always = || true;
        assert_eq!(
            wait(5, || true, 10_000_000_000, Some(&always)),
            WaitResult::Interrupted
        );
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn notify_wakes_waiters() {
        let t = std::thread::spawn(|| wait(3, || true, -1, None));
        let mut woken = 0;
        while woken == 0 {
            std::thread::yield_now();
            woken = notify(3, 5);
        }
        assert_eq!(t.join().unwrap(), WaitResult::Woken);
        assert_eq!(woken, 1);
    }
}
