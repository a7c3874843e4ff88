//! Tool files parsed on other threads while the loading thread compiles them, handed over a
//! batch at a time in file order. Only a few batches of parsed files exist at once: parsing
//! all of a 10,000-tool catalogue before compiling any held 80 MB of YAML and JSON trees at
//! the peak, and the compiled tools, allocated between them, kept their pages from being
//! given back afterwards (docs/performance.md).

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::mpsc::{Receiver, SyncSender, sync_channel};

use crate::definition::parse_yaml;
use crate::definition::schema::Format;
use crate::definition::tool::ToolFile;
use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

/// Parsed tool files, each with its path.
type Batch = Vec<(Arc<str>, ParsedTool)>;

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
    ready: HashMap<Arc<str>, ParsedTool>,
    batches: Option<Receiver<Batch>>,
}

impl ParsedStream {
    /// Starts parsing `files` on `scope`'s threads. Nothing is parsed ahead of the loading
    /// thread by more than two batches.
    pub(super) fn start<'scope, 'env>(
        scope: &'scope std::thread::Scope<'scope, 'env>,
        files: Vec<&'env SourceFile>,
    ) -> Self {
        if files.is_empty() {
            return Self {
                ready: HashMap::new(),
                batches: None,
            };
        }
        let (send, batches) = sync_channel(1);
        scope.spawn(move || produce(&files, &send));
        Self {
            ready: HashMap::new(),
            batches: Some(batches),
        }
    }

    /// The parse of `path`, which must be one of the files given to [`Self::start`] (taken
    /// in their order, each once). `None` when its parser failed: the caller parses it.
    pub(super) fn take(&mut self, path: &str) -> Option<ParsedTool> {
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

fn produce(files: &[&SourceFile], send: &SyncSender<Batch>) {
    let parse_all = |chunk: &[&SourceFile]| -> Batch {
        chunk
            .iter()
            .map(|f| (f.path.clone(), parse_tool(f)))
            .collect()
    };
    let threads = if files.len() < PARSE_ON_THREADS_FROM {
        1
    } else {
        // As many as there are cores, though the loading thread compiles meanwhile:
        // parsing is the larger part (on two cores, 10,000 tools loaded 6% sooner so).
        std::thread::available_parallelism()
            .map_or(1, |n| n.get())
            .clamp(1, 4)
    };
    for batch in files.chunks(threads * PER_THREAD) {
        let parsed = if threads == 1 || batch.len() < PARSE_ON_THREADS_FROM {
            parse_all(batch)
        } else {
            let chunk = batch.len().div_ceil(threads);
            std::thread::scope(|scope| {
                let parsers: Vec<_> = batch[chunk..]
                    .chunks(chunk)
                    .map(|c| scope.spawn(move || parse_all(c)))
                    .collect();
                // This thread parses the first part itself. A parser that panicked leaves
                // its files out: the loading thread parses them.
                let mut parsed = parse_all(&batch[..chunk]);
                parsed.extend(
                    parsers
                        .into_iter()
                        .flat_map(|p| p.join().unwrap_or_default()),
                );
                parsed
            })
        };
        if send.send(parsed).is_err() {
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
                let mut stream = ParsedStream::start(scope, files.iter().collect());
                for (i, f) in files.iter().enumerate() {
                    match stream.take(&f.path) {
                        Some(Ok(def)) => assert_eq!(def.name, format!("t{i:04}")),
                        Some(Err(problems)) => {
                            assert_eq!(i % 7, 3, "{problems:?}");
                            assert!(problems.iter().all(|p| *p.file == *f.path));
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
