//! The words on a page: a part of the agreement text with its cited
//! articles marked, the clause file line by line, and the file's reading
//! decisions. Everything is returned as data or as escaped HTML fragments;
//! the templates lay it out.

use super::svg::esc;
use crate::sourcetext::{Scope, SourceText};

/// A link on the page.
#[derive(Clone, Debug)]
pub struct Link {
    pub href: String,
    pub text: String,
}

/// Who cites an article: a clause line of the file shown beside it.
#[derive(Clone, Debug)]
pub struct Citer {
    pub section: String,
    /// 1-based line in the clause file.
    pub line: usize,
    /// `suspend upload` / `refund window` / `ignored: reason`.
    pub what: String,
    pub ignored: bool,
}

/// One article of the text as shown.
#[derive(Clone, Debug)]
pub struct ArticleView {
    pub number: String,
    /// Element id: `art-16.1.2`.
    pub id: String,
    pub text: String,
    pub cited_by: Vec<Link>,
    /// Cited only by `ignore` items (marked differently).
    pub ignored: bool,
    /// Sets a deadline or an amount (see [`crate::coverage`]).
    pub bearing: bool,
}

impl ArticleView {
    pub fn cited(&self) -> bool {
        !self.cited_by.is_empty()
    }
}

/// The crawled text without markdown emphasis and escapes, for reading.
fn readable(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
            }
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {}
            c => out.push(c),
        }
    }
    out.trim_end().to_string()
}

/// An article's lines as one paragraph: the crawled texts wrap lines in
/// mid-sentence, so lines are joined — without a space between Chinese
/// characters, with one between two Latin words.
fn joined(lines: &[&str]) -> String {
    let mut out = String::new();
    for l in lines.iter().map(|l| readable(l)) {
        let l = l.trim();
        if l.is_empty() {
            continue;
        }
        let latin = |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric());
        if latin(out.chars().last()) && latin(l.chars().next()) {
            out.push(' ');
        }
        out.push_str(l);
    }
    out
}

pub fn article_id(number: &str) -> String {
    format!("art-{number}")
}

pub fn line_id(line: usize) -> String {
    format!("L{line}")
}

/// The articles of `scope` in text order, each with the clause lines that
/// cite it (resolved as the checker resolves citations).
pub fn section(
    text: &SourceText,
    raw: &str,
    scope: Scope,
    citers: &[Citer],
    bearing: &dyn Fn(&str, usize) -> bool,
) -> Vec<ArticleView> {
    let lines: Vec<&str> = raw.split('\n').collect();
    let mut inside: Vec<usize> = text.in_scope(scope);
    inside.retain(|&i| text.articles[i].duplicate_of.is_none());
    inside.sort_by_key(|&i| text.articles[i].line);
    let mut cited: Vec<Vec<&Citer>> = vec![Vec::new(); text.articles.len()];
    for c in citers {
        for a in text.resolve(scope, &c.section).0 {
            if let Some(list) = cited.get_mut(text.original(a)) {
                list.push(c);
            }
        }
    }
    inside
        .iter()
        .map(|&i| {
            let a = &text.articles[i];
            let end = text.line_of(a.own.end).max(a.line + 1);
            let end = if a.own.end >= text.norm.len() {
                lines.len() + 1
            } else {
                end
            };
            let body = joined(
                lines
                    .get(a.line.saturating_sub(1)..end.saturating_sub(1).min(lines.len()))
                    .unwrap_or_default(),
            );
            let by = &cited[i];
            ArticleView {
                number: a.number.clone(),
                id: article_id(&a.number),
                text: body,
                cited_by: by
                    .iter()
                    .map(|c| Link {
                        href: format!("#{}", line_id(c.line)),
                        text: format!("line {}: {}", c.line, c.what),
                    })
                    .collect(),
                ignored: !by.is_empty() && by.iter().all(|c| c.ignored),
                bearing: bearing(&a.number, a.line),
            }
        })
        .collect()
}

/// One line of a clause file as shown.
#[derive(Clone, Debug)]
pub struct ClauseLine {
    pub n: usize,
    pub id: String,
    /// `step`, `money`, `ignore`, `comment` or empty.
    pub class: String,
    /// The line as escaped HTML, `§` citations linked to their articles.
    pub html: String,
}

/// `§16.1.2` in escaped text linked to `#art-16.1.2` where that article is
/// on the page.
pub fn link_sections(escaped: &str, known: &dyn Fn(&str) -> bool) -> String {
    let mut out = String::with_capacity(escaped.len());
    let mut rest = escaped;
    while let Some(i) = rest.find('§') {
        out.push_str(&rest[..i]);
        let after = &rest[i + '§'.len_utf8()..];
        let n = after
            .char_indices()
            .take_while(|(_, c)| c.is_ascii_digit() || *c == '.')
            .last()
            .map_or(0, |(j, c)| j + c.len_utf8());
        let number = after[..n].trim_end_matches('.');
        if !number.is_empty() && known(number) {
            out.push_str(&format!(
                "<a href=\"#{}\">§{number}</a>",
                article_id(number)
            ));
            rest = &after[number.len()..];
        } else {
            out.push('§');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// A clause file line by line; `citers` mark the lines that cite.
pub fn clause_lines(
    source: &str,
    citers: &[Citer],
    known: &dyn Fn(&str) -> bool,
) -> Vec<ClauseLine> {
    source
        .lines()
        .enumerate()
        .map(|(i, l)| {
            let n = i + 1;
            let class = match citers.iter().find(|c| c.line == n) {
                Some(c) if c.ignored => "ignore",
                Some(c) if c.what.starts_with("money") => "money",
                Some(_) => "step",
                None if l.trim_start().starts_with("//") => "comment",
                None => "",
            };
            ClauseLine {
                n,
                id: line_id(n),
                class: class.into(),
                html: link_sections(&esc(l), known),
            }
        })
        .collect()
}

/// The reading decisions of a clause file: the items after a `Reading
/// decisions:` line of its leading comment, or else the whole leading
/// comment as one item per paragraph. Escaped HTML, `§` linked.
pub fn reading_decisions(source: &str, known: &dyn Fn(&str) -> bool) -> Vec<String> {
    let header: Vec<&str> = source
        .lines()
        .take_while(|l| l.trim_start().starts_with("//"))
        .map(|l| l.trim_start().trim_start_matches('/').trim())
        .collect();
    let (body, bulleted) = match header
        .iter()
        .position(|l| l.starts_with("Reading decisions"))
    {
        Some(p) => (&header[p + 1..], true),
        None => (&header[..], false),
    };
    let mut items: Vec<String> = Vec::new();
    let mut current = String::new();
    for l in body {
        let starts = if bulleted {
            l.starts_with("* ")
        } else {
            l.is_empty()
        };
        if starts && !current.is_empty() {
            items.push(std::mem::take(&mut current));
        }
        let words = l.strip_prefix("* ").unwrap_or(l);
        if words.is_empty() {
            continue;
        }
        if !current.is_empty() {
            current.push(' ');
        }
        current.push_str(words);
    }
    if !current.is_empty() {
        items.push(current);
    }
    items
        .iter()
        .map(|i| link_sections(&esc(i), known))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sections_link_only_known_articles() {
        let known = |n: &str| n == "3.2";
        assert_eq!(
            link_sections("see §3.2. and §9.9", &known),
            "see <a href=\"#art-3.2\">§3.2</a>. and §9.9"
        );
    }

    #[test]
    fn decisions_are_the_bullets_after_the_heading() {
        let src =
            "// title\n//\n// Reading decisions:\n// * one\n//   more\n// * two §1\nproduct x {}\n";
        let items = reading_decisions(src, &|_| false);
        assert_eq!(items, vec!["one more".to_string(), "two §1".to_string()]);
    }
}
