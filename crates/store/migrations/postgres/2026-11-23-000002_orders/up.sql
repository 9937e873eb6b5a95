-- Formulary (live copy, seeded from data/formulary/*.toml; every edit kept in formulary_entry_versions), orders
-- (one row per version of a prescription, linked by lineage_id and previous_id) and pharmacist verifications.

CREATE TABLE formulary_entries (
    code TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    name TEXT NOT NULL,
    therapy_class TEXT NOT NULL,
    document TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    updated_by TEXT NOT NULL
);

CREATE TABLE formulary_entry_versions (
    code TEXT COLLATE "C" NOT NULL REFERENCES formulary_entries (code),
    version BIGINT NOT NULL,
    document TEXT NOT NULL,
    changed_at TIMESTAMP NOT NULL,
    changed_by TEXT NOT NULL,
    reason TEXT NOT NULL,
    PRIMARY KEY (code, version)
);

CREATE TABLE orders (
    id TEXT COLLATE "C" PRIMARY KEY,
    version BIGINT NOT NULL,
    branch_id TEXT COLLATE "C" NOT NULL REFERENCES branches (id),
    patient_id TEXT COLLATE "C" NOT NULL REFERENCES patients (id),
    lineage_id TEXT COLLATE "C" NOT NULL,
    previous_id TEXT COLLATE "C" REFERENCES orders (id),
    change_reason TEXT,
    status TEXT NOT NULL,
    status_reason TEXT,
    priority_rank BIGINT NOT NULL,
    drug_code TEXT COLLATE "C" NOT NULL,
    document TEXT NOT NULL,
    start_at TIMESTAMP NOT NULL,
    created_by TEXT COLLATE "C",
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    submitted_at TIMESTAMP,
    verified_by TEXT COLLATE "C",
    verified_at TIMESTAMP
);
CREATE INDEX orders_patient ON orders (patient_id, status);
-- The verification queue: one branch reads this index in order; several branches read the next one in order and
-- filter by branch (an ANY() on branch_id would otherwise sort every pending row).
CREATE INDEX orders_queue ON orders (status, branch_id, priority_rank, submitted_at, id);
CREATE INDEX orders_queue_all_branches ON orders (status, priority_rank, submitted_at, id);
CREATE INDEX orders_lineage ON orders (lineage_id);

CREATE TABLE order_verifications (
    id TEXT COLLATE "C" PRIMARY KEY,
    order_id TEXT COLLATE "C" NOT NULL REFERENCES orders (id),
    order_version BIGINT NOT NULL,
    outcome TEXT NOT NULL,
    pharmacist_id TEXT COLLATE "C",
    pharmacist_name TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    reason TEXT,
    alerts TEXT NOT NULL,
    overrides TEXT NOT NULL
);
CREATE INDEX order_verifications_order ON order_verifications (order_id);
