//! Timeouts: one lazily started thread that sets a store's interrupt flag
//! when a call's deadline passes. Compiled code polls the flag (modules
//! compiled with interruption checks) and traps with `Interrupted`.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::Instant;

struct Watchdog {
    /// (deadline, arm id) -> flag to raise.
    deadlines: Mutex<BTreeMap<(Instant, u64), Arc<AtomicU32>>>,
    wake: Condvar,
}

static WATCHDOG: OnceLock<Watchdog> = OnceLock::new();
static NEXT_ID: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

fn watchdog() -> &'static Watchdog {
    WATCHDOG.get_or_init(|| {
        std::thread::Builder::new()
            .name("smelt-watchdog".into())
            .spawn(run)
            .expect("starting the timeout thread");
        Watchdog {
            deadlines: Mutex::new(BTreeMap::new()),
            wake: Condvar::new(),
        }
    })
}

fn run() {
    let dog = watchdog();
    let mut deadlines = dog.deadlines.lock().unwrap_or_else(|e| e.into_inner());
    loop {
        let now = Instant::now();
        while let Some(entry) = deadlines.first_entry() {
            if entry.key().0 > now {
                break;
            }
            entry.remove().store(1, Ordering::SeqCst);
        }
        deadlines = match deadlines.keys().next() {
            Some((deadline, _)) => {
                let wait = deadline.saturating_duration_since(now);
                dog.wake
                    .wait_timeout(deadlines, wait)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => dog.wake.wait(deadlines).unwrap_or_else(|e| e.into_inner()),
        };
    }
}

/// A pending deadline; dropping it disarms it.
pub(crate) struct Armed {
    key: (Instant, u64),
}

/// Raises `flag` at `deadline` unless the returned guard is dropped first.
pub(crate) fn arm(deadline: Instant, flag: Arc<AtomicU32>) -> Armed {
    let dog = watchdog();
    let key = (deadline, NEXT_ID.fetch_add(1, Ordering::Relaxed));
    dog.deadlines
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .insert(key, flag);
    dog.wake.notify_one();
    Armed { key }
}

impl Drop for Armed {
    fn drop(&mut self) {
        if let Some(dog) = WATCHDOG.get() {
            dog.deadlines
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .remove(&self.key);
        }
    }
}
