//! Tool files read and parsed on other threads while the loading thread compiles them. Each
//! parser thread takes the next chunk of files when done with its last; the loading thread
//! takes the files in their order. Only a few chunks of parsed files exist at once: parsing
//! all of a 10,000-tool catalogue before compiling any held 80 MB of YAML and JSON trees at
//! the peak, and the compiled tools, allocated between them, kept their pages from being
//! given back afterwards (docs/performance.md).

use std::collections::{BTreeSet, HashMap};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use super::tool::{PreparedInput, prepare_input};
use crate::definition::parse_yaml;
use crate::definition::schema::Format;
use crate::definition::tool::ToolFile;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, UnreadFile};

/// Tool files handed over, by path; `None`: lost to a panic outside the parser (the
/// loading thread reads it again).
type Batch = Vec<(Arc<str>, Option<Handed>)>;

/// A tool file to parse: read already, or to be read by the thread that parses it.
pub(super) enum ToParse {
    Read(SourceFile),
    Unread(UnreadFile),
}

impl ToParse {
    fn path(&self) -> &Arc<str> {
        match self {
            Self::Read(file) => &file.path,
            Self::Unread(file) => &file.path,
        }
    }
}

/// What became of a tool file given to the stream.
// Nearly every file is parsed: boxing that variant would add an allocation per file.
#[allow(clippy::large_enum_variant)]
pub(super) enum Handed {
    /// Its text, with its parse: `None` when its parser panicked (the caller parses it).
    Parsed(SourceFile, Option<ParsedTool>),
    /// It could not be read: why, for the user.
    Unreadable(String),
    /// It was removed between listing and reading.
    Gone,
}

/// A tool file parsed, its input schema prepared: its definition, or what is wrong with it.
pub(super) type ParsedTool = Result<(ToolFile, PreparedInput), Vec<Diagnostic>>;

/// Below this many tool files, parsing them costs less than starting more than one thread.
const PARSE_ON_THREADS_FROM: usize = 16;

/// Files a parser thread takes at a time: small, so that two threads finish together (a
/// chunk of 64 files each, joined before the next, left a third of two cores idle while
/// the quicker thread waited), and large enough that handing them over is a small part
/// of the work.
const PER_CHUNK: usize = 16;

/// Chunks a parser thread may take beyond the first one the loading thread has not
/// received, per thread: what bounds the parsed files held at once.
const AHEAD_PER_THREAD: usize = 8;

pub(super) fn parse_tool(file: &SourceFile) -> ParsedTool {
    let mut def = parse_yaml::<ToolFile>(Format::Tool, &file.path, &file.text, &file.text, 0)?;
    let prepared = prepare_input(&mut def, &file.path, &file.text);
    Ok((def, prepared))
}

/// The chunks not yet taken, shared by the parser threads and the loading thread.
struct Queue {
    chunks: std::vec::IntoIter<Vec<ToParse>>,
    /// The index of the next chunk to take.
    next: usize,
    /// Chunks from this index on may not be taken yet.
    limit: usize,
    /// The loading thread stopped taking: the parser threads end.
    stopped: bool,
}

struct Shared {
    queue: Mutex<Queue>,
    /// Signalled when `limit` rises or the stream stops.
    turn: Condvar,
}

impl Shared {
    fn queue(&self) -> MutexGuard<'_, Queue> {
        // Nothing panics while holding the lock; a poisoned queue is still consistent.
        self.queue.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The receiving end, on the loading thread.
pub(super) struct ParsedStream {
    ready: HashMap<Arc<str>, Option<Handed>>,
    batches: Option<Receiver<(usize, Batch)>>,
    shared: Arc<Shared>,
    /// Chunks received beyond the first one missing.
    arrived: BTreeSet<usize>,
    first_missing: usize,
    ahead: usize,
}

impl ParsedStream {
    /// Starts parsing `files` on `scope`'s threads, each taking the next chunk of files
    /// when done with its last. The stream owns them and hands each back with its parse,
    /// so that the loading thread can let go of a text once compiled: a 100,000-tool
    /// catalogue's texts are 175 MB, and held until the build ended they were a third of
    /// its peak. The threads parse at most `AHEAD_PER_THREAD` chunks each beyond the
    /// first one the loading thread is waiting for.
    pub(super) fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        files: Vec<ToParse>,
    ) -> Self {
        let threads = if files.len() < PARSE_ON_THREADS_FROM {
            1
        } else {
            // As many as there are cores, though the loading thread compiles meanwhile:
            // parsing is the larger part of the work.
            std::thread::available_parallelism()
                .map_or(1, |n| n.get())
                .clamp(1, 4)
        };
        let ahead = threads * AHEAD_PER_THREAD;
        let empty = files.is_empty();
        let mut chunks = Vec::with_capacity(files.len().div_ceil(PER_CHUNK));
        let mut files = files.into_iter();
        loop {
            let chunk: Vec<ToParse> = files.by_ref().take(PER_CHUNK).collect();
            if chunk.is_empty() {
                break;
            }
            chunks.push(chunk);
        }
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue {
                chunks: chunks.into_iter(),
                next: 0,
                limit: ahead,
                stopped: false,
            }),
            turn: Condvar::new(),
        });
        let batches = (!empty).then(|| {
            let (send, batches) = channel();
            for _ in 0..threads {
                let (shared, send) = (Arc::clone(&shared), send.clone());
                scope.spawn(move || parse_chunks(&shared, &send));
            }
            batches
        });
        Self {
            ready: HashMap::new(),
            batches,
            shared,
            arrived: BTreeSet::new(),
            first_missing: 0,
            ahead,
        }
    }

    /// The file at `path`, which must be one of the files given to [`Self::start`] (taken
    /// in their order, each once). `None` when the stream ended before it: the file is lost
    /// to the stream and must be read again.
    pub(super) fn take(&mut self, path: &str) -> Option<Handed> {
        loop {
            if let Some(handed) = self.ready.remove(path) {
                return handed;
            }
            match self.batches.as_ref()?.recv() {
                Ok((index, batch)) => {
                    self.ready.extend(batch);
                    self.arrived(index);
                }
                Err(_) => {
                    self.batches = None;
                    return None;
                }
            }
        }
    }

    /// Lets the parser threads take further chunks once those before `index` are all in.
    fn arrived(&mut self, index: usize) {
        self.arrived.insert(index);
        let before = self.first_missing;
        while self.arrived.remove(&self.first_missing) {
            self.first_missing += 1;
        }
        if self.first_missing != before {
            self.shared.queue().limit = self.first_missing + self.ahead;
            self.shared.turn.notify_all();
        }
    }
}

impl Drop for ParsedStream {
    fn drop(&mut self) {
        self.shared.queue().stopped = true;
        self.shared.turn.notify_all();
    }
}

/// Takes chunks until there are none left or the loading thread stops taking.
fn parse_chunks(shared: &Shared, send: &Sender<(usize, Batch)>) {
    loop {
        let (index, chunk) = {
            let mut queue = shared.queue();
            while !queue.stopped && queue.next >= queue.limit {
                queue = shared
                    .turn
                    .wait(queue)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            if queue.stopped {
                return;
            }
            let Some(chunk) = queue.chunks.next() else {
                return;
            };
            queue.next += 1;
            (queue.next - 1, chunk)
        };
        let paths: Vec<Arc<str>> = chunk.iter().map(|f| f.path().clone()).collect();
        // A panic outside the parser (reading) loses the chunk's files to the stream: the
        // loading thread reads them again.
        let batch = catch_unwind(AssertUnwindSafe(|| handle_chunk(chunk)))
            .unwrap_or_else(|_| paths.into_iter().map(|path| (path, None)).collect());
        if send.send((index, batch)).is_err() {
            // The loading thread stopped taking (it panicked): nothing more to do.
            return;
        }
    }
}

/// Each file of `chunk` read when it was not, and parsed; a chunk whose parser panicked
/// hands its files over unparsed.
fn handle_chunk(chunk: Vec<ToParse>) -> Batch {
    let mut handed: Vec<(Arc<str>, Handed)> = chunk
        .into_iter()
        .map(|input| match input {
            ToParse::Read(file) => (file.path.clone(), Handed::Parsed(file, None)),
            ToParse::Unread(file) => {
                let handed = match file.read() {
                    Ok(Some(read)) => Handed::Parsed(read, None),
                    Ok(None) => Handed::Gone,
                    Err(why) => Handed::Unreadable(why),
                };
                (file.path, handed)
            }
        })
        .collect();
    let parsed: Vec<Option<ParsedTool>> = catch_unwind(AssertUnwindSafe(|| {
        handed
            .iter()
            .map(|(_, handed)| match handed {
                Handed::Parsed(file, _) => Some(parse_tool(file)),
                _ => None,
            })
            .collect()
    }))
    .unwrap_or_default();
    for ((_, handed), parse) in handed.iter_mut().zip(parsed) {
        if let Handed::Parsed(_, slot) = handed {
            *slot = parse;
        }
    }
    handed
        .into_iter()
        .map(|(path, handed)| (path, Some(handed)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(i: usize) -> SourceFile {
        // Every seventh file is broken.
        let text = if i % 7 == 3 {
            "name: [not, a, name]\n".to_owned()
        } else {
            format!(
                "name: t{i:04}\ndescription: Tool {i}.\ninput:\n  type: object\nrequest:\n  method: GET\n  path: /things/{i}\n"
            )
        };
        SourceFile {
            path: format!("registry/set/t{i:04}.yaml").into(),
            text: text.into(),
        }
    }

    #[test]
    fn every_file_is_handed_over_once_in_batches_whatever_the_count() {
        for count in [
            0,
            1,
            PARSE_ON_THREADS_FROM - 1,
            3 * 4 * PER_CHUNK * AHEAD_PER_THREAD + 5,
        ] {
            let files: Vec<SourceFile> = (0..count).map(file).collect();
            std::thread::scope(|scope| {
                let given = files.iter().cloned().map(ToParse::Read).collect();
                let mut stream = ParsedStream::start(scope, given);
                for (i, f) in files.iter().enumerate() {
                    match stream.take(&f.path) {
                        Some(Handed::Parsed(given, parsed)) => {
                            assert_eq!(&given, f, "handed back as given");
                            match parsed.expect("parsed") {
                                Ok((def, _)) => assert_eq!(def.name, format!("t{i:04}")),
                                Err(problems) => {
                                    assert_eq!(i % 7, 3, "{problems:?}");
                                    assert!(problems.iter().all(|p| *p.file == *f.path));
                                }
                            }
                        }
                        Some(_) => panic!("file {i} of {count} not read"),
                        None => panic!("file {i} of {count} not handed over"),
                    }
                }
                if let Some(f) = files.first() {
                    assert!(stream.take(&f.path).is_none(), "taken twice");
                }
            });
        }
    }

    fn many(count: usize) -> Vec<SourceFile> {
        (0..count).map(file).collect()
    }

    #[test]
    fn the_parser_threads_stop_at_their_lead_and_end_when_the_stream_is_dropped() {
        let files = many(4 * 4 * PER_CHUNK * AHEAD_PER_THREAD);
        let (done, ended) = std::sync::mpsc::channel();
        let files_for_thread = files.clone();
        std::thread::spawn(move || {
            std::thread::scope(|scope| {
                let given = files_for_thread
                    .iter()
                    .cloned()
                    .map(ToParse::Read)
                    .collect();
                let mut stream = ParsedStream::start(scope, given);
                assert!(matches!(
                    stream.take(&files_for_thread[0].path),
                    Some(Handed::Parsed(..))
                ));
                // Time for the threads to run as far ahead as they may.
                std::thread::sleep(std::time::Duration::from_millis(300));
                let taken = stream.shared.queue().next;
                assert!(taken > 0);
                assert!(
                    taken <= stream.first_missing + stream.ahead,
                    "{taken} chunks taken while the first missing is {}",
                    stream.first_missing
                );
                assert!(taken * PER_CHUNK < files_for_thread.len());
                // Dropped with chunks left: the scope ends only if the threads do.
            });
            let _ = done.send(());
        });
        ended
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the parser threads ended once the stream was dropped");
    }

    #[test]
    fn chunks_arriving_out_of_order_let_the_threads_on_once_the_first_missing_is_in() {
        let files = many(PER_CHUNK);
        std::thread::scope(|scope| {
            let given = files.iter().cloned().map(ToParse::Read).collect();
            let mut stream = ParsedStream::start(scope, given);
            let limit = |stream: &ParsedStream| stream.shared.queue().limit;
            let first = limit(&stream);
            stream.arrived(2);
            stream.arrived(1);
            assert_eq!(limit(&stream), first, "chunk 0 is still missing");
            stream.arrived(0);
            assert_eq!(stream.first_missing, 3);
            assert_eq!(limit(&stream), first + 3);
            assert!(stream.arrived.is_empty());
        });
    }
}
