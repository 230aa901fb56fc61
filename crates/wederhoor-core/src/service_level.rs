//! Service levels (issue #12): how long the team may take to answer and to resolve a case, per
//! priority, counted in *business time* — the team's opening hours per weekday, minus holidays,
//! in one time zone (Europe/Amsterdam by default).
//!
//! Business time is real elapsed time inside opening hours: a day with a daylight-saving change
//! whose hours span the change (e.g. 00:00–24:00) counts 23 or 25 hours; a wall time that does
//! not exist that day (in the spring gap) is read as the same time after the gap (02:30 → 03:30,
//! jiff's "compatible" rule), one that occurs twice as the first. Everything
//! here is pure: instants are UTC milliseconds, the caller gives `now`.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use jiff::tz::TimeZone;
use std::collections::BTreeSet;

/// How many days the calculator looks ahead at most (a calendar that is closed for longer is
/// treated as never open again; validation refuses a calendar without any open weekday).
const MAX_DAYS: i32 = 3 * 366;
const MINUTE_MS: i64 = 60_000;

/// Opening hours of one weekday, minutes after local midnight, `open < close <= 1440`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OpeningHours {
    pub open: u16,
    pub close: u16,
}

impl OpeningHours {
    /// `"09:00-17:00"` (also `"00:00-24:00"`); an empty string or `"closed"` is `None`.
    pub fn parse(s: &str) -> Result<Option<OpeningHours>, ServiceLevelError> {
        let s = s.trim();
        if s.is_empty() || s.eq_ignore_ascii_case("closed") {
            return Ok(None);
        }
        let bad = || ServiceLevelError::Hours(s.to_owned());
        let (a, b) = s.split_once('-').ok_or_else(bad)?;
        let minute = |t: &str| -> Result<u16, ServiceLevelError> {
            let (h, m) = t.trim().split_once(':').ok_or_else(bad)?;
            let h: u16 = h.parse().map_err(|_| bad())?;
            let m: u16 = m.parse().map_err(|_| bad())?;
            if m >= 60 || h > 24 || (h == 24 && m != 0) {
                return Err(bad());
            }
            Ok(h * 60 + m)
        };
        let (open, close) = (minute(a)?, minute(b)?);
        if open >= close {
            return Err(bad());
        }
        Ok(Some(OpeningHours { open, close }))
    }
}

/// Why a service-level setting was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ServiceLevelError {
    #[error("opening hours must look like 09:00-17:00 with the start before the end, not {0:?}")]
    Hours(String),
    #[error("the business calendar has no open weekday")]
    NeverOpen,
    #[error("unknown time zone {0:?}")]
    Zone(String),
    #[error("a holiday must be a date like 2026-12-25, not {0:?}")]
    Holiday(String),
    #[error("a target must be at least one minute")]
    Target,
    #[error("the warning must be between 1 and 99 percent of a target")]
    Warning,
}

/// The team's business calendar: opening hours per weekday, holidays, a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    zone: TimeZone,
    /// Monday first.
    hours: [Option<OpeningHours>; 7],
    holidays: BTreeSet<Date>,
}

impl BusinessCalendar {
    /// A calendar; refused when no weekday is open.
    pub fn new(
        zone: TimeZone,
        hours: [Option<OpeningHours>; 7],
        holidays: BTreeSet<Date>,
    ) -> Result<BusinessCalendar, ServiceLevelError> {
        if hours.iter().all(Option::is_none) {
            return Err(ServiceLevelError::NeverOpen);
        }
        Ok(BusinessCalendar {
            zone,
            hours,
            holidays,
        })
    }

    /// Open every day, all day (business time equals elapsed time).
    pub fn always_open(zone: TimeZone) -> BusinessCalendar {
        BusinessCalendar {
            zone,
            hours: [Some(OpeningHours {
                open: 0,
                close: 24 * 60,
            }); 7],
            holidays: BTreeSet::new(),
        }
    }

    pub fn zone(&self) -> &TimeZone {
        &self.zone
    }

    /// The opening interval of a local date in UTC milliseconds, `None` when closed that day.
    fn open_interval(&self, date: Date) -> Option<(i64, i64)> {
        if self.holidays.contains(&date) {
            return None;
        }
        let h = (*self.hours.get(weekday_index(date.weekday()))?)?;
        let at = |minute: u16| -> Option<i64> {
            let ts = if minute >= 24 * 60 {
                date.tomorrow().ok()?.to_zoned(self.zone.clone()).ok()?
            } else {
                date.at((minute / 60) as i8, (minute % 60) as i8, 0, 0)
                    .to_zoned(self.zone.clone())
                    .ok()?
            };
            Some(ts.timestamp().as_millisecond())
        };
        let (open, close) = (at(h.open)?, at(h.close)?);
        (open < close).then_some((open, close))
    }

    fn local_date(&self, ms: i64) -> Option<Date> {
        Some(
            Timestamp::from_millisecond(ms)
                .ok()?
                .to_zoned(self.zone.clone())
                .date(),
        )
    }

    /// The instant `ms` milliseconds of business time after `start_ms`; `None` only when the
    /// calendar stays closed for years (or the instant is out of range).
    pub fn add_business_ms(&self, start_ms: i64, ms: i64) -> Option<i64> {
        let mut left = ms.max(0);
        let mut date = self.local_date(start_ms)?;
        for _ in 0..MAX_DAYS {
            if let Some((open, close)) = self.open_interval(date) {
                let from = open.max(start_ms);
                if from < close {
                    let available = close - from;
                    if left <= available {
                        return Some(from + left);
                    }
                    left -= available;
                }
            }
            date = date.tomorrow().ok()?;
        }
        None
    }

    /// `add_business_ms` in minutes.
    pub fn add_business_minutes(&self, start_ms: i64, minutes: i64) -> Option<i64> {
        self.add_business_ms(start_ms, minutes.saturating_mul(MINUTE_MS))
    }

    /// Business time between two instants in milliseconds (0 when `to <= from`).
    pub fn business_ms_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        if to_ms <= from_ms {
            return 0;
        }
        let (Some(mut date), Some(last)) = (self.local_date(from_ms), self.local_date(to_ms))
        else {
            return 0;
        };
        let mut total = 0;
        while date <= last {
            if let Some((open, close)) = self.open_interval(date) {
                let (a, b) = (open.max(from_ms), close.min(to_ms));
                if a < b {
                    total += b - a;
                }
            }
            match date.tomorrow() {
                Ok(d) => date = d,
                Err(_) => break,
            }
        }
        total
    }

    /// Whole business minutes between two instants.
    pub fn business_minutes_between(&self, from_ms: i64, to_ms: i64) -> i64 {
        self.business_ms_between(from_ms, to_ms) / MINUTE_MS
    }
}

fn weekday_index(w: Weekday) -> usize {
    (w.to_monday_zero_offset() as usize).min(6)
}

/// The targets of one priority, in business minutes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Target {
    pub first_response_minutes: i64,
    pub resolution_minutes: i64,
}

/// Targets per priority with the calendar they are counted in.
#[derive(Debug, Clone, PartialEq)]
pub struct ServiceLevels {
    pub calendar: BusinessCalendar,
    /// Indexed by priority: low (0), normal (1), high (2), urgent (3).
    pub targets: [Target; 4],
    /// A timer turns to "warning" when this share of its target has passed (percent, 1..=99).
    pub warn_percent: i64,
}

/// Which target a case's timer counts towards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    FirstResponse,
    Resolution,
}

/// How a timer stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerState {
    Ok,
    Warning,
    Breached,
}

impl TimerState {
    pub fn as_str(self) -> &'static str {
        match self {
            TimerState::Ok => "ok",
            TimerState::Warning => "warning",
            TimerState::Breached => "breached",
        }
    }
}

/// A case's timer towards its next target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Timer {
    pub kind: TimerKind,
    pub state: TimerState,
    /// When the target falls due (UTC ms).
    pub due_at: i64,
    /// Business minutes left; negative when overdue.
    pub minutes_left: i64,
}

/// What a timer needs to know about a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CaseClock {
    pub priority: i64,
    /// The case's first message (UTC ms).
    pub opened_at: i64,
    pub first_reply_at: Option<i64>,
    pub closed: bool,
    /// Whether the case expects an answer at all (not `ignore` or `no_engage`).
    pub expects_answer: bool,
}

impl ServiceLevels {
    /// Defaults: Monday to Friday 09:00–17:00 in Europe/Amsterdam, no holidays; urgent 30 min /
    /// 4 h, high 1 h / 8 h, normal 4 h / 2 business days, low 1 business day / 5 business days;
    /// warning at 80 %.
    pub fn default_in(zone: TimeZone) -> ServiceLevels {
        let day = Some(OpeningHours {
            open: 9 * 60,
            close: 17 * 60,
        });
        ServiceLevels {
            calendar: BusinessCalendar {
                zone,
                hours: [day, day, day, day, day, None, None],
                holidays: BTreeSet::new(),
            },
            targets: [
                Target {
                    first_response_minutes: 480,
                    resolution_minutes: 5 * 480,
                },
                Target {
                    first_response_minutes: 240,
                    resolution_minutes: 2 * 480,
                },
                Target {
                    first_response_minutes: 60,
                    resolution_minutes: 480,
                },
                Target {
                    first_response_minutes: 30,
                    resolution_minutes: 240,
                },
            ],
            warn_percent: 80,
        }
    }

    pub fn target(&self, priority: i64) -> Target {
        let i = priority.clamp(0, 3) as usize;
        self.targets.get(i).copied().unwrap_or(Target {
            first_response_minutes: 240,
            resolution_minutes: 960,
        })
    }

    /// The timer of a case at `now`: towards the first response until there is a reply, then
    /// towards resolution; `None` for a closed case or one that expects no answer.
    pub fn timer(&self, case: &CaseClock, now_ms: i64) -> Option<Timer> {
        if case.closed || !case.expects_answer {
            return None;
        }
        let target = self.target(case.priority);
        let (kind, minutes) = match case.first_reply_at {
            None => (TimerKind::FirstResponse, target.first_response_minutes),
            Some(_) => (TimerKind::Resolution, target.resolution_minutes),
        };
        let due_at = self
            .calendar
            .add_business_minutes(case.opened_at, minutes)?;
        let target_ms = minutes.saturating_mul(MINUTE_MS);
        // Only the span that matters is walked: the time used while the target is ahead (at
        // most the target's days), the time overdue after it.
        let (state, minutes_left) = if now_ms >= due_at {
            let overdue = self.calendar.business_ms_between(due_at, now_ms);
            (TimerState::Breached, -(overdue / MINUTE_MS))
        } else {
            let used_ms = self.calendar.business_ms_between(case.opened_at, now_ms);
            let warned = used_ms.saturating_mul(100) >= target_ms.saturating_mul(self.warn_percent);
            let state = if warned {
                TimerState::Warning
            } else {
                TimerState::Ok
            };
            (state, (target_ms - used_ms).div_euclid(MINUTE_MS))
        };
        Some(Timer {
            kind,
            state,
            due_at,
            minutes_left,
        })
    }

    /// Whether the first response met its target (`None` while unanswered and not yet due).
    pub fn first_response_met(&self, case: &CaseClock, now_ms: i64) -> Option<bool> {
        let minutes = self.target(case.priority).first_response_minutes;
        let due = self
            .calendar
            .add_business_minutes(case.opened_at, minutes)?;
        match case.first_reply_at {
            Some(at) => Some(at <= due),
            None if now_ms >= due => Some(false),
            None => None,
        }
    }

    /// Whether a resolution at `closed_at` met its target.
    pub fn resolution_met(&self, priority: i64, opened_at: i64, closed_at: i64) -> Option<bool> {
        let minutes = self.target(priority).resolution_minutes;
        let due = self.calendar.add_business_minutes(opened_at, minutes)?;
        Some(closed_at <= due)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amsterdam() -> TimeZone {
        TimeZone::get("Europe/Amsterdam").unwrap()
    }

    /// Local Amsterdam wall time as UTC ms.
    fn at(s: &str) -> i64 {
        s.parse::<jiff::civil::DateTime>()
            .unwrap()
            .to_zoned(amsterdam())
            .unwrap()
            .timestamp()
            .as_millisecond()
    }

    fn office(holidays: &[&str]) -> BusinessCalendar {
        let day = OpeningHours::parse("09:00-17:00").unwrap();
        BusinessCalendar::new(
            amsterdam(),
            [day, day, day, day, day, None, None],
            holidays.iter().map(|d| d.parse().unwrap()).collect(),
        )
        .unwrap()
    }

    #[test]
    fn within_a_day_business_time_is_elapsed_time() {
        let c = office(&[]);
        // Wednesday 2 December 2026.
        assert_eq!(
            c.add_business_minutes(at("2026-12-02T10:00"), 30),
            Some(at("2026-12-02T10:30"))
        );
        assert_eq!(
            c.business_minutes_between(at("2026-12-02T10:00"), at("2026-12-02T12:15")),
            135
        );
    }

    #[test]
    fn an_evening_message_waits_for_the_morning() {
        let c = office(&[]);
        assert_eq!(
            c.add_business_minutes(at("2026-12-02T20:00"), 60),
            Some(at("2026-12-03T10:00"))
        );
        assert_eq!(
            c.add_business_minutes(at("2026-12-02T16:30"), 60),
            Some(at("2026-12-03T09:30"))
        );
        assert_eq!(
            c.business_minutes_between(at("2026-12-02T16:30"), at("2026-12-03T09:30")),
            60
        );
        assert_eq!(
            c.business_minutes_between(at("2026-12-02T18:00"), at("2026-12-03T08:59")),
            0
        );
    }

    #[test]
    fn the_weekend_does_not_count() {
        let c = office(&[]);
        // Friday 4 December 16:00 + 2 h = Monday 7 December 10:00.
        assert_eq!(
            c.add_business_minutes(at("2026-12-04T16:00"), 120),
            Some(at("2026-12-07T10:00"))
        );
        assert_eq!(
            c.business_minutes_between(at("2026-12-05T10:00"), at("2026-12-06T23:00")),
            0
        );
        // One business day (480 min) from Friday 12:00 is Monday 12:00.
        assert_eq!(
            c.add_business_minutes(at("2026-12-04T12:00"), 480),
            Some(at("2026-12-07T12:00"))
        );
    }

    #[test]
    fn a_holiday_is_closed() {
        // Christmas 2026: Friday 25 December; Boxing Day is a Saturday.
        let c = office(&["2026-12-25"]);
        assert_eq!(
            c.add_business_minutes(at("2026-12-24T16:00"), 120),
            Some(at("2026-12-28T10:00"))
        );
        assert_eq!(
            c.business_minutes_between(at("2026-12-24T16:00"), at("2026-12-28T10:00")),
            120
        );
    }

    #[test]
    fn daylight_saving_changes_count_real_time() {
        let always = BusinessCalendar::always_open(amsterdam());
        // 29 March 2026: 02:00 → 03:00, the day has 23 hours.
        let from = at("2026-03-29T00:00");
        let to = at("2026-03-30T00:00");
        assert_eq!(always.business_minutes_between(from, to), 23 * 60);
        assert_eq!(always.add_business_minutes(from, 23 * 60), Some(to));
        // 25 October 2026: 03:00 → 02:00, 25 hours.
        assert_eq!(
            always.business_minutes_between(at("2026-10-25T00:00"), at("2026-10-26T00:00")),
            25 * 60
        );
        // Office hours across the change: Friday 16:00 + 2 h is Monday 10:00 local, which is
        // 65 hours of wall time later, not 66.
        let c = office(&[]);
        let start = at("2026-03-27T16:00");
        let due = c.add_business_minutes(start, 120).unwrap();
        assert_eq!(due, at("2026-03-30T10:00"));
        assert_eq!(due - start, 65 * 3_600_000);
        // Opening hours that start in the gap (02:30 does not exist) begin at 03:30.
        let night = BusinessCalendar::new(
            amsterdam(),
            [OpeningHours::parse("02:30-04:00").unwrap(); 7],
            BTreeSet::new(),
        )
        .unwrap();
        assert_eq!(
            night.business_minutes_between(at("2026-03-29T00:00"), at("2026-03-29T12:00")),
            30
        );
    }

    #[test]
    fn opening_hours_parse_and_refuse() {
        assert_eq!(
            OpeningHours::parse("00:00-24:00").unwrap(),
            Some(OpeningHours {
                open: 0,
                close: 1440
            })
        );
        assert_eq!(OpeningHours::parse("closed").unwrap(), None);
        for bad in ["17:00-09:00", "9-17", "09:60-10:00", "24:30-25:00", "09:00"] {
            assert!(OpeningHours::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            BusinessCalendar::new(amsterdam(), [None; 7], BTreeSet::new()),
            Err(ServiceLevelError::NeverOpen)
        );
    }

    #[test]
    fn timers_warn_before_and_breach_at_the_target() {
        let levels = ServiceLevels::default_in(amsterdam());
        let case = CaseClock {
            priority: 2, // high: first response within 60 business minutes
            opened_at: at("2026-12-02T10:00"),
            first_reply_at: None,
            closed: false,
            expects_answer: true,
        };
        let t = levels.timer(&case, at("2026-12-02T10:30")).unwrap();
        assert_eq!(
            (t.kind, t.state, t.minutes_left),
            (TimerKind::FirstResponse, TimerState::Ok, 30)
        );
        let t = levels.timer(&case, at("2026-12-02T10:50")).unwrap();
        assert_eq!((t.state, t.minutes_left), (TimerState::Warning, 10));
        let t = levels.timer(&case, at("2026-12-02T11:20")).unwrap();
        assert_eq!((t.state, t.minutes_left), (TimerState::Breached, -20));
        assert_eq!(t.due_at, at("2026-12-02T11:00"));
        // Answered: the resolution target (8 business hours) counts next.
        let answered = CaseClock {
            first_reply_at: Some(at("2026-12-02T10:20")),
            ..case
        };
        let t = levels.timer(&answered, at("2026-12-02T11:20")).unwrap();
        assert_eq!(
            (t.kind, t.state, t.due_at),
            (
                TimerKind::Resolution,
                TimerState::Ok,
                at("2026-12-03T10:00")
            )
        );
        assert_eq!(
            levels.first_response_met(&answered, at("2026-12-02T11:20")),
            Some(true)
        );
        assert_eq!(
            levels.timer(
                &CaseClock {
                    closed: true,
                    ..case
                },
                at("2026-12-02T11:20")
            ),
            None
        );
    }
}
