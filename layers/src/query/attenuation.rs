//! Seismic intensity attenuation and the elliptical isoseismals drawn from it.
//!
//! The relation is the one the fifth-generation national seismic zoning map
//! (GB 18306-2015, 中国地震动参数区划图) was built with, for its Qinghai-Tibet region
//! (青藏区), which holds Yunnan's seismic belts (滇西南, 鲜水河—滇东):
//!
//! ```text
//! I = A + B·Ms + C·lg(R + R0)        R: epicentral distance, km; Ms: surface-wave magnitude
//! long axis  (along strike):  A = 6.4580  B = 1.2746  C = -4.4709  R0 = 25
//! short axis (across strike): A = 3.3682  B = 1.2746  C = -3.3119  R0 = 9
//! standard deviation σ = 0.6636 (intensity units)
//! ```
//!
//! Source: 俞言祥, 李山有, 肖亮 (Yu Yanxiang, Li Shanyou, Xiao Liang), 2013,
//! 为新区划图编制所建立的地震动衰减关系 (Development of ground motion attenuation
//! relations for the new seismic hazard map of China), 震灾防御技术 (Technology for
//! Earthquake Disaster Prevention) 8(1): 24–33, table of intensity attenuation
//! coefficients per sub-region; also 高孟潭 (ed.), GB 18306-2015 宣贯教材 (2015), p. 172.
//! Both axes give the same epicentral intensity (e.g. 9.13 for Ms 7.0), as they must.
//! The relation has no depth term: it was regressed on shallow crustal events.

use serde::Serialize;

/// One axis of the relation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Axis {
    pub a: f64,
    pub b: f64,
    pub c: f64,
    pub r0_km: f64,
}

impl Axis {
    /// Intensity at `r_km` from the epicentre along this axis.
    pub fn intensity(&self, ms: f64, r_km: f64) -> f64 {
        self.a + self.b * ms + self.c * (r_km + self.r0_km).log10()
    }

    /// Distance along this axis at which intensity falls to `intensity`; `None` when it
    /// is not reached at all.
    pub fn radius_km(&self, ms: f64, intensity: f64) -> Option<f64> {
        let r = 10f64.powf((intensity - self.a - self.b * ms) / self.c) - self.r0_km;
        (r > 0.0).then_some(r)
    }
}

/// An elliptical intensity attenuation relation.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Relation {
    pub name: &'static str,
    pub citation: &'static str,
    pub formula: &'static str,
    pub long: Axis,
    pub short: Axis,
    pub sigma: f64,
}

/// GB 18306-2015, Qinghai-Tibet region (Yu, Li & Xiao 2013). See the module text.
pub const GB18306_QINGHAI_TIBET: Relation = Relation {
    name: "GB 18306-2015 intensity attenuation, Qinghai-Tibet region (青藏区)",
    citation: "Yu Yanxiang, Li Shanyou, Xiao Liang (2013) Development of ground motion attenuation relations for the new seismic hazard map of China. Technology for Earthquake Disaster Prevention 8(1):24-33 (俞言祥, 李山有, 肖亮, 为新区划图编制所建立的地震动衰减关系, 震灾防御技术)",
    formula: "I = A + B*Ms + C*lg(R + R0), R epicentral distance in km",
    long: Axis {
        a: 6.4580,
        b: 1.2746,
        c: -4.4709,
        r0_km: 25.0,
    },
    short: Axis {
        a: 3.3682,
        b: 1.2746,
        c: -3.3119,
        r0_km: 9.0,
    },
    sigma: 0.6636,
};

impl Relation {
    /// Intensity at the epicentre.
    pub fn epicentral_intensity(&self, ms: f64) -> f64 {
        self.long.intensity(ms, 0.0)
    }

    /// Semi-axes (long, short) in km of the isoseismal of `intensity`, when it exists.
    pub fn semi_axes_km(&self, ms: f64, intensity: f64) -> Option<(f64, f64)> {
        Some((
            self.long.radius_km(ms, intensity)?,
            self.short.radius_km(ms, intensity)?,
        ))
    }
}

/// Roman numeral of an intensity degree (I-XII), as isoseismal maps label them.
pub fn roman(i: u8) -> &'static str {
    const R: [&str; 13] = [
        "", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII",
    ];
    R.get(i as usize).copied().unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_agree_at_the_epicentre_and_fall_off() {
        let r = GB18306_QINGHAI_TIBET;
        for ms in [5.0, 6.0, 7.0, 8.0] {
            let (l, s) = (r.long.intensity(ms, 0.0), r.short.intensity(ms, 0.0));
            assert!((l - s).abs() < 0.05, "Ms {ms}: {l} vs {s}");
        }
        assert!((r.epicentral_intensity(7.0) - 9.13).abs() < 0.01);
        // Ms 7: the VI isoseismal reaches about 100 km along strike, 70 km across.
        let (a, b) = r.semi_axes_km(7.0, 6.0).unwrap();
        assert!(
            (95.0..105.0).contains(&a) && (65.0..75.0).contains(&b),
            "{a} {b}"
        );
        // Radii invert intensities.
        let i = r.long.intensity(7.0, a);
        assert!((i - 6.0).abs() < 1e-9);
        assert_eq!(r.semi_axes_km(7.0, 10.0), None);
        assert_eq!(roman(9), "IX");
    }
}
