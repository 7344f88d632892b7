//! A per-client token bucket in front of the public message form (`POST /api/v1/messages`), so one
//! address cannot flood the board. Over the limit the answer is 429 `rate_limited` with
//! `Retry-After`. The buckets live in this process: with several instances behind a load
//! balancer each enforces its own share, which is enough against a script hammering one form.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::error::ApiError;
use crate::config::RateLimitConfig;

/// Above this many tracked addresses, buckets that have refilled completely are dropped (they
/// carry no information); if every one is still draining, the oldest state is lost rather than
/// letting memory grow without bound.
const MAX_CLIENTS: usize = 50_000;

struct Bucket {
    tokens: f64,
    at: Instant,
}

/// Token buckets keyed by client address (IPv6 by its /64, which is what one subscriber gets).
pub struct RateLimiter {
    capacity: f64,
    per_second: f64,
    header: Option<String>,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl RateLimiter {
    /// `None` when the configuration turns the limit off (`messages_per_minute = 0`).
    pub fn new(config: &RateLimitConfig) -> Option<RateLimiter> {
        if config.messages_per_minute == 0 {
            return None;
        }
        let burst = config.burst.unwrap_or(config.messages_per_minute).max(1);
        Some(RateLimiter {
            capacity: f64::from(burst),
            per_second: f64::from(config.messages_per_minute) / 60.0,
            header: config
                .client_ip_header
                .as_ref()
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty()),
            buckets: Mutex::default(),
        })
    }

    /// Takes one token for `ip` at `now`; `Err(wait)` when there is none, with the time until
    /// there will be.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = bucket_key(ip);
        let mut map = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() >= MAX_CLIENTS && !map.contains_key(&key) {
            let (capacity, rate) = (self.capacity, self.per_second);
            map.retain(|_, b| b.tokens + now.duration_since(b.at).as_secs_f64() * rate < capacity);
            if map.len() >= MAX_CLIENTS {
                map.clear();
            }
        }
        let bucket = map.entry(key).or_insert(Bucket {
            tokens: self.capacity,
            at: now,
        });
        let elapsed = now.saturating_duration_since(bucket.at).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * self.per_second).min(self.capacity);
        bucket.at = now;
        if bucket.tokens >= 1.0 {
            bucket.tokens -= 1.0;
            Ok(())
        } else {
            Err(Duration::from_secs_f64(
                (1.0 - bucket.tokens) / self.per_second,
            ))
        }
    }

    /// The client's address: the configured proxy header's rightmost address (the one the trusted
    /// proxy itself appended), else the TCP peer. In-process callers without a peer share one
    /// bucket.
    fn client_ip(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> IpAddr {
        let from_header = self.header.as_deref().and_then(|name| {
            headers
                .get_all(name)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|s| s.trim().parse::<IpAddr>().ok())
                .next_back()
        });
        from_header
            .or(peer.map(|p| p.ip()))
            .unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }
}

fn bucket_key(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut seg = v6.segments();
                seg[4..].fill(0);
                IpAddr::from(seg)
            }
        },
    }
}

/// Middleware for the routes the limit guards.
pub async fn limit(State(app): State<AppState>, req: Request, next: Next) -> Response {
    let Some(limiter) = app.limiter.as_deref() else {
        return next.run(req).await;
    };
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let ip = limiter.client_ip(req.headers(), peer);
    match limiter.take(ip, Instant::now()) {
        Ok(()) => next.run(req).await,
        Err(wait) => {
            let secs = wait.as_secs().max(1);
            metrics::counter!("wenzheng_rate_limited_total").increment(1);
            let mut response = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                "rate_limited",
                format!("too many messages from this address; try again in {secs} s"),
            )
            .into_response();
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(secs));
            response
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(per_minute: u32, burst: Option<u32>) -> RateLimiter {
        RateLimiter::new(&RateLimitConfig {
            messages_per_minute: per_minute,
            burst,
            client_ip_header: Some("X-Forwarded-For".into()),
        })
        .unwrap()
    }

    #[test]
    fn a_burst_then_the_rate() {
        let l = limiter(6, Some(3));
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(l.take(ip, t0).is_ok());
        }
        let wait = l.take(ip, t0).unwrap_err();
        assert!((9..=10).contains(&wait.as_secs()), "{wait:?}");
        // Another address has its own bucket.
        assert!(l.take("10.0.0.2".parse().unwrap(), t0).is_ok());
        // 6 per minute: one token every 10 s.
        assert!(l.take(ip, t0 + Duration::from_secs(9)).is_err());
        assert!(l.take(ip, t0 + Duration::from_secs(12)).is_ok());
        assert!(l.take(ip, t0 + Duration::from_secs(12)).is_err());
        // A full minute refills to the burst, not beyond.
        let later = t0 + Duration::from_secs(300);
        for _ in 0..3 {
            assert!(l.take(ip, later).is_ok());
        }
        assert!(l.take(ip, later).is_err());
    }

    #[test]
    fn zero_turns_it_off_and_ipv6_shares_a_64() {
        assert!(
            RateLimiter::new(&RateLimitConfig {
                messages_per_minute: 0,
                ..Default::default()
            })
            .is_none()
        );
        let l = limiter(60, Some(1));
        let t0 = Instant::now();
        assert!(l.take("2001:db8::1".parse().unwrap(), t0).is_ok());
        assert!(l.take("2001:db8::ffff".parse().unwrap(), t0).is_err());
        assert!(l.take("2001:db8:0:1::1".parse().unwrap(), t0).is_ok());
    }

    #[test]
    fn the_proxy_header_names_the_client() {
        let l = limiter(60, None);
        let mut h = HeaderMap::new();
        let peer: SocketAddr = "127.0.0.1:9999".parse().unwrap();
        assert_eq!(l.client_ip(&h, Some(peer)), peer.ip());
        h.insert("x-forwarded-for", "1.2.3.4, 5.6.7.8".parse().unwrap());
        assert_eq!(
            l.client_ip(&h, Some(peer)),
            "5.6.7.8".parse::<IpAddr>().unwrap()
        );
        h.insert("x-forwarded-for", "garbage".parse().unwrap());
        assert_eq!(l.client_ip(&h, Some(peer)), peer.ip());
    }
}
