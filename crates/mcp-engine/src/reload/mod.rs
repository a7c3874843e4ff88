//! Hot reload: rebuild the catalog when files change, keep the last good version of a file
//! that fails, swap the new snapshot in one step, and tell clients only what really changed.

mod changes;
mod rebuild;
mod watch;

pub(crate) use changes::Changes;
pub(crate) use rebuild::Reloader;
pub(crate) use watch::{WatchHandle, spawn};
