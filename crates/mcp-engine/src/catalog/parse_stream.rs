//! Tool files parsed on other threads while the loading thread compiles them, handed over a
//! batch at a time in file order. Only a few batches of parsed files exist at once: parsing
//! all of a 10,000-tool catalogue before compiling any held 80 MB of YAML and JSON trees at
//! the peak, and the compiled tools, allocated between them, kept their pages from being
//! given back afterwards (docs/performance.md).

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::definition::parse_yaml;
use crate::definition::schema::Format;
use crate::definition::tool::ToolFile;
use crate::diagnostic::Diagnostic;
use crate::source::{SourceFile, UnreadFile};

/// Tool files handed over, by path, in the order given.
type Batch = Vec<(Arc<str>, Handed)>;

/// A tool file to parse: read already, or to be read by the thread that parses it.
pub(super) enum ToParse {
    Read(SourceFile),
    Unread(UnreadFile),
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

/// A tool file parsed: its definition, or what is wrong with it.
pub(super) type ParsedTool = Result<ToolFile, Vec<Diagnostic>>;

/// Below this many tool files, parsing them costs less than starting threads.
const PARSE_ON_THREADS_FROM: usize = 16;

/// Files per parser thread in a batch: large enough that starting the threads is a small
/// part of a batch's work.
const PER_THREAD: usize = 64;

pub(super) fn parse_tool(file: &SourceFile) -> ParsedTool {
    parse_yaml::<ToolFile>(Format::Tool, &file.path, &file.text, &file.text, 0)
}

/// The receiving end, on the loading thread.
pub(super) struct ParsedStream {
    ready: HashMap<Arc<str>, Handed>,
    batches: Option<Receiver<Batch>>,
}

impl ParsedStream {
    /// Starts parsing `files` on `scope`'s threads. The stream owns them and hands each back
    /// with its parse, so that the loading thread can let go of a text once compiled: a
    /// 100,000-tool catalogue's texts are 175 MB, and held until the build ended they were
    /// a third of its peak. Nothing is parsed ahead of the loading thread by more than two
    /// batches.
    pub(super) fn start<'scope>(
        scope: &'scope std::thread::Scope<'scope, '_>,
        files: Vec<ToParse>,
    ) -> Self {
        if files.is_empty() {
            return Self {
                ready: HashMap::new(),
                batches: None,
            };
        }
        let (send, batches) = sync_channel(1);
        scope.spawn(move || produce(files, &send));
        Self {
            ready: HashMap::new(),
            batches: Some(batches),
        }
    }

    /// The file at `path`, which must be one of the files given to [`Self::start`] (taken
    /// in their order, each once). `None` when the stream ended before it: the file is lost
    /// to the stream and must be read again.
    pub(super) fn take(&mut self, path: &str) -> Option<Handed> {
        loop {
            if let Some(parsed) = self.ready.remove(path) {
                return Some(parsed);
            }
            match self.batches.as_ref()?.recv() {
                Ok(batch) => self.ready.extend(batch),
                Err(_) => {
                    self.batches = None;
                    return None;
                }
            }
        }
    }
}

/// Each file of `part` read when it was not, and parsed; a part whose parser panicked
/// hands its files over unparsed.
fn handle_part(part: Vec<ToParse>) -> Batch {
    let mut handed: Batch = part
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
}

fn produce(files: Vec<ToParse>, send: &SyncSender<Batch>) {
    let threads = if files.len() < PARSE_ON_THREADS_FROM {
        1
    } else {
        // As many as there are cores, though the loading thread compiles meanwhile:
        // parsing is the larger part (on two cores, 10,000 tools loaded 6% sooner so).
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4)
    };
    let mut files = files.into_iter();
    loop {
        let batch: Vec<ToParse> = files.by_ref().take(threads * PER_THREAD).collect();
        if batch.is_empty() {
            return;
        }
        let handed = if threads == 1 || batch.len() < PARSE_ON_THREADS_FROM {
            handle_part(batch)
        } else {
            let chunk = batch.len().div_ceil(threads);
            let mut parts: Vec<Vec<ToParse>> = Vec::with_capacity(threads);
            let mut batch = batch.into_iter();
            loop {
                let part: Vec<ToParse> = batch.by_ref().take(chunk).collect();
                if part.is_empty() {
                    break;
                }
                parts.push(part);
            }
            let mut parts = parts.into_iter();
            let first = parts.next().unwrap_or_default();
            std::thread::scope(|scope| {
                let others: Vec<_> = parts.map(|p| scope.spawn(move || handle_part(p))).collect();
                // This thread handles the first part itself.
                let mut handed = handle_part(first);
                for other in others {
                    // A part whose thread panicked outside the parser is left out: the
                    // loading thread reads its files again when the stream ends.
                    if let Ok(part) = other.join() {
                        handed.extend(part);
                    }
                }
                handed
            })
        };
        if send.send(handed).is_err() {
            // The loading thread stopped taking (it panicked): nothing more to do.
            return;
        }
    }
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
        for count in [0, 1, PARSE_ON_THREADS_FROM - 1, 3 * 4 * PER_THREAD + 5] {
            let files: Vec<SourceFile> = (0..count).map(file).collect();
            std::thread::scope(|scope| {
                let given = files.iter().cloned().map(ToParse::Read).collect();
                let mut stream = ParsedStream::start(scope, given);
                for (i, f) in files.iter().enumerate() {
                    match stream.take(&f.path) {
                        Some(Handed::Parsed(given, parsed)) => {
                            assert_eq!(&given, f, "handed back as given");
                            match parsed.expect("parsed") {
                                Ok(def) => assert_eq!(def.name, format!("t{i:04}")),
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
}
