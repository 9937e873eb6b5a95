//! The path the future `POST /api/v1/dosing/estimate` handler will take, end to end through the public API:
//! model by id → validate → MAP → AUC windows → suggestions → curve. One integration binary (STYLE §2.10).

mod estimate_flow;
