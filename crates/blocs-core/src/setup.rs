//! Initialisation: a world's countries, distances, memberships and agreements at tick 0.

use crate::model::{
    CalibratedSpec, Country, CountrySource, InitialM, Op, SyntheticSpec, World, WorldSpec,
};
use std::cell::RefCell;

use crate::rng::WorldRng;

/// Mean Earth circumference along a great circle halved (km): distances / this lie in [0, 1].
pub const HALF_CIRCUMFERENCE_KM: f64 = 20015.0;

/// Builds a world from its stream: draws synthetic countries if needed, and sets up M, G
/// and the initial agreements.
pub fn build_world(spec: &WorldSpec, rng: &mut WorldRng) -> World {
    let countries = match &spec.countries {
        CountrySource::Synthetic(s) => synthetic_countries(s, rng),
        CountrySource::Explicit(list) => list.clone(),
        CountrySource::Calibrated(c) => calibrated_countries(c, rng),
    };
    let dist = match spec.countries {
        CountrySource::Synthetic(_) => distances(&countries, spec.great_circle),
        CountrySource::Explicit(_) | CountrySource::Calibrated(_) => {
            distances_of_fixed(&countries, spec.great_circle)
        }
    };
    let p = &spec.params;
    let mut world = World::new(
        countries,
        dist,
        [p.new_agreement.clone(), p.bridge_agreement.clone()],
        p.t_m,
        p.decision_rule,
        p.accession_rule,
    );
    for i in initial_members(&world, &spec.initial_m) {
        world.apply(Op::SetM(i, true));
    }
    if p.public_goods.is_some() {
        for i in initial_members(&world, &spec.initial_g) {
            world.apply(Op::SetG(i, true));
        }
    }
    for a in &spec.agreements {
        world.add_initial_agreement(a.clone());
    }
    world
}

/// Who starts in M (or G).
pub fn initial_members(world: &World, rule: &InitialM) -> Vec<u32> {
    let n = world.n() as u32;
    match rule {
        InitialM::All => (0..n).collect(),
        InitialM::None => Vec::new(),
        InitialM::Members(list) => {
            let mut v = list.clone();
            v.sort_unstable();
            v.dedup();
            v
        }
        InitialM::LargestShare(x) => {
            let gdp = |i: u32| world.countries[i as usize].gdp;
            let mut ids: Vec<u32> = (0..n).collect();
            ids.sort_by(|&a, &b| gdp(b).total_cmp(&gdp(a)).then(a.cmp(&b)));
            let total = world.total_gdp();
            let mut share = 0.0;
            let mut v = Vec::new();
            for i in ids {
                if share >= *x {
                    break;
                }
                share += gdp(i) / total;
                v.push(i);
            }
            v.sort_unstable();
            v
        }
    }
}

/// Draws the countries of a synthetic world (ODD.md section 5), in this order: the
/// regions' mean ideal points (x then y, region by region), then for each country in id
/// order: position noise x, y; log GDP; ideal-point noise x, y; sovereignty; protectionism.
pub fn synthetic_countries(s: &SyntheticSpec, rng: &mut WorldRng) -> Vec<Country> {
    let r = s.regions.max(1);
    let centres: Vec<[f64; 2]> = (0..r)
        .map(|k| {
            let angle = std::f64::consts::TAU * f64::from(k) / f64::from(r);
            [
                0.5 + 0.35 * crate::math::cos(angle),
                0.5 + 0.35 * crate::math::sin(angle),
            ]
        })
        .collect();
    let ideal_means: Vec<[f64; 2]> = (0..r).map(|_| [rng.unit(), rng.unit()]).collect();
    let width = s.countries.saturating_sub(1).to_string().len().max(2);
    let mut countries: Vec<Country> = (0..s.countries)
        .map(|i| {
            let region = i % r;
            let c = centres[region as usize];
            let pos = [
                (c[0] + s.pos_sd * rng.normal()).clamp(0.0, 1.0),
                (c[1] + s.pos_sd * rng.normal()).clamp(0.0, 1.0),
            ];
            let gdp = crate::math::exp(s.gdp_sigma * rng.normal());
            let m = ideal_means[region as usize];
            let ideal = [
                m[0] + s.ideal_sd * rng.normal(),
                m[1] + s.ideal_sd * rng.normal(),
            ];
            let sovereignty = rng.uniform(0.0, s.sovereignty_max);
            let protectionism = rng.uniform(0.0, s.protectionism_max);
            let name = synthetic_name(i, width);
            Country {
                iso3: name.clone(),
                name,
                region,
                pos,
                lonlat: None,
                gdp,
                ideal,
                sovereignty,
                protectionism,
            }
        })
        .collect();
    let mean = countries.iter().map(|c| c.gdp).sum::<f64>() / countries.len().max(1) as f64;
    for c in &mut countries {
        c.gdp /= mean;
    }
    if let Some(share) = s.hegemon_share {
        give_hegemon_share(&mut countries, share);
    }
    countries
}

/// A synthetic country's name, `format!("C{i:0width$}")` written without the formatting
/// machinery, which cost more than drawing the country.
pub fn synthetic_name(i: u32, width: usize) -> String {
    let mut digits = [0u8; 10];
    let (mut x, mut start) = (i, digits.len());
    loop {
        start -= 1;
        digits[start] = b'0' + (x % 10) as u8;
        x /= 10;
        if x == 0 {
            break;
        }
    }
    let digits = &digits[start..];
    let mut name = String::with_capacity(1 + width.max(digits.len()));
    name.push('C');
    for _ in digits.len()..width {
        name.push('0');
    }
    name.extend(digits.iter().map(|&d| char::from(d)));
    name
}

/// Sets the GDP of the largest economy (ties to the lowest id) to share/(1 − share) times
/// the sum of the others, so that it holds exactly `share` of world GDP (ODD.md section 5).
///
/// Only that one GDP changes: the other economies keep their drawn size, so worlds with
/// different shares differ in the hegemon's weight alone, and the absolute costs (κ, r,
/// the switching cost) weigh on the others as in a world without the option. No draw is
/// made, so the stream is used as without it.
pub fn give_hegemon_share(countries: &mut [Country], share: f64) {
    let Some(h) = (0..countries.len()).reduce(|a, b| {
        if countries[b].gdp > countries[a].gdp {
            b
        } else {
            a
        }
    }) else {
        return;
    };
    let others: f64 = countries
        .iter()
        .enumerate()
        .filter(|&(i, _)| i != h)
        .map(|(_, c)| c.gdp)
        .sum();
    countries[h].gdp = share / (1.0 - share) * others;
}

/// Draws the stochastic part of calibrated countries, for each country in id order:
/// ideal-point noise x, y (normals), the sovereignty factor (a uniform), the protectionism
/// shift (a uniform). Draws are made even when a spread is 0, so that the stream's use
/// does not depend on the parameters.
pub fn calibrated_countries(c: &CalibratedSpec, rng: &mut WorldRng) -> Vec<Country> {
    c.countries
        .iter()
        .map(|base| {
            let mut it = base.clone();
            it.ideal[0] += c.ideal_sd * rng.normal();
            it.ideal[1] += c.ideal_sd * rng.normal();
            it.sovereignty *= rng.uniform(1.0 - c.sovereignty_spread, 1.0 + c.sovereignty_spread);
            it.protectionism = (it.protectionism
                + rng.uniform(-c.protectionism_spread, c.protectionism_spread))
            .clamp(0.0, 1.0);
            it
        })
        .collect()
}

/// Distance matrix: Euclidean in the unit square, or great-circle between (lon, lat)
/// positions divided by half the Earth's circumference.
pub fn distances(countries: &[Country], great_circle: bool) -> Vec<f64> {
    let n = countries.len();
    // Filled in place of a zeroed matrix: row i's entries below the diagonal are mirrored
    // from the rows above it, already written, and the rest computed here.
    let mut d = Vec::with_capacity(n * n);
    // Each country's radians and cosine of latitude once, not once per pair: the same
    // values, so the same bits, as the haversine computes them.
    let on_sphere: Vec<Option<Sphere>> = countries
        .iter()
        .map(|c| c.lonlat.filter(|_| great_circle).map(Sphere::new))
        .collect();
    for i in 0..n {
        // Both formulas give the same bits in both directions, so one evaluation serves
        // both: (a − b)² and (b − a)² are the same float, and the haversine squares sines
        // of negated arguments (libm's sin is odd to the bit) and multiplies the two
        // cosines in either order.
        for j in 0..i {
            let e = d[j * n + i];
            d.push(e);
        }
        d.push(0.0);
        for j in i + 1..n {
            let (a, b) = (&countries[i], &countries[j]);
            d.push(match (on_sphere[i], on_sphere[j]) {
                (Some(p), Some(q)) => Sphere::haversine_km(p, q) / HALF_CIRCUMFERENCE_KM,
                _ => ((a.pos[0] - b.pos[0]).powi(2) + (a.pos[1] - b.pos[1]).powi(2)).sqrt(),
            });
        }
    }
    d
}

/// [`distances`] for countries whose positions the scenario fixes (explicit and calibrated
/// worlds, where only other attributes are drawn): every world of such a run has the same
/// matrix, so each thread keeps the last one with the inputs it came from, and copies it
/// when the next world's inputs are the same to the bit. In the 2025 world the 18,000
/// haversines were a third of building a world.
pub fn distances_of_fixed(countries: &[Country], great_circle: bool) -> Vec<f64> {
    thread_local! {
        static LAST: RefCell<(Vec<u64>, Vec<f64>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    }
    // Everything `distances` reads.
    let mut key = Vec::with_capacity(1 + 5 * countries.len());
    key.push(u64::from(great_circle));
    for c in countries {
        let [lon, lat] = c.lonlat.unwrap_or([f64::NAN; 2]);
        key.extend([
            c.pos[0].to_bits(),
            c.pos[1].to_bits(),
            u64::from(c.lonlat.is_some()),
            lon.to_bits(),
            lat.to_bits(),
        ]);
    }
    LAST.with_borrow_mut(|(last_key, last)| {
        if *last_key != key {
            *last = distances(countries, great_circle);
            *last_key = key;
        }
        last.clone()
    })
}

/// A (lon, lat) point in radians with the cosine of its latitude, the parts of the
/// haversine that depend on one point only.
#[derive(Clone, Copy, Debug)]
struct Sphere {
    lon: f64,
    lat: f64,
    cos_lat: f64,
}

impl Sphere {
    fn new(lonlat: [f64; 2]) -> Sphere {
        let lat = lonlat[1].to_radians();
        Sphere {
            lon: lonlat[0].to_radians(),
            lat,
            cos_lat: crate::math::cos(lat),
        }
    }

    fn haversine_km(p: Sphere, q: Sphere) -> f64 {
        const R: f64 = 6371.0088;
        let h = crate::math::sin((q.lat - p.lat) / 2.0).powi(2)
            + p.cos_lat * q.cos_lat * crate::math::sin((q.lon - p.lon) / 2.0).powi(2);
        2.0 * R * crate::math::asin(h.sqrt().min(1.0))
    }
}

/// Great-circle distance in km between two (lon, lat) points in degrees.
pub fn haversine_km(p: [f64; 2], q: [f64; 2]) -> f64 {
    Sphere::haversine_km(Sphere::new(p), Sphere::new(q))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every entry as the definition computes it, pair by pair in both directions: the
    /// one-triangle pass must give the same bits.
    fn distances_pair_by_pair(countries: &[Country], great_circle: bool) -> Vec<f64> {
        let n = countries.len();
        let mut d = vec![0.0; n * n];
        for i in 0..n {
            for j in 0..n {
                if i == j {
                    continue;
                }
                let (a, b) = (&countries[i], &countries[j]);
                d[i * n + j] = match (great_circle, a.lonlat, b.lonlat) {
                    (true, Some(p), Some(q)) => {
                        haversine_by_definition(p, q) / HALF_CIRCUMFERENCE_KM
                    }
                    _ => ((a.pos[0] - b.pos[0]).powi(2) + (a.pos[1] - b.pos[1]).powi(2)).sqrt(),
                };
            }
        }
        d
    }

    /// The haversine as it was written before the per-country parts were split out.
    fn haversine_by_definition(p: [f64; 2], q: [f64; 2]) -> f64 {
        const R: f64 = 6371.0088;
        let (lon1, lat1, lon2, lat2) = (
            p[0].to_radians(),
            p[1].to_radians(),
            q[0].to_radians(),
            q[1].to_radians(),
        );
        let h = crate::math::sin((lat2 - lat1) / 2.0).powi(2)
            + crate::math::cos(lat1)
                * crate::math::cos(lat2)
                * crate::math::sin((lon2 - lon1) / 2.0).powi(2);
        2.0 * R * crate::math::asin(h.sqrt().min(1.0))
    }

    fn bits(d: &[f64]) -> Vec<u64> {
        d.iter().map(|x| x.to_bits()).collect()
    }

    #[test]
    fn distances_match_the_pair_by_pair_definition() {
        // The 2025 world's capitals (great circle, and their unit-square positions), with
        // one country's coordinates dropped so that mixed pairs take the Euclidean path.
        let mut countries: Vec<Country> = crate::world2025::tables()
            .states
            .iter()
            .map(|s| Country {
                name: s.name.clone(),
                iso3: s.iso3.clone(),
                region: 0,
                pos: crate::world2025::unit_square(s.capital),
                lonlat: Some(s.capital),
                gdp: 1.0,
                ideal: [0.0, 0.0],
                sovereignty: 0.0,
                protectionism: 0.0,
            })
            .collect();
        countries[3].lonlat = None;
        assert!(countries.len() > 150);
        for great_circle in [true, false] {
            let fast = distances(&countries, great_circle);
            assert_eq!(
                bits(&fast),
                bits(&distances_pair_by_pair(&countries, great_circle))
            );
            let n = countries.len();
            assert!(fast[5 * n + 9] > 0.0 && fast[5 * n + 5] == 0.0);
        }
    }

    /// The haversine is symmetric to the bit on arbitrary (lon, lat) pairs, which the
    /// one-triangle pass relies on, and the per-country parts give the definition's bits:
    /// 100,000 pairs from a world stream, poles and the antimeridian included.
    #[test]
    fn haversine_is_symmetric_to_the_bit() {
        let mut rng = WorldRng::new(7, 0);
        let point = |rng: &mut WorldRng| [rng.uniform(-180.0, 180.0), rng.uniform(-90.0, 90.0)];
        let pairs: Vec<([f64; 2], [f64; 2])> = (0..100_000)
            .map(|_| (point(&mut rng), point(&mut rng)))
            .chain([
                ([180.0, 90.0], [-180.0, -90.0]),
                ([179.9, 0.0], [-179.9, 0.0]),
                ([0.0, 0.0], [0.0, 0.0]),
            ])
            .collect();
        for (p, q) in pairs {
            let pq = haversine_by_definition(p, q).to_bits();
            assert_eq!(pq, haversine_by_definition(q, p).to_bits(), "{p:?} {q:?}");
            assert_eq!(pq, haversine_km(p, q).to_bits(), "{p:?} {q:?}");
        }
        assert_eq!(haversine_km([0.0, 0.0], [180.0, 0.0]), 20015.114442035923);
    }
}
