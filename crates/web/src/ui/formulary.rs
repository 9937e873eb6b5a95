//! Formulary pages: the list, an entry with its limits, sources and kept versions, and (pharmacists) the editor —
//! the entry as TOML, the same reviewed format as `data/formulary/`, saved as a new version with a reason.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use domain::formulary::FormularyEntry;
use domain::role::Permission;

use app::AppError;

use crate::AppState;
use crate::auth::{PageSession, PostedForm};
use crate::error::PageError;
use crate::filters::local_time;
use crate::ui::Layout;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/formulary", get(list))
        .route("/formulary/{code}", get(show).post(save))
        .route("/formulary/{code}/edit", get(edit))
}

pub struct EntryRow {
    pub href: String,
    pub code: String,
    pub name: String,
    pub therapy_class: &'static str,
    pub flags: String,
    pub version: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "formulary/list.html")]
pub struct ListPage {
    pub layout: Option<Layout>,
    pub rows: Vec<EntryRow>,
}

fn flags(entry: &FormularyEntry) -> String {
    let mut flags = Vec::new();
    if let Some(h) = &entry.hazardous {
        flags.push(format!("hazardous (NIOSH table {})", h.niosh_table));
    }
    if let Some(s) = entry.controlled_schedule {
        flags.push(format!("controlled {s}"));
    }
    if entry.renally_cleared {
        flags.push("renal".into());
    }
    flags.join(", ")
}

pub async fn list(State(state): State<AppState>, session: PageSession) -> Result<ListPage, PageError> {
    let caller = session.caller.clone();
    let entries = state.run(move |app| app.list_formulary(&caller)).await?;
    Ok(ListPage {
        layout: Some(Layout::new(&session, "/formulary")),
        rows: entries
            .iter()
            .map(|s| EntryRow {
                href: format!("/formulary/{}", s.entry.code),
                code: s.entry.code.clone(),
                name: s.entry.name.clone(),
                therapy_class: s.entry.therapy_class.label(),
                flags: flags(&s.entry),
                version: s.version,
            })
            .collect(),
    })
}

pub struct Line {
    pub text: String,
    pub source: String,
}

pub struct VersionRow {
    pub version: i64,
    pub when: String,
    pub who: String,
    pub reason: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "formulary/show.html")]
pub struct ShowPage {
    pub layout: Option<Layout>,
    pub code: String,
    pub name: String,
    pub summary: String,
    pub lines: Vec<Line>,
    pub versions: Vec<VersionRow>,
    pub edit_href: Option<String>,
    pub toml: String,
}

fn opt(d: Option<rust_decimal::Decimal>) -> String {
    d.map_or_else(String::new, |v| v.normalize().to_string())
}

fn lines(entry: &FormularyEntry) -> Vec<Line> {
    let unit = entry.dose_unit.label();
    let mut lines = Vec::new();
    for l in &entry.limits {
        let range = match (l.min, l.max) {
            (Some(a), Some(b)) => format!("{}–{}", a.normalize(), b.normalize()),
            (None, Some(b)) => format!("≤ {}", b.normalize()),
            (Some(a), None) => format!("≥ {}", a.normalize()),
            (None, None) => String::new(),
        };
        lines.push(Line {
            text: format!("Limit {} ({}): {range} {unit} — {}", l.basis, l.population, l.severity),
            source: l.source.clone(),
        });
    }
    for r in &entry.renal {
        lines.push(Line {
            text: format!(
                "Renal CrCl {}< {} mL/min: {}{}{}{}{}",
                r.crcl_at_least.map(|v| format!("{} – ", v.normalize())).unwrap_or_default(),
                r.crcl_below.normalize(),
                r.advice,
                r.max_dose.map(|v| format!("; max dose {} {unit}", v.normalize())).unwrap_or_default(),
                r.max_daily.map(|v| format!("; max daily {} {unit}", v.normalize())).unwrap_or_default(),
                r.min_interval_hours.map(|h| format!("; at least every {h} h")).unwrap_or_default(),
                if r.avoid { "; avoid" } else { "" }
            ),
            source: r.source.clone(),
        });
    }
    if let Some(i) = &entry.infusion {
        lines.push(Line {
            text: format!(
                "Infusion: max rate {} {unit}/min, min {} min, max concentration peripheral {} / central {} {unit}/mL{}",
                opt(i.max_rate_per_min),
                i.min_minutes.map(|m| m.to_string()).unwrap_or_default(),
                opt(i.max_concentration_peripheral),
                opt(i.max_concentration_central),
                if i.vesicant { ", vesicant" } else { "" }
            ),
            source: i.source.clone(),
        });
    }
    if let Some(t) = &entry.titration {
        let steps: Vec<String> = t
            .steps
            .iter()
            .map(|s| {
                format!(
                    "{} mL/kg/h{}",
                    s.ml_per_kg_h.normalize(),
                    s.minutes.map(|m| format!(" for {m} min")).unwrap_or_default()
                )
            })
            .collect();
        lines.push(Line {
            text: format!("Titration: {}; maximum {} mL/kg/h", steps.join(" → "), t.max_ml_per_kg_h.normalize()),
            source: t.source.clone(),
        });
    }
    if let Some(s) = &entry.stability {
        lines.push(Line {
            text: format!(
                "Stability: {}{}{}",
                s.storage,
                s.room_hours.map(|h| format!("; {h} h at room temperature")).unwrap_or_default(),
                s.refrigerated_hours.map(|h| format!("; {h} h refrigerated")).unwrap_or_default()
            ),
            source: s.source.clone(),
        });
    }
    if let Some(h) = &entry.hazardous {
        lines.push(Line { text: format!("Hazardous drug, NIOSH table {}", h.niosh_table), source: h.source.clone() });
    }
    for p in &entry.packages {
        lines.push(Line { text: format!("NDC {} — {}", p.ndc, p.description), source: p.source.clone() });
    }
    lines
}

fn to_toml(entry: &FormularyEntry) -> String {
    toml::to_string_pretty(entry).unwrap_or_default()
}

pub async fn show(
    State(state): State<AppState>,
    session: PageSession,
    Path(code): Path<String>,
) -> Result<ShowPage, PageError> {
    let caller = session.caller.clone();
    let lookup = code.clone();
    let (stored, versions, zone) = state
        .run(move |app| {
            let stored = app.get_formulary_entry(&caller, &lookup)?;
            let versions = app.formulary_history(&caller, &lookup)?;
            let zone = match caller.user.as_ref() {
                Some(u) => app.branch_zone(u.home_branch_id)?,
                None => chrono_tz::UTC,
            };
            Ok((stored, versions, zone))
        })
        .await?;
    let e = &stored.entry;
    Ok(ShowPage {
        layout: Some(Layout::new(&session, "/formulary")),
        code: e.code.clone(),
        name: e.name.clone(),
        summary: format!(
            "{} · ingredients {} · routes {} · dosed in {} · version {}{}",
            e.therapy_class.label(),
            e.ingredients.join(", "),
            e.routes.iter().map(|r| r.as_str()).collect::<Vec<_>>().join(", "),
            e.dose_unit.label(),
            stored.version,
            e.hcpcs.as_ref().map(|h| format!(" · HCPCS {} per {}", h.code, h.unit)).unwrap_or_default()
        ),
        lines: lines(e),
        versions: versions
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                when: local_time(v.changed_at, zone),
                who: v.changed_by.clone(),
                reason: v.reason.clone(),
            })
            .collect(),
        edit_href: session.caller.can(Permission::FormularyAdmin).then(|| format!("/formulary/{code}/edit")),
        toml: to_toml(e),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "formulary/edit.html")]
pub struct EditPage {
    pub layout: Option<Layout>,
    pub code: String,
    pub name: String,
    pub version: i64,
    pub toml: String,
    pub reason: String,
    pub errors: Vec<String>,
}

pub async fn edit(
    State(state): State<AppState>,
    session: PageSession,
    Path(code): Path<String>,
) -> Result<EditPage, PageError> {
    session.caller.require(Permission::FormularyAdmin).map_err(PageError::from)?;
    let caller = session.caller.clone();
    let stored = state.run(move |app| app.get_formulary_entry(&caller, &code)).await?;
    Ok(EditPage {
        layout: Some(Layout::new(&session, "/formulary")),
        code: stored.entry.code.clone(),
        name: stored.entry.name.clone(),
        version: stored.version,
        toml: to_toml(&stored.entry),
        reason: String::new(),
        errors: vec![],
    })
}

pub async fn save(
    State(state): State<AppState>,
    Path(code): Path<String>,
    PostedForm { session, form }: PostedForm,
) -> Result<Response, PageError> {
    session.caller.require(Permission::FormularyAdmin).map_err(PageError::from)?;
    let version = form.get("version").and_then(|v| v.parse::<i64>().ok()).unwrap_or(0);
    let text = form.get("entry").unwrap_or_default().to_owned();
    let reason = form.get("reason").unwrap_or_default().to_owned();
    let page = |errors: Vec<String>| EditPage {
        layout: Some(Layout::new(&session, "/formulary")),
        code: code.clone(),
        name: code.clone(),
        version,
        toml: text.clone(),
        reason: reason.clone(),
        errors,
    };
    let entry: FormularyEntry = match toml::from_str(&text) {
        Ok(entry) => entry,
        Err(e) => return Ok((StatusCode::UNPROCESSABLE_ENTITY, page(vec![format!("entry: {e}")])).into_response()),
    };
    let caller = session.caller.clone();
    let (c, r) = (code.clone(), reason.clone());
    match state.run(move |app| app.update_formulary_entry(&caller, &c, version, entry, &r)).await {
        Ok(_) => Ok(Redirect::to(&format!("/formulary/{code}")).into_response()),
        Err(AppError::Invalid(e)) => {
            let errors = e.0.iter().map(|f| format!("{}: {}", f.field, f.message)).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page(errors)).into_response())
        }
        Err(e @ AppError::StaleVersion { .. }) => Ok((
            StatusCode::CONFLICT,
            page(vec![format!("{e}: reload the entry and apply your change again; nothing was saved.")]),
        )
            .into_response()),
        Err(other) => Err(other.into()),
    }
}
