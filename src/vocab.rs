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

pub struct ActionInfo {
    pub verb: Verb,
    pub name: &'static str,
    pub targets: TargetKind,
    /// Cannot be undone (`release`, `purge`).
    pub irreversible: bool,
    /// Harms the customer: placed at the later reading under customer-safe.
    pub harmful: bool,
    /// Only with `customer may` / `customer must`.
    pub customer_only: bool,
    pub meaning: &'static str,
}

const fn info(
    verb: Verb,
    name: &'static str,
    targets: TargetKind,
    irreversible: bool,
    harmful: bool,
    customer_only: bool,
    meaning: &'static str,
) -> ActionInfo {
    ActionInfo {
        verb,
        name,
        targets,
        irreversible,
        harmful,
        customer_only,
        meaning,
    }
}

use TargetKind as T;

pub const ACTIONS: &[ActionInfo] = &[
    info(
        Verb::Notify,
        "notify",
        T::None,
        false,
        false,
        false,
        "the provider notifies the customer",
    ),
    info(
        Verb::Suspend,
        "suspend",
        T::Capabilities,
        false,
        true,
        false,
        "temporarily withdraw capabilities (none named: the whole service); undone by `resume`",
    ),
    info(
        Verb::Resume,
        "resume",
        T::Capabilities,
        false,
        false,
        false,
        "restore what was suspended, frozen, forbidden, stopped or made read-only",
    ),
    info(
        Verb::Forbid,
        "forbid",
        T::Capabilities,
        false,
        true,
        false,
        "the customer may no longer start or create (不能新建)",
    ),
    info(
        Verb::Freeze,
        "freeze",
        T::Capabilities,
        false,
        true,
        false,
        "operations frozen (冻结), data kept",
    ),
    info(
        Verb::Stop,
        "stop",
        T::Capabilities,
        false,
        true,
        false,
        "stop the service or capabilities (停止服务)",
    ),
    info(
        Verb::ReadOnly,
        "read_only",
        T::Capabilities,
        false,
        true,
        false,
        "only reads allowed",
    ),
    info(
        Verb::Release,
        "release",
        T::Resources,
        true,
        true,
        false,
        "resources released; irreversible",
    ),
    info(
        Verb::Purge,
        "purge",
        T::Resources,
        true,
        true,
        false,
        "data deleted; irreversible (none named: every resource)",
    ),
    info(
        Verb::Terminate,
        "terminate",
        T::None,
        false,
        true,
        false,
        "the agreement for the product ends; later steps cannot matter",
    ),
    info(
        Verb::Downgrade,
        "downgrade",
        T::None,
        false,
        true,
        false,
        "the service moves to a lower edition",
    ),
    info(
        Verb::Void,
        "void",
        T::None,
        false,
        true,
        false,
        "the order becomes void (订单失效)",
    ),
    info(
        Verb::KeepBilling,
        "keep_billing",
        T::None,
        false,
        false,
        false,
        "billing continues (持续计费)",
    ),
    info(
        Verb::StopBilling,
        "stop_billing",
        T::None,
        false,
        false,
        false,
        "billing stops",
    ),
    info(
        Verb::Pay,
        "pay",
        T::None,
        false,
        false,
        true,
        "the customer pays (a customer deadline or right)",
    ),
    info(
        Verb::Renew,
        "renew",
        T::None,
        false,
        false,
        true,
        "the customer renews",
    ),
    info(
        Verb::Claim,
        "claim",
        T::None,
        false,
        false,
        true,
        "the customer claims a refund or compensation",
    ),
];

impl Verb {
    pub fn info(self) -> &'static ActionInfo {
        // ACTIONS is in enum order; fall back to a search if it ever is not.
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

pub const BILLING_MODES: &[&str] = &["prepaid", "postpaid", "package"];

impl Billing {
    pub const ALL: [Billing; 3] = [Billing::Prepaid, Billing::Postpaid, Billing::Package];
    pub fn from_name(s: &str) -> Option<Billing> {
        match s {
            "prepaid" => Some(Billing::Prepaid),
            "postpaid" => Some(Billing::Postpaid),
            "package" => Some(Billing::Package),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Billing::Prepaid => "prepaid",
            Billing::Postpaid => "postpaid",
            Billing::Package => "package",
        }
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
    pub fn from_name(s: &str) -> Option<Reading> {
        match s {
            "customer-safe" => Some(Reading::CustomerSafe),
            "earliest" => Some(Reading::Earliest),
            _ => None,
        }
    }
    pub fn name(self) -> &'static str {
        match self {
            Reading::CustomerSafe => "customer-safe",
            Reading::Earliest => "earliest",
        }
    }
}
