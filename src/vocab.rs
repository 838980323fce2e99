//! The language's fixed vocabularies: actions, built-in events, billing
//! modes. One table each, so the checker, the formatter, the evaluator and
//! the docs agree on a single list.

use serde::{Deserialize, Serialize};

/// An action of the fixed vocabulary (plus the customer verbs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verb {
    Notify,
    Suspend,
    Resume,
    Forbid,
    Freeze,
    Stop,
    ReadOnly,
    Release,
    Purge,
    Terminate,
    Downgrade,
    Void,
    KeepBilling,
    StopBilling,
    // customer verbs
    Pay,
    Renew,
    Claim,
}

/// What an action's targets must be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TargetKind {
    /// No targets allowed.
    None,
    /// Capabilities (`service` included).
    Capabilities,
    /// Resources (data).
    Resources,
}

/// The targets an action takes when none are written. The checker writes
/// them out ([`crate::model::ActionM::targets`] is never empty for an
/// action that acts on something), so no later stage reads "no targets" as
/// anything.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DefaultTargets {
    /// None: the action has no targets.
    Nothing,
    /// The implicit capability `service` (the whole service).
    Service,
    /// Every capability of the block, `service` included.
    EveryCapability,
    /// Every resource the block declares.
    EveryResource,
}

/// The local state a capability is in: what a `will` step's verb leaves it
/// in. Several read the same in reports (a frozen or stopped capability
/// reads `suspended`); the evaluator keeps them apart so `resume` and the
/// service's `stopped` state can tell them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CapState {
    Active,
    Suspended,
    Frozen,
    Forbidden,
    ReadOnly,
    Stopped,
}

impl CapState {
    /// Every state, in declaration order.
    pub const ALL: [CapState; 6] = [
        CapState::Active,
        CapState::Suspended,
        CapState::Frozen,
        CapState::Forbidden,
        CapState::ReadOnly,
        CapState::Stopped,
    ];
}

/// What a `will` step's verb does to each target resource.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ResourceEffect {
    /// Released, unless already purged (purged data never comes back).
    Release,
    Purge,
}

/// Which parties may perform an action.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Parties {
    /// With `will` / `may` (the provider).
    pub provider: bool,
    /// With `customer may` / `customer must`.
    pub customer: bool,
}

impl Parties {
    const PROVIDER: Parties = Parties {
        provider: true,
        customer: false,
    };
    const CUSTOMER: Parties = Parties {
        provider: false,
        customer: true,
    };
    const BOTH: Parties = Parties {
        provider: true,
        customer: true,
    };

    /// Whether the action may be written with `modality`.
    pub fn allow(self, modality: Modality) -> bool {
        match modality {
            Modality::Will | Modality::May => self.provider,
            Modality::CustomerMay | Modality::CustomerMust => self.customer,
        }
    }
}

/// Everything the language says about one action: the one place the
/// checker, the compiler, the evaluator, the reference interpreter, the
/// reports and the generated code read it from.
#[derive(Clone, Copy, Debug)]
pub struct ActionInfo {
    pub verb: Verb,
    pub name: &'static str,
    pub targets: TargetKind,
    /// What the checker writes when no targets are.
    pub default_targets: DefaultTargets,
    /// The state a `will` step leaves each target capability in.
    pub capability_after: Option<CapState>,
    /// What a `will` step does to each target resource.
    pub resource_after: Option<ResourceEffect>,
    /// A `will` step ends the agreement for the product.
    pub terminates: bool,
    /// Cannot be undone.
    pub irreversible: bool,
    /// Harms the customer: a provider step with it takes the later reading
    /// under customer-safe.
    pub harmful: bool,
    /// An earlier step with it warns of a later irreversible one (W0001).
    pub warns: bool,
    /// Who may perform it (E0031).
    pub parties: Parties,
    pub meaning: &'static str,
}

impl ActionInfo {
    /// Withdraws a capability (undone by `resume`).
    pub fn restricts(&self) -> bool {
        matches!(self.capability_after, Some(c) if c != CapState::Active)
    }
}

/// An action that does nothing to capabilities or resources.
const fn plain(
    verb: Verb,
    name: &'static str,
    parties: Parties,
    meaning: &'static str,
) -> ActionInfo {
    ActionInfo {
        verb,
        name,
        targets: TargetKind::None,
        default_targets: DefaultTargets::Nothing,
        capability_after: None,
        resource_after: None,
        terminates: false,
        irreversible: false,
        harmful: false,
        warns: false,
        parties,
        meaning,
    }
}

/// An action on capabilities that leaves them in `after`.
const fn on_capabilities(
    verb: Verb,
    name: &'static str,
    after: CapState,
    default_targets: DefaultTargets,
    meaning: &'static str,
) -> ActionInfo {
    let withdraws = !matches!(after, CapState::Active);
    ActionInfo {
        targets: TargetKind::Capabilities,
        default_targets,
        capability_after: Some(after),
        harmful: withdraws,
        warns: withdraws,
        ..plain(verb, name, Parties::PROVIDER, meaning)
    }
}

/// An irreversible action on resources.
const fn on_resources(
    verb: Verb,
    name: &'static str,
    effect: ResourceEffect,
    meaning: &'static str,
) -> ActionInfo {
    ActionInfo {
        targets: TargetKind::Resources,
        default_targets: DefaultTargets::EveryResource,
        resource_after: Some(effect),
        irreversible: true,
        harmful: true,
        ..plain(verb, name, Parties::PROVIDER, meaning)
    }
}

use CapState as C;
use DefaultTargets as D;

/// The action vocabulary, in [`Verb`] order.
pub const ACTIONS: &[ActionInfo] = &[
    ActionInfo {
        warns: true,
        ..plain(Verb::Notify, "notify", Parties::BOTH, "the provider notifies the customer")
    },
    on_capabilities(
        Verb::Suspend,
        "suspend",
        C::Suspended,
        D::Service,
        "temporarily withdraw capabilities (none named: the whole service); undone by `resume`",
    ),
    on_capabilities(
        Verb::Resume,
        "resume",
        C::Active,
        D::EveryCapability,
        "restore what was suspended, frozen, forbidden, stopped or made read-only (none named: everything)",
    ),
    on_capabilities(
        Verb::Forbid,
        "forbid",
        C::Forbidden,
        D::Service,
        "the customer may no longer start or create (不能新建) (none named: the whole service)",
    ),
    on_capabilities(
        Verb::Freeze,
        "freeze",
        C::Frozen,
        D::Service,
        "operations frozen (冻结), data kept (none named: the whole service)",
    ),
    on_capabilities(
        Verb::Stop,
        "stop",
        C::Stopped,
        D::Service,
        "stop the service or capabilities (停止服务) (none named: the whole service)",
    ),
    on_capabilities(
        Verb::ReadOnly,
        "read_only",
        C::ReadOnly,
        D::Service,
        "only reads allowed (none named: the whole service)",
    ),
    on_resources(
        Verb::Release,
        "release",
        ResourceEffect::Release,
        "resources released; irreversible (none named: every resource)",
    ),
    on_resources(
        Verb::Purge,
        "purge",
        ResourceEffect::Purge,
        "data deleted; irreversible (none named: every resource)",
    ),
    ActionInfo {
        terminates: true,
        harmful: true,
        ..plain(
            Verb::Terminate,
            "terminate",
            Parties::BOTH,
            "the agreement for the product ends; later steps cannot matter",
        )
    },
    ActionInfo {
        harmful: true,
        ..plain(Verb::Downgrade, "downgrade", Parties::PROVIDER, "the service moves to a lower edition")
    },
    ActionInfo {
        harmful: true,
        ..plain(Verb::Void, "void", Parties::PROVIDER, "the order becomes void (订单失效)")
    },
    plain(Verb::KeepBilling, "keep_billing", Parties::PROVIDER, "billing continues (持续计费)"),
    plain(Verb::StopBilling, "stop_billing", Parties::PROVIDER, "billing stops"),
    plain(Verb::Pay, "pay", Parties::CUSTOMER, "the customer pays (a customer deadline or right)"),
    plain(Verb::Renew, "renew", Parties::CUSTOMER, "the customer renews"),
    plain(Verb::Claim, "claim", Parties::CUSTOMER, "the customer claims a refund or compensation"),
];

impl Verb {
    /// Every verb, in declaration order (the order of [`ACTIONS`]).
    pub const ALL: [Verb; 17] = [
        Verb::Notify,
        Verb::Suspend,
        Verb::Resume,
        Verb::Forbid,
        Verb::Freeze,
        Verb::Stop,
        Verb::ReadOnly,
        Verb::Release,
        Verb::Purge,
        Verb::Terminate,
        Verb::Downgrade,
        Verb::Void,
        Verb::KeepBilling,
        Verb::StopBilling,
        Verb::Pay,
        Verb::Renew,
        Verb::Claim,
    ];

    pub fn info(self) -> &'static ActionInfo {
        // ACTIONS is in enum order (a test holds it there).
        let i = self as usize;
        match ACTIONS.get(i) {
            Some(a) if a.verb == self => a,
            _ => ACTIONS
                .iter()
                .find(|a| a.verb == self)
                .unwrap_or(&ACTIONS[0]),
        }
    }
    pub fn name(self) -> &'static str {
        self.info().name
    }
    pub fn from_name(name: &str) -> Option<Verb> {
        ACTIONS.iter().find(|a| a.name == name).map(|a| a.verb)
    }
    pub fn is_irreversible(self) -> bool {
        self.info().irreversible
    }
    pub fn is_harmful(self) -> bool {
        self.info().harmful
    }
}

/// A modality as output names it: `will`, `may`, `customer_may`,
/// `customer_must`.
pub fn modality_name(m: Modality) -> &'static str {
    match m {
        Modality::Will => "will",
        Modality::May => "may",
        Modality::CustomerMay => "customer_may",
        Modality::CustomerMust => "customer_must",
    }
}

/// Whether a step harms the customer: a provider step (`will`/`may`) with
/// a harmful action. Under the customer-safe reading such a step takes the
/// later of its instants.
pub fn step_harms_customer(modality: Modality, verbs: impl IntoIterator<Item = Verb>) -> bool {
    matches!(modality, Modality::Will | Modality::May) && verbs.into_iter().any(Verb::is_harmful)
}

/// Built-in trigger events.
pub const BUILTIN_EVENTS: &[&str] = &[
    "arrears",
    "payment",
    "expiry",
    "renewal",
    "order",
    "order_paid",
    "outage_start",
    "outage_end",
    "provider_notice",
    "deferral_end",
    "bill",
    "purchase",
    "termination",
];

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Billing {
    Prepaid,
    Postpaid,
    Package,
}

/// The billing modes' names, in [`Billing::ALL`] order (the CLI's value list).
pub const BILLING_MODES: &[&str] = &Billing::NAMES;

impl Billing {
    /// Every mode, in declaration order.
    pub const ALL: [Billing; 3] = [Billing::Prepaid, Billing::Postpaid, Billing::Package];
    /// Their names, in the same order.
    pub const NAMES: [&'static str; 3] = ["prepaid", "postpaid", "package"];
    pub fn from_name(s: &str) -> Option<Billing> {
        Self::ALL.into_iter().find(|b| b.name() == s)
    }
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// Which instant a two-reading step takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reading {
    /// Provider actions that harm the customer at the later reading,
    /// customer deadlines at the earlier.
    #[default]
    CustomerSafe,
    /// The earlier reading everywhere.
    Earliest,
}

impl Reading {
    /// Every reading, in declaration order.
    pub const ALL: [Reading; 2] = [Reading::CustomerSafe, Reading::Earliest];
    /// Their names, in the same order (the CLI's value list).
    pub const NAMES: [&'static str; 2] = ["customer-safe", "earliest"];
    pub fn from_name(s: &str) -> Option<Reading> {
        Self::ALL.into_iter().find(|r| r.name() == s)
    }
    pub fn name(self) -> &'static str {
        Self::NAMES[self as usize]
    }
}

/// How a step is said: the clause's modality.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Modality {
    Will,
    May,
    CustomerMay,
    CustomerMust,
}

impl Modality {
    pub fn keyword(self) -> &'static str {
        match self {
            Modality::Will => "will",
            Modality::May => "may",
            Modality::CustomerMay => "customer may",
            Modality::CustomerMust => "customer must",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_are_in_declaration_order() {
        for (i, v) in Verb::ALL.iter().enumerate() {
            assert_eq!(ACTIONS[i].verb, *v);
            assert_eq!(*v as usize, i);
            assert_eq!(Verb::from_name(v.name()), Some(*v));
        }
        assert_eq!(ACTIONS.len(), Verb::ALL.len());
        for (i, b) in Billing::ALL.iter().enumerate() {
            assert_eq!(*b as usize, i);
            assert_eq!(Billing::from_name(b.name()), Some(*b));
        }
        for (i, r) in Reading::ALL.iter().enumerate() {
            assert_eq!(*r as usize, i);
            assert_eq!(Reading::from_name(r.name()), Some(*r));
        }
    }

    #[test]
    fn every_action_on_something_has_defaults_of_its_kind() {
        for a in ACTIONS {
            let ok = match a.targets {
                TargetKind::None => a.default_targets == DefaultTargets::Nothing,
                TargetKind::Capabilities => matches!(
                    a.default_targets,
                    DefaultTargets::Service | DefaultTargets::EveryCapability
                ),
                TargetKind::Resources => a.default_targets == DefaultTargets::EveryResource,
            };
            assert!(ok, "{}", a.name);
            assert_eq!(
                a.capability_after.is_some(),
                a.targets == TargetKind::Capabilities,
                "{}",
                a.name
            );
            assert_eq!(
                a.resource_after.is_some(),
                a.targets == TargetKind::Resources,
                "{}",
                a.name
            );
            assert!(a.parties.provider || a.parties.customer, "{}", a.name);
        }
    }
}
