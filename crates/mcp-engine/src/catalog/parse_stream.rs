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
use crate::source::SourceFile;

/// Tool files handed over with their parse: `None` when its parser panicked.
type Batch = Vec<(SourceFile, Option<ParsedTool>)>;

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
    ready: HashMap<Arc<str>, (SourceFile, Option<ParsedTool>)>,
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
        files: Vec<SourceFile>,
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
    /// in their order, each once), with its parse (`None` when its parser panicked: the
    /// caller parses it). `None` when the stream ended before it: the file is lost to the
    /// stream and must be read again.
    pub(super) fn take(&mut self, path: &str) -> Option<(SourceFile, Option<ParsedTool>)> {
        loop {
            if let Some(parsed) = self.ready.remove(path) {
                return Some(parsed);
            }
            match self.batches.as_ref()?.recv() {
                Ok(batch) => self
                    .ready
                    .extend(batch.into_iter().map(|(f, p)| (f.path.clone(), (f, p)))),
                Err(_) => {
                    self.batches = None;
                    return None;
                }
            }
        }
    }
}

/// Each file's parse, in order; a part whose parser panicked gives `None` for each of its
/// files.
fn parse_part(part: &[SourceFile]) -> Vec<Option<ParsedTool>> {
    catch_unwind(AssertUnwindSafe(|| {
        part.iter().map(|f| Some(parse_tool(f))).collect()
    }))
    .unwrap_or_else(|_| part.iter().map(|_| None).collect())
}

fn produce(files: Vec<SourceFile>, send: &SyncSender<Batch>) {
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
        let batch: Vec<SourceFile> = files.by_ref().take(threads * PER_THREAD).collect();
        if batch.is_empty() {
            return;
        }
        let parsed = if threads == 1 || batch.len() < PARSE_ON_THREADS_FROM {
            parse_part(&batch)
        } else {
            let chunk = batch.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let parsers: Vec<_> = batch[chunk..]
                    .chunks(chunk)
                    .map(|c| (c.len(), scope.spawn(move || parse_part(c))))
                    .collect();
                // This thread parses the first part itself.
                let mut parsed = parse_part(&batch[..chunk]);
                for (len, parser) in parsers {
                    parsed.extend(
                        parser
                            .join()
                            .unwrap_or_else(|_| (0..len).map(|_| None).collect()),
                    );
                }
                parsed
            })
        };
        let batch: Batch = batch.into_iter().zip(parsed).collect();
        if send.send(batch).is_err() {
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
                let mut stream = ParsedStream::start(scope, files.clone());
                for (i, f) in files.iter().enumerate() {
                    match stream.take(&f.path) {
                        Some((given, parsed)) => {
                            assert_eq!(&given, f, "handed back as given");
                            match parsed.expect("parsed") {
                                Ok(def) => assert_eq!(def.name, format!("t{i:04}")),
                                Err(problems) => {
                                    assert_eq!(i % 7, 3, "{problems:?}");
                                    assert!(problems.iter().all(|p| *p.file == *f.path));
                                }
                            }
                        }
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
