//! `openinfusion admin …`: the operator's commands (DESIGN.md §4). They act as the CLI operator (`Caller::cli()`),
//! with every change audited like a change made in the UI.

use std::io::Read;
use std::process::ExitCode;

use anyhow::{Context, bail};
use app::Caller;
use app::users::CreateUser;
use domain::branch::BranchInput;
use domain::role::Role;
use domain::user::{RoleGrant, UserInput};

use crate::{DatabaseArgs, open_app};

#[derive(clap::Subcommand)]
pub enum AdminCommand {
    /// Create a user with a role at a branch (default: the main branch); the password is read from stdin
    CreateUser {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        branch: Option<String>,
        #[arg(long)]
        display_name: Option<String>,
        /// Read the password from standard input (required: passwords never go on the command line)
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Create an API token for a user and print it (only the token, on stdout)
    CreateToken {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        name: String,
    },
    /// Check the audit trail's hash chain; non-zero exit naming the first broken row
    VerifyAudit,
    /// Disable a user (ends their sessions)
    DisableUser {
        #[arg(long)]
        username: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Enable a disabled user
    EnableUser {
        #[arg(long)]
        username: String,
    },
    /// Set a new password, read from stdin (ends the user's sessions)
    ResetPassword {
        #[arg(long)]
        username: String,
        #[arg(long, required = true)]
        password_stdin: bool,
    },
    /// Add a role at a branch to an existing user
    GrantRole {
        #[arg(long)]
        username: String,
        #[arg(long, value_parser = parse_role)]
        role: Role,
        #[arg(long)]
        branch: Option<String>,
    },
    /// Create a branch
    CreateBranch {
        #[arg(long)]
        code: String,
        #[arg(long)]
        name: String,
        /// home_infusion_pharmacy, ambulatory_infusion_centre, ambulatory_surgical_centre or hospital_clinic
        #[arg(long)]
        kind: String,
        /// IANA time zone, e.g. America/Denver
        #[arg(long)]
        time_zone: String,
    },
}

fn parse_role(text: &str) -> Result<Role, String> {
    Role::parse(text).ok_or_else(|| format!("must be one of {}", Role::expected()))
}

fn read_password() -> anyhow::Result<String> {
    let mut password = String::new();
    std::io::stdin().read_to_string(&mut password).context("cannot read the password from stdin")?;
    let password =
        password.strip_suffix('\n').map(|p| p.strip_suffix('\r').unwrap_or(p)).unwrap_or(&password).to_owned();
    if password.is_empty() {
        bail!("no password on stdin");
    }
    Ok(password)
}

fn branch_id(app: &app::App, code: Option<&str>) -> anyhow::Result<domain::BranchId> {
    Ok(match code {
        Some(code) => app.find_branch_by_code(code)?.with_context(|| format!("--branch {code:?} names no branch"))?.id,
        None => app.main_branch()?.id,
    })
}

pub fn run(db: &DatabaseArgs, command: AdminCommand) -> anyhow::Result<ExitCode> {
    let app = open_app(db, 2)?;
    let cli = Caller::cli();
    match command {
        AdminCommand::CreateUser { username, role, branch, display_name, password_stdin: _ } => {
            let password = read_password()?;
            let branch = branch_id(&app, branch.as_deref())?;
            let input = UserInput { username: Some(username), display_name, password: Some(password) };
            let user = app.create_user(
                &cli,
                CreateUser { input, grants: vec![RoleGrant { branch_id: branch, role }], home_branch: Some(branch) },
            )?;
            eprintln!("created user {} ({})", user.username, user.id);
        }
        AdminCommand::CreateToken { username, name } => {
            let created = app.create_api_token(&cli, &username, &name)?;
            println!("{}", created.token);
        }
        AdminCommand::VerifyAudit => match app.verify_audit(&cli)? {
            Ok(count) => println!("audit chain intact: {count} events"),
            Err(broken) => {
                eprintln!("error: audit chain broken at event {}: {}", broken.seq, broken.reason);
                return Ok(ExitCode::FAILURE);
            }
        },
        AdminCommand::DisableUser { username, reason } => {
            let user = app.find_user_by_username(&cli, &username)?;
            app.set_user_disabled(&cli, user.id, true, reason.as_deref())?;
            eprintln!("disabled {username}");
        }
        AdminCommand::EnableUser { username } => {
            let user = app.find_user_by_username(&cli, &username)?;
            app.set_user_disabled(&cli, user.id, false, None)?;
            eprintln!("enabled {username}");
        }
        AdminCommand::ResetPassword { username, password_stdin: _ } => {
            let password = read_password()?;
            let user = app.find_user_by_username(&cli, &username)?;
            app.reset_password(&cli, user.id, &password)?;
            eprintln!("password reset for {username}");
        }
        AdminCommand::GrantRole { username, role, branch } => {
            let user = app.find_user_by_username(&cli, &username)?;
            let mut grants = user.grants.clone();
            grants.push(RoleGrant { branch_id: branch_id(&app, branch.as_deref())?, role });
            app.set_user_roles(&cli, user.id, grants)?;
            eprintln!("granted {role} to {username}");
        }
        AdminCommand::CreateBranch { code, name, kind, time_zone } => {
            let branch = app.create_branch(
                &cli,
                &BranchInput { code: Some(code), name: Some(name), kind: Some(kind), time_zone: Some(time_zone) },
            )?;
            eprintln!("created branch {} ({})", branch.code, branch.id);
        }
    }
    Ok(ExitCode::SUCCESS)
}
