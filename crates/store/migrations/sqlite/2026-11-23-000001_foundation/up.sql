-- Foundation schema: branches, users and roles, sessions, API tokens, login attempts, patients and their clinical
-- records, and the hash-chained, append-only audit trail. Ids are UUIDv7 text; times are UTC TIMESTAMP bound from
-- the application clock; sortable text uses SQLite's BINARY collation, PostgreSQL uses "C" to match.

CREATE TABLE branches (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    is_main BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    totp_secret TEXT,
    disabled BOOLEAN NOT NULL,
    home_branch_id TEXT NOT NULL REFERENCES branches (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id),
    branch_id TEXT NOT NULL REFERENCES branches (id),
    role TEXT NOT NULL,
    PRIMARY KEY (user_id, branch_id, role)
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    csrf_token TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);

CREATE TABLE login_attempts (
    id TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    succeeded BOOLEAN NOT NULL,
    attempted_at TIMESTAMP NOT NULL
);
CREATE INDEX login_attempts_username ON login_attempts (username, attempted_at);
CREATE INDEX login_attempts_remote ON login_attempts (remote_addr, attempted_at);

CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL REFERENCES users (id),
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP,
    revoked_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens (user_id);

CREATE TABLE patients (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    branch_id TEXT NOT NULL REFERENCES branches (id),
    mrn TEXT NOT NULL UNIQUE,
    given_name TEXT NOT NULL,
    middle_name TEXT,
    family_name TEXT NOT NULL,
    given_key TEXT NOT NULL,
    family_key TEXT NOT NULL,
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
    latitude DOUBLE,
    longitude DOUBLE,
    emergency_contact_name TEXT,
    emergency_contact_relationship TEXT,
    emergency_contact_phone TEXT,
    status TEXT NOT NULL,
    site_of_care TEXT NOT NULL,
    possible_duplicate_of TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
CREATE INDEX patients_by_name ON patients (family_key, given_key, id);
CREATE INDEX patients_by_identity ON patients (family_key, given_key, birth_date);

-- Search terms: each lower-cased word of a patient's names and the lower-cased MRN, with the patient's sort keys
-- and branch, so a page of matches is chosen from the covering index alone (term >= w AND term < successor(w),
-- then the name order) and only the rows shown are read from `patients`. Same plan on both backends.
CREATE TABLE patient_search_terms (
    term TEXT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    branch_id TEXT NOT NULL,
    family_key TEXT NOT NULL,
    given_key TEXT NOT NULL,
    PRIMARY KEY (term, patient_id)
);
CREATE INDEX patient_search_terms_page ON patient_search_terms (term, family_key, given_key, patient_id, branch_id);
-- (patient_id, term): the other words of a query are checked by probing this index for each candidate.
CREATE INDEX patient_search_terms_patient ON patient_search_terms (patient_id, term);

CREATE TABLE patient_allergies (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
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
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    measured_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_measurements_patient ON patient_measurements (patient_id, measured_at);

CREATE TABLE patient_labs (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    loinc TEXT NOT NULL,
    value TEXT NOT NULL,
    unit TEXT NOT NULL,
    collected_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_labs_patient ON patient_labs (patient_id, loinc, collected_at);

CREATE TABLE patient_diagnoses (
    id TEXT PRIMARY KEY,
    patient_id TEXT NOT NULL REFERENCES patients (id),
    icd10 TEXT NOT NULL,
    description TEXT,
    is_primary BOOLEAN NOT NULL,
    onset_date DATE,
    recorded_at TIMESTAMP NOT NULL
);
CREATE INDEX patient_diagnoses_patient ON patient_diagnoses (patient_id);

CREATE TABLE patient_coverages (
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
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
    id TEXT PRIMARY KEY,
    version BIGINT NOT NULL,
    patient_id TEXT NOT NULL REFERENCES patients (id),
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
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    actor_roles TEXT NOT NULL,
    branch_id TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    patient_id TEXT,
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

CREATE TRIGGER audit_events_no_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;

CREATE TRIGGER audit_events_no_delete BEFORE DELETE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'audit_events is append-only');
END;
