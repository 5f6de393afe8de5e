-- The head's record check (audit_heads_name_a_record, migration 0002) is planned afresh on each call, with the
-- table as it is. PL/pgSQL otherwise keeps a generic plan per connection after five calls, and one made while
-- audit_records was new and not yet analyzed costs its (org_id, at) index like the unique (org_id, seq) one and may
-- take it: the check then read every record of the organization on each append, until an ANALYZE replaced the plan,
-- so an append cost grew with its chain (measured on a fresh database: 2,600 appends read 1.7 million index entries,
-- and an audited transaction went from 9 to 38 ms within 6,000 records while an unaudited one stayed at 4). A plan
-- made per call sees the table's real size and finds the record by the unique index once the table has grown.
ALTER FUNCTION audit_heads_name_a_record() SET plan_cache_mode = force_custom_plan;
