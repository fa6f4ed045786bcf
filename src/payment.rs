//! The payment adapter: a [`PaymentGateway`] trait and a scriptable in-memory gateway.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use crate::booking::{IdempotencyKey, PaymentReceipt};
use crate::clock::ManualClock;
use crate::id::{BookingId, UserId};
use crate::money::{Currency, Money};

/// An opaque payment method token from the host's payment page (a card token, a wallet id).
/// At most 256 characters; it is never logged by this crate.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct PaymentMethod(String);

impl PaymentMethod {
    /// Wraps a token, truncated to 256 characters.
    #[must_use]
    pub fn new(token: impl Into<String>) -> Self {
        let mut token = token.into();
        if token.len() > 256 {
            let mut end = 256;
            while !token.is_char_boundary(end) {
                end -= 1;
            }
            token.truncate(end);
        }
        PaymentMethod(token)
    }

    /// The token.
    #[must_use]
    pub fn token(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("PaymentMethod(..)")
    }
}

/// A request to charge a booking.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    /// The idempotency key: a gateway must never charge twice under one key.
    pub key: IdempotencyKey,
    /// The booking paid for.
    pub booking: BookingId,
    /// Who pays.
    pub user: UserId,
    /// How much.
    pub amount: Money,
    /// With what.
    pub method: PaymentMethod,
}

/// What a charge attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ChargeOutcome {
    /// Charged.
    Approved(PaymentReceipt),
    /// Not charged, and it will not be under this key.
    Declined {
        /// The gateway's reason.
        reason: String,
    },
    /// Timed out or the connection failed: the charge may or may not have happened. Retrying
    /// with the same key is safe and tells.
    Unknown {
        /// What went wrong.
        detail: String,
    },
}

/// A request to refund part or all of a payment.
#[derive(Debug, Clone)]
pub struct RefundRequest {
    /// The refund's own idempotency key: a retried refund is paid once.
    pub key: IdempotencyKey,
    /// The payment refunded.
    pub payment_id: String,
    /// How much.
    pub amount: Money,
}

/// What a refund attempt came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum RefundOutcome {
    /// Refunded.
    Refunded {
        /// The gateway's refund id.
        refund_id: String,
    },
    /// Not refunded (gateway down, rejected). Retry later with the same key.
    Failed {
        /// What went wrong.
        reason: String,
    },
}

/// What voiding an idempotency key came to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum VoidOutcome {
    /// Nothing was charged under the key, and nothing will be: a late charge with it is
    /// declined.
    NothingCharged,
    /// A charge under the key was found and refunded in full.
    Refunded {
        /// The payment refunded.
        receipt: PaymentReceipt,
        /// The gateway's refund id.
        refund_id: String,
    },
    /// The gateway could not be reached; try again.
    Unknown {
        /// What went wrong.
        detail: String,
    },
}

/// A payment provider. Implementations must honour idempotency keys: the same key never
/// charges twice, and a repeated call returns the first call's result.
///
/// # Examples
///
/// ```
/// use boxoffice::{ChargeOutcome, ChargeRequest, Currency, InMemoryPaymentGateway, Money, PaymentGateway, PaymentMethod, BookingId, UserId};
///
/// let gateway = InMemoryPaymentGateway::new();
/// let request = ChargeRequest {
///     key: "k1".parse()?,
///     booking: BookingId::new(1),
///     user: UserId::new(1),
///     amount: Money::parse("20.00", Currency::EUR)?,
///     method: PaymentMethod::new("tok_visa"),
/// };
/// let ChargeOutcome::Approved(first) = gateway.charge(&request) else { panic!() };
/// let ChargeOutcome::Approved(again) = gateway.charge(&request) else { panic!() };
/// assert_eq!(first, again);
/// assert_eq!(gateway.charged_total(Currency::EUR), Money::parse("20.00", Currency::EUR)?);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub trait PaymentGateway: Send + Sync {
    /// Charges under `request.key`, at most once per key.
    fn charge(&self, request: &ChargeRequest) -> ChargeOutcome;
    /// Refunds under `request.key`, at most once per key.
    fn refund(&self, request: &RefundRequest) -> RefundOutcome;
    /// Makes sure no money is kept under `key`: refunds a charge made with it, or blocks the
    /// key so a late charge is declined.
    fn void(&self, key: &IdempotencyKey) -> VoidOutcome;
}

impl<P: PaymentGateway + ?Sized> PaymentGateway for Arc<P> {
    fn charge(&self, request: &ChargeRequest) -> ChargeOutcome {
        (**self).charge(request)
    }

    fn refund(&self, request: &RefundRequest) -> RefundOutcome {
        (**self).refund(request)
    }

    fn void(&self, key: &IdempotencyKey) -> VoidOutcome {
        (**self).void(key)
    }
}

/// A scripted behaviour of [`InMemoryPaymentGateway`] for the next new charge.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum ScriptedCharge {
    /// Approve (the default when nothing is scripted).
    Approve,
    /// Decline with this reason.
    Decline(String),
    /// Capture the money but answer `Unknown` this many times before answering `Approved`.
    TimeoutThenSucceed(u32),
    /// Answer `Unknown` without charging; the next call with the key is a fresh attempt.
    TimeoutWithoutCharge,
    /// Advance the attached [`ManualClock`] by this much (the payment took that long), then
    /// approve.
    Slow(Duration),
}

#[derive(Debug, Clone)]
enum Entry {
    Approved {
        receipt: PaymentReceipt,
        unknown_left: u32,
        refunded: Money,
    },
    Declined(String),
    Voided,
}

#[derive(Debug, Default)]
struct Ledger {
    entries: HashMap<IdempotencyKey, Entry>,
    refunds: HashMap<IdempotencyKey, (String, Money)>,
    script: VecDeque<ScriptedCharge>,
    refund_failures: u32,
    void_failures: u32,
    captures: HashMap<IdempotencyKey, u32>,
    // Few currencies: a list beats a hash map.
    charged: Vec<Money>,
    refunded: Vec<Money>,
    next_id: u64,
}

/// The most scripted behaviours queued at once.
pub const SCRIPT_LEN_MAX: usize = 10_000;

/// An in-memory payment gateway that keeps a ledger and can be scripted to decline, time out,
/// be slow, or fail refunds. It honours idempotency keys: the same key never charges twice.
///
/// Its ledger grows with every distinct key charged; it is meant for tests, examples and
/// simulations, not for production.
#[derive(Debug, Default)]
pub struct InMemoryPaymentGateway {
    ledger: Mutex<Ledger>,
    clock: Option<Arc<ManualClock>>,
}

impl InMemoryPaymentGateway {
    /// A gateway that approves everything until scripted otherwise.
    #[must_use]
    pub fn new() -> Self {
        InMemoryPaymentGateway::default()
    }

    /// A gateway whose [`ScriptedCharge::Slow`] advances `clock`.
    #[must_use]
    pub fn with_clock(clock: Arc<ManualClock>) -> Self {
        InMemoryPaymentGateway {
            ledger: Mutex::default(),
            clock: Some(clock),
        }
    }

    /// Queues behaviours for the next new charges (keys not seen before), in order. Entries
    /// past [`SCRIPT_LEN_MAX`] are ignored.
    pub fn script(&self, behaviours: impl IntoIterator<Item = ScriptedCharge>) {
        let mut ledger = self.ledger.lock();
        let room = SCRIPT_LEN_MAX.saturating_sub(ledger.script.len());
        ledger.script.extend(behaviours.into_iter().take(room));
    }

    /// Makes the next `n` refunds fail.
    pub fn fail_next_refunds(&self, n: u32) {
        self.ledger.lock().refund_failures = n;
    }

    /// Makes the next `n` voids answer `Unknown`.
    pub fn fail_next_voids(&self, n: u32) {
        self.ledger.lock().void_failures = n;
    }

    /// Money captured in `currency`, refunds not deducted.
    #[must_use]
    pub fn charged_total(&self, currency: Currency) -> Money {
        Ledger::total(&self.ledger.lock().charged, currency)
    }

    /// Money refunded in `currency`.
    #[must_use]
    pub fn refunded_total(&self, currency: Currency) -> Money {
        Ledger::total(&self.ledger.lock().refunded, currency)
    }

    /// How many times money was captured under `key` (never more than one).
    #[must_use]
    pub fn captures(&self, key: &IdempotencyKey) -> u32 {
        self.ledger.lock().captures.get(key).copied().unwrap_or(0)
    }

    /// The largest number of captures under any one key (1 when idempotency held).
    #[must_use]
    pub fn max_captures_per_key(&self) -> u32 {
        self.ledger
            .lock()
            .captures
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }
}

impl Ledger {
    fn add(totals: &mut Vec<Money>, amount: Money) {
        match totals
            .iter_mut()
            .find(|t| t.currency() == amount.currency())
        {
            // Same currency; overflow would need 10^28 of money.
            Some(total) => *total = total.checked_add(amount).unwrap_or(*total),
            None => totals.push(amount),
        }
    }

    fn total(totals: &[Money], currency: Currency) -> Money {
        totals
            .iter()
            .copied()
            .find(|t| t.currency() == currency)
            .unwrap_or(Money::zero(currency))
    }

    fn capture(&mut self, request: &ChargeRequest, unknown_left: u32) -> PaymentReceipt {
        self.next_id += 1;
        let receipt = PaymentReceipt::new(
            format!("pay_{}", self.next_id),
            request.key.clone(),
            request.amount,
        );
        *self.captures.entry(request.key.clone()).or_insert(0) += 1;
        Ledger::add(&mut self.charged, request.amount);
        self.entries.insert(
            request.key.clone(),
            Entry::Approved {
                receipt: receipt.clone(),
                unknown_left,
                refunded: Money::zero(request.amount.currency()),
            },
        );
        receipt
    }
}

impl PaymentGateway for InMemoryPaymentGateway {
    fn charge(&self, request: &ChargeRequest) -> ChargeOutcome {
        let mut ledger = self.ledger.lock();
        match ledger.entries.get_mut(&request.key) {
            Some(Entry::Approved {
                receipt,
                unknown_left,
                ..
            }) => {
                if *unknown_left > 0 {
                    *unknown_left -= 1;
                    return ChargeOutcome::Unknown {
                        detail: "gateway timeout".into(),
                    };
                }
                return ChargeOutcome::Approved(receipt.clone());
            }
            Some(Entry::Declined(reason)) => {
                return ChargeOutcome::Declined {
                    reason: reason.clone(),
                };
            }
            Some(Entry::Voided) => {
                return ChargeOutcome::Declined {
                    reason: "the payment was voided".into(),
                };
            }
            None => {}
        }
        let behaviour = ledger.script.pop_front().unwrap_or(ScriptedCharge::Approve);
        match behaviour {
            ScriptedCharge::Approve => ChargeOutcome::Approved(ledger.capture(request, 0)),
            ScriptedCharge::Decline(reason) => {
                ledger
                    .entries
                    .insert(request.key.clone(), Entry::Declined(reason.clone()));
                ChargeOutcome::Declined { reason }
            }
            ScriptedCharge::TimeoutThenSucceed(times) => {
                ledger.capture(request, times.saturating_sub(1));
                ChargeOutcome::Unknown {
                    detail: "gateway timeout".into(),
                }
            }
            ScriptedCharge::TimeoutWithoutCharge => ChargeOutcome::Unknown {
                detail: "gateway timeout".into(),
            },
            ScriptedCharge::Slow(took) => {
                let receipt = ledger.capture(request, 0);
                drop(ledger);
                if let Some(clock) = &self.clock {
                    clock.advance(took);
                }
                ChargeOutcome::Approved(receipt)
            }
        }
    }

    fn refund(&self, request: &RefundRequest) -> RefundOutcome {
        let mut ledger = self.ledger.lock();
        if let Some((refund_id, _)) = ledger.refunds.get(&request.key) {
            return RefundOutcome::Refunded {
                refund_id: refund_id.clone(),
            };
        }
        if ledger.refund_failures > 0 {
            ledger.refund_failures -= 1;
            return RefundOutcome::Failed {
                reason: "refund service unavailable".into(),
            };
        }
        let Some(Entry::Approved {
            receipt, refunded, ..
        }) = ledger
            .entries
            .values_mut()
            .find(|e| matches!(e, Entry::Approved { receipt, .. } if receipt.payment_id() == request.payment_id))
        else {
            return RefundOutcome::Failed {
                reason: "no such payment".into(),
            };
        };
        let Ok(after) = refunded.checked_add(request.amount) else {
            return RefundOutcome::Failed {
                reason: "currency mismatch".into(),
            };
        };
        if after > receipt.amount() {
            return RefundOutcome::Failed {
                reason: "refund exceeds the payment".into(),
            };
        }
        *refunded = after;
        ledger.next_id += 1;
        let refund_id = format!("ref_{}", ledger.next_id);
        ledger
            .refunds
            .insert(request.key.clone(), (refund_id.clone(), request.amount));
        Ledger::add(&mut ledger.refunded, request.amount);
        RefundOutcome::Refunded { refund_id }
    }

    fn void(&self, key: &IdempotencyKey) -> VoidOutcome {
        let mut ledger = self.ledger.lock();
        if ledger.void_failures > 0 {
            ledger.void_failures -= 1;
            return VoidOutcome::Unknown {
                detail: "gateway timeout".into(),
            };
        }
        match ledger.entries.get(key).cloned() {
            Some(Entry::Approved {
                receipt, refunded, ..
            }) => {
                let left = receipt.amount().checked_sub(refunded).unwrap_or(refunded);
                ledger.next_id += 1;
                let refund_id = format!("void_{}", ledger.next_id);
                if !left.is_zero() {
                    Ledger::add(&mut ledger.refunded, left);
                }
                ledger.entries.insert(
                    key.clone(),
                    Entry::Approved {
                        receipt: receipt.clone(),
                        unknown_left: 0,
                        refunded: receipt.amount(),
                    },
                );
                VoidOutcome::Refunded { receipt, refund_id }
            }
            Some(Entry::Declined(_) | Entry::Voided) => VoidOutcome::NothingCharged,
            None => {
                ledger.entries.insert(key.clone(), Entry::Voided);
                VoidOutcome::NothingCharged
            }
        }
    }
}
