-- Two read-only views so decision support reads a patient's clinical records in two prepared statements instead of
-- four: measurements and labs (the same shape), and allergies with access devices (one wide row, the other kind's
-- columns NULL). Written through the base tables only.

CREATE VIEW patient_observations AS
SELECT CAST('m' AS TEXT) AS source, id, patient_id, kind AS code, value, unit, measured_at AS observed_at, recorded_at
FROM patient_measurements
UNION ALL
SELECT CAST('l' AS TEXT) AS source, id, patient_id, loinc AS code, value, unit, collected_at AS observed_at, recorded_at
FROM patient_labs;

CREATE VIEW patient_allergies_and_devices AS
SELECT CAST('a' AS TEXT) AS source, id, version, patient_id, substance, drug_class, reaction, severity,
       kind AS allergy_kind, status, CAST(NULL AS TEXT) AS device_kind, CAST(NULL AS INTEGER) AS lumens,
       CAST(NULL AS TEXT) AS site, CAST(NULL AS DATE) AS inserted_on, CAST(NULL AS DATE) AS removed_on, recorded_at
FROM patient_allergies
UNION ALL
SELECT CAST('d' AS TEXT) AS source, id, version, patient_id, CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT),
       CAST(NULL AS TEXT), CAST(NULL AS TEXT), CAST(NULL AS TEXT), kind, lumens, site, inserted_on, removed_on,
       recorded_at
FROM patient_access_devices;
