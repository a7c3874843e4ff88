//! Which tools match a task said in words (search mode's `search_tools`). The words of every
//! listed tool are read once per catalogue, on the first search, into lists of the tools
//! each word is found in; a search then visits only the lists of its own words, so its cost
//! follows the query, not the catalogue's size (10,000 tools: a search read them all anew,
//! 137 ms, and a query of 5,000 words took 1.4 s).

use std::collections::HashMap;

use super::ListedTool;

/// The most words of a query that count: a task said in words needs few, and each one
/// costs a visit of its list.
const MAX_QUERY_WORDS: usize = 32;

/// The tools each word is found in, with where it was found.
#[derive(Debug, Default)]
pub(crate) struct SearchIndex {
    /// Word → the tools it is found in, in tool-list order, each as one number: its position
    /// in the tool list shifted left by two, and the weight (3 in the name, 2 in the title,
    /// 1 in the description or an argument's name) in the two low bits. Four bytes a tool
    /// and word instead of a pair's eight: 100,000 tools hold millions of them.
    postings: HashMap<Box<str>, Vec<u32>>,
    tools: usize,
}

fn pack(position: usize, weight: u8) -> u32 {
    (u32::try_from(position)
        .unwrap_or(u32::MAX >> 2)
        .min(u32::MAX >> 2)
        << 2)
        | u32::from(weight & 3)
}

fn unpack(entry: u32) -> (usize, f64) {
    ((entry >> 2) as usize, f64::from(entry & 3))
}

impl SearchIndex {
    pub(crate) fn new(tools: &[ListedTool]) -> Self {
        let mut postings: HashMap<Box<str>, Vec<u32>> = HashMap::new();
        let mut best: HashMap<String, u8> = HashMap::new();
        for (position, tool) in tools.iter().enumerate() {
            best.clear();
            let (description, properties) = tool.description_and_property_names();
            let mut note = |word: String, weight: u8| {
                let slot = best.entry(word).or_default();
                *slot = (*slot).max(weight);
            };
            words(tool.name()).for_each(|w| note(w, 3));
            words(tool.title().unwrap_or("")).for_each(|w| note(w, 2));
            words(&description.unwrap_or_default()).for_each(|w| note(w, 1));
            for name in properties {
                words(&split_camel(&name)).for_each(|w| note(w, 1));
            }
            for (word, weight) in best.drain() {
                postings
                    .entry(word.into_boxed_str())
                    .or_default()
                    .push(pack(position, weight));
            }
        }
        // A list grown by pushes holds up to twice its length.
        postings.values_mut().for_each(Vec::shrink_to_fit);
        postings.shrink_to_fit();
        Self {
            postings,
            tools: tools.len(),
        }
    }

    /// Positions in the tool list of the tools that best match `query`, best first, among
    /// those `visible` lets through: each word weighs where it was found times how rare it
    /// is in the catalogue.
    pub(crate) fn search(
        &self,
        query: &str,
        visible: impl Fn(usize) -> bool,
        limit: usize,
    ) -> Vec<usize> {
        let n = self.tools.max(1) as f64;
        let mut scores: HashMap<usize, f64> = HashMap::new();
        for word in query_words(query) {
            let Some(list) = self.postings.get(word.as_str()) else {
                continue;
            };
            let rarity = 1.0 + (n / list.len() as f64).ln();
            for entry in list {
                let (position, weight) = unpack(*entry);
                *scores.entry(position).or_default() += weight * rarity;
            }
        }
        let mut scored: Vec<(f64, usize)> = scores
            .into_iter()
            .map(|(position, score)| (score, position))
            .filter(|(_, position)| visible(*position))
            .collect();
        // Ties go to the earlier tool in the list (the list is sorted by name).
        scored.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
        scored.into_iter().take(limit).map(|(_, p)| p).collect()
    }
}

/// The query's words, everyday verbs read as the verbs tool names use, at most
/// [`MAX_QUERY_WORDS`].
fn query_words(query: &str) -> impl Iterator<Item = String> + '_ {
    const VERBS: &[(&str, &str)] = &[
        ("show", "list"),
        ("see", "list"),
        ("view", "list"),
        ("display", "list"),
        ("remove", "delete"),
        ("destroy", "delete"),
        ("drop", "delete"),
        ("add", "create"),
        ("new", "create"),
        ("make", "create"),
        ("deploy", "create"),
        ("change", "update"),
        ("modify", "update"),
        ("edit", "update"),
        ("resize", "scale"),
        ("detail", "get"),
        ("info", "get"),
    ];
    words(query)
        .map(|w| {
            VERBS
                .iter()
                .find(|(from, _)| *from == w)
                .map_or(w, |(_, to)| (*to).to_owned())
        })
        .take(MAX_QUERY_WORDS)
}

/// Lower-case words of `text`, a trailing plural `s` dropped, short and common words left
/// out; tool names split on `_` and `-`.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    const COMMON: &[&str] = &[
        "the", "and", "for", "with", "from", "its", "this", "that", "give", "into", "one", "all",
        "are", "can", "any", "not", "may", "but", "when", "what", "which", "their", "them",
    ];
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 2)
        .map(|w| {
            let w = w.to_lowercase();
            match w.strip_suffix('s') {
                Some(stem) if stem.len() > 2 && !stem.ends_with('s') => stem.to_owned(),
                _ => w,
            }
        })
        .filter(|w| !COMMON.contains(&w.as_str()))
}

fn split_camel(name: &str) -> String {
    let mut out = String::with_capacity(name.len() + 4);
    for c in name.chars() {
        if c.is_uppercase() {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use rmcp::model::Tool;
    use serde_json::json;
    use std::sync::Arc;

    fn tool(name: &str, title: &str, description: &str) -> ListedTool {
        let schema = json!({"type": "object", "properties": {"serviceId": {"type": "string"}}});
        let serde_json::Value::Object(schema) = schema else {
            unreachable!()
        };
        ListedTool::new(
            Tool::new(name.to_owned(), description.to_owned(), Arc::new(schema)).with_title(title),
        )
    }

    fn tools() -> Vec<ListedTool> {
        vec![
            tool("get_event", "Read an event", "One event of a project."),
            tool(
                "list_events",
                "Events",
                "The events of a service, newest first.",
            ),
            tool(
                "scale_service",
                "Scale a service",
                "Sets the replica bounds.",
            ),
        ]
    }

    #[test]
    fn a_word_in_the_name_weighs_more_than_in_the_title_or_description() {
        let tools = tools();
        let index = SearchIndex::new(&tools);
        assert_eq!(index.search("show the events", |_| true, 5), vec![1, 0]);
        assert_eq!(index.search("resize replicas", |_| true, 5), vec![2]);
        // An argument's name counts (serviceId: "service"); a tie goes to the earlier tool.
        assert_eq!(index.search("service", |_| true, 5), vec![2, 0, 1]);
        assert_eq!(index.search("service", |i| i != 2, 1), vec![0]);
        assert!(index.search("nothing matches", |_| true, 5).is_empty());
    }

    #[test]
    fn only_the_first_words_of_a_long_query_count() {
        let tools = tools();
        let index = SearchIndex::new(&tools);
        let filler: Vec<String> = (0..MAX_QUERY_WORDS).map(|i| format!("filler{i}")).collect();
        let query = format!("{} scale", filler.join(" "));
        assert!(index.search(&query, |_| true, 5).is_empty());
        let query = format!("scale {}", filler.join(" "));
        assert_eq!(index.search(&query, |_| true, 5), vec![2]);
    }
}
