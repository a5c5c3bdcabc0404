//! Relief-material depots (救灾物资储备库): the prefecture depot in the capital county's
//! town, one depot per county at the county town, and a storage point (储备点) at each
//! township town.
//!
//! The prefecture's published item count (217,300 for Chuxiong) is held by the
//! prefecture and county depots together (the "11 depots" of the report); township
//! points hold small stocks of their own ON TOP of it. Items are split exactly over
//! the depots (the prefecture depot about 30 %), then over the ten catalogue categories.

use anyhow::{Context, Result};
use layers::catalogue::INVENTORY_CATEGORIES;

use super::admin::AdminTree;
use super::apportion::apportion;
use super::local::LocalFrame;
use super::model::{AdminUnit, Depot};
use super::naming::{person, phone};
use super::placement::near;
use super::random::{DemoRng, lognormal, stream};

/// Typical share of each category (tents, quilts, clothing, folding beds, rice, oil,
/// water, instant food, lighting, fire tools), in catalogue order.
const CATEGORY_SHARES: [f64; 10] = [0.04, 0.15, 0.12, 0.06, 0.18, 0.08, 0.15, 0.15, 0.04, 0.03];

/// Short name of a prefecture for facility names: 楚雄彝族自治州 → 楚雄州.
pub fn short_name(prefecture: &str) -> String {
    if prefecture.ends_with("自治州") {
        let stem: String = prefecture.chars().take(2).collect();
        format!("{stem}州")
    } else {
        prefecture.to_string()
    }
}

pub fn generate(seed: u64, tree: &AdminTree, items: u64, frame: &LocalFrame) -> Result<Vec<Depot>> {
    let pref = &tree.prefecture;
    let mut rng = stream(seed, "depots", &pref.code);
    let capital = tree
        .counties
        .first()
        .context("prefecture without counties")?;
    let county_pop: f64 = tree.counties.iter().map(|c| c.unit.population as f64).sum();
    let mut weights = vec![county_pop * 0.3 / 0.7];
    weights.extend(
        tree.counties
            .iter()
            .map(|c| c.unit.population as f64 * lognormal(&mut rng, 1.0, 0.2)),
    );
    let totals = apportion(items, &weights, &vec![0; weights.len()]).context("depot items")?;

    let mut out = Vec::new();
    let at = near(&mut rng, pref.seat, 2_000.0, &capital.unit.geometry, frame);
    out.push(depot(
        &mut rng,
        format!("CK{}", pref.code),
        format!("{}救灾物资储备库", short_name(&pref.name)),
        "prefecture",
        &capital.unit,
        format!("{}{}", pref.name, capital.unit.name),
        totals[0],
        at,
    )?);
    for (county, total) in tree.counties.iter().zip(&totals[1..]) {
        let c = &county.unit;
        let at = near(&mut rng, c.seat, 1_500.0, &c.geometry, frame);
        out.push(depot(
            &mut rng,
            format!("CK{}", c.code),
            format!("{}救灾物资储备库", c.name),
            "county",
            c,
            c.name.clone(),
            *total,
            at,
        )?);
    }
    for (county, township) in tree.townships() {
        let t = &township.unit;
        let total = lognormal(&mut rng, 300.0, 0.5).clamp(50.0, 2_000.0).round() as u64;
        let at = near(&mut rng, t.seat, 500.0, &t.geometry, frame);
        out.push(depot(
            &mut rng,
            format!("CK{}", t.code),
            format!("{}救灾物资储备点", t.name),
            "township",
            &county.unit,
            format!("{}{}", county.unit.name, t.name),
            total,
            at,
        )?);
    }
    Ok(out)
}

/// The province depot (Yunnan scale only), in the capital prefecture's town.
pub fn province_depot(
    seed: u64,
    province_code: &str,
    province_name: &str,
    capital: &AdminTree,
    items: u64,
    frame: &LocalFrame,
) -> Result<Depot> {
    let mut rng = stream(seed, "depots", province_code);
    let county = capital
        .counties
        .first()
        .context("capital without counties")?;
    let at = near(
        &mut rng,
        capital.prefecture.seat,
        3_000.0,
        &county.unit.geometry,
        frame,
    );
    depot(
        &mut rng,
        format!("CK{province_code}"),
        format!("{province_name}救灾物资储备中心库"),
        "province",
        &county.unit,
        format!("{}{}", capital.prefecture.name, county.unit.name),
        items,
        at,
    )
}

#[allow(clippy::too_many_arguments)]
fn depot(
    rng: &mut DemoRng,
    id: String,
    name: String,
    level: &'static str,
    county: &AdminUnit,
    address: String,
    total: u64,
    at: geo::Coord,
) -> Result<Depot> {
    let shares: Vec<f64> = CATEGORY_SHARES
        .iter()
        .map(|s| s * lognormal(rng, 1.0, 0.25))
        .collect();
    let inventory =
        apportion(total, &shares, &[0; INVENTORY_CATEGORIES.len()]).context("inventory")?;
    Ok(Depot {
        id,
        name,
        level,
        address,
        inventory,
        keeper: person(rng),
        keeper_phone: phone(rng),
        county_code: county.code.clone(),
        at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_names() {
        assert_eq!(short_name("楚雄彝族自治州"), "楚雄州");
        assert_eq!(short_name("昆明市"), "昆明市");
    }

    #[test]
    fn shares_cover_every_category() {
        assert_eq!(CATEGORY_SHARES.len(), INVENTORY_CATEGORIES.len());
        assert!((CATEGORY_SHARES.iter().sum::<f64>() - 1.0).abs() < 1e-9);
    }
}
