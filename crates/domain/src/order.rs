//! Infusion orders: what the prescriber ordered (drug, dose and its basis, route, frequency, duration, rate,
//! diluent, line, site of care, start, PRN, immune-globulin titration, parenteral-nutrition formula) and the state
//! machine an order moves through from draft to completion.

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::codes::optional_text;
use crate::formulary::{DoseUnit, Route, parse_code};
use crate::patient::{SiteOfCare, non_empty, optional, parse_enum_or, parse_required_enum, string_or_number};
use crate::{AccessDeviceId, BranchId, OrderId, PatientId, UserId, Validation, ValidationErrors};

crate::text_enum! {
    pub enum OrderStatus {
        Draft => "draft",
        PendingVerification => "pending_verification",
        /// The pharmacist asked the prescriber a question; the order waits for the answer (a change resubmits it).
        ClarificationRequested => "clarification_requested",
        Verified => "verified",
        Active => "active",
        OnHold => "on_hold",
        Completed => "completed",
        Discontinued => "discontinued",
        Rejected => "rejected",
        /// Replaced by a newer version (a change of a verified or active order).
        Superseded => "superseded",
    }
}

crate::text_enum! {
    /// What a user does to an order's state.
    pub enum OrderAction {
        Submit => "submit",
        Verify => "verify",
        Reject => "reject",
        RequestClarification => "request_clarification",
        Activate => "activate",
        Hold => "hold",
        Resume => "resume",
        Complete => "complete",
        Discontinue => "discontinue",
    }
}

impl OrderAction {
    /// The state an action leads to from `from`, or `None` when the state machine does not allow it.
    pub fn next(self, from: OrderStatus) -> Option<OrderStatus> {
        use OrderAction as A;
        use OrderStatus as S;
        Some(match (self, from) {
            (A::Submit, S::Draft | S::ClarificationRequested) => S::PendingVerification,
            (A::Verify, S::PendingVerification) => S::Verified,
            (A::Reject, S::PendingVerification | S::ClarificationRequested) => S::Rejected,
            (A::RequestClarification, S::PendingVerification) => S::ClarificationRequested,
            (A::Activate, S::Verified) => S::Active,
            (A::Hold, S::Verified | S::Active) => S::OnHold,
            (A::Resume, S::OnHold) => S::Active,
            (A::Complete, S::Active) => S::Completed,
            (
                A::Discontinue,
                S::Draft | S::PendingVerification | S::ClarificationRequested | S::Verified | S::Active | S::OnHold,
            ) => S::Discontinued,
            _ => return None,
        })
    }

    /// Whether the action must give a reason (it ends or interrupts care, or it returns the order).
    pub fn needs_reason(self) -> bool {
        matches!(self, Self::Reject | Self::RequestClarification | Self::Hold | Self::Discontinue)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Submit => "Submit for verification",
            Self::Verify => "Verify",
            Self::Reject => "Reject",
            Self::RequestClarification => "Ask prescriber",
            Self::Activate => "Start",
            Self::Hold => "Hold",
            Self::Resume => "Resume",
            Self::Complete => "Complete",
            Self::Discontinue => "Discontinue",
        }
    }
}

impl OrderStatus {
    /// Orders that count for duplicate therapy, interactions and the patient's active list.
    pub fn is_current(self) -> bool {
        matches!(
            self,
            Self::PendingVerification | Self::ClarificationRequested | Self::Verified | Self::Active | Self::OnHold
        )
    }

    /// Whether the order's content may still be edited in place (nobody has verified it).
    pub fn is_editable(self) -> bool {
        matches!(self, Self::Draft | Self::PendingVerification | Self::ClarificationRequested)
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::Draft => "Draft",
            Self::PendingVerification => "Pending verification",
            Self::ClarificationRequested => "Clarification requested",
            Self::Verified => "Verified",
            Self::Active => "Active",
            Self::OnHold => "On hold",
            Self::Completed => "Completed",
            Self::Discontinued => "Discontinued",
            Self::Rejected => "Rejected",
            Self::Superseded => "Superseded",
        }
    }
}

crate::text_enum! {
    pub enum DoseBasis { Fixed => "fixed", PerKg => "per_kg", PerM2 => "per_m2", Auc => "auc" }
}

crate::text_enum! {
    /// The time a continuous infusion's dose is given over.
    pub enum DosePeriod { Minute => "min", Hour => "h", Day => "day" }
}

impl DosePeriod {
    pub fn per_day(self) -> Decimal {
        match self {
            Self::Minute => Decimal::from(1440),
            Self::Hour => Decimal::from(24),
            Self::Day => Decimal::ONE,
        }
    }
}

crate::text_enum! {
    pub enum Priority { Stat => "stat", Urgent => "urgent", Routine => "routine" }
}

impl Priority {
    /// Sort rank in the verification queue: stat first.
    pub fn rank(self) -> i32 {
        match self {
            Self::Stat => 0,
            Self::Urgent => 1,
            Self::Routine => 2,
        }
    }
}

crate::text_enum! {
    pub enum Weekday { Mon => "mon", Tue => "tue", Wed => "wed", Thu => "thu", Fri => "fri", Sat => "sat", Sun => "sun" }
}

/// How often a dose is given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Frequency {
    /// Every N hours: q4h … q48h, and weekly cycles as q168h etc. (`q7d` is accepted and means q168h).
    Every {
        hours: u32,
    },
    Once,
    Continuous,
    /// Infused over N hours once a day (cyclic parenteral nutrition).
    Cyclic {
        hours: u32,
    },
    /// Once a day on the given weekdays.
    Weekdays(Vec<Weekday>),
}

/// The intervals an order may name, hours (q4h–q72h, then weekly to four-weekly cycles).
pub const INTERVALS_HOURS: &[u32] = &[4, 6, 8, 12, 18, 24, 36, 48, 72, 168, 336, 504, 672];

impl Frequency {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let text = raw.trim().to_ascii_lowercase();
        let expected = "must be q4h, q6h, q8h, q12h, q18h, q24h, q36h, q48h, q72h, q7d, q14d, q21d, q28d, once, \
                        continuous, cyclic_<hours>h or weekdays:mon,wed,fri";
        match text.as_str() {
            "once" => return Ok(Self::Once),
            "continuous" => return Ok(Self::Continuous),
            _ => {}
        }
        if let Some(days) = text.strip_prefix("weekdays:") {
            let mut list = Vec::new();
            for day in days.split(',') {
                let day = Weekday::parse(day.trim()).ok_or_else(|| format!("weekday {day:?}: {expected}"))?;
                if !list.contains(&day) {
                    list.push(day);
                }
            }
            list.sort();
            return Ok(Self::Weekdays(list));
        }
        if let Some(hours) = text.strip_prefix("cyclic_").and_then(|h| h.strip_suffix('h')) {
            return match hours.parse::<u32>() {
                Ok(h @ 8..=24) => Ok(Self::Cyclic { hours: h }),
                _ => Err("a cyclic infusion runs over 8 to 24 hours (cyclic_12h)".into()),
            };
        }
        let hours = text
            .strip_prefix('q')
            .and_then(|rest| match rest.strip_suffix('h') {
                Some(h) => h.parse::<u32>().ok(),
                None => rest.strip_suffix('d').and_then(|d| d.parse::<u32>().ok()).map(|d| d * 24),
            })
            .ok_or_else(|| expected.to_owned())?;
        if INTERVALS_HOURS.contains(&hours) { Ok(Self::Every { hours }) } else { Err(expected.to_owned()) }
    }

    pub fn as_text(&self) -> String {
        match self {
            Self::Every { hours } if *hours >= 168 && hours % 24 == 0 => format!("q{}d", hours / 24),
            Self::Every { hours } => format!("q{hours}h"),
            Self::Once => "once".into(),
            Self::Continuous => "continuous".into(),
            Self::Cyclic { hours } => format!("cyclic_{hours}h"),
            Self::Weekdays(days) => {
                format!("weekdays:{}", days.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(","))
            }
        }
    }

    /// Doses in 24 hours, for daily totals. A once-only dose counts as one; a continuous infusion has no doses.
    pub fn doses_per_day(&self) -> Option<Decimal> {
        match self {
            Self::Every { hours } => Some(Decimal::from(24) / Decimal::from(*hours)),
            Self::Once | Self::Cyclic { .. } | Self::Weekdays(_) => Some(Decimal::ONE),
            Self::Continuous => None,
        }
    }

    /// The dosing interval, for renal rules that set a shortest interval.
    pub fn interval_hours(&self) -> Option<u32> {
        match self {
            Self::Every { hours } => Some(*hours),
            Self::Cyclic { .. } | Self::Weekdays(_) => Some(24),
            Self::Once | Self::Continuous => None,
        }
    }
}

impl Serialize for Frequency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.as_text())
    }
}

impl<'de> Deserialize<'de> for Frequency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        Frequency::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// `{"value": "1.5", "unit": "g"}` as typed.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct QuantityInput {
    #[serde(default, deserialize_with = "string_or_number")]
    pub value: Option<String>,
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Dose {
    #[schema(value_type = String, example = "1250")]
    pub value: Decimal,
    pub unit: DoseUnit,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TitrationStepInput {
    #[serde(default, deserialize_with = "string_or_number")]
    pub ml_per_kg_h: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub minutes: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderTitrationStep {
    #[schema(value_type = String)]
    pub ml_per_kg_h: Decimal,
    pub minutes: Option<u32>,
}

/// A parenteral-nutrition admixture per bag, as ordered.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TpnInput {
    #[serde(default, deserialize_with = "string_or_number")]
    pub volume_ml: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub infusion_hours: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub dextrose_g: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub amino_acids_g: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub lipid_g: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub sodium_meq: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub potassium_meq: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub calcium_meq: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub magnesium_meq: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub phosphate_mmol: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub fluid_goal_ml_day: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TpnFields {
    #[schema(value_type = String)]
    pub volume_ml: Decimal,
    #[schema(value_type = String)]
    pub infusion_hours: Decimal,
    #[schema(value_type = String)]
    pub dextrose_g: Decimal,
    #[schema(value_type = String)]
    pub amino_acids_g: Decimal,
    #[schema(value_type = String)]
    pub lipid_g: Decimal,
    #[schema(value_type = String)]
    pub sodium_meq: Decimal,
    #[schema(value_type = String)]
    pub potassium_meq: Decimal,
    #[schema(value_type = String)]
    pub calcium_meq: Decimal,
    #[schema(value_type = String)]
    pub magnesium_meq: Decimal,
    #[schema(value_type = String)]
    pub phosphate_mmol: Decimal,
    #[schema(value_type = Option<String>)]
    pub fluid_goal_ml_day: Option<Decimal>,
}

/// An order as a form or JSON body gives it: nothing trusted yet. `patient_id` is fixed when the order is created.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    pub patient_id: Option<String>,
    pub prescriber_name: Option<String>,
    pub prescriber_npi: Option<String>,
    pub drug_code: Option<String>,
    pub dose: Option<QuantityInput>,
    /// fixed (default), per_kg, per_m2 or auc (carboplatin target AUC in mg·min/mL; the dose unit is mg).
    pub dose_basis: Option<String>,
    /// Continuous infusions only: the dose is per min, h or day.
    pub dose_period: Option<String>,
    pub route: Option<String>,
    pub frequency: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub duration_days: Option<String>,
    pub stop_date: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub infusion_minutes: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub rate_ml_h: Option<String>,
    pub diluent: Option<String>,
    #[serde(default, deserialize_with = "string_or_number")]
    pub final_volume_ml: Option<String>,
    pub access_device_id: Option<String>,
    pub site_of_care: Option<String>,
    pub start_at: Option<String>,
    pub prn: Option<bool>,
    pub prn_reason: Option<String>,
    pub priority: Option<String>,
    pub titration: Option<Vec<TitrationStepInput>>,
    pub tpn: Option<TpnInput>,
    pub notes: Option<String>,
}

/// A validated order's content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct OrderFields {
    pub prescriber_name: String,
    pub prescriber_npi: String,
    pub drug_code: String,
    pub dose: Dose,
    pub dose_basis: DoseBasis,
    pub dose_period: Option<DosePeriod>,
    pub route: Route,
    #[schema(value_type = String, example = "q12h")]
    pub frequency: Frequency,
    pub duration_days: Option<u32>,
    pub stop_date: Option<NaiveDate>,
    pub infusion_minutes: Option<u32>,
    #[schema(value_type = Option<String>)]
    pub rate_ml_h: Option<Decimal>,
    pub diluent: Option<String>,
    #[schema(value_type = Option<String>)]
    pub final_volume_ml: Option<Decimal>,
    pub access_device_id: Option<AccessDeviceId>,
    pub site_of_care: SiteOfCare,
    pub start_at: DateTime<Utc>,
    pub prn: bool,
    pub prn_reason: Option<String>,
    pub priority: Priority,
    pub titration: Vec<OrderTitrationStep>,
    pub tpn: Option<TpnFields>,
    pub notes: Option<String>,
}

/// A stored order version.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Order {
    pub id: OrderId,
    pub version: i64,
    pub patient_id: PatientId,
    pub branch_id: BranchId,
    /// The first version's id: every version of one prescription shares it (the Rx number is derived from it).
    pub lineage_id: OrderId,
    /// The version this one replaces (a change or a renewal), if any.
    pub previous_id: Option<OrderId>,
    pub change_reason: Option<String>,
    pub status: OrderStatus,
    /// Why it is on hold, rejected, awaiting clarification or discontinued.
    pub status_reason: Option<String>,
    #[serde(flatten)]
    pub fields: OrderFields,
    pub created_by: Option<UserId>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub verified_by: Option<UserId>,
    pub verified_at: Option<DateTime<Utc>>,
}

impl Order {
    /// The prescription number shown on labels and pages: stable across the versions of one prescription.
    pub fn rx_number(&self) -> String {
        rx_number(self.lineage_id)
    }
}

pub fn rx_number(lineage: OrderId) -> String {
    let text = lineage.to_string().replace('-', "");
    format!("RX-{}", text[text.len() - 10..].to_ascii_uppercase())
}

/// National Provider Identifier: 10 digits whose last is a Luhn check digit computed over the prefix 80840 and the
/// first nine digits (CMS, "Requirements for National Provider Identifier (NPI) and NPI Enumeration: Check Digit").
pub fn parse_npi(raw: &str) -> Result<String, String> {
    let npi = raw.trim();
    if npi.len() != 10 || !npi.chars().all(|c| c.is_ascii_digit()) {
        return Err("must be 10 digits".into());
    }
    let digits: Vec<u32> = npi.chars().filter_map(|c| c.to_digit(10)).collect();
    // Luhn over the nine digits, doubling every other digit from the rightmost, plus the constant 24 for 80840.
    let mut sum = 24;
    for (i, d) in digits[..9].iter().rev().enumerate() {
        sum += if i % 2 == 0 {
            let doubled = d * 2;
            if doubled > 9 { doubled - 9 } else { doubled }
        } else {
            *d
        };
    }
    let check = (10 - sum % 10) % 10;
    if check != digits[9] {
        return Err("has a wrong check digit (not a valid NPI)".into());
    }
    Ok(npi.to_owned())
}

fn positive_decimal(text: Option<&str>, max: Decimal) -> Result<Option<Decimal>, String> {
    optional(text, |t| {
        let value: Decimal = t.parse().map_err(|_| "must be a number".to_owned())?;
        if value <= Decimal::ZERO {
            return Err("must be greater than 0".into());
        }
        if value > max {
            return Err(format!("must be at most {max}"));
        }
        Ok(value.normalize())
    })
}

fn non_negative_decimal(text: Option<&str>, max: Decimal) -> Result<Decimal, String> {
    match non_empty(text) {
        None => Ok(Decimal::ZERO),
        Some(t) => {
            let value: Decimal = t.parse().map_err(|_| "must be a number".to_owned())?;
            if value < Decimal::ZERO {
                return Err("must not be negative".into());
            }
            if value > max {
                return Err(format!("must be at most {max}"));
            }
            Ok(value.normalize())
        }
    }
}

fn whole_number(text: Option<&str>, min: u32, max: u32) -> Result<Option<u32>, String> {
    optional(text, |t| match t.parse::<u32>() {
        Ok(n) if (min..=max).contains(&n) => Ok(n),
        _ => Err(format!("must be a whole number from {min} to {max}")),
    })
}

impl TpnInput {
    fn validate(&self, v: &mut Validation) -> Option<TpnFields> {
        let big = Decimal::from(10_000);
        let volume_ml = v.check("tpn.volume_ml", positive_decimal(self.volume_ml.as_deref(), big));
        let infusion_hours = v.check("tpn.infusion_hours", positive_decimal(self.infusion_hours.as_deref(), 24.into()));
        let amount = |v: &mut Validation, field: &str, text: &Option<String>, max: i64| {
            v.check(&format!("tpn.{field}"), non_negative_decimal(text.as_deref(), Decimal::from(max)))
        };
        let dextrose_g = amount(v, "dextrose_g", &self.dextrose_g, 1500);
        let amino_acids_g = amount(v, "amino_acids_g", &self.amino_acids_g, 400);
        let lipid_g = amount(v, "lipid_g", &self.lipid_g, 250);
        let sodium_meq = amount(v, "sodium_meq", &self.sodium_meq, 1000);
        let potassium_meq = amount(v, "potassium_meq", &self.potassium_meq, 1000);
        let calcium_meq = amount(v, "calcium_meq", &self.calcium_meq, 500);
        let magnesium_meq = amount(v, "magnesium_meq", &self.magnesium_meq, 500);
        let phosphate_mmol = amount(v, "phosphate_mmol", &self.phosphate_mmol, 500);
        let fluid_goal_ml_day =
            v.check("tpn.fluid_goal_ml_day", positive_decimal(self.fluid_goal_ml_day.as_deref(), big));
        Some(TpnFields {
            volume_ml: volume_ml??,
            infusion_hours: infusion_hours??,
            dextrose_g: dextrose_g?,
            amino_acids_g: amino_acids_g?,
            lipid_g: lipid_g?,
            sodium_meq: sodium_meq?,
            potassium_meq: potassium_meq?,
            calcium_meq: calcium_meq?,
            magnesium_meq: magnesium_meq?,
            phosphate_mmol: phosphate_mmol?,
            fluid_goal_ml_day: fluid_goal_ml_day?,
        })
    }
}

impl OrderInput {
    /// Checks every field on its own and together (what the formulary says about the drug is checked by the use
    /// case). Local times without offset are read in the branch's time zone `zone`.
    pub fn validate(&self, zone: Tz, today: NaiveDate) -> Result<OrderFields, ValidationErrors> {
        let mut v = Validation::new();
        let prescriber_name =
            v.check("prescriber_name", crate::codes::clean_text(self.prescriber_name.as_deref().unwrap_or(""), 120));
        let prescriber_npi = v.check(
            "prescriber_npi",
            non_empty(self.prescriber_npi.as_deref()).ok_or_else(|| "is required".to_owned()).and_then(parse_npi),
        );
        let drug_code = v.check(
            "drug_code",
            non_empty(self.drug_code.as_deref()).ok_or_else(|| "is required".to_owned()).and_then(parse_code),
        );
        let dose_input = self.dose.clone().unwrap_or_default();
        let dose_value = v.check(
            "dose.value",
            match non_empty(dose_input.value.as_deref()) {
                None => Err("is required".to_owned()),
                Some(_) => positive_decimal(dose_input.value.as_deref(), Decimal::from(1_000_000)),
            },
        );
        let dose_unit =
            v.check("dose.unit", parse_required_enum(dose_input.unit.as_deref(), DoseUnit::parse, DoseUnit::expected));
        let dose_basis = v.check(
            "dose_basis",
            parse_enum_or(self.dose_basis.as_deref(), DoseBasis::Fixed, DoseBasis::parse, DoseBasis::expected),
        );
        let dose_period = v.check(
            "dose_period",
            optional(self.dose_period.as_deref(), |t| {
                DosePeriod::parse(t).ok_or_else(|| format!("must be one of {}", DosePeriod::expected()))
            }),
        );
        let route = v.check("route", parse_required_enum(self.route.as_deref(), Route::parse, Route::expected));
        let frequency = v.check(
            "frequency",
            non_empty(self.frequency.as_deref()).ok_or_else(|| "is required".to_owned()).and_then(Frequency::parse),
        );
        let duration_days = v.check("duration_days", whole_number(self.duration_days.as_deref(), 1, 366));
        let start_at = v.check(
            "start_at",
            match non_empty(self.start_at.as_deref()) {
                None => Err("is required".to_owned()),
                Some(text) => crate::time::parse_instant(text, zone),
            },
        );
        let stop_date = v.check(
            "stop_date",
            optional(self.stop_date.as_deref(), |t| {
                NaiveDate::parse_from_str(t, "%Y-%m-%d").map_err(|_| "must be a date in the form YYYY-MM-DD".to_owned())
            }),
        );
        let infusion_minutes = v.check("infusion_minutes", whole_number(self.infusion_minutes.as_deref(), 1, 1440));
        let rate_ml_h = v.check("rate_ml_h", positive_decimal(self.rate_ml_h.as_deref(), Decimal::from(2000)));
        let diluent = v.check("diluent", optional_text(self.diluent.as_deref(), 60));
        let final_volume_ml =
            v.check("final_volume_ml", positive_decimal(self.final_volume_ml.as_deref(), Decimal::from(5000)));
        let access_device_id = v.check(
            "access_device_id",
            optional(self.access_device_id.as_deref(), |t| {
                AccessDeviceId::parse(t)
                    .ok_or_else(|| "must be the id of one of the patient's access devices".to_owned())
            }),
        );
        let site_of_care = v.check(
            "site_of_care",
            parse_enum_or(self.site_of_care.as_deref(), SiteOfCare::Home, SiteOfCare::parse, SiteOfCare::expected),
        );
        let prn = self.prn.unwrap_or(false);
        let prn_reason = v.check("prn_reason", optional_text(self.prn_reason.as_deref(), 200));
        let priority = v.check(
            "priority",
            parse_enum_or(self.priority.as_deref(), Priority::Routine, Priority::parse, Priority::expected),
        );
        let notes = v.check("notes", optional_text(self.notes.as_deref(), 2000));
        let mut titration = Vec::new();
        for (i, step) in self.titration.iter().flatten().enumerate() {
            let rate = v.check(
                &format!("titration[{i}].ml_per_kg_h"),
                match non_empty(step.ml_per_kg_h.as_deref()) {
                    None => Err("is required".to_owned()),
                    Some(_) => positive_decimal(step.ml_per_kg_h.as_deref(), Decimal::from(20)),
                },
            );
            let minutes = v.check(&format!("titration[{i}].minutes"), whole_number(step.minutes.as_deref(), 1, 600));
            if let (Some(Some(ml_per_kg_h)), Some(minutes)) = (rate, minutes) {
                titration.push(OrderTitrationStep { ml_per_kg_h, minutes });
            }
        }
        let tpn = self.tpn.as_ref().map(|t| t.validate(&mut v));

        // Rules across fields.
        if let (Some(Some(_)), Some(Some(_))) = (&duration_days, &stop_date) {
            v.error("stop_date", "give a duration or a stop date, not both");
        }
        if let (Some(Some(stop)), Some(start)) = (&stop_date, &start_at)
            && *stop < start.date_naive()
        {
            v.error("stop_date", "must not be before the start");
        }
        if let Some(start) = &start_at
            && start.date_naive() < today - chrono::Duration::days(30)
        {
            v.error("start_at", "must not be more than 30 days in the past");
        }
        match (&frequency, &dose_period) {
            (Some(Frequency::Continuous), Some(None)) => {
                v.error("dose_period", "is required for a continuous infusion (min, h or day)")
            }
            (Some(f), Some(Some(_))) if *f != Frequency::Continuous => {
                v.error("dose_period", "applies to continuous infusions only")
            }
            _ => {}
        }
        if let (Some(DoseBasis::Auc), Some(unit)) = (&dose_basis, &dose_unit)
            && *unit != DoseUnit::Milligram
        {
            v.error("dose.unit", "must be mg when the dose is a target AUC (the calculated dose is in mg)");
        }
        if let (Some(DoseBasis::Auc), Some(Some(value))) = (&dose_basis, &dose_value)
            && *value > Decimal::from(10)
        {
            v.error("dose.value", "a target AUC is in mg·min/mL and at most 10");
        }
        if let (Some(route), Some(Some(_))) = (&route, &infusion_minutes)
            && matches!(route, Route::Enteral | Route::Intramuscular)
        {
            v.error("infusion_minutes", "applies to infusions only");
        }
        if prn && prn_reason.as_ref().is_some_and(Option::is_none) {
            v.error("prn_reason", "is required for an as-needed (PRN) order");
        }

        v.finish(|| {
            Some(OrderFields {
                prescriber_name: prescriber_name?,
                prescriber_npi: prescriber_npi?,
                drug_code: drug_code?,
                dose: Dose { value: dose_value??, unit: dose_unit? },
                dose_basis: dose_basis?,
                dose_period: dose_period?,
                route: route?,
                frequency: frequency?,
                duration_days: duration_days?,
                stop_date: stop_date?,
                infusion_minutes: infusion_minutes?,
                rate_ml_h: rate_ml_h?,
                diluent: diluent?,
                final_volume_ml: final_volume_ml?,
                access_device_id: access_device_id?,
                site_of_care: site_of_care?,
                start_at: start_at?,
                prn,
                prn_reason: prn_reason?,
                priority: priority?,
                titration,
                tpn: match tpn {
                    None => None,
                    Some(fields) => Some(fields?),
                },
                notes: notes?,
            })
        })
    }
}

impl OrderFields {
    /// The input that reproduces these fields (edit forms and merge patches start from it).
    pub fn to_input(&self, patient_id: PatientId, zone: Tz) -> OrderInput {
        let text = |d: Decimal| Some(d.normalize().to_string());
        OrderInput {
            patient_id: Some(patient_id.to_string()),
            prescriber_name: Some(self.prescriber_name.clone()),
            prescriber_npi: Some(self.prescriber_npi.clone()),
            drug_code: Some(self.drug_code.clone()),
            dose: Some(QuantityInput { value: text(self.dose.value), unit: Some(self.dose.unit.to_string()) }),
            dose_basis: Some(self.dose_basis.to_string()),
            dose_period: self.dose_period.map(|p| p.to_string()),
            route: Some(self.route.to_string()),
            frequency: Some(self.frequency.as_text()),
            duration_days: self.duration_days.map(|d| d.to_string()),
            stop_date: self.stop_date.map(|d| d.to_string()),
            infusion_minutes: self.infusion_minutes.map(|m| m.to_string()),
            rate_ml_h: self.rate_ml_h.and_then(text),
            diluent: self.diluent.clone(),
            final_volume_ml: self.final_volume_ml.and_then(text),
            access_device_id: self.access_device_id.map(|id| id.to_string()),
            site_of_care: Some(self.site_of_care.to_string()),
            start_at: Some(self.start_at.with_timezone(&zone).format("%Y-%m-%dT%H:%M").to_string()),
            prn: Some(self.prn),
            prn_reason: self.prn_reason.clone(),
            priority: Some(self.priority.to_string()),
            titration: (!self.titration.is_empty()).then(|| {
                self.titration
                    .iter()
                    .map(|s| TitrationStepInput {
                        ml_per_kg_h: text(s.ml_per_kg_h),
                        minutes: s.minutes.map(|m| m.to_string()),
                    })
                    .collect()
            }),
            tpn: self.tpn.as_ref().map(|t| TpnInput {
                volume_ml: text(t.volume_ml),
                infusion_hours: text(t.infusion_hours),
                dextrose_g: text(t.dextrose_g),
                amino_acids_g: text(t.amino_acids_g),
                lipid_g: text(t.lipid_g),
                sodium_meq: text(t.sodium_meq),
                potassium_meq: text(t.potassium_meq),
                calcium_meq: text(t.calcium_meq),
                magnesium_meq: text(t.magnesium_meq),
                phosphate_mmol: text(t.phosphate_mmol),
                fluid_goal_ml_day: t.fluid_goal_ml_day.and_then(text),
            }),
            notes: self.notes.clone(),
        }
    }

    /// The last day doses are given, from the duration or the stop date (inclusive), if either is set.
    pub fn end(&self) -> Option<DateTime<Utc>> {
        match (self.duration_days, self.stop_date) {
            (Some(days), _) => Some(self.start_at + chrono::Duration::days(i64::from(days))),
            (None, Some(date)) => date.succ_opt().map(|d| d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()),
            (None, None) => None,
        }
    }

    /// Doses given from the start until `until` (or the end of the order, if earlier), for cumulative totals.
    pub fn doses_given_until(&self, until: DateTime<Utc>) -> Decimal {
        let end = self.end().map_or(until, |e| e.min(until));
        if end <= self.start_at {
            return Decimal::ZERO;
        }
        let hours = Decimal::from((end - self.start_at).num_minutes()) / Decimal::from(60);
        match &self.frequency {
            Frequency::Once => Decimal::ONE,
            Frequency::Every { hours: h } => (hours / Decimal::from(*h)).floor() + Decimal::ONE,
            Frequency::Cyclic { .. } | Frequency::Weekdays(_) => (hours / Decimal::from(24)).floor() + Decimal::ONE,
            Frequency::Continuous => Decimal::ZERO,
        }
    }

    /// Every dose of the whole course (an order without an end counts one dose; continuous infusions none).
    pub fn doses_in_course(&self) -> Decimal {
        match self.end() {
            None => Decimal::ONE,
            Some(end) => self.doses_given_until(end - chrono::Duration::seconds(1)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn npi_check_digit_follows_the_cms_example() {
        // CMS's worked example in the NPI check-digit requirements: 123456789 → check digit 3.
        assert_eq!(parse_npi("1234567893").unwrap(), "1234567893");
        assert_eq!(parse_npi("1234567890").unwrap_err(), "has a wrong check digit (not a valid NPI)");
        assert!(parse_npi("123456789").is_err());
        assert!(parse_npi("12345678A3").is_err());
    }

    #[test]
    fn frequencies_parse_and_print_back() {
        for text in ["q6h", "q8h", "q12h", "q24h", "q36h", "q48h", "once", "continuous", "cyclic_12h", "q21d"] {
            assert_eq!(Frequency::parse(text).unwrap().as_text(), text);
        }
        assert_eq!(Frequency::parse("q7d").unwrap(), Frequency::Every { hours: 168 });
        assert_eq!(Frequency::parse("weekdays:fri,mon,wed").unwrap().as_text(), "weekdays:mon,wed,fri");
        assert!(Frequency::parse("q5h").is_err());
        assert!(Frequency::parse("cyclic_30h").is_err());
        assert!(Frequency::parse("weekdays:funday").is_err());
        assert_eq!(Frequency::parse("q8h").unwrap().doses_per_day(), Some(Decimal::from(3)));
        assert_eq!(Frequency::parse("q48h").unwrap().doses_per_day(), Some(Decimal::new(5, 1)));
    }

    #[test]
    fn the_state_machine_allows_only_the_documented_moves() {
        use OrderAction as A;
        use OrderStatus as S;
        assert_eq!(A::Submit.next(S::Draft), Some(S::PendingVerification));
        assert_eq!(A::Verify.next(S::PendingVerification), Some(S::Verified));
        assert_eq!(A::Verify.next(S::Verified), None, "verified twice");
        assert_eq!(A::Verify.next(S::Draft), None, "a draft is submitted first");
        assert_eq!(A::Activate.next(S::Verified), Some(S::Active));
        assert_eq!(A::Activate.next(S::PendingVerification), None, "never active without verification");
        assert_eq!(A::Resume.next(S::OnHold), Some(S::Active));
        for terminal in [S::Completed, S::Discontinued, S::Rejected, S::Superseded] {
            for action in A::ALL {
                assert_eq!(action.next(terminal), None, "{action} from {terminal}");
            }
        }
    }

    fn input() -> OrderInput {
        OrderInput {
            patient_id: None,
            prescriber_name: Some("Dr Ada Synthetic".into()),
            prescriber_npi: Some("1234567893".into()),
            drug_code: Some("vancomycin".into()),
            dose: Some(QuantityInput { value: Some("1250".into()), unit: Some("mg".into()) }),
            route: Some("iv".into()),
            frequency: Some("q12h".into()),
            duration_days: Some("14".into()),
            infusion_minutes: Some("120".into()),
            start_at: Some("2026-11-24T08:00".into()),
            ..OrderInput::default()
        }
    }

    #[test]
    fn a_complete_order_validates_and_round_trips_through_its_input() {
        let zone = chrono_tz::America::New_York;
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let fields = input().validate(zone, today).unwrap();
        assert_eq!(fields.start_at, Utc.with_ymd_and_hms(2026, 11, 24, 13, 0, 0).unwrap());
        assert_eq!(fields.dose_basis, DoseBasis::Fixed);
        let again = fields.to_input(PatientId::new(), zone).validate(zone, today).unwrap();
        assert_eq!(again, fields);
        assert_eq!(fields.doses_in_course(), Decimal::from(28), "14 days of q12h");
    }

    #[test]
    fn each_bad_field_is_named() {
        let zone = chrono_tz::America::New_York;
        let today = NaiveDate::from_ymd_opt(2026, 11, 23).unwrap();
        let bad = OrderInput {
            prescriber_npi: Some("1234567890".into()),
            dose: Some(QuantityInput { value: Some("-5".into()), unit: Some("mgs".into()) }),
            frequency: Some("continuous".into()),
            stop_date: Some("2026-12-01".into()),
            prn: Some(true),
            ..input()
        };
        let errors = bad.validate(zone, today).unwrap_err();
        for field in ["prescriber_npi", "dose.value", "dose.unit", "dose_period", "stop_date", "prn_reason"] {
            assert!(errors.message_for(field).is_some(), "{field} in {errors}");
        }
    }
}
