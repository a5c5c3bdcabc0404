//! 叫应 / 实报反馈 progress figures: per event, county and township, from the grids
//! a warning's analysis moves persons from and their stored grid state. Pure: the
//! handler reads the analysis and the states and passes them in.
//!
//! Called: a call is recorded; answered: an answer is recorded; silent: called, not
//! answered. Remaining persons are counted per grid (a grid that reports more moved
//! than estimated does not offset another's shortfall).

use std::collections::{BTreeMap, HashMap};

use riskmap_events::{GridState, times};
use serde_json::{Value as Json, json};

#[derive(Default)]
struct Tally {
    grids: i64,
    called: i64,
    answered: i64,
    silent: i64,
    to_move: i64,
    moved: i64,
    remaining: i64,
    /// Seconds since the oldest unanswered call.
    oldest_silent_s: Option<i64>,
}

impl Tally {
    fn add(&mut self, to_move: i64, s: Option<&GridState>, now: i64) {
        self.grids += 1;
        self.to_move += to_move;
        let called = s.and_then(|s| s.called_at.as_deref());
        let answered = s.is_some_and(|s| s.answered_at.is_some());
        let moved = s.and_then(|s| s.persons_moved).unwrap_or(0);
        self.moved += moved;
        self.remaining += (to_move - moved).max(0);
        if let Some(c) = called {
            self.called += 1;
            if !answered {
                self.silent += 1;
                if let Some(t) = times::parse(c) {
                    let age = (now - t.unix_timestamp()).max(0);
                    self.oldest_silent_s = Some(self.oldest_silent_s.map_or(age, |o| o.max(age)));
                }
            }
        }
        if answered {
            self.answered += 1;
        }
    }

    fn json(&self) -> Json {
        json!({"grids": self.grids, "called": self.called, "answered": self.answered,
            "silent": self.silent, "not_called": self.grids - self.called,
            "persons_to_move": self.to_move, "persons_moved": self.moved,
            "persons_remaining": self.remaining,
            "oldest_unanswered_call_age_s": self.oldest_silent_s})
    }
}

/// The progress of one warning. `moves`: the analysis' grids with persons to move
/// (`grid_code`, `persons_to_move`, `county_code`, `township_code`, `name`);
/// `call_list`: the personal analysis' responsible persons, `None` for callers not
/// cleared, who then see figures and times only.
pub fn progress(
    moves: &[Json],
    states: &[GridState],
    call_list: Option<&[Json]>,
    now: time::OffsetDateTime,
) -> Json {
    let now_s = now.unix_timestamp();
    let by_code: HashMap<&str, &GridState> =
        states.iter().map(|s| (s.grid_code.as_str(), s)).collect();
    let persons: HashMap<&str, &Json> = call_list
        .unwrap_or_default()
        .iter()
        .filter_map(|c| Some((c.get("grid_code")?.as_str()?, c)))
        .collect();
    let personal = call_list.is_some();
    let mut total = Tally::default();
    let mut counties: BTreeMap<String, (Tally, BTreeMap<String, Tally>)> = BTreeMap::new();
    let mut grids = Vec::with_capacity(moves.len());
    for m in moves {
        let code = m["grid_code"].as_str().unwrap_or_default();
        let to_move = m["persons_to_move"].as_i64().unwrap_or(0);
        let county = m["county_code"].as_str().unwrap_or("unknown").to_string();
        let township = m["township_code"].as_str().unwrap_or("unknown").to_string();
        let s = by_code.get(code).copied();
        total.add(to_move, s, now_s);
        let c = counties.entry(county).or_default();
        c.0.add(to_move, s, now_s);
        c.1.entry(township).or_default().add(to_move, s, now_s);
        let mut g = json!({"grid_code": code, "name": m["name"], "county_code": m["county_code"],
            "township_code": m["township_code"], "persons_to_move": to_move,
            "called_at": s.and_then(|s| s.called_at.clone()),
            "answered_at": s.and_then(|s| s.answered_at.clone()),
            "persons_moved": s.and_then(|s| s.persons_moved)});
        if personal {
            // Who called, notes (free text) and the responsible person: cleared only.
            g["called_by"] = json!(s.and_then(|s| s.called_by.clone()));
            g["note"] = json!(s.and_then(|s| s.note.clone()));
            let p = persons.get(code);
            g["responsible_person"] = p.map_or(Json::Null, |p| p["responsible_person"].clone());
            g["responsible_phone"] = p.map_or(Json::Null, |p| p["responsible_phone"].clone());
        }
        grids.push(g);
    }
    let counties: Vec<Json> = counties
        .into_iter()
        .map(|(code, (t, towns))| {
            let mut c = t.json();
            c["county_code"] = json!(code);
            c["townships"] = towns
                .into_iter()
                .map(|(code, t)| {
                    let mut v = t.json();
                    v["township_code"] = json!(code);
                    v
                })
                .collect();
            c
        })
        .collect();
    json!({"as_of": times::format(now), "totals": total.json(), "counties": counties, "grids": grids})
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn state(code: &str, called: Option<&str>, answered: bool, moved: Option<i64>) -> GridState {
        GridState {
            grid_code: code.into(),
            called_at: called.map(str::to_string),
            called_by: Some("duty".into()),
            answered_at: answered.then(|| "2026-07-12T01:10:00Z".to_string()),
            persons_moved: moved,
            note: Some("n".into()),
            updated_at: "2026-07-12T01:10:00Z".into(),
            updated_by: "duty".into(),
        }
    }

    #[test]
    fn figures_per_event_county_and_township() {
        let moves = vec![
            json!({"grid_code": "A", "persons_to_move": 10, "county_code": "532301", "township_code": "532301001"}),
            json!({"grid_code": "B", "persons_to_move": 5, "county_code": "532301", "township_code": "532301002"}),
            json!({"grid_code": "C", "persons_to_move": 7, "county_code": "532322", "township_code": "532322001"}),
        ];
        let states = vec![
            state("A", Some("2026-07-12T01:00:00Z"), true, Some(12)),
            state("B", Some("2026-07-12T01:05:00Z"), false, Some(2)),
            state("Z", Some("2026-07-12T00:00:00Z"), false, None), // not in the analysis
        ];
        let now = times::parse("2026-07-12T01:20:00Z").unwrap();
        let p = progress(&moves, &states, None, now);
        let t = &p["totals"];
        assert_eq!(t["grids"], 3);
        assert_eq!(
            (
                t["called"].clone(),
                t["answered"].clone(),
                t["silent"].clone()
            ),
            (json!(2), json!(1), json!(1))
        );
        assert_eq!(t["persons_to_move"], 22);
        assert_eq!(t["persons_moved"], 14);
        // A's surplus does not offset B's and C's shortfall: 0 + 3 + 7.
        assert_eq!(t["persons_remaining"], 10);
        assert_eq!(t["oldest_unanswered_call_age_s"], 15 * 60);
        let c = &p["counties"][0];
        assert_eq!(c["county_code"], "532301");
        assert_eq!(c["grids"], 2);
        assert_eq!(c["townships"].as_array().unwrap().len(), 2);
        assert_eq!(p["counties"][1]["oldest_unanswered_call_age_s"], Json::Null);
        // Uncleared: no note, caller or person at all.
        let text = p.to_string();
        assert!(
            !text.contains("called_by") && !text.contains("note") && !text.contains("responsible")
        );
        let calls = vec![
            json!({"grid_code": "A", "responsible_person": "张三", "responsible_phone": "138"}),
        ];
        let p = progress(&moves, &states, Some(&calls), now);
        assert_eq!(p["grids"][0]["responsible_person"], "张三");
        assert_eq!(p["grids"][0]["note"], "n");
    }
}
