//! The roles-per-branch checkbox grid of the new-user form and the user page: one row per branch, one column per
//! role, each checkbox posting `grant=<branch_id>:<role>`; and reading those values back into role grants.

use std::collections::HashSet;

use domain::BranchId;
use domain::branch::Branch;
use domain::role::Role;
use domain::user::RoleGrant;

/// The posted form of one grant.
pub fn grant_value(grant: RoleGrant) -> String {
    format!("{}:{}", grant.branch_id, grant.role)
}

/// Reads one posted `<branch_id>:<role>`.
pub fn parse_grant(text: &str) -> Option<RoleGrant> {
    let (branch, role) = text.trim().split_once(':')?;
    Some(RoleGrant { branch_id: BranchId::parse(branch)?, role: Role::parse(role)? })
}

/// Reads every posted grant; one unreadable value refuses them all (the form only posts values it rendered).
pub fn parse_grants(values: &[&str]) -> Result<Vec<RoleGrant>, String> {
    values
        .iter()
        .map(|v| {
            parse_grant(v)
                .ok_or_else(|| "contains a branch or role this server does not know; reload the page".to_owned())
        })
        .collect()
}

/// `Pharmacist @ MAIN` for each grant, in branch-code then role order.
pub fn describe_grants(grants: &[RoleGrant], branches: &[Branch]) -> Vec<String> {
    let code = |id: BranchId| branches.iter().find(|b| b.id == id).map_or_else(|| id.to_string(), |b| b.code.clone());
    let mut described: Vec<(String, Role)> = grants.iter().map(|g| (code(g.branch_id), g.role)).collect();
    described.sort();
    described.dedup();
    described.into_iter().map(|(code, role)| format!("{} @ {code}", role.label())).collect()
}

pub struct GrantCell {
    pub id: String,
    pub value: String,
    /// The checkbox's label: "Pharmacist at MAIN".
    pub label: String,
    pub checked: bool,
}

pub struct GrantRow {
    pub branch: String,
    pub cells: Vec<GrantCell>,
}

/// The grid as the template renders it; `error` is shown above it.
pub struct GrantGrid {
    pub roles: Vec<&'static str>,
    pub rows: Vec<GrantRow>,
    pub error: Option<String>,
}

impl GrantGrid {
    /// `selected` holds the posted values (`grant_value`) that are ticked.
    pub fn new(branches: &[Branch], selected: &HashSet<String>, error: Option<String>) -> Self {
        let rows = branches
            .iter()
            .map(|branch| GrantRow {
                branch: format!("{} — {}", branch.code, branch.name),
                cells: Role::ALL
                    .iter()
                    .map(|role| {
                        let value = grant_value(RoleGrant { branch_id: branch.id, role: *role });
                        GrantCell {
                            id: format!("grant-{}-{}", branch.code.to_ascii_lowercase(), role.as_str()),
                            checked: selected.contains(&value),
                            label: format!("{} at {}", role.label(), branch.code),
                            value,
                        }
                    })
                    .collect(),
            })
            .collect();
        GrantGrid { roles: Role::ALL.iter().map(|r| r.label()).collect(), rows, error }
    }

    /// The ticked values of a user's grants.
    pub fn selected(grants: &[RoleGrant]) -> HashSet<String> {
        grants.iter().copied().map(grant_value).collect()
    }

    /// The ticked values of a posted form.
    pub fn posted(values: &[&str]) -> HashSet<String> {
        values.iter().map(|v| (*v).to_owned()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn branch(code: &str) -> Branch {
        Branch {
            id: BranchId::new(),
            version: 1,
            code: code.into(),
            name: format!("{code} branch"),
            kind: domain::branch::BranchKind::HomeInfusionPharmacy,
            time_zone: chrono_tz::America::New_York,
            is_main: false,
            created_at: chrono::Utc::now(),
        }
    }

    #[test]
    fn grants_round_trip_through_their_posted_form() {
        let grant = RoleGrant { branch_id: BranchId::new(), role: Role::Pharmacist };
        let text = grant_value(grant);
        assert_eq!(text, format!("{}:pharmacist", grant.branch_id));
        assert_eq!(parse_grant(&text), Some(grant));
        assert_eq!(parse_grants(&[text.as_str(), text.as_str()]).map(|g| g.len()), Ok(2));
        assert_eq!(parse_grants(&[]), Ok(Vec::new()));
    }

    #[test]
    fn unreadable_grants_are_refused() {
        let id = BranchId::new();
        for bad in
            ["", "pharmacist", &format!("{id}"), &format!("{id}:wizard"), "not-a-uuid:nurse", &format!("{id}:Nurse")]
        {
            assert_eq!(parse_grant(bad), None, "{bad:?}");
            assert!(parse_grants(&[bad]).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn grid_ticks_selected_cells_and_describes_grants() {
        let (main, east) = (branch("MAIN"), branch("EAST"));
        let grants = [
            RoleGrant { branch_id: main.id, role: Role::Pharmacist },
            RoleGrant { branch_id: east.id, role: Role::Admin },
        ];
        let branches = [main.clone(), east.clone()];
        let grid = GrantGrid::new(&branches, &GrantGrid::selected(&grants), None);
        assert_eq!(grid.roles.len(), Role::ALL.len());
        let ticked: Vec<&str> =
            grid.rows.iter().flat_map(|r| &r.cells).filter(|c| c.checked).map(|c| c.label.as_str()).collect();
        assert_eq!(ticked, ["Pharmacist at MAIN", "Administrator at EAST"]);
        assert_eq!(describe_grants(&grants, &branches), ["Administrator @ EAST", "Pharmacist @ MAIN"]);
    }
}
