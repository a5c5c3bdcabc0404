//! The generated demo data, before it is written out as source files. Field meanings
//! follow the layer catalogue (`layers::catalogue`).

use geo::{Coord, MultiPolygon, Polygon};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum AdminLevel {
    Province,
    Prefecture,
    County,
    Township,
    Village,
}

impl AdminLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AdminLevel::Province => "province",
            AdminLevel::Prefecture => "prefecture",
            AdminLevel::County => "county",
            AdminLevel::Township => "township",
            AdminLevel::Village => "village",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AdminUnit {
    pub code: String,
    pub name: String,
    pub level: AdminLevel,
    pub parent_code: Option<String>,
    pub population: u64,
    pub households: u64,
    /// Generated (townships, villages) rather than real.
    pub synthetic: bool,
    /// The seat (county town, township town, village centre).
    pub seat: Coord,
    pub geometry: MultiPolygon,
}

#[derive(Debug, Clone)]
pub struct Grid {
    pub code: String,
    pub level: u8,
    pub name: String,
    pub parent_code: Option<String>,
    pub households: u64,
    pub persons: u64,
    pub special_needs: u64,
    pub shelter_id: Option<String>,
    pub responsible_person: String,
    pub responsible_phone: String,
    pub county_code: String,
    pub township_code: Option<String>,
    /// A point inside the grid (for shelter assignment).
    pub anchor: Coord,
    pub geometry: MultiPolygon,
}

#[derive(Debug, Clone)]
pub struct Shelter {
    pub id: String,
    pub name: String,
    /// comprehensive / fixed / emergency
    pub category: &'static str,
    /// school / park / square / stadium / community_center / village_hall
    pub kind: &'static str,
    pub capacity: u64,
    pub area_m2: f64,
    pub open: bool,
    pub address: String,
    pub manager: String,
    pub manager_phone: String,
    pub county_code: String,
    pub township_code: String,
    pub at: Coord,
}

#[derive(Debug, Clone)]
pub struct WaterSource {
    pub id: String,
    pub name: String,
    /// pond / reservoir / stream / tank / hydrant
    pub kind: &'static str,
    /// None for hydrants (mains-fed, no stored volume).
    pub volume_m3: Option<f64>,
    pub vehicle_access: bool,
    pub pump_access: bool,
    pub helicopter_access: bool,
    pub county_code: String,
    pub at: Coord,
}

#[derive(Debug, Clone)]
pub struct Depot {
    pub id: String,
    pub name: String,
    /// province / prefecture / county / township
    pub level: &'static str,
    pub address: String,
    /// Items per `layers::catalogue::INVENTORY_CATEGORIES`, in that order.
    pub inventory: Vec<u64>,
    pub keeper: String,
    pub keeper_phone: String,
    pub county_code: String,
    pub at: Coord,
}

#[derive(Debug, Clone)]
pub struct HazardZone {
    pub zone_id: String,
    pub hazard_type: &'static str,
    pub grade: u8,
    pub name: String,
    pub source: String,
    pub survey_year: i64,
    pub county_code: String,
    pub geometry: Polygon,
}

#[derive(Debug, Clone)]
pub struct HazardPoint {
    pub point_id: String,
    /// landslide / debris_flow / collapse / unstable_slope / ground_subsidence / ground_fissure
    pub kind: &'static str,
    pub name: String,
    pub threatened_persons: u64,
    /// 10k CNY.
    pub threatened_property: f64,
    /// small / medium / large / huge
    pub scale: &'static str,
    pub responsible_person: String,
    pub responsible_phone: String,
    pub county_code: String,
    pub at: Coord,
}

/// One generated dataset (one prefecture, or all of them concatenated in code order).
#[derive(Debug, Clone, Default)]
pub struct DemoData {
    pub admin: Vec<AdminUnit>,
    pub grids: Vec<Grid>,
    pub shelters: Vec<Shelter>,
    pub water_sources: Vec<WaterSource>,
    pub depots: Vec<Depot>,
    pub hazard_zones: Vec<HazardZone>,
    pub hazard_points: Vec<HazardPoint>,
}

impl DemoData {
    pub fn append(&mut self, other: DemoData) {
        self.admin.extend(other.admin);
        self.grids.extend(other.grids);
        self.shelters.extend(other.shelters);
        self.water_sources.extend(other.water_sources);
        self.depots.extend(other.depots);
        self.hazard_zones.extend(other.hazard_zones);
        self.hazard_points.extend(other.hazard_points);
    }
}
