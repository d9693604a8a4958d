//! Retry policy: which failures are retried and how long to wait between attempts, and the one
//! retry loop ([`run`]: send, classify, back off, resend) that the vault pipeline, the identity
//! platform and managed identity all use.
//!
//! The policy functions ([`decide`], [`backoff_delay`], [`server_requested_delay`]) perform no
//! I/O and never sleep; randomness (jitter) is supplied by the caller so that they are
//! deterministic and easy to test. [`run`] is the only place that sleeps between attempts.

use crate::error::{Error, Result};
use crate::http::cancel;
use crate::http::log::{self, Level};
use crate::http::transport::RawReply;
use std::fmt;
use std::time::{Duration, Instant, SystemTime};

/// Nanoseconds per second, as `u128` for the fixed-point backoff arithmetic.
const NANOS_PER_SEC: u128 = 1_000_000_000;

/// Lower bound of the jitter factor, in parts per billion (0.8).
const JITTER_MIN_PPB: u128 = 800_000_000;

/// Width of the jitter range, in parts per billion (0.4, giving [0.8, 1.2)).
const JITTER_SPAN_PPB: u128 = 400_000_000;

/// Settings for retrying failed requests (exponential backoff with jitter).
#[derive(Debug, Clone, PartialEq)]
pub struct RetryOptions {
    /// Retries after the first attempt (0 disables retrying). Default 4.
    pub max_retries: u32,
    /// Base delay of the exponential backoff. Default 800 ms.
    pub initial_delay: Duration,
    /// Cap for any single computed delay. Default 60 s.
    pub max_delay: Duration,
}

impl Default for RetryOptions {
    /// 4 retries, 800 ms initial delay, 60 s maximum computed delay.
    fn default() -> Self {
        RetryOptions { max_retries: 4, initial_delay: Duration::from_millis(800), max_delay: Duration::from_secs(60) }
    }
}

/// True for the HTTP statuses that are retried: 408, 429, 500, 502, 503, 504.
#[must_use]
pub fn is_retriable_status(status: u16) -> bool {
    matches!(status, 408 | 429 | 500 | 502 | 503 | 504)
}

/// Parses a non-negative, finite decimal number (e.g. "5", "0.5", "1500.5").
/// Surrounding whitespace is allowed; anything else gives `None`.
fn parse_non_negative(value: &str) -> Option<f64> {
    let v = value.trim();
    if v.is_empty() {
        return None;
    }
    // Only plain decimal notation: digits with at most one '.', no sign,
    // exponent, "inf" or "NaN" (all of which `f64::from_str` would accept).
    let mut seen_dot = false;
    let mut seen_digit = false;
    for c in v.chars() {
        match c {
            '0'..='9' => seen_digit = true,
            '.' if !seen_dot => seen_dot = true,
            _ => return None,
        }
    }
    if !seen_digit {
        return None;
    }
    let n: f64 = v.parse().ok()?;
    if n.is_finite() && n >= 0.0 {
        Some(n)
    } else {
        None
    }
}

/// A millisecond header value ("1500", "1500.5") as a duration; `None` when
/// unparseable, negative or too large to represent.
fn parse_millis(value: &str) -> Option<Duration> {
    let ms = parse_non_negative(value)?;
    Duration::try_from_secs_f64(ms / 1000.0).ok()
}

/// A `Retry-After` value: delta-seconds (possibly fractional) or an HTTP-date
/// converted relative to `now` (a past date gives zero).
fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let v = value.trim();
    if let Some(secs) = parse_non_negative(v) {
        return Duration::try_from_secs_f64(secs).ok();
    }
    let when = httpdate::parse_http_date(v).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The delay the server asked for, from (in this order of precedence) `retry-after-ms`, `x-ms-retry-after-ms` (milliseconds, may be fractional e.g. "1500.5"), then `Retry-After` (delta-seconds, possibly fractional, or an HTTP-date, which is converted relative to `now`; a date in the past gives Duration::ZERO).
/// `header` looks up a response header by lower-case name (case-insensitive lookup is the caller's job). Unparseable or negative values are ignored (fall through to the next header); None when no usable header.
///
/// Values too large to be represented as a [`Duration`] are treated as unusable too.
#[must_use]
pub fn server_requested_delay(header: &dyn Fn(&str) -> Option<String>, now: SystemTime) -> Option<Duration> {
    ["retry-after-ms", "x-ms-retry-after-ms"]
        .iter()
        .find_map(|name| header(name).as_deref().and_then(parse_millis))
        .or_else(|| header("retry-after").as_deref().and_then(|v| parse_retry_after(v, now)))
}

/// Backoff for retry number `retry` (1 for the first retry): `initial_delay * 2^(retry-1)`, multiplied by a jitter factor in [0.8, 1.2), capped at `max_delay`. `jitter` is a number in [0,1) supplied by the caller (so tests are deterministic); overflow-safe for huge `retry`.
///
/// `retry` 0 is treated like 1. A `jitter` outside [0,1) is clamped into it
/// (NaN counts as 0). The arithmetic is exact fixed-point on nanoseconds, so
/// `jitter` 0.5 (factor 1.0) yields exactly 800 ms, 1600 ms, 3200 ms… with the
/// default options.
#[must_use]
pub fn backoff_delay(options: &RetryOptions, retry: u32, jitter: f64) -> Duration {
    let cap = options.max_delay;
    let cap_nanos = cap.as_nanos();

    // Jitter factor in parts per billion, strictly inside [0.8e9, 1.2e9).
    let j = if jitter.is_nan() { 0.0 } else { jitter.clamp(0.0, 1.0) };
    // `as` saturates for floats; the min keeps the factor strictly below 1.2
    // even when `j` rounds up to 1.0.
    let span = ((400_000_000.0_f64 * j).floor() as u128).min(JITTER_SPAN_PPB - 1);
    let factor_ppb = JITTER_MIN_PPB + span;

    // initial_delay < 2^94 ns and factor < 2^31, so the product fits in u128.
    let jittered = options.initial_delay.as_nanos() * factor_ppb / NANOS_PER_SEC;

    let exponent = retry.saturating_sub(1);
    let scaled = if jittered == 0 {
        0
    } else if exponent >= jittered.leading_zeros() {
        // Shifting would overflow u128: certainly above any representable cap.
        return cap;
    } else {
        jittered << exponent
    };

    if scaled >= cap_nanos {
        return cap;
    }
    // scaled < cap_nanos, so the seconds fit in u64.
    let secs = u64::try_from(scaled / NANOS_PER_SEC).unwrap_or(u64::MAX);
    let nanos = u32::try_from(scaled % NANOS_PER_SEC).unwrap_or(0);
    Duration::new(secs, nanos)
}

/// What to do after a failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RetryDecision {
    /// Wait this long, then try again.
    RetryAfter(Duration),
    /// Give up and report the failure.
    GiveUp,
}

/// Decides whether to retry after `retries_done` retries (0 after the first attempt failed).
/// `server_delay` is what the server asked for (if anything); `remaining` is the time left before the caller's overall deadline (None = no deadline).
/// Rules: GiveUp when retries_done >= max_retries. The wait is max(server_delay, 0) when the server named one (a server delay is honoured even when above max_delay, it is the server's word, but if it exceeds `remaining` give up); otherwise backoff_delay(options, retries_done + 1, jitter). GiveUp when the wait would end at or after the deadline (wait >= remaining).
#[must_use]
pub fn decide(
    options: &RetryOptions,
    retries_done: u32,
    server_delay: Option<Duration>,
    remaining: Option<Duration>,
    jitter: f64,
) -> RetryDecision {
    if retries_done >= options.max_retries {
        return RetryDecision::GiveUp;
    }
    // `Duration` is never negative, so max(server_delay, 0) is the value itself.
    let wait = match server_delay {
        Some(d) => d,
        None => backoff_delay(options, retries_done.saturating_add(1), jitter),
    };
    match remaining {
        Some(rem) if wait >= rem => RetryDecision::GiveUp,
        _ => RetryDecision::RetryAfter(wait),
    }
}

/// What one attempt of [`run`] came to, as its caller classified it.
#[derive(Debug)]
pub enum Attempted {
    /// The final outcome, handed back as it is (a reply of any status, or an error).
    Done(Result<RawReply>),
    /// A retriable failure: sent again after the server's delay or a backoff when the retry
    /// settings and the deadline allow; otherwise this outcome is handed back.
    Retriable {
        /// The reply or error of this attempt.
        outcome: Result<RawReply>,
        /// The delay the server asked for ([`reply_delay`]), if any.
        server_delay: Option<Duration>,
        /// What failed, for the log line (never secret: a status or a transport message).
        failure: String,
    },
}

/// The delay a reply asks for ([`server_requested_delay`] over its headers, now).
#[must_use]
pub fn reply_delay(reply: &RawReply) -> Option<Duration> {
    server_requested_delay(&|name: &str| reply.header(name), SystemTime::now())
}

/// The usual classification of one exchange: a reply with a retriable status
/// ([`is_retriable_status`]) or a transient transport failure
/// ([`crate::http::transport::is_retriable`]) is retriable, anything else is final.
#[must_use]
pub fn classify(outcome: Result<RawReply>) -> Attempted {
    let (server_delay, failure) = match &outcome {
        Ok(reply) if is_retriable_status(reply.status) => (reply_delay(reply), format!("HTTP {}", reply.status)),
        Err(err) if crate::http::transport::is_retriable(err) => (None, err.message.clone()),
        _ => return Attempted::Done(outcome),
    };
    Attempted::Retriable { outcome, server_delay, failure }
}

/// The retry loop: calls `attempt` with the time left before `deadline`, and while it answers
/// [`Attempted::Retriable`] and [`decide`] allows (retries left in `options`, the wait ending
/// before the deadline), sleeps the server's delay or the backoff and calls it again. Returns
/// the final outcome; `expired()` is the error when the deadline has passed before an attempt.
/// Log lines name the exchange by `what` (e.g. `GET https://host/path`; never a query or
/// secret): each retry at warn, the final reply at info.
pub fn run(
    options: &RetryOptions,
    deadline: Instant,
    what: &dyn fmt::Display,
    expired: impl Fn() -> Error,
    attempt: impl FnMut(Duration) -> Attempted,
) -> Result<RawReply> {
    run_logged(options, deadline, what, None, expired, attempt)
}

/// [`run`] for one exchange of a vault call: its records carry the exchange's method, path,
/// client request id, the attempt number, the reply's status and the time since the call began.
pub fn run_for(
    options: &RetryOptions,
    deadline: Instant,
    exchange: &log::Exchange<'_>,
    expired: impl Fn() -> Error,
    attempt: impl FnMut(Duration) -> Attempted,
) -> Result<RawReply> {
    run_logged(options, deadline, exchange, Some(exchange), expired, attempt)
}

fn run_logged(
    options: &RetryOptions,
    deadline: Instant,
    what: &dyn fmt::Display,
    exchange: Option<&log::Exchange<'_>>,
    expired: impl Fn() -> Error,
    mut attempt: impl FnMut(Duration) -> Attempted,
) -> Result<RawReply> {
    let record = |level: Level, status: u16, number: u32, message: fmt::Arguments<'_>| match exchange {
        Some(e) => log::exchange(level, e, status, number, message),
        None => log::write(level, message),
    };
    let mut retries_done = 0;
    loop {
        if cancel::is_cancelled() {
            return Err(cancel::error(&what.to_string()));
        }
        let started = Instant::now();
        let remaining = deadline.saturating_duration_since(started);
        if remaining.is_zero() {
            return Err(expired());
        }
        let number = retries_done + 1;
        let (outcome, server_delay, failure) = match attempt(remaining) {
            Attempted::Done(outcome) => {
                match &outcome {
                    Ok(reply) => record(
                        Level::Info,
                        reply.status,
                        number,
                        format_args!("{what} -> {} in {:?}", reply.status, started.elapsed()),
                    ),
                    Err(e) => record(
                        Level::Info,
                        e.http_status,
                        number,
                        format_args!("{what} failed ({:?}) in {:?}", e.kind, started.elapsed()),
                    ),
                }
                return outcome;
            }
            Attempted::Retriable { outcome, server_delay, failure } => (outcome, server_delay, failure),
        };
        let status = match &outcome {
            Ok(reply) => reply.status,
            Err(e) => e.http_status,
        };
        let remaining = deadline.saturating_duration_since(Instant::now());
        match decide(options, retries_done, server_delay, Some(remaining), fastrand::f64()) {
            RetryDecision::RetryAfter(wait) => {
                record(
                    Level::Warn,
                    status,
                    number,
                    format_args!("{what} failed ({failure}); retry {} in {wait:?}", retries_done + 1),
                );
                cancel::sleep(wait, &what.to_string())?;
                retries_done += 1;
            }
            RetryDecision::GiveUp => {
                record(Level::Info, status, number, format_args!("{what} failed ({failure}); no retry left"));
                return outcome;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    /// Runs `server_requested_delay` over a fixed set of (lower-case) headers.
    fn delay_from(headers: &[(&str, &str)], now: SystemTime) -> Option<Duration> {
        let map: HashMap<String, String> = headers.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let lookup = move |name: &str| map.get(name).cloned();
        server_requested_delay(&lookup, now)
    }

    fn delay(headers: &[(&str, &str)]) -> Option<Duration> {
        delay_from(headers, SystemTime::now())
    }

    #[test]
    fn defaults() {
        let o = RetryOptions::default();
        assert_eq!(o.max_retries, 4);
        assert_eq!(o.initial_delay, ms(800));
        assert_eq!(o.max_delay, Duration::from_secs(60));
    }

    #[test]
    fn status_table() {
        for s in [408, 429, 500, 502, 503, 504] {
            assert!(is_retriable_status(s), "{s} should be retried");
        }
        for s in [200, 400, 401, 403, 404, 409, 501, 505] {
            assert!(!is_retriable_status(s), "{s} should not be retried");
        }
    }

    #[test]
    fn retry_after_seconds() {
        assert_eq!(delay(&[("retry-after", "5")]), Some(Duration::from_secs(5)));
        assert_eq!(delay(&[("retry-after", "0")]), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_fractional_seconds() {
        assert_eq!(delay(&[("retry-after", "0.5")]), Some(ms(500)));
        assert_eq!(delay(&[("retry-after", "2.25")]), Some(ms(2250)));
    }

    #[test]
    fn retry_after_surrounding_spaces() {
        assert_eq!(delay(&[("retry-after", "  7 ")]), Some(Duration::from_secs(7)));
        assert_eq!(delay(&[("retry-after", "\t0.5\t")]), Some(ms(500)));
    }

    #[test]
    fn retry_after_http_date() {
        let now = SystemTime::now();
        let date = httpdate::fmt_http_date(now + Duration::from_secs(30));
        let d = delay_from(&[("retry-after", &date)], now).expect("date should parse");
        // HTTP-dates have whole-second resolution.
        assert!(d > Duration::from_secs(29), "{d:?}");
        assert!(d <= Duration::from_secs(31), "{d:?}");
        let diff = d.as_secs_f64() - 30.0;
        assert!(diff.abs() <= 1.0, "{d:?}");
    }

    #[test]
    fn retry_after_http_date_with_spaces() {
        let now = SystemTime::now();
        let date = format!(" {} ", httpdate::fmt_http_date(now + Duration::from_secs(10)));
        let d = delay_from(&[("retry-after", &date)], now).expect("date should parse");
        assert!((d.as_secs_f64() - 10.0).abs() <= 1.0, "{d:?}");
    }

    #[test]
    fn retry_after_past_date_is_zero() {
        let now = SystemTime::now();
        let date = httpdate::fmt_http_date(now - Duration::from_secs(3600));
        assert_eq!(delay_from(&[("retry-after", &date)], now), Some(Duration::ZERO));
        assert_eq!(delay_from(&[("retry-after", "Sun, 06 Nov 1994 08:49:37 GMT")], now), Some(Duration::ZERO));
    }

    #[test]
    fn retry_after_garbage_is_none() {
        for v in ["soon", "", "   ", "abc", "-5", "inf", "NaN", "1e3", "5s", "1.2.3", "."] {
            assert_eq!(delay(&[("retry-after", v)]), None, "value {v:?}");
        }
        assert_eq!(delay(&[]), None);
    }

    #[test]
    fn retry_after_ms_header() {
        assert_eq!(delay(&[("retry-after-ms", "1500")]), Some(ms(1500)));
        assert_eq!(delay(&[("retry-after-ms", "1500.5")]), Some(Duration::from_micros(1_500_500)));
        assert_eq!(delay(&[("retry-after-ms", " 0 ")]), Some(Duration::ZERO));
    }

    #[test]
    fn x_ms_retry_after_ms_header() {
        assert_eq!(delay(&[("x-ms-retry-after-ms", "250")]), Some(ms(250)));
        assert_eq!(delay(&[("x-ms-retry-after-ms", "2000")]), Some(ms(2000)));
    }

    #[test]
    fn precedence_when_several_present() {
        let all = [("retry-after", "9"), ("x-ms-retry-after-ms", "700"), ("retry-after-ms", "300")];
        assert_eq!(delay(&all), Some(ms(300)));
        assert_eq!(delay(&[("retry-after", "9"), ("x-ms-retry-after-ms", "700")]), Some(ms(700)));
        assert_eq!(delay(&[("retry-after", "9"), ("retry-after-ms", "300")]), Some(ms(300)));
    }

    #[test]
    fn negative_and_garbage_fall_through() {
        assert_eq!(
            delay(&[("retry-after-ms", "-100"), ("x-ms-retry-after-ms", "abc"), ("retry-after", "3"),]),
            Some(Duration::from_secs(3))
        );
        assert_eq!(delay(&[("retry-after-ms", "abc"), ("x-ms-retry-after-ms", "400")]), Some(ms(400)));
        assert_eq!(delay(&[("retry-after-ms", "-1"), ("x-ms-retry-after-ms", "-2")]), None);
        assert_eq!(delay(&[("retry-after-ms", "abc"), ("retry-after", "-4")]), None);
    }

    #[test]
    fn absurdly_large_values_are_ignored() {
        let huge = "9".repeat(400);
        assert_eq!(delay(&[("retry-after-ms", &huge), ("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(delay(&[("retry-after", &huge)]), None);
    }

    #[test]
    fn backoff_growth_exact_with_neutral_jitter() {
        let o = RetryOptions::default();
        assert_eq!(backoff_delay(&o, 1, 0.5), ms(800));
        assert_eq!(backoff_delay(&o, 2, 0.5), ms(1600));
        assert_eq!(backoff_delay(&o, 3, 0.5), ms(3200));
        assert_eq!(backoff_delay(&o, 4, 0.5), ms(6400));
    }

    #[test]
    fn backoff_retry_zero_like_one() {
        let o = RetryOptions::default();
        assert_eq!(backoff_delay(&o, 0, 0.5), ms(800));
    }

    #[test]
    fn backoff_jitter_bounds() {
        let o = RetryOptions::default();
        assert_eq!(backoff_delay(&o, 1, 0.0), ms(640));
        assert_eq!(backoff_delay(&o, 2, 0.0), ms(1280));
        for j in [0.999, 0.999_999_999, 1.0 - f64::EPSILON] {
            let d = backoff_delay(&o, 1, j);
            assert!(d < ms(960), "jitter {j}: {d:?}");
            assert!(d > ms(959), "jitter {j}: {d:?}");
        }
        // Out-of-range jitter is clamped into [0.8, 1.2).
        assert_eq!(backoff_delay(&o, 1, -3.0), ms(640));
        assert_eq!(backoff_delay(&o, 1, f64::NAN), ms(640));
        assert!(backoff_delay(&o, 1, 7.0) < ms(960));
        assert!(backoff_delay(&o, 1, f64::INFINITY) < ms(960));
    }

    #[test]
    fn backoff_capped_at_max_delay() {
        let o = RetryOptions::default();
        // 800 ms * 2^7 = 102.4 s > 60 s.
        assert_eq!(backoff_delay(&o, 8, 0.5), Duration::from_secs(60));
        // 800 ms * 2^6 = 51.2 s; ×1.2 would exceed the cap.
        assert_eq!(backoff_delay(&o, 7, 0.5), ms(51_200));
        assert_eq!(backoff_delay(&o, 7, 0.99), Duration::from_secs(60));
        let small = RetryOptions { max_delay: ms(1000), ..RetryOptions::default() };
        assert_eq!(backoff_delay(&small, 2, 0.5), ms(1000));
    }

    #[test]
    fn backoff_huge_retry_does_not_overflow() {
        let o = RetryOptions::default();
        assert_eq!(backoff_delay(&o, 1000, 0.5), Duration::from_secs(60));
        assert_eq!(backoff_delay(&o, u32::MAX, 0.999), Duration::from_secs(60));
        let extreme = RetryOptions { max_retries: u32::MAX, initial_delay: Duration::MAX, max_delay: Duration::MAX };
        assert_eq!(backoff_delay(&extreme, 1000, 0.5), Duration::MAX);
        assert_eq!(backoff_delay(&extreme, 1, 0.999), Duration::MAX);
        let zero = RetryOptions { initial_delay: Duration::ZERO, ..RetryOptions::default() };
        assert_eq!(backoff_delay(&zero, 1000, 0.5), Duration::ZERO);
    }

    #[test]
    fn decide_uses_backoff_without_server_delay() {
        let o = RetryOptions::default();
        assert_eq!(decide(&o, 0, None, None, 0.5), RetryDecision::RetryAfter(ms(800)));
        assert_eq!(decide(&o, 1, None, None, 0.5), RetryDecision::RetryAfter(ms(1600)));
        assert_eq!(decide(&o, 3, None, None, 0.5), RetryDecision::RetryAfter(ms(6400)));
    }

    #[test]
    fn decide_gives_up_at_max_retries() {
        let o = RetryOptions::default();
        assert_eq!(decide(&o, 4, None, None, 0.5), RetryDecision::GiveUp);
        assert_eq!(decide(&o, 5, Some(ms(1)), None, 0.5), RetryDecision::GiveUp);
        assert_eq!(decide(&o, u32::MAX, None, None, 0.5), RetryDecision::GiveUp);
    }

    #[test]
    fn decide_honours_server_delay() {
        let o = RetryOptions::default();
        // Larger than the computed 800 ms backoff.
        assert_eq!(
            decide(&o, 0, Some(Duration::from_secs(10)), None, 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(10))
        );
        // Smaller than computed: still the server's value.
        assert_eq!(decide(&o, 2, Some(ms(100)), None, 0.5), RetryDecision::RetryAfter(ms(100)));
        // Above max_delay: honoured.
        assert_eq!(
            decide(&o, 0, Some(Duration::from_secs(120)), None, 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(120))
        );
        assert_eq!(decide(&o, 0, Some(Duration::ZERO), None, 0.5), RetryDecision::RetryAfter(Duration::ZERO));
    }

    #[test]
    fn decide_gives_up_when_wait_exceeds_remaining() {
        let o = RetryOptions::default();
        let rem = Some(Duration::from_secs(5));
        assert_eq!(decide(&o, 0, Some(Duration::from_secs(10)), rem, 0.5), RetryDecision::GiveUp);
        // Exactly at the deadline also gives up.
        assert_eq!(decide(&o, 0, Some(Duration::from_secs(5)), rem, 0.5), RetryDecision::GiveUp);
        assert_eq!(
            decide(&o, 0, Some(Duration::from_secs(4)), rem, 0.5),
            RetryDecision::RetryAfter(Duration::from_secs(4))
        );
        // Computed backoff: 800 ms fits in 1 s, 1600 ms does not.
        assert_eq!(decide(&o, 0, None, Some(ms(1000)), 0.5), RetryDecision::RetryAfter(ms(800)));
        assert_eq!(decide(&o, 1, None, Some(ms(1000)), 0.5), RetryDecision::GiveUp);
        assert_eq!(decide(&o, 0, None, Some(Duration::ZERO), 0.5), RetryDecision::GiveUp);
    }

    #[test]
    fn decide_max_retries_zero_never_retries() {
        let o = RetryOptions { max_retries: 0, ..RetryOptions::default() };
        assert_eq!(decide(&o, 0, None, None, 0.5), RetryDecision::GiveUp);
        assert_eq!(decide(&o, 0, Some(ms(1)), None, 0.5), RetryDecision::GiveUp);
        assert_eq!(decide(&o, 0, Some(Duration::ZERO), Some(Duration::from_secs(100)), 0.0), RetryDecision::GiveUp);
    }

    fn reply(status: u16) -> RawReply {
        RawReply { status, headers: Default::default(), body: Default::default() }
    }

    #[test]
    fn the_loop_resends_retriable_failures_as_the_options_allow_and_stops_at_a_final_outcome() {
        let options = RetryOptions { max_retries: 2, initial_delay: ms(1), max_delay: ms(2) };
        let far = Instant::now() + Duration::from_secs(60);
        let expired = || Error::invalid_argument("expired");
        let mut calls = 0;
        let out = run(&options, far, &"GET x", expired, |_| {
            calls += 1;
            classify(Ok(reply(503)))
        });
        assert_eq!((out.unwrap().status, calls), (503, 3), "two retries, then the last reply");
        let mut calls = 0;
        let out = run(&options, far, &"GET x", expired, |_| {
            calls += 1;
            classify(Ok(reply(if calls == 1 { 429 } else { 200 })))
        });
        assert_eq!((out.unwrap().status, calls), (200, 2));
        let mut calls = 0;
        let out = run(&options, far, &"GET x", expired, |_| {
            calls += 1;
            classify(Ok(reply(404)))
        });
        assert_eq!((out.unwrap().status, calls), (404, 1), "a final status is not resent");
        // A server delay beyond the deadline gives up at once; a passed deadline sends nothing.
        let near = Instant::now() + Duration::from_millis(500);
        let mut calls = 0;
        let out = run(&options, near, &"GET x", expired, |_| {
            calls += 1;
            Attempted::Retriable {
                outcome: Ok(reply(503)),
                server_delay: Some(Duration::from_secs(5)),
                failure: "x".into(),
            }
        });
        assert_eq!((out.unwrap().status, calls), (503, 1));
        let out = run(&options, Instant::now(), &"GET x", expired, |_| unreachable!("no time left"));
        assert_eq!(out.unwrap_err().message, "expired");
    }
}
