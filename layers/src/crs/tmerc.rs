//! Transverse Mercator on an ellipsoid by Krüger's series to order n⁶, as PROJ's
//! `tmerc` (formerly `etmerc`) computes it after Poder and Engsager: geodetic latitude
//! to conformal ("Gaussian") latitude, a spherical transverse Mercator there, then the
//! complex series to ellipsoidal northing/easting. Sub-millimetre within a few
//! thousand kilometres of the central meridian, so far beyond a 3° or 6° zone; points
//! outside a zone's area of use are transformed all the same, as PROJ does.
//!
//! Every CRS here has its origin on the equator (latitude of origin 0), so the
//! northing at the origin is 0 and no origin offset is kept.

const ORDER: usize = 6;

/// Beyond this normalised easting (150° of spherical arc) the series diverge; PROJ
/// refuses such points too.
const MAX_CE: f64 = 2.623_395_162_778;

/// One transverse Mercator projection: an ellipsoid, a central meridian, a scale
/// and a false easting/northing.
#[derive(Debug, Clone, PartialEq)]
pub struct TransverseMercator {
    /// Semi-major axis times the normalised meridian quadrant: metres per unit of
    /// the series' normalised northing/easting.
    a_qn: f64,
    lon0: f64,
    false_easting: f64,
    false_northing: f64,
    /// Geodetic → conformal latitude.
    cbg: [f64; ORDER],
    /// Conformal → geodetic latitude.
    cgb: [f64; ORDER],
    /// Spherical → ellipsoidal normalised northing/easting.
    gtu: [f64; ORDER],
    /// Ellipsoidal → spherical.
    utg: [f64; ORDER],
}

impl TransverseMercator {
    /// `a` semi-major axis in metres, `rf` inverse flattening, `lon0_deg` the central
    /// meridian, `k0` the scale on it.
    pub fn new(
        a: f64,
        rf: f64,
        lon0_deg: f64,
        k0: f64,
        false_easting: f64,
        false_northing: f64,
    ) -> Self {
        let f = 1.0 / rf;
        let n = f / (2.0 - f);
        let n2 = n * n;
        let n3 = n2 * n;
        let n4 = n3 * n;
        let n5 = n4 * n;
        let n6 = n5 * n;
        // The coefficients of PROJ's tmerc.cpp (Engsager and Poder, ICC 2007), with
        // its two corrections to the n⁵ terms.
        let cgb = [
            n * (2.0
                + n * (-2.0 / 3.0
                    + n * (-2.0 + n * (116.0 / 45.0 + n * (26.0 / 45.0 + n * (-2854.0 / 675.0)))))),
            n2 * (7.0 / 3.0
                + n * (-8.0 / 5.0
                    + n * (-227.0 / 45.0 + n * (2704.0 / 315.0 + n * (2323.0 / 945.0))))),
            n3 * (56.0 / 15.0
                + n * (-136.0 / 35.0 + n * (-1262.0 / 105.0 + n * (73814.0 / 2835.0)))),
            n4 * (4279.0 / 630.0 + n * (-332.0 / 35.0 + n * (-399572.0 / 14175.0))),
            n5 * (4174.0 / 315.0 + n * (-144838.0 / 6237.0)),
            n6 * (601676.0 / 22275.0),
        ];
        let cbg = [
            n * (-2.0
                + n * (2.0 / 3.0
                    + n * (4.0 / 3.0
                        + n * (-82.0 / 45.0 + n * (32.0 / 45.0 + n * (4642.0 / 4725.0)))))),
            n2 * (5.0 / 3.0
                + n * (-16.0 / 15.0
                    + n * (-13.0 / 9.0 + n * (904.0 / 315.0 + n * (-1522.0 / 945.0))))),
            n3 * (-26.0 / 15.0 + n * (34.0 / 21.0 + n * (8.0 / 5.0 + n * (-12686.0 / 2835.0)))),
            n4 * (1237.0 / 630.0 + n * (-12.0 / 5.0 + n * (-24832.0 / 14175.0))),
            n5 * (-734.0 / 315.0 + n * (109598.0 / 31185.0)),
            n6 * (444337.0 / 155925.0),
        ];
        let qn = k0 / (1.0 + n) * (1.0 + n2 * (1.0 / 4.0 + n2 * (1.0 / 64.0 + n2 / 256.0)));
        let utg = [
            n * (-0.5
                + n * (2.0 / 3.0
                    + n * (-37.0 / 96.0
                        + n * (1.0 / 360.0 + n * (81.0 / 512.0 + n * (-96199.0 / 604800.0)))))),
            n2 * (-1.0 / 48.0
                + n * (-1.0 / 15.0
                    + n * (437.0 / 1440.0 + n * (-46.0 / 105.0 + n * (1118711.0 / 3870720.0))))),
            n3 * (-17.0 / 480.0
                + n * (37.0 / 840.0 + n * (209.0 / 4480.0 + n * (-5569.0 / 90720.0)))),
            n4 * (-4397.0 / 161280.0 + n * (11.0 / 504.0 + n * (830251.0 / 7257600.0))),
            n5 * (-4583.0 / 161280.0 + n * (108847.0 / 3991680.0)),
            n6 * (-20648693.0 / 638668800.0),
        ];
        let gtu = [
            n * (0.5
                + n * (-2.0 / 3.0
                    + n * (5.0 / 16.0
                        + n * (41.0 / 180.0 + n * (-127.0 / 288.0 + n * (7891.0 / 37800.0)))))),
            n2 * (13.0 / 48.0
                + n * (-3.0 / 5.0
                    + n * (557.0 / 1440.0 + n * (281.0 / 630.0 + n * (-1983433.0 / 1935360.0))))),
            n3 * (61.0 / 240.0
                + n * (-103.0 / 140.0 + n * (15061.0 / 26880.0 + n * (167603.0 / 181440.0)))),
            n4 * (49561.0 / 161280.0 + n * (-179.0 / 168.0 + n * (6601661.0 / 7257600.0))),
            n5 * (34729.0 / 80640.0 + n * (-3418889.0 / 1995840.0)),
            n6 * (212378941.0 / 319334400.0),
        ];
        TransverseMercator {
            a_qn: a * qn,
            lon0: lon0_deg.to_radians(),
            false_easting,
            false_northing,
            cbg,
            cgb,
            gtu,
            utg,
        }
    }

    /// Geodetic lon/lat in degrees → (easting, northing) in metres; `None` where the
    /// series do not converge (more than about 150° of arc from the central meridian).
    pub fn forward(&self, lon: f64, lat: f64) -> Option<(f64, f64)> {
        let lam = normalise(lon.to_radians() - self.lon0);
        let phi = lat.to_radians();
        let cn = gauss(&self.cbg, phi);
        let (sin_cn, cos_cn) = cn.sin_cos();
        let (sin_ce, cos_ce) = lam.sin_cos();
        // Conformal sphere: complementary latitude and the Mercator easting.
        let cn = sin_cn.atan2(cos_ce * cos_cn);
        let ce = (sin_ce * cos_cn).atan2(sin_cn.hypot(cos_cn * cos_ce));
        let ce = ce.tan().asinh();
        let (dcn, dce) = clenshaw_complex(&self.gtu, 2.0 * cn, 2.0 * ce);
        let (cn, ce) = (cn + dcn, ce + dce);
        // NaN (from a non-finite input) fails too.
        if ce.is_nan() || ce.abs() > MAX_CE {
            return None;
        }
        Some((
            self.false_easting + self.a_qn * ce,
            self.false_northing + self.a_qn * cn,
        ))
    }

    /// (easting, northing) in metres → geodetic lon/lat in degrees; `None` outside the
    /// series' domain.
    pub fn inverse(&self, easting: f64, northing: f64) -> Option<(f64, f64)> {
        let cn = (northing - self.false_northing) / self.a_qn;
        let ce = (easting - self.false_easting) / self.a_qn;
        // NaN (from a non-finite input) fails too.
        if ce.is_nan() || ce.abs() > MAX_CE {
            return None;
        }
        let (dcn, dce) = clenshaw_complex(&self.utg, 2.0 * cn, 2.0 * ce);
        let (cn, ce) = (cn + dcn, (ce + dce).sinh().atan());
        let (sin_cn, cos_cn) = cn.sin_cos();
        let (sin_ce, cos_ce) = ce.sin_cos();
        let lam = sin_ce.atan2(cos_ce * cos_cn);
        let cn = (sin_cn * cos_ce).atan2(sin_ce.hypot(cos_ce * cos_cn));
        let phi = gauss(&self.cgb, cn);
        Some((normalise(lam + self.lon0).to_degrees(), phi.to_degrees()))
    }
}

/// An angle in radians brought into [-π, π].
fn normalise(a: f64) -> f64 {
    use std::f64::consts::PI;
    if (-PI..=PI).contains(&a) {
        a
    } else {
        a - (2.0 * PI) * ((a + PI) / (2.0 * PI)).floor()
    }
}

/// `b + Σ p[k]·sin(2(k+1)b)` by Clenshaw's recurrence: the latitude series between
/// geodetic and conformal latitude.
fn gauss(p: &[f64; ORDER], b: f64) -> f64 {
    let (sin_2b, cos_2b) = (2.0 * b).sin_cos();
    let two_cos = 2.0 * cos_2b;
    let (mut h1, mut h2) = (0.0, 0.0);
    for &c in p.iter().rev() {
        let h = -h2 + two_cos * h1 + c;
        h2 = h1;
        h1 = h;
    }
    b + h1 * sin_2b
}

/// `Σ a[k]·sin((k+1)·z)` for complex `z = re + i·im`, by Clenshaw's recurrence:
/// returns (real, imaginary) parts.
fn clenshaw_complex(a: &[f64; ORDER], re: f64, im: f64) -> (f64, f64) {
    let (sin_r, cos_r) = re.sin_cos();
    let (sinh_i, cosh_i) = (im.sinh(), im.cosh());
    // 2·cos(z), complex.
    let r = 2.0 * cos_r * cosh_i;
    let i = -2.0 * sin_r * sinh_i;
    let (mut hr, mut hi) = (0.0, 0.0);
    let (mut hr1, mut hi1) = (0.0, 0.0);
    for &c in a.iter().rev() {
        let (hr2, hi2) = (hr1, hi1);
        hr1 = hr;
        hi1 = hi;
        hr = -hr2 + r * hr1 - i * hi1 + c;
        hi = -hi2 + i * hr1 + r * hi1;
    }
    // sin(z), complex, times the sum.
    let r = sin_r * cosh_i;
    let i = cos_r * sinh_i;
    (r * hr - i * hi, r * hi + i * hr)
}
