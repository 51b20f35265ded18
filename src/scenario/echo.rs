//! Input shown back in an error message. A message is one line on a terminal, so what the
//! user wrote is escaped (newlines, ESC and other control characters as Rust's
//! `escape_debug` writes them) and cut to a readable length: a 10 MB name must not print a
//! 20 MB line.
//!
//! `quoted` is the one way a message echoes a value the user wrote; `ScenarioError` passes
//! every message (its own and those of the RON and YAML parsers) through `line` as a last
//! guard.

/// How many characters of one echoed value are shown.
pub const ECHO_MAX_CHARS: usize = 80;

/// How many characters of a whole message are shown: room for a few echoed values and the
/// API server's longest explanation (the DNS-1123 regex).
pub const MESSAGE_MAX_CHARS: usize = 1000;

/// `"value"`, escaped and cut: `"aaaa…(9999920 more bytes)"`.
pub fn quoted(value: &str) -> String {
    format!("\"{}\"", cut(value, ECHO_MAX_CHARS, escape))
}

/// Escaped without quotes, and cut: for text that already sits inside quotes or backticks.
pub fn bare(value: &str) -> String {
    cut(value, ECHO_MAX_CHARS, escape)
}

/// A parser's message about `value` with every copy of `value` in it escaped and cut: for
/// messages written by parsers outside this module (`Quantity::parse`, `Version::parse`).
pub fn within(message: &str, value: &str) -> String {
    if value.is_empty() {
        return message.to_string();
    }
    message.replace(value, &bare(value))
}

/// Cut but not escaped: for a value another quoting (Go's `%q` in `field_invalid`)
/// escapes.
pub fn shortened(value: &str) -> String {
    cut(value, ECHO_MAX_CHARS, |c, out| out.push(c))
}

/// A whole message made safe for one line: control characters escaped (quotes and
/// backslashes left as they are, since the message already quotes its values), cut at
/// `MESSAGE_MAX_CHARS`.
pub fn line(message: &str) -> String {
    cut(message, MESSAGE_MAX_CHARS, escape_controls)
}

/// The first `max` characters of `value` through `esc`, and how many bytes were left out.
fn cut(value: &str, max: usize, esc: fn(char, &mut String)) -> String {
    let mut out = String::new();
    for (n, (i, c)) in value.char_indices().enumerate() {
        if n == max {
            out.push_str(&format!("…({} more bytes)", value.len() - i));
            return out;
        }
        esc(c, &mut out);
    }
    out
}

fn escape(c: char, out: &mut String) {
    out.extend(c.escape_debug());
}

fn escape_controls(c: char, out: &mut String) {
    if c.is_control() || is_invisible_format(c) {
        out.extend(c.escape_debug());
    } else {
        out.push(c);
    }
}

/// Characters that change how a terminal shows the rest of the line (bidirectional
/// overrides, zero-width marks) without being control characters.
fn is_invisible_format(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{feff}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_and_newlines_are_escaped() {
        assert_eq!(
            quoted("a\nb\u{1b}[31m\t\"c\""),
            r#""a\nb\u{1b}[31m\t\"c\"""#
        );
    }

    #[test]
    fn a_long_value_is_cut_with_the_count_of_bytes_left_out() {
        let long = "x".repeat(10_000_000);
        assert_eq!(
            quoted(&long),
            format!("\"{}…(9999920 more bytes)\"", "x".repeat(80))
        );
    }

    #[test]
    fn the_cut_counts_characters_not_bytes() {
        let s = "µ".repeat(81);
        assert_eq!(bare(&s), format!("{}…(2 more bytes)", "µ".repeat(80)));
    }

    #[test]
    fn a_message_keeps_its_quotes_but_loses_its_line_breaks() {
        assert_eq!(line("VM \"a\nb\" is\r bad"), "VM \"a\\nb\" is\\r bad");
        assert_eq!(line("\u{202e}x"), "\\u{202e}x");
    }
}
