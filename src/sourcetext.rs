//! An agreement's text made searchable: one normalised string and an index of
//! its numbered articles.
//!
//! Why: quotes are checked verbatim against the text, but the texts are
//! crawled pages with markdown emphasis (`**`), escaped brackets (`\[`) and,
//! in the 2024 text, hard wraps in mid-sentence. Normalising removes all of
//! that from both sides: `**`, a backslash before ASCII punctuation, and
//! **every** whitespace character (a wrap can fall anywhere, and Chinese
//! needs no spaces; two ASCII words that differ only in spacing therefore
//! compare equal, which is harmless for quotes).
//!
//! Articles are lines that start with a dotted number (`16.1.3`, `**16.1.3`,
//! `17.1.4、`, `3.2. 1`), found on the normalised line. A product section is
//! a number followed by a bracket (`16.【大数据计算服务】`, `1.[…]`). The
//! general terms come first and reuse small numbers, so every article belongs
//! to a [`Region`]: the general part (before the first product heading or a
//! `…专用条款` / `专用说明` line), one product section, or the product part
//! of a text whose products are not bracketed. A citation is resolved inside
//! the region of the block it is written in ([`SourceText::resolve`]).
//! An article whose number and text repeat an earlier one (a text printed
//! twice) is marked as a duplicate of it. An article's own words end at the
//! next heading or at a title line (`通用约定`, `目录`, `附件`), so the
//! front matter of a crawled document is not counted into its last article.

use std::ops::Range;

/// Where an article sits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Region {
    /// The general terms (and anything before the product part).
    General,
    /// The product section with this top-level number (a bracketed heading).
    Product(String),
    /// After a product-part marker, in a text without bracketed headings.
    ProductPart,
    /// After an `附件` (annex) line: rules of use and the like, cited only
    /// by cross-reference.
    Annex,
}

/// One numbered article of the text.
#[derive(Clone, Debug)]
pub struct Article {
    /// Dotted number without trailing separator: `16.1.3`.
    pub number: String,
    /// 1-based line of the heading in the raw text.
    pub line: usize,
    /// The article's own words (up to the next heading), in the normalised text.
    pub own: Range<usize>,
    /// The article with its sub-articles (up to the next heading that is not
    /// a descendant, or the end of its region), in the normalised text.
    pub whole: Range<usize>,
    pub region: Region,
    /// Index of an earlier article with the same number and words.
    pub duplicate_of: Option<usize>,
}

/// Which part of the text a clause block speaks about.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope<'a> {
    General,
    /// A product block; the block's section number (`16`, or `16.2` whose
    /// first component is used).
    Product(&'a str),
}

/// The normalised text and its articles.
#[derive(Clone, Debug)]
pub struct SourceText {
    pub norm: String,
    pub articles: Vec<Article>,
    /// Normalised offset at the start of every raw line.
    line_starts: Vec<usize>,
    has_named_products: bool,
    has_product_part: bool,
}

/// Removes `**`, backslash escapes of ASCII punctuation and all whitespace.
pub fn normalise(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '*' if chars.peek() == Some(&'*') => {
                chars.next();
            }
            '\\' if chars.peek().is_some_and(|n| n.is_ascii_punctuation()) => {}
            c if c.is_whitespace() => {}
            c => out.push(c),
        }
    }
    out
}

/// A heading's number, if the normalised line starts with one, and whether a
/// bracket follows it (a product section).
fn heading_number(line: &str) -> Option<(String, bool)> {
    let s = line.trim_start_matches('#');
    let mut parts: Vec<&str> = Vec::new();
    let mut rest = s;
    let mut trailing_sep = false;
    loop {
        let digits = rest.len() - rest.trim_start_matches(|c: char| c.is_ascii_digit()).len();
        if digits == 0 || digits > 3 {
            if parts.is_empty() {
                return None;
            }
            break;
        }
        parts.push(&rest[..digits]);
        rest = &rest[digits..];
        trailing_sep = false;
        match rest.chars().next() {
            Some(c @ ('.' | '．' | '、')) => {
                rest = &rest[c.len_utf8()..];
                trailing_sep = true;
                if c == '、' {
                    break;
                }
            }
            _ => break,
        }
    }
    let top: u32 = parts.first()?.parse().ok()?;
    if top == 0 || top > 199 {
        return None;
    }
    let next = rest.chars().next();
    let bracket = matches!(next, Some('【' | '['));
    if parts.len() == 1 && !trailing_sep && !bracket {
        return None;
    }
    const NOT_A_HEADING: &str = "0123456789年月日天时小个周分秒元万%倍次号期Xx×/-:：,，";
    match next {
        None => return None,
        Some(c) if NOT_A_HEADING.contains(c) => return None,
        _ => {}
    }
    Some((parts.join("."), bracket))
}

/// A line that opens the product-specific part (`专用服务条款`, `专用说明`).
fn is_product_marker(line: &str) -> bool {
    let head = line
        .split('{')
        .next()
        .unwrap_or(line)
        .trim_start_matches('#');
    head.contains("专用")
        && (head.ends_with("条款") || head.ends_with("说明"))
        && head.chars().count() <= 30
}

/// A short line of words without punctuation that is not a heading: a
/// title such as `通用约定`, `目录`, `附件`, `法律适用及争议解决`.
fn is_title(line: &str) -> bool {
    let n = line.chars().count();
    (1..=10).contains(&n)
        && line.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))
        && !line
            .chars()
            .any(|c| c.is_ascii_punctuation() || "，。；：、（）“”！？《》【】".contains(c))
}

fn is_descendant(number: &str, of: &str) -> bool {
    number.len() > of.len() && number.starts_with(of) && number.as_bytes()[of.len()] == b'.'
}

impl SourceText {
    pub fn new(raw: &str) -> SourceText {
        let mut norm = String::with_capacity(raw.len());
        let mut line_starts = Vec::new();
        // (number, line, start, region)
        let mut heads: Vec<(String, usize, usize, Region)> = Vec::new();
        let mut region = Region::General;
        let mut has_named_products = false;
        let mut has_product_part = false;
        // Starts of title lines (`通用约定`, `附件`): they end an article's own words.
        let mut titles: Vec<usize> = Vec::new();
        for (i, line) in raw.split('\n').enumerate() {
            line_starts.push(norm.len());
            let n = normalise(line);
            if let Some((number, bracket)) = heading_number(&n) {
                if bracket && !number.contains('.') {
                    region = Region::Product(number.clone());
                    has_named_products = true;
                }
                heads.push((number, i + 1, norm.len(), region.clone()));
            } else if is_product_marker(&n) {
                region = Region::ProductPart;
                has_product_part = true;
            } else if n == "附件" {
                region = Region::Annex;
            }
            if is_title(&n) {
                titles.push(norm.len());
            }
            norm.push_str(&n);
        }
        let end = norm.len();
        let mut articles: Vec<Article> = Vec::with_capacity(heads.len());
        for (i, (number, line, start, region)) in heads.iter().enumerate() {
            let next_title = titles.iter().copied().find(|&t| t > *start);
            let own_end = heads
                .get(i + 1)
                .map_or(end, |h| h.2)
                .min(next_title.unwrap_or(end));
            let whole_end = heads[i + 1..]
                .iter()
                .find(|h| h.3 != *region || !is_descendant(&h.0, number))
                .map_or(end, |h| h.2);
            articles.push(Article {
                number: number.clone(),
                line: *line,
                own: *start..own_end,
                whole: *start..whole_end,
                region: region.clone(),
                duplicate_of: None,
            });
        }
        for i in 0..articles.len() {
            let words = &norm[articles[i].own.clone()];
            articles[i].duplicate_of = (0..i).find(|&j| {
                articles[j].duplicate_of.is_none()
                    && articles[j].number == articles[i].number
                    && &norm[articles[j].own.clone()] == words
            });
        }
        SourceText {
            norm,
            articles,
            line_starts,
            has_named_products,
            has_product_part,
        }
    }

    /// 1-based raw line of a normalised offset.
    pub fn line_of(&self, offset: usize) -> usize {
        match self.line_starts.binary_search(&offset) {
            // Empty lines share an offset: take the last line starting there.
            Ok(mut l) => {
                while self.line_starts.get(l + 1) == Some(&offset) {
                    l += 1;
                }
                l + 1
            }
            Err(l) => l,
        }
    }

    fn in_scope_region(&self, region: &Region, scope: Scope) -> bool {
        match scope {
            Scope::General => *region == Region::General,
            Scope::Product(section) => {
                let top = section.split('.').next().unwrap_or(section);
                if self.has_named_products {
                    *region == Region::Product(top.to_string())
                } else if self.has_product_part {
                    *region == Region::ProductPart
                } else {
                    true
                }
            }
        }
    }

    /// Every article inside the region a block of `scope` speaks about
    /// (what the report shows as a product's or the general terms' text).
    pub fn in_scope(&self, scope: Scope) -> Vec<usize> {
        (0..self.articles.len())
            .filter(|&i| self.in_scope_region(&self.articles[i].region, scope))
            .collect()
    }

    /// Articles a citation `§number` written in `scope` can mean: those of
    /// that number inside the scope's region, or, when the region has none
    /// (a cross-reference), every article of that number. The bool says
    /// whether they were found inside the scope. Empty: the text has no such
    /// article.
    pub fn resolve(&self, scope: Scope, number: &str) -> (Vec<usize>, bool) {
        let all: Vec<usize> = (0..self.articles.len())
            .filter(|&i| self.articles[i].number == number)
            .collect();
        let inside: Vec<usize> = all
            .iter()
            .copied()
            .filter(|&i| self.in_scope_region(&self.articles[i].region, scope))
            .collect();
        if inside.is_empty() {
            (all, false)
        } else {
            (inside, true)
        }
    }

    /// The deepest article whose whole range contains a normalised offset.
    pub fn article_at(&self, offset: usize) -> Option<usize> {
        (0..self.articles.len())
            .filter(|&i| self.articles[i].whole.contains(&offset))
            .max_by_key(|&i| {
                (
                    self.articles[i].number.matches('.').count(),
                    self.articles[i].own.start,
                )
            })
    }

    /// The heading of product section `top` (`35.【NAT网关】`), when the text
    /// names its products in brackets.
    pub fn product_heading(&self, top: &str) -> Option<usize> {
        self.articles
            .iter()
            .position(|a| a.number == top && a.region == Region::Product(top.to_string()))
    }

    /// Whether the text names its product sections in brackets
    /// (`16.【大数据计算服务】`), so a product's section can be told by title.
    pub fn names_products(&self) -> bool {
        self.has_named_products
    }

    /// The bracketed title of a heading (`NAT网关` for `35.【NAT网关】`).
    pub fn title(&self, i: usize) -> Option<&str> {
        let words = self.norm.get(self.articles.get(i)?.own.clone())?;
        let open = words.find(['【', '['])?;
        let bracket = words[open..].chars().next()?;
        let rest = &words[open + bracket.len_utf8()..];
        let close = rest.find(['】', ']'])?;
        Some(&rest[..close])
    }

    /// Where article `i` is, in words: “`§3.2` of product section `§3`
    /// 【开放搜索服务】 (line 401)”, “`§3.2` of the general terms (line 42)”.
    pub fn describe(&self, i: usize) -> String {
        let Some(a) = self.articles.get(i) else {
            return String::new();
        };
        match &a.region {
            Region::General => format!("`§{}` of the general terms (line {})", a.number, a.line),
            Region::Product(top) => {
                let title = self
                    .product_heading(top)
                    .and_then(|h| self.title(h))
                    .map_or(String::new(), |t| format!(" 【{t}】"));
                format!(
                    "`§{}` of product section `§{top}`{title} (line {})",
                    a.number, a.line
                )
            }
            Region::ProductPart => format!("`§{}` of the product part (line {})", a.number, a.line),
            Region::Annex => format!("`§{}` of an annex (line {})", a.number, a.line),
        }
    }

    /// The original of an article (itself unless it is a duplicate).
    pub fn original(&self, i: usize) -> usize {
        self.articles
            .get(i)
            .and_then(|a| a.duplicate_of)
            .unwrap_or(i)
    }
}
