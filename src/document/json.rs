//! JSON into the spanned tree, straight from jiter's iterator: no intermediate AST, each value's
//! byte range taken from the iterator's position before and after it. Strict JSON: no
//! comments, trailing commas, single quotes, bare words, NaN or Infinity.
//!
//! jiter is made for this (a pull parser that hands out values in order with their positions);
//! jsonc-parser's AST, which this replaced, cost more to build and to convert than the parse
//! itself and made JSON no faster to read than YAML (docs/PERFORMANCE.md). Keys need one thing
//! jiter does not give: their own range. It is found from the positions around them (only
//! white space, `{`, `,` and `:` can lie between a key and its neighbours).
//!
//! A long text is read on several threads (see [`Speculation`]): the elements of a long list
//! are independent, and reading was the longer half of checking a 40 MB list.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, PoisonError};

use jiter::{Jiter, JiterError, Peek};

use super::tree::{Entry, Interner, KeyIndex, Node, NodeKind};
use super::SyntaxError;
use crate::source::{SourceFile, Span};

pub fn parse_json(source: &SourceFile) -> Result<Node, SyntaxError> {
    let bytes = source.text.as_bytes();
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(SyntaxError {
            message: "the JSON file is empty".to_string(),
            span: Span::new(0, 0),
            label: "a JSON object was expected".to_string(),
        });
    }
    let points = split_points(bytes, rayon::current_num_threads());
    read_in_pieces(source, &points, false).0
}

/// The text read from its start, with the elements of lists read ahead from each of `points`
/// on the pool's threads (see [`Speculation`]), or, with `ahead_first` (for the tests), read
/// ahead on this thread before the rest, so that each is ready when a reader lands on it. Also
/// gives how many readings ahead were taken.
fn read_in_pieces(
    source: &SourceFile,
    points: &[usize],
    ahead_first: bool,
) -> (Result<Node, SyntaxError>, usize) {
    let speculations: Vec<Speculation> = points.iter().copied().map(Speculation::new).collect();
    if speculations.is_empty() {
        return Reader::new(source, 0, &[]).document();
    }
    if ahead_first {
        for (index, speculation) in speculations.iter().enumerate().rev() {
            speculation.run(source, &speculations[index + 1..]);
        }
        return Reader::new(source, 0, &speculations).document();
    }
    rayon::scope(|scope| {
        for (index, speculation) in speculations.iter().enumerate() {
            let after = &speculations[index + 1..];
            scope.spawn(move |_| speculation.run(source, after));
        }
        let read = Reader::new(source, 0, &speculations).document();
        // whatever was not taken stops at its next element
        for speculation in &speculations {
            speculation.cancel();
        }
        read
    })
}

/// Each piece is at least this long (about 5 ms of reading): a text shorter than twice this is
/// read by one thread.
const PIECE_BYTES: usize = 1 << 20;

/// How far past each cut a start is looked for.
const SEARCH_BYTES: usize = 1 << 18;

/// Where the text is cut into `threads` pieces or fewer: each cut at the first `{` after the
/// even point that follows `}`, a comma and white space only and is followed by a key or `}`,
/// as the elements of a list of objects are. A cut is a guess (the bytes could be inside a
/// string): see [`Speculation`].
fn split_points(bytes: &[u8], threads: usize) -> Vec<usize> {
    let pieces = threads.min(bytes.len() / PIECE_BYTES);
    let mut points: Vec<usize> = Vec::new();
    for piece in 1..pieces {
        let from = bytes.len() / pieces * piece;
        let until = (from + SEARCH_BYTES).min(bytes.len());
        let found = (from..until).find(|&at| {
            bytes[at] == b'{' && {
                let before = bytes[..at].iter().rev().take(SEARCH_BYTES);
                let mut before = before.skip_while(|byte| byte.is_ascii_whitespace());
                let mut after = bytes[at + 1..].iter().take(SEARCH_BYTES);
                before.next() == Some(&b',')
                    && before.find(|byte| !byte.is_ascii_whitespace()) == Some(&b'}')
                    && matches!(
                        after.find(|byte| !byte.is_ascii_whitespace()),
                        Some(b'"' | b'}')
                    )
            }
        });
        if let Some(at) = found.filter(|at| points.last().is_none_or(|last| last < at)) {
            points.push(at);
        }
    }
    points
}

/// The elements of a list read ahead by another thread, from a guessed place to the list's
/// `]`.
///
/// Why a guess: where a list's elements start cannot be known without reading what comes
/// before (a `{` may lie inside a string). So the text is cut at places that look like the
/// start of an element (see [`split_points`]) and each is read on a thread of its own, as if
/// it were one, while the reader before it goes on. The guess is taken only if that reader,
/// in a list, comes to an element that starts exactly there: the reading ahead then began in
/// the same state as the reader's own would have (in a list, before a value), and the same
/// bytes give the same elements, ranges and errors. A reader that passes the place without
/// landing on it, or finds the reading ahead failed, ran out of depth or not yet started,
/// reads on itself: the result never depends on the guess or on the threads' timing.
struct Speculation {
    /// The byte its first element starts at.
    at: usize,
    state: Mutex<State>,
    finished: Condvar,
    /// Set when no reader will take it: it stops at its next element.
    cancelled: AtomicBool,
}

enum State {
    Waiting,
    Running,
    /// The elements read, or nothing when the text there did not read as a list's elements.
    Finished(Option<Run>),
    /// Taken, or given up.
    Closed,
}

/// Elements read ahead, up to the list's `]`.
struct Run {
    items: Vec<Node>,
    /// Just past the `]`.
    end: usize,
    /// How many levels the deepest collection lies below the list.
    deepest: usize,
    /// How many readings further ahead it took.
    taken: usize,
}

impl Speculation {
    fn new(at: usize) -> Self {
        Speculation {
            at,
            state: Mutex::new(State::Waiting),
            finished: Condvar::new(),
            cancelled: AtomicBool::new(false),
        }
    }

    /// Reads the elements from `at` (on a thread of the pool), unless given up already;
    /// `after` are the guesses further on, which this reading may take in turn.
    fn run(&self, source: &SourceFile, after: &[Speculation]) {
        {
            let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
            if !matches!(*state, State::Waiting) {
                return;
            }
            *state = State::Running;
        }
        // a reader waiting for this one must not wait forever, whatever happens here
        let run = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let mut reader = Reader::new(source, self.at, after);
            reader.own = Some(self);
            reader.elements()
        }))
        .ok()
        .and_then(Result::ok);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if matches!(*state, State::Running) {
            *state = State::Finished(run);
        }
        self.finished.notify_all();
    }

    /// The elements, for the reader that landed on `at`: waits while they are being read;
    /// nothing when they were not started (the reader reads them itself) or did not read.
    fn take(&self) -> Option<Run> {
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        loop {
            match std::mem::replace(&mut *state, State::Closed) {
                State::Running => {
                    *state = State::Running;
                    state = self
                        .finished
                        .wait(state)
                        .unwrap_or_else(PoisonError::into_inner);
                }
                State::Finished(run) => return run,
                State::Waiting | State::Closed => return None,
            }
        }
    }

    /// No reader will take it.
    fn cancel(&self) {
        self.cancelled.store(true, Ordering::Relaxed);
        let mut state = self.state.lock().unwrap_or_else(PoisonError::into_inner);
        if !matches!(*state, State::Running) {
            *state = State::Closed;
        }
    }
}

struct Reader<'s> {
    source: &'s SourceFile,
    /// Reads `source.text[origin..]`: positions of the iterator are `origin` bytes short.
    jiter: Jiter<'s>,
    origin: usize,
    strings: Interner,
    /// Vectors to fill, one a level deep, kept between collections: each collection is then
    /// one allocation of its exact size (vectors grown by doubling per collection left the heap
    /// full of holes: a third more memory than the same list read from YAML).
    spare_items: Vec<Vec<Node>>,
    spare_entries: Vec<Vec<Entry>>,
    /// The guesses further on; the first is the one this reader may land on.
    ahead: &'s [Speculation],
    /// The reading ahead this reader does, if it is one: it stops when that is given up.
    own: Option<&'s Speculation>,
    /// The deepest level a collection was refused at or read at.
    deepest: usize,
    /// How many readings ahead it took.
    taken: usize,
}

impl<'s> Reader<'s> {
    fn new(source: &'s SourceFile, origin: usize, ahead: &'s [Speculation]) -> Self {
        Reader {
            source,
            jiter: Jiter::new(&source.text.as_bytes()[origin..]),
            origin,
            strings: Interner::default(),
            spare_items: Vec::new(),
            spare_entries: Vec::new(),
            ahead,
            own: None,
            deepest: 0,
            taken: 0,
        }
    }

    /// The whole text as one value, and how many readings ahead were taken.
    fn document(mut self) -> (Result<Node, SyntaxError>, usize) {
        let root = self.peek().and_then(|peek| self.value(peek, 0));
        let root = root.and_then(|root| {
            self.jiter.finish().map_err(self.fail())?;
            Ok(root)
        });
        (root, self.taken)
    }

    /// A list's elements from here to its `]` (the reading ahead of a [`Speculation`]): the
    /// levels are counted from the list.
    fn elements(&mut self) -> Result<Run, SyntaxError> {
        let mut items = Vec::new();
        let first = self.peek()?;
        self.list_items(Some(first), 0, &mut items)?;
        Ok(Run {
            items,
            end: self.index(),
            deepest: self.deepest,
            taken: self.taken,
        })
    }

    /// The elements of a list `depth` levels deep, from the one peeked (`next`) to the `]`,
    /// pushed onto `items`: read here, or taken from a reading ahead that starts at one of
    /// them. A reading ahead that is given up stops at the next element.
    fn list_items(
        &mut self,
        mut next: Option<Peek>,
        depth: usize,
        items: &mut Vec<Node>,
    ) -> Result<(), SyntaxError> {
        while let Some(peek) = next {
            if self
                .own
                .is_some_and(|own| own.cancelled.load(Ordering::Relaxed))
            {
                return Err(self.stopped());
            }
            if let Some(run) = self.land(depth) {
                items.extend(run.items);
                break;
            }
            items.push(self.value(peek, depth)?);
            next = self.jiter.array_step().map_err(self.fail())?;
        }
        Ok(())
    }

    /// At the start of an element of a list `depth` levels deep: the elements read ahead
    /// from here to the list's end, when this is where a guess starts and they read well. The
    /// reader then goes on after the list.
    fn land(&mut self, depth: usize) -> Option<Run> {
        let here = self.index();
        // the guesses passed over: this reader never lands on them
        while let Some((next, rest)) = self.ahead.split_first() {
            if next.at >= here {
                break;
            }
            // only the reader from the start knows they are no element's start: a reading
            // ahead may itself be reading a guess that was wrong
            if self.own.is_none() {
                next.cancel();
            }
            self.ahead = rest;
        }
        let (next, rest) = self.ahead.split_first()?;
        if next.at != here {
            return None;
        }
        self.ahead = rest;
        let run = next.take()?;
        if depth + run.deepest > super::yaml::MAX_DEPTH {
            // read again here, to be refused where the reader refuses it
            return None;
        }
        self.deepest = self.deepest.max(depth + run.deepest);
        self.taken += 1 + run.taken;
        self.origin = run.end;
        self.jiter = Jiter::new(&self.source.text.as_bytes()[run.end..]);
        Some(run)
    }

    /// The position in the whole text.
    fn index(&self) -> usize {
        self.origin + self.jiter.current_index()
    }

    fn peek(&mut self) -> Result<Peek, SyntaxError> {
        self.jiter.peek().map_err(self.fail())
    }

    /// jiter's errors at their place in the whole text, as the iterator is now: made before
    /// a call whose result borrows the iterator, and again once a list inside may have moved
    /// the iterator on (see [`Reader::land`]).
    fn fail(&self) -> impl Fn(JiterError) -> SyntaxError + 's {
        let (source, origin) = (self.source, self.origin);
        move |error| syntax_error(source, origin + error.index, &error.error_type)
    }

    /// A reading ahead that no reader will take.
    fn stopped(&self) -> SyntaxError {
        SyntaxError {
            message: "not read: the reading ahead was given up".to_string(),
            span: Span::new(self.index(), self.index()),
            label: String::new(),
        }
    }

    /// The value that starts at the iterator's position (its first byte was peeked), `depth`
    /// collections deep.
    fn value(&mut self, peek: Peek, depth: usize) -> Result<Node, SyntaxError> {
        let fail = self.fail();
        let start = self.index();
        let kind = match peek {
            Peek::Null => {
                self.jiter.known_null().map_err(fail)?;
                NodeKind::Null
            }
            Peek::True | Peek::False => NodeKind::Bool(self.jiter.known_bool(peek).map_err(fail)?),
            Peek::String => return self.string(depth, None),
            Peek::Array => return self.array(start, depth + 1),
            Peek::Object => return self.object(start, depth + 1),
            _ => {
                let number = self.jiter.known_number_bytes(peek).map_err(fail)?;
                // the grammar was checked by jiter: ASCII digits, sign, point and exponent
                let number = std::str::from_utf8(number).unwrap_or_default();
                match number.parse::<i64>() {
                    Ok(integer) => NodeKind::Int(integer),
                    Err(_) => match number.parse::<f64>() {
                        Ok(float) if float.is_finite() => NodeKind::Float(float),
                        _ => {
                            return Err(SyntaxError {
                                message: format!("the number {number} is out of range"),
                                span: Span::new(start, self.index()),
                                label: "write it as a string if it is a code".to_string(),
                            })
                        }
                    },
                }
            }
        };
        Ok(Node::new(kind, Span::new(start, self.index())))
    }

    /// The string that starts at the iterator's position: the value at `place` of a mapping
    /// `depth` levels deep (see [`Interner::intern_at`]), or an element of a list.
    fn string(&mut self, depth: usize, place: Option<usize>) -> Result<Node, SyntaxError> {
        let fail = self.fail();
        let start = self.index();
        let text = self.jiter.known_str().map_err(fail)?;
        let text = match place {
            Some(place) => self.strings.intern_at(depth, place, text),
            None => self.strings.intern(text),
        };
        Ok(Node::new(
            NodeKind::Str(text),
            Span::new(start, self.index()),
        ))
    }

    fn array(&mut self, start: usize, depth: usize) -> Result<Node, SyntaxError> {
        self.refuse_depth(start, depth)?;
        let mut items = self.spare_items.pop().unwrap_or_default();
        let first = self.jiter.known_array().map_err(self.fail())?;
        self.list_items(first, depth, &mut items)?;
        let node = Node::new(
            NodeKind::Seq(items.drain(..).collect()),
            Span::new(start, self.index()),
        );
        self.spare_items.push(items);
        Ok(node)
    }

    fn object(&mut self, start: usize, depth: usize) -> Result<Node, SyntaxError> {
        self.refuse_depth(start, depth)?;
        let mut entries = self.spare_entries.pop().unwrap_or_default();
        let mut keys = KeyIndex::default();
        let mut before = self.index();
        let fail = self.fail();
        let mut next = self
            .jiter
            .known_object()
            .map_err(fail)?
            .map(|key| self.strings.intern_at(depth, 0, key));
        while let Some(key) = next {
            let place = 2 * entries.len();
            let key_span = self.key_span(before);
            if let Some(previous) = keys.find(&entries, &key) {
                let first = self.source.line_column(previous.key_span.start());
                return Err(SyntaxError {
                    message: format!(
                        "duplicate key `{key}` (first written at line {}, column {})",
                        first.line, first.column
                    ),
                    span: key_span,
                    label: "written again here".to_string(),
                });
            }
            let peek = self.peek()?;
            let value = match peek {
                Peek::String => self.string(depth, Some(place + 1))?,
                // a list inside may take what another thread read and move the iterator on
                _ => self.value(peek, depth)?,
            };
            entries.push(Entry {
                key,
                key_span,
                value,
            });
            before = self.index();
            let fail = self.fail();
            next = self
                .jiter
                .next_key()
                .map_err(fail)?
                .map(|key| self.strings.intern_at(depth, place + 2, key));
        }
        let node = Node::new(
            NodeKind::Map(entries.drain(..).collect()),
            Span::new(start, self.index()),
        );
        self.spare_entries.push(entries);
        Ok(node)
    }

    /// The range of the key just read, quotes included: it opens at the first `"` after
    /// `before` (the position ahead of the `{` or `,`) and closes at the last `"` before the
    /// iterator's position (just past the `:`).
    fn key_span(&self, before: usize) -> Span {
        let bytes = self.source.text.as_bytes();
        let after = self.index().min(bytes.len());
        let open = bytes[before..after]
            .iter()
            .position(|&byte| byte == b'"')
            .map_or(before, |offset| before + offset);
        let close = bytes[open..after]
            .iter()
            .rposition(|&byte| byte == b'"')
            .map_or(after, |offset| open + offset + 1);
        Span::new(open, close)
    }

    /// Collections nested deeper than YAML allows are refused as they open: the reader descends
    /// recursively, and a file nested thousands deep would exhaust the stack.
    fn refuse_depth(&mut self, start: usize, depth: usize) -> Result<(), SyntaxError> {
        self.deepest = self.deepest.max(depth);
        if depth > super::yaml::MAX_DEPTH {
            return Err(SyntaxError {
                message: format!(
                    "collections are nested more than {} levels deep",
                    super::yaml::MAX_DEPTH
                ),
                span: Span::new(start, start + 1),
                label: "too deep".to_string(),
            });
        }
        Ok(())
    }
}

/// jiter's error at its place: the byte it stopped at (`offset` in the whole text).
fn syntax_error(
    source: &SourceFile,
    offset: usize,
    error_type: &jiter::JiterErrorType,
) -> SyntaxError {
    let offset = offset.min(source.text.len());
    // a position inside a character (jiter counts bytes) moves back to its start
    let offset = (0..=offset)
        .rev()
        .find(|&offset| source.text.is_char_boundary(offset))
        .unwrap_or(0);
    let end = source.text[offset..]
        .chars()
        .next()
        .map_or(offset, |character| offset + character.len_utf8());
    SyntaxError {
        message: format!("JSON syntax error: {error_type}"),
        span: Span::new(offset, end),
        label: "here".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn json_keeps_byte_ranges_and_surrogate_pairs() {
        let text = "{\"事项名称\": \"食品\\ud83d\\ude00\", \"n\": 20}";
        let source = SourceFile::new("a.json", text);
        let root = parse_json(&source).expect("parses");
        let entry = root.entry("事项名称").expect("key");
        assert_eq!(source.slice(entry.key_span), "\"事项名称\"");
        assert_eq!(entry.value.as_str(), Some("食品😀"));
        assert_eq!(
            root.get("n").map(|node| &node.kind),
            Some(&NodeKind::Int(20))
        );
    }

    /// The strings a place of the last mapping remembers (`Interner::intern_at`): the same
    /// values as read without it, with every equal string one shared copy, wherever it is.
    #[test]
    fn strings_remembered_by_place_are_the_values_written_and_shared() {
        let text = r#"[{"名称": "甲", "单位": "working_days", "x": {"单位": "甲"}},
                       {"名称": "乙", "单位": "working_days", "x": {"单位": "乙"}},
                       {"单位": "甲", "名称": "working_days", "x": ["甲", {"名称": "乙"}]}]"#;
        let source = SourceFile::new("a.json", text);
        let root = parse_json(&source).expect("parses");
        let items = root.as_items().expect("a list");
        let text_of = |node: &Node| node.as_str().map(str::to_string);
        let read: Vec<Vec<(String, Option<String>)>> = items
            .iter()
            .map(|item| {
                let entries = item.as_entries().expect("a mapping");
                entries
                    .iter()
                    .map(|entry| (entry.key.to_string(), text_of(&entry.value)))
                    .collect()
            })
            .collect();
        let expected = |pairs: [(&str, Option<&str>); 3]| {
            pairs
                .iter()
                .map(|(key, value)| (key.to_string(), value.map(str::to_string)))
                .collect::<Vec<_>>()
        };
        assert_eq!(
            read,
            vec![
                expected([
                    ("名称", Some("甲")),
                    ("单位", Some("working_days")),
                    ("x", None)
                ]),
                expected([
                    ("名称", Some("乙")),
                    ("单位", Some("working_days")),
                    ("x", None)
                ]),
                expected([
                    ("单位", Some("甲")),
                    ("名称", Some("working_days")),
                    ("x", None)
                ]),
            ]
        );
        assert_eq!(
            text_of(
                items[1]
                    .get("x")
                    .and_then(|x| x.get("单位"))
                    .expect("x.单位")
            ),
            Some("乙".to_string())
        );
        // one copy of 甲 and of 名称, whether read at the same place or not, in a mapping or
        // in a list
        let Some(NodeKind::Str(first)) = items[0].get("名称").map(|node| &node.kind) else {
            panic!("a string");
        };
        let nested = items[2]
            .get("x")
            .and_then(|x| x.as_items())
            .expect("a list");
        for other in [
            items[0].get("x").and_then(|x| x.get("单位")),
            items[2].get("单位"),
            nested.first(),
        ] {
            let Some(NodeKind::Str(other)) = other.map(|node| &node.kind) else {
                panic!("a string");
            };
            assert!(Arc::ptr_eq(first, other));
        }
        let key =
            |item: &Node, index: usize| Arc::clone(&item.as_entries().expect("map")[index].key);
        assert!(Arc::ptr_eq(&key(&items[0], 0), &key(&items[2], 1)));
        assert!(Arc::ptr_eq(&key(&items[0], 0), &key(&nested[1], 0)));
    }

    #[test]
    fn json_refuses_deep_nesting_without_overflowing() {
        let text = format!("{}1{}", "[".repeat(100_000), "]".repeat(100_000));
        let error = parse_json(&SourceFile::new("a.json", text)).expect_err("too deep");
        assert!(
            error.message.contains("nested more than"),
            "{}",
            error.message
        );
        let strings = format!("[\"{}\"]", "[".repeat(1000));
        assert!(parse_json(&SourceFile::new("a.json", strings)).is_ok());
    }

    /// Texts whose lists a reading ahead may start in: valid, with strings that look like the
    /// start of an element, and with every kind of error before and after such places.
    fn texts() -> Vec<String> {
        let valid = r#"{"department": {"name": "某局", "windows": [{"id": "W01"}, {"id": "W02"}]}, "items": [{"name": "事项一", "tags": ["a", "b"], "n": 1}, {"name": "x},{y", "limit": {"d": [1, [2, [3]]]}}, {"name": "\u4e8b\"}, {", "v": null, "f": -1.5e3}, {}, [], true]}"#;
        let deep = format!(
            "{}{{\"a\": 1}}, {}1{}{}",
            "[".repeat(120),
            "[".repeat(10),
            "]".repeat(10),
            "]".repeat(120)
        );
        vec![
            valid.to_string(),
            valid.replace("true]}", "true,]}"),
            r#"{"items": [{"a": 1}, {"a": 2,}, {"a": 3}]}"#.to_string(),
            r#"{"items": [{"a": 1}, {"a": 2, "a": 3}, {"a": 4}]}"#.to_string(),
            r#"{"items": [{"a": 1}, {"a": 1e999}, {"a": 4}]}"#.to_string(),
            r#"{"items": [{"a": 1}, {"a": 2}]} x"#.to_string(),
            r#"[{"a": [{"b": 1}, {"b": 2}]}, {"a": [{"b": 3}, {"b": "四"}]}]"#.to_string(),
            deep,
        ]
    }

    /// Reading ahead from any place, or from two, never changes what is read: the same tree
    /// with the same ranges, or the same error at the same place.
    #[test]
    fn reading_ahead_from_any_place_reads_the_same() {
        let mut taken = 0;
        for text in texts() {
            let source = SourceFile::new("a.json", text.clone());
            let (alone, none) = read_in_pieces(&source, &[], false);
            assert_eq!(none, 0);
            for at in 0..=text.len() {
                for ahead_first in [true, false] {
                    let (read, took) = read_in_pieces(&source, &[at], ahead_first);
                    assert_eq!(read, alone, "{text} read ahead from {at}");
                    taken += took;
                }
            }
            for first in (0..text.len()).step_by(3) {
                for second in (first + 1..=text.len()).step_by(2) {
                    let (read, took) = read_in_pieces(&source, &[first, second], true);
                    assert_eq!(read, alone, "{text} read ahead from {first} and {second}");
                    taken += took;
                }
            }
        }
        // not vacuous: readings ahead were taken
        assert!(taken > 100, "{taken} readings ahead taken");
    }

    /// A list past the depth limit read ahead is not taken: the reader reads it itself and
    /// refuses it where it would have.
    #[test]
    fn a_reading_ahead_too_deep_for_its_place_is_not_taken() {
        let text = &texts()[7];
        let source = SourceFile::new("a.json", text.clone());
        let at = text.find("[[[[[[[[[[1").expect("the deep element");
        let (read, taken) = read_in_pieces(&source, &[at], true);
        assert_eq!(taken, 0);
        let error = read.expect_err("too deep");
        assert!(
            error.message.contains("nested more than"),
            "{}",
            error.message
        );
        let comma = text.find(", [").expect("a comma");
        let (read, taken) = read_in_pieces(&source, &[comma + 2 - 9], true);
        assert_eq!(taken, 0);
        assert!(read.is_err());
    }

    /// A long list is cut where an element starts, after `},` and white space; a string that
    /// looks like such a place (`"a},{"`) may be taken for one, and is then not taken.
    #[test]
    fn long_lists_are_cut_where_an_element_starts() {
        let element = r#"{"name": "事项", "note": "a}, {b"}"#;
        let text = format!("{{\"items\": [{}]}}", vec![element; 120_000].join(",\n  "));
        let points = split_points(text.as_bytes(), 4);
        assert_eq!(points.len(), 3, "{points:?}");
        for &at in &points {
            assert!(text[at..].starts_with(element), "{}", &text[at..at + 40]);
        }
        assert!(split_points(text.as_bytes(), 1).is_empty());
        assert!(split_points(b"[{}, {}]", 8).is_empty());
        let source = SourceFile::new("a.json", text.clone());
        let alone = read_in_pieces(&source, &[], false).0;
        assert_eq!(read_in_pieces(&source, &points, true), (alone.clone(), 3));
        assert_eq!(read_in_pieces(&source, &points, false).0, alone);

        // errors past the cuts: one reader's error, at its place
        let last = text.rfind(element).expect("the last element");
        for (from, to) in [("\"note\"", "\"name\""), ("事项\"", "事项")] {
            let broken = format!("{}{}", &text[..last], text[last..].replacen(from, to, 1));
            let source = SourceFile::new("a.json", broken);
            let alone = read_in_pieces(&source, &[], false).0;
            assert!(alone.is_err());
            assert_eq!(read_in_pieces(&source, &points, true).0, alone);
            assert_eq!(read_in_pieces(&source, &points, false).0, alone);
        }

        let fooling = r#"{"a": "},{", "b": "},{", "c": "},{", "d": "事项"}"#;
        // the cuts fall inside elements, before a string that looks like a start
        let text = format!("{{\"items\": [{}]}}", vec![fooling; 150_001].join(","));
        let points = split_points(text.as_bytes(), 4);
        assert_eq!(points.len(), 3, "{points:?}");
        let starts = points
            .iter()
            .filter(|&&at| text[at..].starts_with(fooling))
            .count();
        let source = SourceFile::new("a.json", text.clone());
        let alone = read_in_pieces(&source, &[], false).0;
        let (read, taken) = read_in_pieces(&source, &points, true);
        assert_eq!(read, alone);
        assert!(starts < points.len(), "no cut was fooled: {points:?}");
        assert_eq!(taken, starts);
        assert_eq!(read_in_pieces(&source, &points, false).0, alone);
    }

    /// Every string and key as jiter's own reading decodes it (`JsonValue`), escapes and
    /// surrogate pairs included, and every malformed one refused at the byte and with the words
    /// jiter gives, as a value, as a key and inside a list read by the reader.
    #[test]
    fn strings_and_keys_read_as_jiter_decodes_them() {
        let strings = [
            "plain",
            "名称",
            "a\\\"b",
            "c\\\\d",
            "\\u00e9t\\u00E9",
            "\\ud83d\\ude00 食品",
            "line\\nbreak\\ttab\\/slash\\b\\f\\r",
            "",
            "\\u0000",
            // malformed: an unknown escape, a lone or reversed surrogate, a short `\u`, a raw
            // control character, an unterminated string
            "\\q",
            "\\ud800",
            "\\ude00\\ud83d",
            "\\u12",
            "tab\tinside",
            "open",
        ];
        for (index, string) in strings.iter().enumerate() {
            let unterminated = *string == "open";
            let quoted = if unterminated {
                format!("\"{string}")
            } else {
                format!("\"{string}\"")
            };
            let texts = [
                format!("{{\"k\": {quoted}}}"),
                format!("{{{quoted}: 1}}"),
                format!("[{quoted}, {{\"v{index}\": {quoted}}}]"),
            ];
            for text in texts {
                let source = SourceFile::new("a.json", text.as_str());
                let ours = parse_json(&source);
                match jiter::JsonValue::parse(text.as_bytes(), false) {
                    Ok(expected) => {
                        let root = ours.unwrap_or_else(|error| panic!("{text}: {error:?}"));
                        assert_eq!(root.to_json(), expected_json(&expected), "{text}");
                    }
                    Err(expected) => {
                        let error = ours.expect_err(&text);
                        assert_eq!(
                            error.message,
                            format!("JSON syntax error: {}", expected.error_type),
                            "{text}"
                        );
                        assert_eq!(error.span.start(), expected.index, "{text}");
                    }
                }
            }
        }
    }

    fn expected_json(value: &jiter::JsonValue<'_>) -> serde_json::Value {
        use jiter::JsonValue;
        match value {
            JsonValue::Null => serde_json::Value::Null,
            JsonValue::Bool(value) => serde_json::Value::Bool(*value),
            JsonValue::Int(value) => serde_json::Value::from(*value),
            JsonValue::Float(value) => serde_json::Value::from(*value),
            JsonValue::Str(text) => serde_json::Value::String(text.to_string()),
            JsonValue::Array(items) => items.iter().map(expected_json).collect(),
            JsonValue::Object(entries) => serde_json::Value::Object(
                entries
                    .iter()
                    .map(|(key, value)| (key.to_string(), expected_json(value)))
                    .collect(),
            ),
        }
    }

    #[test]
    fn json_refuses_comments_and_duplicates() {
        let comment = parse_json(&SourceFile::new("a.json", "{\"a\": 1 // x\n}"));
        assert!(comment.is_err());
        let duplicate =
            parse_json(&SourceFile::new("a.json", "{\"a\": 1, \"a\": 2}")).expect_err("duplicate");
        assert!(duplicate.message.contains("duplicate key `a`"));
        assert_eq!(duplicate.span, Span::new(9, 12));
    }
}
