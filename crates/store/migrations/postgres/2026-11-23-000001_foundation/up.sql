-- Foundation schema: branches, users and roles, sessions, API tokens, login attempts, patients and their clinical
-- records, and the hash-chained, append-only audit trail. Ids are UUIDv7 text; times are UTC TIMESTAMP bound from
-- the application clock; sortable text uses the C collation so order matches SQLite's BINARY.

CREATE TABLE branches (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    code TEXT COLLATE "C" NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    is_main BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    username TEXT COLLATE "C" NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    disabled BOOLEAN NOT NULL,
    home_branch_id TEXT COLLATE "C" NOT NULL REFERENCES branches (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    branch_id TEXT COLLATE "C" NOT NULL REFERENCES branches (id),
    role TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (user_id, branch_id, role)
);

CREATE TABLE sessions (
    token_hash TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    id TEXT COLLATE "C" PRIMARY KEY,
    username TEXT COLLATE "C" NOT NULL,
    remote_addr TEXT COLLATE "C" NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, attempted_at);
CREATE INDEX login_attempts_remote ON login_attempts (remote_addr, attempted_at);

CREATE TABLE api_tokens (
    id TEXT COLLATE "C" PRIMARY KEY,
    user_id TEXT COLLATE "C" NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT COLLATE "C" NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE patients (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    branch_id TEXT COLLATE "C" NOT NULL REFERENCES branches (id),
    mrn TEXT COLLATE "C" NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    middle_name TEXT,
    family_name TEXT NOT NULL,
    given_key TEXT COLLATE "C" NOT NULL,
    family_key TEXT COLLATE "C" NOT NULL,
    birth_date DATE NOT NULL,
    sex TEXT NOT NULL,
    language TEXT NOT NULL,
    phone TEXT,
    email TEXT,
    address_line1 TEXT,
    address_line2 TEXT,
    city TEXT,
    region TEXT,
    postal_code TEXT,
    country TEXT,
    latitude DOUBLE PRECISION,
    longitude DOUBLE PRECISION,
    emergency_contact_name TEXT,
    emergency_contact_relationship TEXT,
    emergency_contact_phone TEXT,
    status TEXT NOT NULL,
    site_of_care TEXT NOT NULL,
    possible_duplicate_of TEXT COLLATE "C",
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX patients_by_name ON patients (family_key, given_key, id);
CREATE INDEX patients_by_identity ON patients (family_key, given_key, birth_date);

-- Search terms: each lower-cased word of a patient's names and the lower-cased MRN, with the patient's sort keys
-- and branch, so a page of matches is chosen from the covering index alone (term >= w AND term < successor(w),
-- then the name order) and only the rows shown are read from `patients`. Same plan on both backends.
CREATE TABLE patient_search_terms (
    term TEXT COLLATE "C" NOT NULL,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    branch_id TEXT COLLATE "C" NOT NULL,
    family_key TEXT COLLATE "C" NOT NULL,
    given_key TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (term, patient_id)
);
CREATE INDEX patient_search_terms_page ON patient_search_terms (term, family_key, given_key, patient_id, branch_id);
-- (patient_id, term): the other words of a query are checked by probing this index for each candidate.
CREATE INDEX patient_search_terms_patient ON patient_search_terms (patient_id, term);
-- MRN terms are most of the rows; a finer histogram keeps range estimates for name words realistic, so the planner
-- does not mistake a thousand-row range for one row and rescan it per candidate.
ALTER TABLE patient_search_terms ALTER COLUMN term SET STATISTICS 1000;

CREATE TABLE patient_allergies (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    substance TEXT,
    drug_class TEXT,
    reaction TEXT,
    severity TEXT NOT NULL,
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_allergies_patient ON patient_allergies (patient_id);

CREATE TABLE patient_measurements (
    id TEXT COLLATE "C" PRIMARY KEY,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    measured_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_measurements_patient ON patient_measurements (patient_id, measured_at);

CREATE TABLE patient_labs (
    id TEXT COLLATE "C" PRIMARY KEY,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    loinc TEXT COLLATE "C" NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    collected_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_labs_patient ON patient_labs (patient_id, loinc, collected_at);

CREATE TABLE patient_diagnoses (
    id TEXT COLLATE "C" PRIMARY KEY,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    icd10 TEXT COLLATE "C" NOT NULL,
    description TEXT,
    is_primary BOOLEAN NOT NULL,
    onset_date DATE,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_diagnoses_patient ON patient_diagnoses (patient_id);

CREATE TABLE patient_coverages (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    payer_name TEXT NOT NULL,
    member_id TEXT NOT NULL,
    group_number TEXT,
    priority INTEGER NOT NULL,
    effective_from DATE NOT NULL,
    effective_to DATE,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_coverages_patient ON patient_coverages (patient_id);

CREATE TABLE patient_access_devices (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL,
    lumens INTEGER NOT NULL,
    site TEXT NOT NULL,
    inserted_on DATE NOT NULL,
    removed_on DATE,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_access_devices_patient ON patient_access_devices (patient_id);

CREATE TABLE audit_events (
    seq BIGINT PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_id TEXT COLLATE "C",
    actor_name TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    branch_id TEXT COLLATE "C",
    action TEXT COLLATE "C" NOT NULL,
    entity_type TEXT COLLATE "C" NOT NULL,
    entity_id TEXT COLLATE "C" NOT NULL,
    patient_id TEXT COLLATE "C",
    diff TEXT NOT NULL,
    reason TEXT,
    request_id TEXT,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_events_entity ON audit_events (entity_id, seq);
CREATE INDEX audit_events_patient ON audit_events (patient_id, seq);
CREATE INDEX audit_events_actor ON audit_events (actor_name, seq);
CREATE INDEX audit_events_time ON audit_events (occurred_at);

-- One row: the end of the chain. Updating it inside the write transaction serialises appends across app nodes.
CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY,
    last_seq BIGINT NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_seq, last_hash) VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000');

CREATE FUNCTION audit_events_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only';
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER audit_events_no_update BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_append_only();
