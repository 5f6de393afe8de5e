-- The head's record check (audit_heads_name_a_record, migration 0002) planned afresh on each call. PL/pgSQL keeps a
-- generic plan of its query per connection once five calls have run, and a plan made while audit_records was nearly
-- empty found the record through audit_records_org_at_idx, reading every record of the organization on each append:
-- an append cost grew with its chain (in a measurement, 2,600 appends read 1.7 million index entries, and an audited
-- transaction went from 9 to 38 ms within 6,000 records while an unaudited one stayed at 4). A custom plan, made with
-- the record's values and the table as it is, finds it by the unique (org_id, seq) index.
ALTER FUNCTION audit_heads_name_a_record() SET plan_cache_mode = force_custom_plan;
