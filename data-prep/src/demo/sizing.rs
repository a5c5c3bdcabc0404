//! How much of everything to generate.
//!
//! Chuxiong's figures are the prefecture's own (data/README.md, from its 2024 report);
//! shelters are not published and are derived from population. Every other prefecture
//! (`--scale yunnan`) gets the same density: Chuxiong's figures times the ratio of its
//! 2020 census population to Chuxiong's, so Chuxiong comes out identical in both runs.

/// GB/T 2260 code of 楚雄彝族自治州.
pub const CHUXIONG: &str = "532300";

/// Chuxiong's published and chosen figures.
pub mod chuxiong {
    /// Five-level evacuation grids (五级避险转移网格), all levels together.
    pub const GRIDS: u64 = 41_410;
    /// Households and persons under one-to-one responsibility (包保); each grid level
    /// covers all of them, so each level's sums equal these.
    pub const GRID_HOUSEHOLDS: u64 = 154_505;
    pub const GRID_PERSONS: u64 = 515_030;
    /// Fire-fighting water source points (水源点).
    pub const WATER_SOURCES: u64 = 4_836;
    /// Items held by the 11 relief depots (1 prefecture + 10 county). Township storage
    /// points hold stock of their own on top of this figure.
    pub const DEPOT_ITEMS: u64 = 217_300;
    /// Townships (乡镇/街道) and villages (村/社区): the real counts are about these.
    pub const TOWNSHIPS: u64 = 103;
    pub const VILLAGES: u64 = 1_100;
    /// Geological hazard sites (地质灾害隐患点), a plausible census-scale count.
    pub const HAZARD_POINTS: u64 = 1_500;
}

/// Share of the level-4 and level-5 grids that are level 4 (groups, 组); the rest are
/// level-5 household clusters (户联) of about five households.
pub const LEVEL4_SHARE: f64 = 0.2;

/// What one prefecture gets.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quotas {
    pub townships: u64,
    pub villages: u64,
    pub grids: u64,
    pub grid_households: u64,
    pub grid_persons: u64,
    pub water_sources: u64,
    pub depot_items: u64,
    pub hazard_points: u64,
}

impl Quotas {
    /// Quotas for a prefecture of `population` (2020 census), Chuxiong having
    /// `chuxiong_population`. Chuxiong itself gets exactly its figures.
    pub fn for_population(population: u64, chuxiong_population: u64) -> Quotas {
        let ratio = population as f64 / chuxiong_population as f64;
        let scaled = |v: u64| ((v as f64 * ratio).round() as u64).max(1);
        let mut q = Quotas {
            townships: scaled(chuxiong::TOWNSHIPS),
            villages: scaled(chuxiong::VILLAGES),
            grids: scaled(chuxiong::GRIDS),
            grid_households: scaled(chuxiong::GRID_HOUSEHOLDS),
            grid_persons: scaled(chuxiong::GRID_PERSONS),
            water_sources: scaled(chuxiong::WATER_SOURCES),
            depot_items: scaled(chuxiong::DEPOT_ITEMS),
            hazard_points: scaled(chuxiong::HAZARD_POINTS),
        };
        // Every village needs room for a few grids and every grid for a household.
        q.villages = q.villages.max(q.townships * 3);
        q.grids = q.grids.max(q.villages * 8);
        q.grid_households = q.grid_households.max(q.grids * 2);
        q.grid_persons = q.grid_persons.max(q.grid_households * 2);
        q
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chuxiong_gets_its_own_figures() {
        let q = Quotas::for_population(2_416_747, 2_416_747);
        assert_eq!(q.grids, 41_410);
        assert_eq!(q.grid_households, 154_505);
        assert_eq!(q.grid_persons, 515_030);
        assert_eq!(q.water_sources, 4_836);
        assert_eq!(q.depot_items, 217_300);
        assert_eq!(q.townships, 103);
    }

    #[test]
    fn others_scale_with_population() {
        let q = Quotas::for_population(2 * 2_416_747, 2_416_747);
        assert_eq!(q.grids, 82_820);
        assert_eq!(q.water_sources, 9_672);
    }
}
