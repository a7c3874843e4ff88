//! Giving memory back to the operating system once HTTP sessions have ended, and after a
//! catalogue is built (parsing and compiling it frees several megabytes of scratch).
//!
//! glibc's allocator keeps what a burst of sessions freed: measured, 580 MB stayed resident
//! after 10,000 sessions had expired, because it only returns the top of each heap, while
//! `malloc_trim` also releases the free pages inside them (the process went back to 23 MB).
//! Other allocators and systems return memory on their own, so this does nothing there.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use tokio_util::sync::CancellationToken;

/// How often ended sessions are looked for: often enough that a burst's memory is back
/// soon after the burst, rarely enough that trimming costs nothing measurable.
const EVERY: Duration = Duration::from_secs(5);

/// Until `shutdown`: after each period in which sessions ended, `prune` (forget what is
/// kept about them) and give the freed memory back. `ended` says how many ended since it
/// was last asked.
pub(crate) async fn release_after_sessions(
    ended: impl Fn() -> usize,
    prune: impl AsyncFn(),
    shutdown: CancellationToken,
) {
    let mut ticks = tokio::time::interval(EVERY);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = shutdown.cancelled() => return,
            _ = ticks.tick() => {}
        }
        if ended() > 0 {
            prune().await;
            // Walking the heaps takes a few milliseconds with hundreds of megabytes free:
            // not on a thread that serves requests.
            let _ = tokio::task::spawn_blocking(release_freed).await;
        }
    }
}

pub(crate) fn release_freed() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: `malloc_trim` takes the allocator's own locks and only touches its free lists;
    // it has no precondition on the caller.
    unsafe {
        libc::malloc_trim(0);
    }
}

/// How long after the last huge answer its memory is given back.
const QUIET: Duration = Duration::from_millis(500);

/// Gives freed memory back shortly after the last of a burst of huge answers (tools/list of
/// a large catalogue builds tens of megabytes to write it): answers in a row, a client
/// listing again or paging, neither wait for the allocator's walk nor fault in again the
/// pages it just gave back.
#[derive(Clone, Default)]
pub(crate) struct ReleaseSoon(Arc<AtomicU64>);

impl ReleaseSoon {
    /// Must be called on the runtime.
    pub(crate) fn request(&self) {
        let mine = self.0.fetch_add(1, Ordering::Relaxed) + 1;
        let latest = self.0.clone();
        tokio::spawn(async move {
            tokio::time::sleep(QUIET).await;
            if latest.load(Ordering::Relaxed) == mine {
                let _ = tokio::task::spawn_blocking(release_freed).await;
            }
        });
    }
}
