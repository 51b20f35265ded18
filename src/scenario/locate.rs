//! Finds where a value sits in scenario text, for errors found after parsing (dangling
//! references, duplicates, out-of-range values). A small RON reader turns the text into a
//! tree of values, each with its position, so a lookup never lands on a look-alike inside a
//! comment or a string, and a value spanning lines is found at its start.
//!
//! The reader never fails: the text has already been parsed by `ron`, and on anything it does
//! not understand it skips a token and goes on, so a lookup at worst answers `None`.
//!
//! Two ways to ask:
//! - by path from the top-level value, e.g. `[Field("vms"), Index(2), Field("node")]`: the
//!   precise answer, used by validation;
//! - by occurrence in document order: the n-th `field: "value"`, the n-th value of `field:`,
//!   the n-th identifier `Migrate`; for text whose structure the caller does not know.
//!
//! `Some(x)` is looked through, since scenarios may write an option either way.

/// 1-based line and column (in characters, as `ron` counts them).
pub type Pos = (usize, usize);

/// One step of a path into the document.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Seg<'a> {
    /// A named field of a struct or struct variant: `name: ...`.
    Field(&'a str),
    /// The i-th (0-based) element of a list or tuple.
    Index(usize),
    /// The key itself of a map entry whose key is the string given: `"v1.4.1": ...`.
    Key(&'a str),
    /// The value of the map entry whose key is the string given.
    Entry(&'a str),
}

/// A scenario text read into positioned values.
#[derive(Debug)]
pub struct Doc {
    root: Option<Node>,
}

#[derive(Debug)]
struct Node {
    pos: Pos,
    kind: Kind,
}

#[derive(Debug)]
enum Kind {
    /// A string, unescaped.
    Str(String),
    /// An identifier alone: a unit variant, `true`, `None`.
    Ident(String),
    /// A parenthesised group with an optional name in front: `Migrate(vm: "x")`, `(1, 2)`,
    /// `Some("x")`. Entries carry their field name when they have one.
    Group {
        name: Option<String>,
        entries: Vec<Member>,
    },
    List(Vec<Node>),
    Map(Vec<(Node, Node)>),
    /// A number, a char, or a token out of place.
    Other,
}

/// One entry of a group: its field name and where that name is, when it has one.
#[derive(Debug)]
struct Member {
    field: Option<(String, Pos)>,
    value: Node,
}

impl Member {
    fn is(&self, f: &str) -> bool {
        self.field.as_ref().is_some_and(|(n, _)| n == f)
    }
}

impl Doc {
    pub fn parse(text: &str) -> Doc {
        let toks = lex(text);
        let mut p = Parser { toks: &toks, i: 0 };
        p.skip_attributes();
        let root = (p.i < toks.len()).then(|| p.value(0));
        Doc { root }
    }

    /// Where the value at `path` starts; `Some(x)` answers where `x` starts.
    pub fn at(&self, path: &[Seg]) -> Option<Pos> {
        self.walk_path(path).ok()
    }

    /// Where the value at `path` starts or, when it is not written (a default), where the
    /// closest enclosing value that is starts: an error always has a place.
    pub fn near(&self, path: &[Seg]) -> Pos {
        match self.walk_path(path) {
            Ok(p) => p,
            Err(Some(p)) => p,
            Err(None) => (1, 1),
        }
    }

    /// The first key written twice in one map or struct, in document order: where the
    /// second one is, its text, and where the first one is. `ron` keeps the last of two map
    /// entries silently, so this is checked on the text.
    pub fn first_duplicate(&self) -> Option<(Pos, String, Pos)> {
        let mut found = None;
        if let Some(root) = &self.root {
            root.walk(&mut |node| {
                if found.is_some() {
                    return;
                }
                let mut seen: std::collections::BTreeMap<&str, Pos> = Default::default();
                let keys: Vec<(&str, Pos)> = match &node.kind {
                    Kind::Group { entries, .. } => entries
                        .iter()
                        .filter_map(|e| e.field.as_ref().map(|(n, p)| (n.as_str(), *p)))
                        .collect(),
                    Kind::Map(entries) => entries
                        .iter()
                        .filter_map(|(k, _)| match &k.kind {
                            Kind::Str(s) | Kind::Ident(s) => Some((s.as_str(), k.pos)),
                            _ => None,
                        })
                        .collect(),
                    _ => return,
                };
                for (key, pos) in keys {
                    if let Some(first) = seen.insert(key, pos) {
                        found = Some((pos, key.to_string(), first));
                        return;
                    }
                }
            });
        }
        found
    }

    /// The position at the end of `path`, or on failure the last position reached.
    fn walk_path(&self, path: &[Seg]) -> Result<Pos, Option<Pos>> {
        let mut node = unwrap_some(self.root.as_ref().ok_or(None)?);
        let mut reached = node.pos;
        for (step, seg) in path.iter().enumerate() {
            let next = match (*seg, &node.kind) {
                (Seg::Field(f), Kind::Group { entries, .. }) => {
                    entries.iter().find(|e| e.is(f)).map(|e| &e.value)
                }
                (Seg::Index(i), Kind::Group { entries, .. }) => entries.get(i).map(|e| &e.value),
                (Seg::Index(i), Kind::List(items)) => items.get(i),
                (Seg::Key(key), Kind::Map(entries)) => {
                    let (k_node, _) = entries
                        .iter()
                        .find(|(k, _)| k.is_str(key))
                        .ok_or(Some(reached))?;
                    // A key ends the path: there is nothing inside it to go to.
                    return if step == path.len() - 1 {
                        Ok(k_node.pos)
                    } else {
                        Err(Some(k_node.pos))
                    };
                }
                (Seg::Entry(key), Kind::Map(entries)) => {
                    entries.iter().find(|(k, _)| k.is_str(key)).map(|(_, v)| v)
                }
                _ => None,
            };
            node = unwrap_some(next.ok_or(Some(reached))?);
            reached = node.pos;
        }
        Ok(node.pos)
    }
}

// Validation asks by path; these answer callers that know only a name, not where it sits.
#[allow(dead_code)]
impl Doc {
    /// Where the value of the `n`-th (0-based) `field: "value"` starts (its opening quote).
    pub fn field_value(&self, field: &str, value: &str, n: usize) -> Option<Pos> {
        self.fields(field)
            .filter(|v| v.is_str(value))
            .nth(n)
            .map(|v| v.pos)
    }

    /// Where the value of the `n`-th (0-based) `field:`, whatever it is, starts.
    pub fn field(&self, field: &str, n: usize) -> Option<Pos> {
        self.fields(field).nth(n).map(|v| v.pos)
    }

    /// Where the `n`-th (0-based) identifier `name` used as a value starts: a variant
    /// (`Migrate(..)`, `RestartAgent`) or a struct name, never a field name.
    pub fn ident(&self, name: &str, n: usize) -> Option<Pos> {
        let mut found = Vec::new();
        if let Some(root) = &self.root {
            root.walk(&mut |node| {
                let matches = match &node.kind {
                    Kind::Ident(id) => id == name,
                    Kind::Group { name: Some(id), .. } => id == name,
                    _ => false,
                };
                if matches {
                    found.push(node.pos);
                }
            });
        }
        found.get(n).copied()
    }

    /// The values of every `field:` in document order, with `Some(x)` looked through.
    fn fields<'d>(&'d self, field: &'d str) -> impl Iterator<Item = &'d Node> + 'd {
        let mut found = Vec::new();
        if let Some(root) = &self.root {
            root.walk(&mut |node| {
                if let Kind::Group { entries, .. } = &node.kind {
                    for e in entries {
                        if e.is(field) {
                            found.push(unwrap_some(&e.value));
                        }
                    }
                }
            });
        }
        found.into_iter()
    }
}

impl Node {
    fn is_str(&self, s: &str) -> bool {
        matches!(&self.kind, Kind::Str(v) if v == s)
    }

    /// Visits this node and every node inside it, in document order.
    fn walk<'n>(&'n self, f: &mut dyn FnMut(&'n Node)) {
        f(self);
        match &self.kind {
            Kind::Group { entries, .. } => entries.iter().for_each(|e| e.value.walk(f)),
            Kind::List(items) => items.iter().for_each(|v| v.walk(f)),
            Kind::Map(entries) => entries.iter().for_each(|(k, v)| {
                k.walk(f);
                v.walk(f);
            }),
            Kind::Str(_) | Kind::Ident(_) | Kind::Other => {}
        }
    }
}

fn unwrap_some(node: &Node) -> &Node {
    match &node.kind {
        Kind::Group {
            name: Some(n),
            entries,
        } if n == "Some" && entries.len() == 1 && entries[0].field.is_none() => {
            unwrap_some(&entries[0].value)
        }
        _ => node,
    }
}

// ---- tokens ----

#[derive(Debug, PartialEq)]
enum Tok {
    Str(String),
    Ident(String),
    Punct(char),
    Other,
}

fn lex(text: &str) -> Vec<(Pos, Tok)> {
    let mut lx = Lexer {
        chars: text.chars().collect(),
        i: 0,
        line: 1,
        col: 1,
        marks: None,
    };
    let mut toks = Vec::new();
    while let Some(t) = lx.next_token() {
        toks.push(t);
    }
    toks
}

struct Lexer {
    chars: Vec<char>,
    i: usize,
    line: usize,
    col: usize,
    /// When set, the position of every character a string literal yields.
    marks: Option<Vec<Pos>>,
}

/// Where each character of the string literal starting at `at` comes from in `text`: the
/// n-th character of the string's value is at `positions[n]` (an escape counts at its
/// backslash). Maps a position inside an inline manifest back into the scenario file.
pub fn string_positions(text: &str, at: Pos) -> Vec<Pos> {
    let mut i = 0;
    for (n, line) in text.split('\n').enumerate() {
        if n + 1 == at.0 {
            i += at.1 - 1;
            break;
        }
        i += line.chars().count() + 1;
    }
    let mut lx = Lexer {
        chars: text.chars().collect(),
        i,
        line: at.0,
        col: at.1,
        marks: Some(Vec::new()),
    };
    match lx.peek(0) {
        Some('"') => {
            lx.bump();
            lx.string_body();
        }
        Some('b') if lx.peek(1) == Some('"') => {
            lx.bump();
            lx.bump();
            lx.string_body();
        }
        Some('r' | 'b') if lx.raw_string_ahead() => {
            lx.raw_string();
        }
        _ => {}
    }
    lx.marks.unwrap_or_default()
}

impl Lexer {
    /// Records that the next character a string yields was written at `pos`.
    fn mark(&mut self, pos: Pos, n: usize) {
        if let Some(m) = &mut self.marks {
            m.extend(std::iter::repeat_n(pos, n));
        }
    }

    fn peek(&self, k: usize) -> Option<char> {
        self.chars.get(self.i + k).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek(0)?;
        self.i += 1;
        if c == '\n' {
            self.line += 1;
            self.col = 1;
        } else {
            self.col += 1;
        }
        Some(c)
    }

    /// Skips whitespace and comments; block comments nest, as in RON.
    fn skip_trivia(&mut self) {
        loop {
            match (self.peek(0), self.peek(1)) {
                (Some(c), _) if c.is_whitespace() => {
                    self.bump();
                }
                (Some('/'), Some('/')) => {
                    while self.peek(0).is_some_and(|c| c != '\n') {
                        self.bump();
                    }
                }
                (Some('/'), Some('*')) => {
                    self.bump();
                    self.bump();
                    let mut depth = 1;
                    while depth > 0 {
                        match (self.peek(0), self.peek(1)) {
                            (None, _) => return,
                            (Some('*'), Some('/')) => {
                                self.bump();
                                self.bump();
                                depth -= 1;
                            }
                            (Some('/'), Some('*')) => {
                                self.bump();
                                self.bump();
                                depth += 1;
                            }
                            _ => {
                                self.bump();
                            }
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn next_token(&mut self) -> Option<(Pos, Tok)> {
        self.skip_trivia();
        let pos = (self.line, self.col);
        let c = self.peek(0)?;
        let tok = match c {
            '"' => {
                self.bump();
                Tok::Str(self.string_body())
            }
            'b' if self.peek(1) == Some('"') => {
                self.bump();
                self.bump();
                Tok::Str(self.string_body())
            }
            'r' | 'b' if self.raw_string_ahead() => Tok::Str(self.raw_string()),
            '\'' => {
                self.char_literal();
                Tok::Other
            }
            c if c.is_alphabetic() || c == '_' => {
                // `r#name` is a raw identifier.
                if c == 'r' && self.peek(1) == Some('#') {
                    self.bump();
                    self.bump();
                }
                let mut id = String::new();
                while let Some(c) = self.peek(0).filter(|&c| c.is_alphanumeric() || c == '_') {
                    id.push(c);
                    self.bump();
                }
                Tok::Ident(id)
            }
            c if c.is_ascii_digit() || c == '+' || c == '-' || c == '.' => {
                while self
                    .peek(0)
                    .is_some_and(|c| c.is_alphanumeric() || "_.+-".contains(c))
                {
                    self.bump();
                }
                Tok::Other
            }
            '(' | ')' | '[' | ']' | '{' | '}' | ':' | ',' | '#' | '!' => {
                self.bump();
                Tok::Punct(c)
            }
            _ => {
                self.bump();
                Tok::Other
            }
        };
        Some((pos, tok))
    }

    /// The rest of a `"..."` string after its opening quote, unescaped.
    fn string_body(&mut self) -> String {
        let mut s = String::new();
        loop {
            let at = (self.line, self.col);
            let before = s.len();
            let Some(c) = self.bump() else { break };
            self.string_char(c, &mut s);
            if c == '"' {
                break;
            }
            if self.marks.is_some() {
                let n = s[before..].chars().count();
                self.mark(at, n);
            }
        }
        s
    }

    /// One character (or escape) of a string's body; `"` ends it and yields nothing.
    fn string_char(&mut self, c: char, s: &mut String) {
        {
            match c {
                '"' => {}
                '\\' => match self.bump() {
                    Some('n') => s.push('\n'),
                    Some('t') => s.push('\t'),
                    Some('r') => s.push('\r'),
                    Some('0') => s.push('\0'),
                    Some('x') => {
                        let hex: String = (0..2).filter_map(|_| self.bump()).collect();
                        s.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                    }
                    Some('u') => {
                        let mut hex = String::new();
                        if self.peek(0) == Some('{') {
                            self.bump();
                            while let Some(c) = self.bump().filter(|&c| c != '}') {
                                hex.push(c);
                            }
                        }
                        s.extend(u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32));
                    }
                    // A backslash before a line break continues the string on the next line.
                    Some('\n') => {
                        while self.peek(0).is_some_and(char::is_whitespace) {
                            self.bump();
                        }
                    }
                    Some(other) => s.push(other),
                    None => {}
                },
                c => s.push(c),
            }
        }
    }

    /// `r"..."`, `r#"..."#`, `br"..."` ahead.
    fn raw_string_ahead(&self) -> bool {
        let mut k = if self.peek(0) == Some('b') { 1 } else { 0 };
        if self.peek(k) != Some('r') {
            return false;
        }
        k += 1;
        while self.peek(k) == Some('#') {
            k += 1;
        }
        self.peek(k) == Some('"')
    }

    fn raw_string(&mut self) -> String {
        if self.peek(0) == Some('b') {
            self.bump();
        }
        self.bump(); // r
        let mut hashes = 0;
        while self.peek(0) == Some('#') {
            self.bump();
            hashes += 1;
        }
        self.bump(); // "
        let mut s = String::new();
        loop {
            let at = (self.line, self.col);
            let Some(c) = self.bump() else { break };
            if c == '"' && (0..hashes).all(|k| self.peek(k) == Some('#')) {
                (0..hashes).for_each(|_| {
                    self.bump();
                });
                break;
            }
            self.mark(at, 1);
            s.push(c);
        }
        s
    }

    fn char_literal(&mut self) {
        self.bump(); // '
        if self.bump() == Some('\\') {
            while self.peek(0).is_some_and(|c| c != '\'' && c != '\n') {
                self.bump();
            }
        }
        if self.peek(0) == Some('\'') {
            self.bump();
        }
    }
}

// ---- values ----

/// Deeper than `ron`'s own recursion limit, so text `ron` accepted is read whole.
const MAX_DEPTH: usize = 256;

struct Parser<'t> {
    toks: &'t [(Pos, Tok)],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self, k: usize) -> Option<&Tok> {
        self.toks.get(self.i + k).map(|(_, t)| t)
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek(0) == Some(&Tok::Punct(c));
        if hit {
            self.i += 1;
        }
        hit
    }

    /// Skips inner attributes such as `#![enable(implicit_some)]`.
    fn skip_attributes(&mut self) {
        while self.peek(0) == Some(&Tok::Punct('#')) {
            self.i += 1;
            self.eat('!');
            if self.eat('[') {
                let mut depth = 1;
                while depth > 0 && self.i < self.toks.len() {
                    match self.peek(0) {
                        Some(Tok::Punct('[')) => depth += 1,
                        Some(Tok::Punct(']')) => depth -= 1,
                        _ => {}
                    }
                    self.i += 1;
                }
            }
        }
    }

    /// Reads one value; always consumes at least one token when one is left.
    fn value(&mut self, depth: usize) -> Node {
        let toks = self.toks;
        let (pos, tok) = &toks[self.i];
        let pos = *pos;
        self.i += 1;
        if depth > MAX_DEPTH {
            return Node {
                pos,
                kind: Kind::Other,
            };
        }
        let kind = match tok {
            Tok::Str(s) => Kind::Str(s.clone()),
            Tok::Ident(id) if self.eat('(') => self.group(Some(id.clone()), depth),
            Tok::Ident(id) => Kind::Ident(id.clone()),
            Tok::Punct('(') => self.group(None, depth),
            Tok::Punct('[') => {
                let mut items = Vec::new();
                while self.i < self.toks.len() && !self.eat(']') {
                    items.push(self.value(depth + 1));
                    self.eat(',');
                }
                Kind::List(items)
            }
            Tok::Punct('{') => {
                let mut entries = Vec::new();
                while self.i < self.toks.len() && !self.eat('}') {
                    let key = self.value(depth + 1);
                    if self.eat(':') && self.i < self.toks.len() {
                        entries.push((key, self.value(depth + 1)));
                    }
                    self.eat(',');
                }
                Kind::Map(entries)
            }
            _ => Kind::Other,
        };
        Node { pos, kind }
    }

    /// The inside of `( ... )`, after the opening parenthesis.
    fn group(&mut self, name: Option<String>, depth: usize) -> Kind {
        let mut entries = Vec::new();
        while self.i < self.toks.len() && !self.eat(')') {
            let field = match (self.toks.get(self.i), self.peek(1)) {
                (Some((at, Tok::Ident(f))), Some(Tok::Punct(':'))) => {
                    let f = (f.clone(), *at);
                    self.i += 2;
                    Some(f)
                }
                _ => None,
            };
            if self.i < self.toks.len() {
                let value = self.value(depth + 1);
                entries.push(Member { field, value });
            }
            self.eat(',');
        }
        Kind::Group { name, entries }
    }
}

#[cfg(test)]
mod tests {
    use super::Seg::*;
    use super::*;

    const TEXT: &str = r#"// name: "vm1" in a comment is not a value
Scenario(
    name: "t", /* vms: [(name: "vm1")] */
    nodes: [(name: "node-1"), (name: "node-2")],
    vms: [
        (name: "vm1", namespace: "ns1", node: "node-1"),
        (
            name:
                "vm1",
            namespace: "ns2", node: "node-2",
        ),
    ],
    timeline: [
        (at: "10s", action: Migrate(vm: "vm1", target: Some("node-2"))),
        (within: ("2s", "50s"), action: RestartAgent),
    ],
    expect: {
        "v1.4.1": Violates(invariants: ["quota-converges"], seeds: "0..10"),
    },
)
"#;

    #[test]
    fn path_finds_the_value_not_its_field_name() {
        let doc = Doc::parse(TEXT);
        assert_eq!(
            doc.at(&[Field("nodes"), Index(1), Field("name")]),
            Some((4, 38))
        );
        assert_eq!(
            doc.at(&[Field("vms"), Index(1), Field("namespace")]),
            Some((10, 24))
        );
    }

    #[test]
    fn path_to_a_value_spanning_lines_answers_its_start() {
        let doc = Doc::parse(TEXT);
        assert_eq!(doc.at(&[Field("vms"), Index(1)]), Some((7, 9)));
        assert_eq!(
            doc.at(&[Field("vms"), Index(1), Field("name")]),
            Some((9, 17))
        );
    }

    #[test]
    fn path_looks_through_some() {
        let doc = Doc::parse(TEXT);
        assert_eq!(
            doc.at(&[
                Field("timeline"),
                Index(0),
                Field("action"),
                Field("target")
            ]),
            Some((14, 61))
        );
    }

    #[test]
    fn path_reaches_variants_tuples_and_map_keys() {
        let doc = Doc::parse(TEXT);
        assert_eq!(
            doc.at(&[Field("timeline"), Index(0), Field("action")]),
            Some((14, 29))
        );
        assert_eq!(
            doc.at(&[Field("timeline"), Index(1), Field("within"), Index(1)]),
            Some((15, 25))
        );
        assert_eq!(doc.at(&[Field("expect"), Key("v1.4.1")]), Some((18, 9)));
        assert_eq!(
            doc.at(&[
                Field("expect"),
                Entry("v1.4.1"),
                Field("invariants"),
                Index(0)
            ]),
            Some((18, 41))
        );
    }

    #[test]
    fn path_that_does_not_exist_answers_none() {
        let doc = Doc::parse(TEXT);
        assert_eq!(doc.at(&[Field("vms"), Index(2)]), None);
        assert_eq!(doc.at(&[Field("namespaces")]), None);
        assert_eq!(
            doc.at(&[Field("expect"), Key("v1.4.1"), Field("seeds")]),
            None
        );
    }

    #[test]
    fn field_value_skips_comments() {
        let doc = Doc::parse(TEXT);
        assert_eq!(doc.field_value("name", "vm1", 0), Some((6, 16)));
        assert_eq!(doc.field_value("name", "vm1", 1), Some((9, 17)));
        assert_eq!(doc.field_value("name", "vm1", 2), None);
    }

    #[test]
    fn field_value_compares_unescaped_strings() {
        let doc = Doc::parse("(a: \"x\\\"y\", b: r#\"q\"#, c: \"\\u{41}\")");
        assert_eq!(doc.field_value("a", "x\"y", 0), Some((1, 5)));
        assert_eq!(doc.field_value("b", "q", 0), Some((1, 16)));
        assert_eq!(doc.field_value("c", "A", 0), Some((1, 27)));
    }

    #[test]
    fn field_value_ignores_field_names_inside_strings() {
        let doc = Doc::parse("(description: \"node: \\\"node-1\\\"\", node: \"node-1\")");
        assert_eq!(doc.field_value("node", "node-1", 0), Some((1, 41)));
    }

    #[test]
    fn field_finds_any_value() {
        let doc = Doc::parse(TEXT);
        assert_eq!(doc.field("within", 0), Some((15, 18)));
        assert_eq!(doc.field("node", 1), Some((10, 37)));
        assert_eq!(doc.field("calm", 0), None);
    }

    #[test]
    fn ident_finds_variants_but_not_field_names() {
        let doc = Doc::parse(TEXT);
        assert_eq!(doc.ident("Migrate", 0), Some((14, 29)));
        assert_eq!(doc.ident("RestartAgent", 0), Some((15, 41)));
        assert_eq!(doc.ident("Scenario", 0), Some((2, 1)));
        assert_eq!(doc.ident("name", 0), None);
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let doc = Doc::parse("(d: \"µs µs\", x: \"y\")");
        assert_eq!(doc.field_value("x", "y", 0), Some((1, 17)));
    }

    #[test]
    fn nested_block_comments_and_attributes_are_skipped() {
        let doc =
            Doc::parse("#![enable(implicit_some)]\n/* a /* b */ name: \"x\" */ (name: \"y\")");
        assert_eq!(doc.field("name", 0), Some((2, 34)));
        assert_eq!(doc.at(&[Field("name")]), Some((2, 34)));
    }

    #[test]
    fn unbalanced_text_does_not_panic() {
        for text in [
            "",
            "(",
            "(a: ",
            "[1, (b: \"x\"",
            "{\"k\": ",
            "\"open",
            "/* open",
            ")))",
            "(a: 'x",
        ] {
            let doc = Doc::parse(text);
            let _ = doc.at(&[Field("a"), Index(0)]);
            let _ = doc.field("a", 0);
        }
    }

    #[test]
    fn near_answers_the_closest_written_value_for_a_default() {
        let doc = Doc::parse(TEXT);
        assert_eq!(doc.near(&[Field("vms"), Index(1), Field("cpu")]), (7, 9));
        assert_eq!(doc.near(&[Field("calm")]), (2, 1));
    }

    #[test]
    fn a_map_key_written_twice_is_found_at_its_second_place() {
        let doc = Doc::parse("(expect: {\"v1\": 1,\n \"v1\": 2}, a: 1)");
        assert_eq!(doc.first_duplicate(), Some(((2, 2), "v1".into(), (1, 11))));
        let doc = Doc::parse("(a: 1, b: (c: 1, c: 2))");
        assert_eq!(doc.first_duplicate(), Some(((1, 18), "c".into(), (1, 12))));
        assert_eq!(Doc::parse(TEXT).first_duplicate(), None);
    }

    #[test]
    fn string_positions_follow_escapes_and_raw_strings() {
        let text = "(y: \"a\\nb\", z: r#\"c\nd\"#)";
        assert_eq!(string_positions(text, (1, 5)), vec![(1, 6), (1, 7), (1, 9)]);
        assert_eq!(
            string_positions(text, (1, 16)),
            vec![(1, 19), (1, 20), (2, 1)]
        );
    }
}
