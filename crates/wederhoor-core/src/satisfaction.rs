//! Satisfaction and report figures (issue #13), pure: the Net Promoter Score of survey answers
//! and percentiles of durations.

use serde::Serialize;

/// A survey score, 0–10, parsed once.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Score(u8);

impl Score {
    /// `"0"` … `"10"` (surrounding spaces allowed); anything else is `None`.
    pub fn parse(text: &str) -> Option<Score> {
        let n: u8 = text.trim().parse().ok()?;
        (n <= 10).then_some(Score(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }

    /// 0–6: unhappy; such an answer is flagged for a follow-up on the case.
    pub fn is_detractor(self) -> bool {
        self.0 <= 6
    }

    /// 9–10: would recommend us.
    pub fn is_promoter(self) -> bool {
        self.0 >= 9
    }
}

/// Surveys sent and answered in one group (an agent, a topic, a channel, a period).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct NpsTally {
    /// Survey links sent.
    pub sent: i64,
    /// Scores 9–10.
    pub promoters: i64,
    /// Scores 7–8.
    pub passives: i64,
    /// Scores 0–6.
    pub detractors: i64,
}

impl NpsTally {
    /// Counts one sent survey and its answer, if any.
    pub fn add(&mut self, answer: Option<Score>) {
        self.sent += 1;
        match answer {
            Some(s) if s.is_promoter() => self.promoters += 1,
            Some(s) if s.is_detractor() => self.detractors += 1,
            Some(_) => self.passives += 1,
            None => {}
        }
    }

    pub fn answered(&self) -> i64 {
        self.promoters + self.passives + self.detractors
    }

    /// Promoters % − detractors %, rounded to a whole number (−100 … 100); `None` without
    /// answers.
    pub fn nps(&self) -> Option<i64> {
        let answered = self.answered();
        if answered == 0 {
            return None;
        }
        // Rounded half away from zero in integers: (100·(p − d) ± answered/2) / answered.
        let diff = 100 * (self.promoters - self.detractors);
        let half = answered / 2;
        let rounded = if diff >= 0 {
            (diff + half) / answered
        } else {
            (diff - half) / answered
        };
        Some(rounded)
    }

    /// Answers per sent survey, in whole percents; `None` when none was sent.
    pub fn response_rate(&self) -> Option<i64> {
        (self.sent > 0).then(|| (100 * self.answered() + self.sent / 2) / self.sent)
    }
}

/// The `p`-th percentile (0 < p ≤ 100) of sorted values by the nearest-rank method: the value at
/// rank ⌈p·n/100⌉. So the median (p = 50) is the lower middle value for an even count, as in
/// the daily summary. `None` for no values.
pub fn percentile(sorted: &[i64], p: u32) -> Option<i64> {
    if sorted.is_empty() {
        return None;
    }
    let n = sorted.len();
    let p = usize::try_from(p.clamp(1, 100)).unwrap_or(100);
    let rank = (p * n).div_ceil(100).max(1);
    sorted.get(rank - 1).copied()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tally(scores: &[u8], unanswered: i64) -> NpsTally {
        let mut t = NpsTally::default();
        for &s in scores {
            t.add(Score::parse(&s.to_string()));
        }
        for _ in 0..unanswered {
            t.add(None);
        }
        t
    }

    #[test]
    fn scores_parse_from_0_to_10_only() {
        assert_eq!(Score::parse(" 7 ").map(Score::get), Some(7));
        assert_eq!(Score::parse("10").map(Score::get), Some(10));
        assert_eq!(Score::parse("0").map(Score::get), Some(0));
        for bad in ["11", "-1", "", "7.5", "tien", "256"] {
            assert_eq!(Score::parse(bad), None, "{bad}");
        }
        assert!(Score::parse("6").is_some_and(Score::is_detractor));
        assert!(!Score::parse("7").is_some_and(Score::is_detractor));
        assert!(Score::parse("9").is_some_and(Score::is_promoter));
        assert!(!Score::parse("8").is_some_and(Score::is_promoter));
    }

    #[test]
    fn nps_is_promoters_minus_detractors_in_percent() {
        // 10, 9, 9 promoters; 8, 7 passives; 6, 0 detractors: (3 − 2) / 7 = 14.28 % → 14.
        let t = tally(&[10, 9, 9, 8, 7, 6, 0], 3);
        assert_eq!((t.promoters, t.passives, t.detractors), (3, 2, 2));
        assert_eq!(t.nps(), Some(14));
        // 7 answers of 10 sent.
        assert_eq!(t.response_rate(), Some(70));
        // All detractors: −100; all promoters: 100; only passives: 0.
        assert_eq!(tally(&[0, 3, 6], 0).nps(), Some(-100));
        assert_eq!(tally(&[9, 10], 0).nps(), Some(100));
        assert_eq!(tally(&[7, 8], 0).nps(), Some(0));
        // 1 promoter, 2 detractors of 3: −33.3 → −33; 2 of 3 promoters: 66.7 → 67.
        assert_eq!(tally(&[10, 1, 2], 0).nps(), Some(-33));
        assert_eq!(tally(&[10, 10, 7], 0).nps(), Some(67));
        // Half away from zero: 1 promoter, 7 passives of 8 = 12.5 → 13; mirrored → −13.
        assert_eq!(tally(&[9, 7, 7, 7, 7, 7, 7, 7], 0).nps(), Some(13));
        assert_eq!(tally(&[5, 7, 7, 7, 7, 7, 7, 7], 0).nps(), Some(-13));
        // Nothing answered: no score, but a rate of 0 %.
        assert_eq!(tally(&[], 4).nps(), None);
        assert_eq!(tally(&[], 4).response_rate(), Some(0));
        assert_eq!(tally(&[], 0).response_rate(), None);
    }

    #[test]
    fn percentiles_use_the_nearest_rank() {
        let ten: Vec<i64> = (1..=10).map(|i| i * 10).collect();
        // n = 10: median rank ⌈5⌉ = 5 → 50; p90 rank ⌈9⌉ = 9 → 90; p100 → 100.
        assert_eq!(percentile(&ten, 50), Some(50));
        assert_eq!(percentile(&ten, 90), Some(90));
        assert_eq!(percentile(&ten, 100), Some(100));
        // n = 5: median rank ⌈2.5⌉ = 3 → the middle one; p90 rank ⌈4.5⌉ = 5 → the largest.
        let five = [3, 8, 20, 60, 600];
        assert_eq!(percentile(&five, 50), Some(20));
        assert_eq!(percentile(&five, 90), Some(600));
        // n = 4: median is the lower middle (rank 2), p90 rank ⌈3.6⌉ = 4.
        assert_eq!(percentile(&[1, 2, 3, 4], 50), Some(2));
        assert_eq!(percentile(&[1, 2, 3, 4], 90), Some(4));
        // One value is every percentile; none gives none.
        assert_eq!(percentile(&[42], 90), Some(42));
        assert_eq!(percentile(&[], 50), None);
    }
}
