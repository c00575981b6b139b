//! The taxi trip model: one latent [`Trip`] per row, drawn so that the columns
//! that belong together agree (fare with distance and duration, tips with payment
//! type, coordinates with community area, month/hour/day with the timestamp).
//!
//! Every constant comes from [`super::measured`] (the real sample) or is a
//! published fact (Chicago's meter: a $3.25 flag fall); the rest of the shape is
//! a plain story: a trip covers the distance between its areas' centroids plus a
//! local leg, at a log-normal speed, and the meter charges per mile and minute.

use super::draw::{Draw, Weighted};
use super::measured::{
    AREAS, COMPANIES, FARE_OUTLIER, FARE_ZERO, HOURS, MILES_OUTLIER, MILES_ZERO, PAYMENT_TYPES, POINT_SPREAD,
    SECONDS_ZERO, TIPS, YEARS,
};

/// Chicago taxi meter, 2012-2018: flag fall in dollars.
const FLAG_FALL: f64 = 3.25;
/// Per-mile and per-minute rates fitted by least squares on the real sample's
/// trips with distance, duration and a fare under $100 (residual ~2% of fare).
const PER_MILE: f64 = 1.477;
const PER_MINUTE: f64 = 0.199;

// The trip shape below was fitted by simulation (numpy, 50k trips) against the
// real sample's non-zero quartiles: miles 0.8 / 1.6 / 3.6 (got 1.0 / 1.9 / 3.9),
// seconds 360 / 600 / 960 (360 / 660 / 1260), fare 5.85 / 7.85 / 12.65
// (6.10 / 8.31 / 13.10), fare p90 28.05 (28.8). The long tail is airport trips.

/// Dropoff areas are chosen with weight `dropoffs × exp(−miles / DECAY_MILES)`
/// from the pickup area: most trips are short. It also gives the real share of
/// same-area trips (0.27) without a separate knob.
const DECAY_MILES: f64 = 4.0;
/// O'Hare (76) and Midway (56): airport trips go anywhere, distance no object.
const AIRPORTS: [u8; 2] = [76, 56];
/// Trip miles = CENTROID_FACTOR × centroid distance + a log-normal local leg.
/// Below 1 because neighbouring trips start and end near the shared boundary.
const CENTROID_FACTOR: f64 = 0.8;
const LOCAL_LEG_LN_MILES: (f64, f64) = (-1.0, 0.9);
/// ln(mph): narrower than the sample's raw ln(miles/hours) (2.56, 0.57), which
/// GPS and meter glitches widen.
const LN_MPH: (f64, f64) = (2.6, 0.3);
/// Fixed time per trip (pick-up, lights) in seconds.
const OVERHEAD_SECONDS: f64 = 120.0;

/// Where a trip starts or ends.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub area: u8,
    pub lat: f64,
    pub lon: f64,
    /// 11-digit census tract id: state 17, Cook County 031, then a tract whose
    /// first two digits are the community area number, as Chicago numbers them.
    pub tract: i64,
}

/// Parts of a trip's record that the source loses as a whole: the columns that
/// name such a part are empty together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    Pickup,
    DropoffArea,
    DropoffPoint,
}

/// One trip, before missingness: every column's value can be read from it.
#[derive(Debug, Clone)]
pub(crate) struct Trip {
    /// Unix seconds (UTC), a multiple of 15 minutes as in the source.
    pub start: i64,
    pub month: i64,
    pub hour: i64,
    /// 1 = Sunday ... 7 = Saturday, as the source's `trip_start_day`.
    pub weekday: i64,
    pub pickup: Place,
    pub dropoff: Place,
    pub miles: f64,
    pub seconds: i64,
    pub fare: f64,
    pub tips: f64,
    pub payment_type: &'static str,
    pub company: &'static str,
    pub lost_pickup: bool,
    pub lost_dropoff_area: bool,
    pub lost_dropoff_point: bool,
}

impl Trip {
    pub(crate) fn lost(&self, part: Part) -> bool {
        match part {
            Part::Pickup => self.lost_pickup,
            Part::DropoffArea => self.lost_dropoff_area,
            Part::DropoffPoint => self.lost_dropoff_point,
        }
    }
}

/// The categorical tables, built once per generator.
#[derive(Debug, Clone)]
pub(crate) struct TripModel {
    pickup_area: Weighted,
    /// Per pickup area (index into `AREAS`), the dropoff distribution.
    dropoff_area: Vec<Weighted>,
    year: Weighted,
    hour: Weighted,
    payment: Weighted,
    company: Weighted,
}

impl Default for TripModel {
    fn default() -> Self {
        Self {
            pickup_area: Weighted::new(AREAS.iter().map(|a| u64::from(a.1))),
            dropoff_area: (0..AREAS.len()).map(dropoff_weights).collect(),
            year: Weighted::new(YEARS.iter().map(|y| u64::from(y.1))),
            hour: Weighted::new(HOURS.iter().map(|&h| u64::from(h))),
            payment: Weighted::new(PAYMENT_TYPES.iter().map(|p| u64::from(p.1))),
            company: Weighted::new(COMPANIES.iter().map(|c| u64::from(c.1))),
        }
    }
}

impl TripModel {
    /// Draws one trip. The number of draws per trip varies, but the sequence is
    /// a pure function of the stream, so a seed fixes every trip.
    pub(crate) fn trip(&self, d: &mut Draw) -> Trip {
        // When: a year by its real weight, a uniform day in it, an hour by its real
        // weight, a quarter hour.
        let year = YEARS[self.year.pick(d)].0;
        let first = days_from_civil(year, 1, 1);
        let days_in_year = days_from_civil(year + 1, 1, 1) - first;
        let day = first + d.below(days_in_year as u64) as i64;
        let start = day * 86_400 + self.hour.pick(d) as i64 * 3_600 + d.below(4) as i64 * 900;
        let (month, hour, weekday) = time_parts(start);

        // Where.
        let pickup_i = self.pickup_area.pick(d);
        let dropoff_i = self.dropoff_area[pickup_i].pick(d);
        let pickup = place(pickup_i, d);
        let dropoff = place(dropoff_i, d);

        // How far, how long, how much. The meter sees the true distance and time;
        // the recorded miles and seconds are sometimes zero or wild, as in the source.
        let true_miles = CENTROID_FACTOR * crow_miles(centroid(pickup_i), centroid(dropoff_i))
            + d.lognormal(LOCAL_LEG_LN_MILES.0, LOCAL_LEG_LN_MILES.1);
        let mph = d.lognormal(LN_MPH.0, LN_MPH.1).clamp(2.0, 60.0);
        // Whole minutes, as the source records 99.9% of durations.
        let minutes = ((true_miles / mph * 3_600.0 + OVERHEAD_SECONDS) / 60.0).round();
        let true_seconds = (minutes as i64).max(1) * 60;
        let metered = FLAG_FALL + PER_MILE * true_miles + PER_MINUTE * true_seconds as f64 / 60.0;
        let mut fare = round_to(metered * (1.0 + 0.02 * d.normal()), 0.05);
        if d.chance(FARE_ZERO) {
            fare = 0.0;
        } else if d.chance(FARE_OUTLIER) {
            fare = round_to(fare * d.between(5.0, 30.0), 0.05);
        }
        let miles = if d.chance(MILES_ZERO) {
            0.0
        } else if d.chance(MILES_OUTLIER) {
            round_to(true_miles * d.between(10.0, 200.0), 0.1)
        } else {
            round_to(true_miles, 0.1)
        };
        let seconds = if d.chance(SECONDS_ZERO) { 0 } else { true_seconds };

        // Who pays and tips.
        let p = self.payment.pick(d);
        let payment_type = PAYMENT_TYPES[p].0;
        let (tip_share, tip_ratio) = TIPS.iter().find(|t| t.0 == payment_type).map_or((0.0, 0.0), |t| (t.1, t.2));
        // Tip/fare ratios are skewed (real quartiles 0.20, 0.23, 0.32): log-normal
        // around the measured median.
        let tips = if d.chance(tip_share) { round_to(fare * tip_ratio * d.lognormal(0.0, 0.35), 0.01) } else { 0.0 };
        let company = COMPANIES[self.company.pick(d)].0;

        let lost_pickup = d.chance(super::columns::rate("pickup_community_area"));
        let lost_dropoff_area = d.chance(super::columns::rate("dropoff_community_area"));
        // The source loses dropoff coordinates only together with the dropoff area.
        let lost_dropoff_point = lost_dropoff_area
            && d.chance(super::columns::rate("dropoff_latitude") / super::columns::rate("dropoff_community_area"));

        Trip {
            start,
            month,
            hour,
            weekday,
            pickup,
            dropoff,
            miles,
            seconds,
            fare,
            tips,
            payment_type,
            company,
            lost_pickup,
            lost_dropoff_area,
            lost_dropoff_point,
        }
    }
}

fn place(i: usize, d: &mut Draw) -> Place {
    let (area, _, _, lat, lon) = AREAS[i];
    // Rounded to 9 decimals as the source writes coordinates.
    let lat = round_to(lat + POINT_SPREAD.0 * d.normal(), 1e-9);
    let lon = round_to(lon + POINT_SPREAD.1 * d.normal(), 1e-9);
    let tract = 17_031_000_000 + i64::from(area) * 10_000 + (1 + d.below(12) as i64) * 100;
    Place { area, lat, lon, tract }
}

/// `trip_start_month`, `trip_start_hour` and `trip_start_day` of a start time,
/// read in UTC as the source does (checked on all 15,002 real rows with pandas).
fn time_parts(start: i64) -> (i64, i64, i64) {
    let day = start.div_euclid(86_400);
    let (_, month, _) = civil_from_days(day);
    let hour = start.rem_euclid(86_400) / 3_600;
    // 1970-01-01 was a Thursday: day 0 is weekday 5 on the Sunday=1 scale.
    let weekday = (day + 4).rem_euclid(7) + 1;
    (month, hour, weekday)
}

/// Dropoff weights from the pickup area at index `from` (see [`DECAY_MILES`]).
fn dropoff_weights(from: usize) -> Weighted {
    let airport = |i: usize| AIRPORTS.contains(&AREAS[i].0);
    Weighted::new((0..AREAS.len()).map(|to| {
        let decay = if airport(from) || airport(to) {
            1.0
        } else {
            (-crow_miles(centroid(from), centroid(to)) / DECAY_MILES).exp()
        };
        // Integer weights for the sampler: a million steps per observed trip.
        (f64::from(AREAS[to].2) * decay * 1e6).round() as u64
    }))
}

fn centroid(i: usize) -> (f64, f64) {
    (AREAS[i].3, AREAS[i].4)
}

/// Straight-line distance in miles between (lat, lon) points (equirectangular:
/// fine within a city).
fn crow_miles(a: (f64, f64), b: (f64, f64)) -> f64 {
    let dlat = (a.0 - b.0).to_radians();
    let dlon = (a.1 - b.1).to_radians() * ((a.0 + b.0) / 2.0).to_radians().cos();
    3_958.8 * (dlat * dlat + dlon * dlon).sqrt()
}

/// `x` to the nearest multiple of `step`, with `step` a power-of-ten fraction or
/// 0.05: computed on the scaled integer so that 0.1-steps print as 12.3, not
/// 12.300000000000001.
fn round_to(x: f64, step: f64) -> f64 {
    let scale = (1.0 / step).round();
    (x * scale).round() / scale
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Hinnant,
/// "chrono-Compatible Low-Level Date Algorithms", `days_from_civil`).
fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(y) - i64::from(m <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The inverse of [`days_from_civil`]: (year, month 1-12, day 1-31).
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_matches_known_dates() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        // 2013-01-01 = 1356998400 s (date -d 2013-01-01 +%s -u).
        assert_eq!(days_from_civil(2013, 1, 1) * 86_400, 1_356_998_400);
        assert_eq!(civil_from_days(days_from_civil(2016, 2, 29)), (2016, 2, 29));
        assert_eq!(civil_from_days(days_from_civil(2016, 12, 31)), (2016, 12, 31));
    }

    #[test]
    fn derived_time_columns_agree_with_the_source_rows() {
        // Rows of data/data.csv: (timestamp, month, hour, day).
        let rows = [
            (1_400_269_500, 5, 19, 6),
            (1_362_683_700, 3, 19, 5),
            (1_380_593_700, 10, 2, 3),
            (1_382_319_000, 10, 1, 2),
        ];
        for (ts, month, hour, weekday) in rows {
            assert_eq!(time_parts(ts), (month, hour, weekday), "{ts}");
        }
    }

    #[test]
    fn rounding_prints_short() {
        assert_eq!(format!("{:?}", round_to(12.299_999, 0.1)), "12.3");
        assert_eq!(format!("{:?}", round_to(7.87, 0.05)), "7.85");
        assert_eq!(format!("{:?}", round_to(41.836_150_155_2, 1e-9)), "41.836150155");
    }
}
