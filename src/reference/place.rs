//! Where a step falls: its timing placed on the time line from its anchor,
//! with the reading the step takes. Written apart from the evaluator's
//! placement; both count durations with [`crate::calendar`].

use crate::ast::Modality;
use crate::calendar::{CalendarError, Clock};
use crate::model::{Anchor, RuleM, StepM, TimingKindM, TimingM, Unit};
use crate::vocab::Reading;

/// (instant, both readings, window) of a placed step.
pub type Placed = (i64, Option<[i64; 2]>, Option<[i64; 2]>);

/// (instant, window) of one reading.
type Reading1 = (i64, Option<[i64; 2]>);

/// Whether a step harms the customer (provider modality, a harmful verb).
pub fn harmful(s: &StepM) -> bool {
    matches!(s.modality, Modality::Will | Modality::May)
        && s.actions.iter().any(|a| a.verb.is_harmful())
}

/// Everything one rule's placements need.
pub struct Ctx<'a> {
    pub clock: Clock,
    pub reading: Reading,
    pub rule: &'a RuleM,
    pub trigger: i64,
    /// Instants steps of the rule already fired (or were skipped) at.
    pub at: &'a [Option<i64>],
    /// The instant an event anchor stands for (`None`: not yet).
    pub event_anchor: &'a dyn Fn(&str) -> Option<i64>,
}

impl Ctx<'_> {
    /// The instant a timing counts from (`None`: an event anchor that has
    /// not happened).
    fn anchor(&self, t: &TimingM) -> Result<Option<i64>, CalendarError> {
        Ok(match t.anchor {
            Anchor::Trigger => Some(self.trigger),
            Anchor::Step(j) => match self.at.get(j).copied().flatten() {
                Some(t) => Some(t),
                None => self.place(j)?.map(|p| p.0),
            },
            Anchor::Event(k) => self
                .rule
                .anchor_events
                .get(usize::from(k))
                .and_then(|e| (self.event_anchor)(e)),
        })
    }

    /// Civil Code Art. 203 ¶1 for a harmful step under customer-safe: the
    /// end of a day or month period whose last day is a rest day moves past
    /// the rest days.
    fn extend(&self, t: &TimingM, end: i64, late: bool) -> Result<i64, CalendarError> {
        let counted = matches!(t.duration.unit, Unit::CalendarDays | Unit::CalendarMonths)
            && t.duration.count > 0
            && matches!(t.kind, TimingKindM::After | TimingKindM::Within);
        if late && counted {
            self.clock.rest_day_extension(end)
        } else {
            Ok(end)
        }
    }

    fn one(&self, t: &TimingM, late: bool) -> Result<Option<Reading1>, CalendarError> {
        let Some(a) = self.anchor(t)? else {
            return Ok(None);
        };
        let c = &self.clock;
        Ok(Some(match t.kind {
            TimingKindM::At => (a, None),
            TimingKindM::After => (self.extend(t, c.add(a, t.duration)?, late)?, None),
            TimingKindM::Before => (c.sub(a, t.duration)?, None),
            TimingKindM::Within => {
                let end = self.extend(t, c.add(a, t.duration)?, late)?;
                (if late { end } else { a }, Some([a, end]))
            }
            TimingKindM::OnDay => {
                let (s, e) = c.day_window(a, t.duration.count)?;
                (if late { e } else { s }, Some([s, e]))
            }
            TimingKindM::OnHour => {
                let (s, e) = c.hour_window(a, t.duration.count)?;
                (if late { e } else { s }, Some([s, e]))
            }
        }))
    }

    /// A reading counted from another rule's event (not `before`) that
    /// would fall before this rule's trigger is due at the trigger.
    fn clamped(&self, t: &TimingM, r: Option<Reading1>) -> Option<Reading1> {
        match r {
            Some((at, w))
                if matches!(t.anchor, Anchor::Event(_))
                    && !matches!(t.kind, TimingKindM::Before)
                    && at < self.trigger =>
            {
                Some((self.trigger, w))
            }
            r => r,
        }
    }

    /// (instant, readings, window) of step `i`; `None` while an event it
    /// counts from has not happened. Customer-safe takes the later reading
    /// of a harmful step and waits for both; otherwise the earlier of the
    /// readings that can be placed.
    pub fn place(&self, i: usize) -> Result<Option<Placed>, CalendarError> {
        let Some(s) = self.rule.steps.get(i) else {
            return Ok(None);
        };
        let late = self.reading == Reading::CustomerSafe && harmful(s);
        let first = self.clamped(&s.timing, self.one(&s.timing, late)?);
        let Some(alt) = &s.alternative else {
            return Ok(first.map(|f| (f.0, None, f.1)));
        };
        let second = self.clamped(alt, self.one(alt, late)?);
        let (first, second) = match (first, second) {
            (Some(f), Some(s)) => (f, s),
            (Some(one), None) | (None, Some(one)) if !late => {
                return Ok(Some((one.0, None, one.1)))
            }
            _ => return Ok(None),
        };
        let chosen = if late {
            if second.0 > first.0 {
                second
            } else {
                first
            }
        } else if second.0 < first.0 {
            second
        } else {
            first
        };
        Ok(Some((chosen.0, Some([first.0, second.0]), chosen.1)))
    }
}
