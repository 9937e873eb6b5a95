DROP VIEW patient_allergies_and_devices;
DROP VIEW patient_observations;
