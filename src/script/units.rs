//! Sizes, durations, on/off, timeout modes and addresses of the command language.

use std::time::Duration;

use crate::lab::{Endpoint, TimeoutMode};

/// `100`, `4k` (4096), `1m` (1048576), `1g`: a byte count.
pub fn size(word: &str) -> Result<u64, String> {
    let bad =
        || format!("bad size '{word}': expected a number with an optional k, m or g (100, 4k, 1m)");
    let lower = word.to_ascii_lowercase();
    let (digits, shift) = match lower.as_bytes().last() {
        Some(b'k') => (&lower[..lower.len() - 1], 10),
        Some(b'm') => (&lower[..lower.len() - 1], 20),
        Some(b'g') => (&lower[..lower.len() - 1], 30),
        _ => (lower.as_str(), 0),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let n: u64 = digits.parse().map_err(|_| bad())?;
    n.checked_mul(1 << shift).ok_or_else(bad)
}

/// `250ms`, `2s`, `1.5s`, `1m`: a duration.
pub fn duration(word: &str) -> Result<Duration, String> {
    let bad = || format!("bad duration '{word}': expected a number and a unit (250ms, 2s, 1.5s)");
    let lower = word.to_ascii_lowercase();
    let (num, unit) = if let Some(n) = lower.strip_suffix("ms") {
        (n, 0.001)
    } else if let Some(n) = lower.strip_suffix('s') {
        (n, 1.0)
    } else if let Some(n) = lower.strip_suffix('m') {
        (n, 60.0)
    } else {
        return Err(bad());
    };
    if num.is_empty() || !num.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(bad());
    }
    let n: f64 = num.parse().map_err(|_| bad())?;
    let secs = n * unit;
    if !(0.0..=86_400.0).contains(&secs) {
        return Err(format!(
            "duration '{word}' is out of range: at most 24 hours"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `none`/`blocking`, `0`/`nonblocking`, or a duration: a timeout mode.
pub fn timeout_mode(word: &str) -> Result<TimeoutMode, String> {
    match word.to_ascii_lowercase().as_str() {
        "none" | "blocking" => return Ok(TimeoutMode::Blocking),
        "0" | "nonblocking" | "non-blocking" => return Ok(TimeoutMode::NonBlocking),
        _ => {}
    }
    let d = duration(word).map_err(|_| {
        format!(
            "bad timeout '{word}': expected none (blocking), 0 (non-blocking) or a duration (2s)"
        )
    })?;
    if d.is_zero() {
        return Ok(TimeoutMode::NonBlocking);
    }
    if d < Duration::from_millis(1) {
        return Err(format!("timeout '{word}' is too short: at least 1ms"));
    }
    Ok(TimeoutMode::Timeout(d))
}

/// `off`/`none`/`0` or a duration: SO_RCVTIMEO or SO_SNDTIMEO (zero is off,
/// as the kernel reads it).
pub fn kernel_timeout(word: &str) -> Result<Duration, String> {
    if matches!(word.to_ascii_lowercase().as_str(), "off" | "none" | "0") {
        return Ok(Duration::ZERO);
    }
    let d = duration(word)
        .map_err(|_| format!("bad time-out '{word}': expected a duration (500ms, 2s) or off"))?;
    if !d.is_zero() && d < Duration::from_millis(1) {
        return Err(format!("time-out '{word}' is too short: at least 1ms"));
    }
    Ok(d)
}

/// The longest TCP_KEEPIDLE or TCP_KEEPINTVL the kernel takes.
pub const MAX_KEEPALIVE_SECS: u64 = 32767;

/// A duration in whole seconds, 1 s to about 9 h (TCP_KEEPIDLE,
/// TCP_KEEPINTVL): the kernel keeps no less.
pub fn whole_seconds(word: &str) -> Result<Duration, String> {
    let d = duration(word)?;
    if d.subsec_nanos() != 0 || d.is_zero() || d.as_secs() > MAX_KEEPALIVE_SECS {
        return Err(format!(
            "'{word}' is not whole seconds from 1s to {MAX_KEEPALIVE_SECS}s: the kernel counts these in seconds"
        ));
    }
    Ok(d)
}

/// `on` or `off`.
pub fn on_off(word: &str) -> Result<bool, String> {
    match word.to_ascii_lowercase().as_str() {
        "on" | "yes" | "true" => Ok(true),
        "off" | "no" | "false" => Ok(false),
        _ => Err(format!("expected on or off, found '{word}'")),
    }
}

/// `PORT`, `HOST:PORT` or `[V6]:PORT`.
pub fn endpoint(word: &str) -> Result<Endpoint, String> {
    let bad = || format!("bad address '{word}': expected PORT, HOST:PORT or [::1]:PORT");
    let port = |p: &str| -> Result<u16, String> {
        p.parse::<u16>()
            .map_err(|_| format!("bad port '{p}': expected a number from 0 to 65535"))
    };
    if word.bytes().all(|b| b.is_ascii_digit()) && !word.is_empty() {
        return Ok(Endpoint {
            host: "127.0.0.1".into(),
            port: port(word)?,
        });
    }
    if let Some(rest) = word.strip_prefix('[') {
        let (host, tail) = rest.split_once(']').ok_or_else(bad)?;
        let p = tail.strip_prefix(':').ok_or_else(bad)?;
        if host.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(format!("bad IPv6 address '{host}'"));
        }
        return Ok(Endpoint {
            host: host.into(),
            port: port(p)?,
        });
    }
    let (host, p) = word.rsplit_once(':').ok_or_else(bad)?;
    if host.is_empty() || host.contains(':') {
        return Err(bad());
    }
    // Digits and dots are an IPv4 address, never a name to look up.
    if host.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && host.parse::<std::net::Ipv4Addr>().is_err()
    {
        return Err(format!(
            "bad IPv4 address '{host}': four numbers from 0 to 255"
        ));
    }
    Ok(Endpoint {
        host: host.into(),
        port: port(p)?,
    })
}

/// `4k/s`, `100/s`: a rate in bytes a second, for slow motion.
pub fn rate(word: &str) -> Result<u64, String> {
    let bad = || format!("bad rate '{word}': expected a size a second (4k/s, 100/s)");
    let lower = word.to_ascii_lowercase();
    let per_second = lower.strip_suffix("/s").ok_or_else(bad)?;
    size(per_second).map_err(|_| bad())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        assert_eq!(size("100"), Ok(100));
        assert_eq!(size("4k"), Ok(4096));
        assert_eq!(size("1M"), Ok(1 << 20));
        assert_eq!(size("1g"), Ok(1 << 30));
        for bad in [
            "",
            "k",
            "4q",
            "-1",
            "1.5k",
            "99999999999999999999",
            "18014398509481984k",
        ] {
            assert!(size(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations() {
        assert_eq!(duration("250ms"), Ok(Duration::from_millis(250)));
        assert_eq!(duration("2s"), Ok(Duration::from_secs(2)));
        assert_eq!(duration("1.5s"), Ok(Duration::from_millis(1500)));
        for bad in ["", "2", "s", "2h", "-1s", "1e3s", "99999s"] {
            assert!(duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeout_modes() {
        assert_eq!(timeout_mode("none"), Ok(TimeoutMode::Blocking));
        assert_eq!(timeout_mode("blocking"), Ok(TimeoutMode::Blocking));
        assert_eq!(timeout_mode("0"), Ok(TimeoutMode::NonBlocking));
        assert_eq!(timeout_mode("nonblocking"), Ok(TimeoutMode::NonBlocking));
        assert_eq!(
            timeout_mode("2s"),
            Ok(TimeoutMode::Timeout(Duration::from_secs(2)))
        );
        assert!(timeout_mode("soon").is_err());
    }

    #[test]
    fn endpoints() {
        let ep = |h: &str, p| Endpoint {
            host: h.into(),
            port: p,
        };
        assert_eq!(endpoint("8080"), Ok(ep("127.0.0.1", 8080)));
        assert_eq!(endpoint("0.0.0.0:80"), Ok(ep("0.0.0.0", 80)));
        assert_eq!(endpoint("[::1]:9"), Ok(ep("::1", 9)));
        assert_eq!(endpoint("localhost:9"), Ok(ep("localhost", 9)));
        for bad in [
            "",
            "host",
            "1.2.3.4:",
            "1.2.3.4:70000",
            "[::1]",
            "[zz]:1",
            "::1:80",
        ] {
            assert!(endpoint(bad).is_err(), "{bad}");
        }
    }
}
