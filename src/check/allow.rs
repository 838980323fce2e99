//! `allow W0001 "reason"`: warnings acknowledged in the language.
//!
//! Why: some warnings are the text's own doing — DNS releases the paid
//! instance on day 7 with no notice because §29.3 says so. The author checks
//! that against the text and says why, where the warning is; a comment
//! would be invisible to the checker, and `--deny-warnings` could never
//! pass. An `allow` on a step or money term covers the warnings of that
//! code inside it; an `allow` in a block covers the block's own warnings
//! (those not inside a step or money term, which are acknowledged there).
//!
//! The reason is checked: it must say something (E0036, as must the code:
//! a warning code, never an error's). An `allow` that covers no warning is
//! itself a warning (W0007): the clause or the checker changed, and the
//! acknowledgement no longer stands for anything.

use crate::ast::{self, BodyItem, Item, Span};
use crate::diagnostic::{Code, Diagnostic, Severity};

/// Where an `allow` applies.
struct Site<'a> {
    allow: &'a ast::Allow,
    code: Option<Code>,
    /// The step or money term, or the block.
    scope: Span,
    /// For a block's `allow`: the steps and money terms it does not cover.
    except: Vec<Span>,
    used: bool,
}

fn inside(inner: Span, outer: Span) -> bool {
    inner.file == outer.file && inner.start >= outer.start && inner.end <= outer.end
}

/// Steps and money terms of a block, each with its `allow`s.
fn owners(block: &ast::Block) -> Vec<(Span, &[ast::Allow])> {
    let mut out: Vec<(Span, &[ast::Allow])> = Vec::new();
    for item in &block.items {
        match item {
            BodyItem::Rule(r) => {
                out.extend(r.steps.iter().map(|s| (s.span, s.allows.as_slice())));
                out.extend(r.cure.iter().map(|c| (c.span, c.allows.as_slice())));
            }
            BodyItem::Money(m) => out.push((m.span, m.allows.as_slice())),
            BodyItem::Restriction(r) => out.push((r.span, r.allows.as_slice())),
            _ => {}
        }
    }
    out
}

fn sites(files: &[ast::File]) -> Vec<Site<'_>> {
    let mut out = Vec::new();
    for f in files {
        for item in &f.items {
            let Item::Block(b) = item else { continue };
            let owned = owners(b);
            for (scope, allows) in &owned {
                out.extend(allows.iter().map(|a| Site {
                    allow: a,
                    code: None,
                    scope: *scope,
                    except: Vec::new(),
                    used: false,
                }));
            }
            for item in &b.items {
                if let BodyItem::Allow(a) = item {
                    out.push(Site {
                        allow: a,
                        code: None,
                        scope: b.span,
                        except: owned.iter().map(|(s, _)| *s).collect(),
                        used: false,
                    });
                }
            }
        }
    }
    out
}

/// An `allow` of a finding of `clausec verify` (`V0001` …): the checker
/// cannot tell whether it covers anything (W0007 is verify's to decide),
/// so it hands it on.
#[derive(Clone, Debug)]
pub struct Acknowledgement {
    pub code: String,
    pub reason: String,
    /// The step, cure or money term it is written in, or its block.
    pub scope: Span,
    /// For a block's `allow`: the steps, cures and money terms it does not
    /// cover.
    pub except: Vec<Span>,
}

impl Acknowledgement {
    /// Whether it acknowledges a finding of `code` at `span`.
    pub fn covers(&self, code: &str, span: Span) -> bool {
        self.code == code
            && inside(span, self.scope)
            && !self.except.iter().any(|e| inside(span, *e))
    }
}

/// What [`apply`] gives: the diagnostics left (with E0036 and W0007
/// added), the warnings taken out, and the `allow`s of verify's findings.
pub type Applied = (Vec<Diagnostic>, Vec<Diagnostic>, Vec<Acknowledgement>);

/// Checks the `allow`s of `files` and takes the warnings they cover out of
/// `diags`.
pub fn apply(files: &[ast::File], diags: Vec<Diagnostic>) -> Applied {
    let mut sites = sites(files);
    let mut problems = Vec::new();
    let mut acknowledged = Vec::new();
    for site in &mut sites {
        let a = site.allow;
        let code = Code::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == a.code.name);
        if code.is_none() && crate::verify::Check::from_code(&a.code.name).is_some() {
            if a.reason.value.trim().is_empty() {
                problems.push(
                    Diagnostic::new(Code::E0036, format!("`allow {}` without a reason", a.code.name))
                        .at(a.reason.span, "empty")
                        .help("say why the text makes this right, e.g. `allow V0001 \"§6.2 states the step for accounts this product never has\"`"),
                );
            } else {
                acknowledged.push(Acknowledgement {
                    code: a.code.name.to_uppercase(),
                    reason: a.reason.value.clone(),
                    scope: site.scope,
                    except: site.except.clone(),
                });
            }
            continue;
        }
        match code {
            Some(c) if c.severity() == Severity::Warning && c != Code::W0007 => {
                site.code = Some(c);
            }
            Some(c) => problems.push(
                Diagnostic::new(Code::E0036, format!("`{c}` cannot be allowed"))
                    .at(
                        a.code.span,
                        if c == Code::W0007 {
                            "an unused `allow` is removed, not allowed"
                        } else {
                            "an error, not a warning"
                        },
                    )
                    .help("only warnings can be acknowledged; an error must be fixed"),
            ),
            None => {
                let warnings = Code::ALL
                    .iter()
                    .filter(|c| c.severity() == Severity::Warning)
                    .map(|c| c.as_str());
                problems.push(
                    Diagnostic::new(Code::E0036, format!("unknown warning `{}`", a.code.name))
                        .at(a.code.span, "not a warning code")
                        .help("warning codes are listed in docs/errors.md (`W0001` …)")
                        .suggest(&a.code.name, warnings),
                );
            }
        }
        if a.reason.value.trim().is_empty() {
            problems.push(
                Diagnostic::new(Code::E0036, format!("`allow {}` without a reason", a.code.name))
                    .at(a.reason.span, "empty")
                    .help("say why the text makes this right, e.g. `allow W0001 \"§29.3 itself releases the instance on day 7 with no notice\"`"),
            );
            site.code = None;
        }
    }
    let mut kept = Vec::new();
    let mut allowed = Vec::new();
    for d in diags {
        let covering = d.primary.as_ref().and_then(|p| {
            sites.iter_mut().find(|s| {
                s.code == Some(d.code)
                    && inside(p.span, s.scope)
                    && !s.except.iter().any(|e| inside(p.span, *e))
            })
        });
        match covering {
            Some(site) if d.severity == Severity::Warning => {
                site.used = true;
                allowed.push(d);
            }
            _ => kept.push(d),
        }
    }
    for s in sites.iter().filter(|s| s.code.is_some() && !s.used) {
        kept.push(
            Diagnostic::new(
                Code::W0007,
                format!("`allow {}` suppresses nothing", s.allow.code.name),
            )
            .at(s.allow.span, "no such warning here")
            .help("the warning it acknowledged is gone (the clause or the checker changed): remove the `allow`"),
        );
    }
    kept.extend(problems);
    (kept, allowed, acknowledged)
}
