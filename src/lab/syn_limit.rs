//! How many SYNs a client sends before connect() fails, and at what gaps,
//! from the two settings that decide it. The kernel view's note on a
//! waiting client and the explanation of a connect() that timed out say
//! it in the same words.

/// The SYNs a client sends at most, said as a sum a class can check
/// against the wire (`11 = 1 + 5 a second apart + 5 at doubling gaps`).
///
/// The kernel resends `tcp_syn_retries` + `tcp_syn_linear_timeouts` times.
/// The first resend waits the initial 1 s; the gap stays 1 s until
/// `tcp_syn_linear_timeouts` resends have gone, so that many and one more
/// go a second apart, and the rest each wait twice the gap before (2, 4,
/// 8 s…). Measured here with tcp_syn_retries 3 and
/// tcp_syn_linear_timeouts 4: connect() failed after 19.4 s = 5 × 1 + 2 +
/// 4 + 8. `linear` is `None` on kernels without the setting, where every
/// gap doubles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SynLimit {
    /// Every SYN, the first included.
    pub total: u64,
    /// Resends one second apart.
    pub second_apart: u64,
    /// Resends after those, each gap twice the one before.
    pub doubling: u64,
    /// The longest gap, in seconds: `tcp_rto_max_ms`.
    pub cap_secs: u64,
}

impl SynLimit {
    /// The limit the two settings give, with the cap on a gap
    /// (`tcp_rto_max_ms`; 120 s, the fixed TCP_RTO_MAX, on kernels
    /// without it).
    pub fn new(
        syn_retries: u64,
        linear_timeouts: Option<u64>,
        rto_max_ms: Option<u64>,
    ) -> SynLimit {
        let linear = linear_timeouts.unwrap_or(0);
        let resends = syn_retries + linear;
        let second_apart = if linear == 0 {
            0
        } else {
            (linear + 1).min(resends)
        };
        SynLimit {
            total: 1 + resends,
            second_apart,
            doubling: resends - second_apart,
            cap_secs: rto_max_ms.map_or(120, |ms| ms / 1000),
        }
    }

    /// `1 + 5 a second apart + 5 at doubling gaps`: the parts of the total.
    /// Where the gaps would pass the cap, the words say so (`+ 126 at gaps
    /// doubling up to 120 s`): measured here, a client with 132 SYNs
    /// allowed had sent 14 about 378 s after its first, as the cap gives.
    pub fn parts(&self) -> String {
        let cap_secs = self.cap_secs;
        let mut out = String::from("1");
        if self.second_apart > 0 {
            out.push_str(&format!(" + {} a second apart", self.second_apart));
        }
        if self.doubling > 0 {
            // The doubling gaps are 2, 4, 8… s: the last is 2^doubling.
            if self.doubling >= 63 || 1u64 << self.doubling > cap_secs {
                out.push_str(&format!(
                    " + {} at gaps doubling up to {cap_secs} s",
                    self.doubling
                ));
            } else {
                out.push_str(&format!(" + {} at doubling gaps", self.doubling));
            }
        }
        out
    }
}

impl std::fmt::Display for SynLimit {
    /// `11 = 1 + 5 a second apart + 5 at doubling gaps`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} = {}", self.total, self.parts())
    }
}

#[cfg(test)]
mod tests {
    use super::SynLimit;

    #[test]
    fn the_linear_resends_and_one_more_go_a_second_apart() {
        assert_eq!(
            SynLimit::new(6, Some(4), Some(120_000)).to_string(),
            "11 = 1 + 5 a second apart + 5 at doubling gaps"
        );
        assert_eq!(
            SynLimit::new(3, Some(4), Some(120_000)).to_string(),
            "8 = 1 + 5 a second apart + 2 at doubling gaps"
        );
    }

    #[test]
    fn without_retries_every_resend_is_a_second_apart() {
        assert_eq!(
            SynLimit::new(0, Some(4), Some(120_000)).to_string(),
            "5 = 1 + 4 a second apart"
        );
    }

    #[test]
    fn gaps_that_would_pass_the_cap_are_said_to_stop_there() {
        // 2, 4 … 64 s stay under 120 s; a seventh would be 128 s.
        assert_eq!(
            SynLimit::new(10, Some(4), Some(120_000)).parts(),
            "1 + 5 a second apart + 9 at gaps doubling up to 120 s"
        );
        assert_eq!(
            SynLimit::new(7, Some(4), Some(120_000)).parts(),
            "1 + 5 a second apart + 6 at doubling gaps"
        );
        assert_eq!(
            SynLimit::new(127, Some(4), Some(120_000)).parts(),
            "1 + 5 a second apart + 126 at gaps doubling up to 120 s"
        );
    }

    #[test]
    fn without_linear_timeouts_every_gap_doubles() {
        assert_eq!(
            SynLimit::new(6, None, Some(120_000)).to_string(),
            "7 = 1 + 6 at doubling gaps"
        );
        assert_eq!(
            SynLimit::new(6, Some(0), Some(120_000)).to_string(),
            "7 = 1 + 6 at doubling gaps"
        );
        assert_eq!(SynLimit::new(0, None, Some(120_000)).to_string(), "1 = 1");
    }
}
